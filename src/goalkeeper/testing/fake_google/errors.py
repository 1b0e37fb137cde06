"""Google-style API errors raised by the fake's handlers and rendered as JSON."""

from __future__ import annotations

from .wire import Json

_REASON_BY_STATUS = {
    "INVALID_ARGUMENT": "badRequest",
    "FAILED_PRECONDITION": "failedPrecondition",
    "NOT_FOUND": "notFound",
    "ALREADY_EXISTS": "alreadyExists",
    "ABORTED": "aborted",
    "PERMISSION_DENIED": "forbidden",
    "RESOURCE_EXHAUSTED": "rateLimitExceeded",
    "UNAVAILABLE": "backendError",
    "INTERNAL": "backendError",
    "UNIMPLEMENTED": "notImplemented",
}

_STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "status", "errors": [...]}}``."""

    def __init__(self, code: int, message: str, status: str | None = None, reason: str | None = None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.status = status or _STATUS_BY_CODE.get(code, "UNKNOWN")
        self.reason = reason or _REASON_BY_STATUS.get(self.status, "unknown")

    def body(self) -> Json:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "errors": [{"message": self.message, "domain": "global", "reason": self.reason}],
            }
        }


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT", "invalid")


def not_found(message: str = "Not found or permission denied.") -> ApiError:
    return ApiError(404, message, "NOT_FOUND", "notFound")
