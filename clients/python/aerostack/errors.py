"""The errors of the client: :class:`APIError` and its subclasses.

::

    APIError                       code, status_code (0 without an answer), request_id, title, detail
    ├── APIConnectionError         no answer: code "client/network"
    │   └── APITimeoutError        the per-attempt timeout fired: code "client/timeout"
    ├── APIResponseValidationError a 2xx whose body is not what the operation declares
    └── APIStatusError             a non-2xx answer; .response
        ├── BadRequestError            400
        ├── AuthenticationError        401
        ├── PermissionDeniedError      403
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── UnprocessableEntityError   422
        ├── RateLimitError             429
        └── InternalServerError        >= 500
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Type

import httpx

from . import _behaviour as b

__all__ = [
    "APIError",
    "AerostackError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "FieldError",
]


class FieldError:
    """One problem with one field of a request (``errors`` of a problem document)."""

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        self.message = message

    def __repr__(self) -> str:
        return f"FieldError(location={self.location!r}, message={self.message!r})"


class APIError(Exception):
    """A failed call. Switch on :attr:`code`, which is stable (see :class:`aerostack.ErrorCode`);
    ``title`` and ``detail`` are for people.

    Example::

        try:
            client.cache.get("missing")
        except aerostack.NotFoundError as error:
            print(error.code, error.status_code, error.request_id)
        except aerostack.APIError as error:
            ...
    """

    code: str
    """A stable ``area/kebab-name`` code, or a ``client/…`` code of the client itself."""
    status_code: int
    """The HTTP status; 0 when no answer arrived."""
    request_id: Optional[str]
    """The platform's request id (``X-Request-Id``), to quote when reporting a problem."""
    title: str
    detail: Optional[str]
    type: Optional[str]
    errors: List[FieldError]
    """Field-level problems of an invalid request."""
    body: object
    """The parsed error body (a problem document), the text when it was not JSON, or None."""
    request: Optional[httpx.Request]

    def __init__(
        self,
        message: Optional[str] = None,
        *,
        code: str,
        status_code: int = 0,
        title: str = "",
        detail: Optional[str] = None,
        request_id: Optional[str] = None,
        type: Optional[str] = None,
        errors: Optional[List[FieldError]] = None,
        body: object = None,
        request: Optional[httpx.Request] = None,
    ) -> None:
        self.code = code
        self.status_code = status_code
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.type = type
        self.errors = errors or []
        self.body = body
        self.request = request
        super().__init__(message or self._message())

    @property
    def status(self) -> int:
        """The same as :attr:`status_code`."""
        return self.status_code

    @property
    def message(self) -> str:
        return str(self)

    def _message(self) -> str:
        head = self.code + (f" ({self.status_code})" if self.status_code else "")
        text = self.detail or self.title
        tail = f" [request {self.request_id}]" if self.request_id else ""
        return f"{head}: {text}{tail}" if text else f"{head}{tail}"

    def to_dict(self) -> Dict[str, Any]:
        """The error as a problem document (camelCase keys), e.g. for structured logs."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
            "code": self.code,
            "requestId": self.request_id,
            "errors": [{"location": e.location, "message": e.message} for e in self.errors],
        }


AerostackError = APIError
"""The former name of :class:`APIError`."""


class APIConnectionError(APIError):
    """No answer: the platform could not be reached, or the connection broke."""

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: Optional[httpx.Request] = None,
        code: str = b.CLIENT_ERRORS_NETWORK,
    ) -> None:
        super().__init__(
            message, code=code, title="No answer from the platform", detail=message, request=request
        )


class APITimeoutError(APIConnectionError):
    """An attempt took longer than the timeout."""

    def __init__(
        self, message: str = "Request timed out.", *, request: Optional[httpx.Request] = None
    ) -> None:
        super().__init__(message, request=request, code=b.CLIENT_ERRORS_TIMEOUT)


class APIResponseValidationError(APIError):
    """A 2xx answer whose body is not the JSON the operation declares (``client/invalid-response``)."""

    response: httpx.Response

    def __init__(
        self, response: httpx.Response, body: object, message: Optional[str] = None
    ) -> None:
        self.response = response
        super().__init__(
            message or "The platform's answer is not what the operation declares.",
            code=b.CLIENT_ERRORS_INVALID_RESPONSE,
            status_code=response.status_code,
            title=response.reason_phrase or "Invalid response",
            request_id=response.headers.get(b.REQUEST_ID_HEADER),
            body=body,
            request=_request_of(response),
        )


class APIStatusError(APIError):
    """A non-2xx answer; :attr:`response` is the HTTP response."""

    response: httpx.Response

    def __init__(
        self, message: Optional[str] = None, *, response: httpx.Response, **fields: Any
    ) -> None:
        self.response = response
        fields.setdefault("status_code", response.status_code)
        super().__init__(message, **fields)


class BadRequestError(APIStatusError):
    """400: the request is malformed or does not match the spec; see :attr:`errors`."""


class AuthenticationError(APIStatusError):
    """401: the credential is missing, unknown or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the credential may not call this operation."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state (retried automatically when safe)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but cannot be carried out."""


class RateLimitError(APIStatusError):
    """429: too many requests (retried automatically when safe, honouring ``Retry-After``)."""


class InternalServerError(APIStatusError):
    """5xx: the platform failed; quote :attr:`request_id` when reporting it."""


_BY_STATUS: Mapping[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _request_of(response: httpx.Response) -> Optional[httpx.Request]:
    try:
        return response.request
    except RuntimeError:
        return None


def status_error_class(status: int) -> Type[APIStatusError]:
    """The class of the error for an answer with ``status``."""
    return _BY_STATUS.get(status, InternalServerError if status >= 500 else APIStatusError)


def error_from_problem(response: httpx.Response, text: str) -> APIStatusError:
    """The error for a non-2xx answer whose body is ``text`` (spec/clients/README.md): a problem
    document when it is a JSON object with a string ``code``, else ``client/invalid-response``."""
    cls = status_error_class(response.status_code)
    header_id = response.headers.get(b.REQUEST_ID_HEADER)
    try:
        body: object = json.loads(text) if text else None
    except ValueError:
        body = text
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        snippet = text[:200].strip() if text else ""
        return cls(
            code=b.CLIENT_ERRORS_INVALID_RESPONSE,
            title=response.reason_phrase or "Invalid response",
            detail=snippet or None,
            request_id=header_id,
            body=body,
            response=response,
            request=_request_of(response),
        )
    problem: Dict[str, Any] = body
    request_id = problem.get("requestId")
    detail = problem.get("detail")
    kind = problem.get("type")
    field_errors = problem.get("errors")
    return cls(
        code=problem["code"],
        title=str(problem.get("title") or response.reason_phrase or ""),
        detail=detail if isinstance(detail, str) else None,
        request_id=request_id if isinstance(request_id, str) else header_id,
        type=kind if isinstance(kind, str) else None,
        errors=[
            FieldError(str(e.get("location", "")), str(e.get("message", "")))
            for e in (field_errors if isinstance(field_errors, list) else [])
            if isinstance(e, dict)
        ],
        body=problem,
        response=response,
        request=_request_of(response),
    )
