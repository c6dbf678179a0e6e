"""Kernel errors → HTTP: 400 invalid input, 403 not allowed, 404 not visible, 409 conflict."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supervision.errors import Conflict


def exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message, "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            body = {"detail": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OverflowError | DataError):
        # A number beyond the database's range that slipped past a field's own checks (SQLite raises
        # OverflowError, PostgreSQL DataError): the client's input, so a 400, never a 500.
        return Response({"detail": _("数值超出范围。")}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
