"""Every error an HTTP API answers is JSON: {"code": "...", "message": "..."} (plus details).

One function maps Knotwork's errors to statuses, so the REST API and the public API agree. An
unexpected exception is logged and answered with a 500 that says nothing about the internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from engine.errors import KnotworkError, WorkflowValidationError
from services.users import UserError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 422: "invalid_request",
               429: "too_many_requests"}


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def knotwork_error_response(error: Exception) -> JSONResponse:
    """The answer for an error a service raised on purpose."""
    if isinstance(error, WorkflowValidationError):
        return error_response(400, "invalid_workflow", str(error), problems=error.problems)
    status = getattr(error, "status", None)
    if status is None:
        # Lookups that found nothing are 404s; everything else a service refuses is the caller's 400.
        status = 404 if isinstance(error, LookupError) else 400
    code = getattr(error, "code", None) or _HTTP_CODES.get(status, "error")
    response = error_response(status, code, str(error))
    if getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
    return response


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(KnotworkError)
    async def _knotwork(request: Request, error: KnotworkError) -> JSONResponse:
        return knotwork_error_response(error)

    @api.exception_handler(UserError)
    async def _user(request: Request, error: UserError) -> JSONResponse:
        return error_response(400, "invalid_user", str(error))

    @api.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"location": ".".join(str(part) for part in item.get("loc", ())), "message": item.get("msg", "")}
                  for item in error.errors()]
        first = errors[0] if errors else {"location": "", "message": "invalid request"}
        return error_response(422, "invalid_request", f"{first['location']}: {first['message']}", errors=errors)

    @api.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "error")
        response = error_response(error.status_code, code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on the server; the log has details")
