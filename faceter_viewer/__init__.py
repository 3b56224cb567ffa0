"""Faceter Viewer: a desktop viewer for cameras connected to the Faceter cloud."""

__version__ = "0.1.0"
