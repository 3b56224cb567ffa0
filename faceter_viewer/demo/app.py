"""The demo service's ASGI app: routes, ProblemDetails for every error, faults, request log."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from faceter_viewer.demo import archive_routes, integration_routes
from faceter_viewer.demo.faults import FaultMiddleware
from faceter_viewer.demo.responses import http_exception_handler, problem
from faceter_viewer.demo.state import DemoState

log = logging.getLogger(__name__)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("demo service: %s %s failed", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, f"The demo service failed: {type(exc).__name__}")


class RequestLog:
    """Remembers every request's method and path (tests count refreshes and retries with it)."""

    def __init__(self, app, state: DemoState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            range_, if_range = headers.get(b"range"), headers.get(b"if-range")
            self.state.record_request(
                scope["method"],
                scope["path"],
                range_.decode("latin-1") if range_ is not None else None,
                if_range.decode("latin-1") if if_range is not None else None,
            )
        await self.app(scope, receive, send)


def build_app(state: DemoState):
    app = Starlette(
        routes=integration_routes.routes(state) + archive_routes.routes(state),
        exception_handlers={HTTPException: http_exception_handler, Exception: _server_error},
    )
    return RequestLog(FaultMiddleware(app, state.faults), state)
