"""Suite-wide defaults. Keep this small: layer-specific fixtures live in their own conftest.py."""

from __future__ import annotations

import os
import tempfile

# Qt reads QT_QPA_PLATFORM when the first Q(Gui)Application is created, so setting it here,
# before any test module imports Qt, makes widget tests run without a display. Tests that need a
# real X server (e2e) can still set QT_QPA_PLATFORM=xcb themselves; an explicit value wins.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# What the app keeps in the user's data folder (the reviewed events' SQLite database) goes to a
# folder of this test run, never into the developer's own (platformdirs reads XDG_DATA_HOME).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="faceter-tests-data-")

# The demo service fixtures (demo_service, demo_client, make_demo_service, ...), and the check that
# fails a test leaving threads or active QTimers behind.
pytest_plugins = ["tests.helpers.leak_check", "tests.helpers.demo_fixtures"]
