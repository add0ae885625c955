"""Helpers shared by the apps' admin classes."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

# Short text areas for comments in tabular inlines.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


def error_text(error) -> str:
    """The user-facing text of a refused service call."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def run_service(model_admin, request, call, *, success: str, failure: str) -> bool:
    """Run a service in its own transaction and tell the user how it went.

    ``failure`` holds ``%(reasons)s``; a refusal (ValidationError, PermissionDenied)
    changes nothing and is shown as an error message.
    """
    try:
        with transaction.atomic():
            call()
    except (ValidationError, PermissionDenied) as error:
        model_admin.message_user(
            request, failure % {"reasons": error_text(error)}, level=messages.ERROR
        )
        return False
    if success:
        model_admin.message_user(request, success, level=messages.SUCCESS)
    return True
