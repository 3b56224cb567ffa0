"""Response helpers: every JSON body comes from the api/ models (by alias), and the error bodies
take the shapes api-rules §12 lists (ProblemDetails, {"status","code","description"})."""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from faceter_viewer.api.models import ApiModel, ErrorCodeBody, ProblemDetails

HLS_MEDIA_TYPE = "application/vnd.apple.mpegurl"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def model_response(model: ApiModel | Iterable[ApiModel], status: int = 200) -> Response:
    """A model, or a list of models, as the API names it (camelCase, no nulls)."""
    if isinstance(model, BaseModel):
        payload: Any = model.to_api()
    else:
        payload = [item.to_api() for item in model]
    return Response(_dumps(payload), status_code=status, media_type="application/json")


def problem_body(status: int, detail: str, instance: str) -> bytes:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    problem = ProblemDetails(type="about:blank", title=title, status=status, detail=detail, instance=instance)
    return _dumps(problem.to_api())


def problem(request: Request | str, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """RFC 7807 ProblemDetails."""
    instance = request if isinstance(request, str) else request.url.path
    return Response(
        problem_body(status, detail, instance), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def code_error(status: int, code: str, description: str) -> Response:
    """{"status", "code", "description"}, as the Archive API's PlaylistNotFound."""
    body = ErrorCodeBody(status=status, code=code, description=description)
    return Response(_dumps(body.to_api()), status_code=status, media_type="application/json")


class ApiError(HTTPException):
    """Raised by handlers; turned into ProblemDetails by the app's exception handler."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status_code=status, detail=detail)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if not isinstance(exc, ApiError) and exc.status_code == 404:
        detail = "No such resource"
    return problem(request, exc.status_code, detail, headers=exc.headers)
