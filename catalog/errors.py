"""The ActionError family: each class knows its HTTP status and its CKAN `__type`."""

from __future__ import annotations

from typing import Any, ClassVar


class ActionError(Exception):
    status: ClassVar[int] = 500
    ckan_type: ClassVar[str] = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def error_body(self) -> dict[str, Any] | str:
        return {"__type": self.ckan_type, "message": self.message or self.ckan_type}


class ValidationError(ActionError):
    """409 with field -> [messages]; a non-field error goes under `message`."""

    status = 409
    ckan_type = "Validation Error"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(str(errors))
        self.errors = errors

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.ckan_type, **self.errors}


class NotAuthorized(ActionError):
    status = 403
    ckan_type = "Authorization Error"

    def error_body(self) -> dict[str, Any]:
        text = f"Access denied: {self.message}" if self.message else "Access denied"
        return {"__type": self.ckan_type, "message": text}


class NotFound(ActionError):
    status = 404
    ckan_type = "Not Found Error"

    def error_body(self) -> dict[str, Any]:
        text = f"Not found: {self.message}" if self.message else "Not found"
        return {"__type": self.ckan_type, "message": text}


class SearchQueryError(ActionError):
    status = 400
    ckan_type = "Search Query Error"

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.ckan_type, "message": f"Search Query is invalid: ({self.message!r},)"}


class SearchError(ActionError):
    status = 409
    ckan_type = "Search Error"

    def error_body(self) -> dict[str, Any]:
        return {"__type": self.ckan_type, "message": f"Search error: ({self.message!r},)"}


class IntegrityError(ActionError):
    """A malformed nested structure (CKAN's DataError): 400 Integrity Error."""

    status = 400
    ckan_type = "Integrity Error"


class PayloadTooLarge(ActionError):
    status = 413
    ckan_type = "Payload Too Large"


class ServiceUnavailable(ActionError):
    """The database connection was lost during the call (server restart, failover, terminated backend)."""

    status = 503
    ckan_type = "Service Unavailable"


class BadRequest(ActionError):
    """Bad JSON, GET on a write action, unknown action: CKAN answers a bare JSON string."""

    status = 400
    ckan_type = "Bad Request"

    def error_body(self) -> str:
        return f"Bad request - {self.message}"
