"""Errors raised by services when a business rule refuses an action.

Views turn them into a message next to the field concerned (``field``) or at
the top of the form; the CLI prints them. The message is French: it is shown
to the user as is.
"""


class ServiceError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    pass
