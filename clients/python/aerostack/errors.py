"""The one error model of the client: :class:`AerostackError` and its subclasses."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

from .models import FieldProblem

CONNECTION_ERROR = "client/network"
"""The code of an error raised when the platform could not be reached."""

TIMEOUT = "client/timeout"
"""The code of an error raised when an attempt took longer than the client's timeout."""


class AerostackError(Exception):
    """A failed call: a problem+json answer of the platform, or (status 0) no answer at all.

    Switch on :attr:`code`, which is stable (see :class:`aerostack.ErrorCode`); ``title``
    and ``detail`` are for people.

    Example::

        try:
            client.cache.get("missing")
        except AerostackError as error:
            print(error.code, error.status, error.request_id)
    """

    def __init__(
        self,
        *,
        code: str,
        status: int,
        title: str,
        detail: Optional[str] = None,
        request_id: Optional[str] = None,
        type: Optional[str] = None,
        errors: Optional[List[FieldProblem]] = None,
    ) -> None:
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.type = type
        self.errors: List[FieldProblem] = errors or []
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.code or 'http error'}" + (f" ({self.status})" if self.status else "")
        text = self.detail or self.title
        tail = f" [request {self.request_id}]" if self.request_id else ""
        return f"{head}: {text}{tail}"

    def to_dict(self) -> Dict[str, Any]:
        """The error as a problem+json object.

        Example::

            logger.warning("call failed", extra=error.to_dict())
        """
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "requestId": self.request_id,
            "errors": [e.to_dict() for e in self.errors],
        }


class APIConnectionError(AerostackError):
    """The platform could not be reached, or the connection broke (``status`` is 0)."""

    def __init__(self, message: str, *, code: str = CONNECTION_ERROR) -> None:
        super().__init__(code=code, status=0, title="No answer from the platform", detail=message)


class APITimeoutError(APIConnectionError):
    """An attempt took longer than the client's timeout."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=TIMEOUT)


class BadRequestError(AerostackError):
    """400: the request is malformed or does not match the spec; see :attr:`errors`."""


class AuthenticationError(AerostackError):
    """401: the credential is missing, unknown or revoked."""


class PermissionDeniedError(AerostackError):
    """403: the credential may not call this operation."""


class NotFoundError(AerostackError):
    """404: the resource does not exist."""


class ConflictError(AerostackError):
    """409: the request conflicts with the current state (retried automatically when safe)."""


class UnprocessableEntityError(AerostackError):
    """422: the request is well-formed but cannot be carried out."""


class RateLimitError(AerostackError):
    """429: too many requests (retried automatically, honouring ``Retry-After``)."""


class InternalServerError(AerostackError):
    """5xx: the platform failed; quote :attr:`request_id` when reporting it."""


_BY_STATUS: Mapping[int, Type[AerostackError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_from_response(status: int, body: Any, request_id: Optional[str], reason: str) -> AerostackError:
    """The error for a non-2xx answer; ``body`` is the parsed JSON, or text when it was not JSON."""
    cls = _BY_STATUS.get(status, InternalServerError if status >= 500 else AerostackError)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        detail = body[:200].strip() if isinstance(body, str) else None
        return cls(code="", status=status, title=reason, detail=detail or None, request_id=request_id)
    return cls(
        code=body["code"],
        status=status,
        title=str(body.get("title") or reason),
        detail=body.get("detail"),
        request_id=body.get("requestId") or request_id,
        type=body.get("type"),
        errors=[FieldProblem.from_dict(e) for e in body.get("errors") or []],
    )
