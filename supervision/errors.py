"""Kernel exceptions, mapped to HTTP statuses by the UI and the API alike."""
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported)
from django.http import Http404  # noqa: F401


class Conflict(Exception):
    """409: the transition is not allowed from the current state, or lost a race."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class UnknownTransition(ValidationError):
    """400: no transition of that name on this record type."""
