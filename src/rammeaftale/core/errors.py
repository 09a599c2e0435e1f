"""Errors the services raise; messages are Danish, with an English gloss for the API's error detail."""


class DomainError(Exception):
    """Bad input or a broken rule: nothing was written. `field` names what was wrong, where known."""

    def __init__(self, message_da: str, *, field: str = "", message_en: str = "", code: str = "invalid"):
        super().__init__(message_da)
        self.message_da = message_da
        self.message_en = message_en
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message_da, "detail": self.message_en}


class NotFound(DomainError):
    """The object does not exist (or is not one the actor may know of: it is answered the same way)."""

    def __init__(self, message_da: str = "Findes ikke.", *, message_en: str = "Not found."):
        super().__init__(message_da, message_en=message_en, code="not_found")


class NotAllowed(DomainError):
    """The acting user may not do this; says so without revealing the data behind it."""

    def __init__(self, message_da: str = "Du har ikke adgang til dette.", *, message_en: str = "Not allowed."):
        super().__init__(message_da, message_en=message_en, code="not_allowed")
