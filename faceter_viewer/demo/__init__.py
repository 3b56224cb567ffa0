"""The Faceter-compatible demo service (starlette + uvicorn on 127.0.0.1) with real generated
media (media/). Public interface: DemoService, run_demo_server (service.py), the fault grammar
(faults.py). Imported lazily, so `faceter_viewer.demo.media` does not pull in the web server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faceter_viewer.demo.faults import FaultSpecError
    from faceter_viewer.demo.service import DEFAULT_INTEGRATION_KEY, DemoService, run_demo_server

__all__ = ["DEFAULT_INTEGRATION_KEY", "DemoService", "FaultSpecError", "run_demo_server"]


def __getattr__(name: str) -> Any:
    if name == "FaultSpecError":
        from faceter_viewer.demo.faults import FaultSpecError

        return FaultSpecError
    if name in ("DEFAULT_INTEGRATION_KEY", "DemoService", "run_demo_server"):
        from faceter_viewer.demo import service

        return getattr(service, name)
    raise AttributeError(f"module 'faceter_viewer.demo' has no attribute {name!r}")
