"""Errors raised by domain functions. Their message is meant for the user."""


class DomainError(Exception):
    """A business rule refused the operation; ``str(error)`` says why, for the user."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class TransitionError(DomainError):
    """A change of state that the transition table does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="transition")


class ConflictError(DomainError):
    """Somebody saved the same object since it was read (optimistic locking)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")
