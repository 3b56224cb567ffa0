"""Unit tests of faceter_viewer.api (a package, so that test module names cannot clash with other layers')."""
