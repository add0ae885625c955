"""Helpers shared by the apps' admin classes."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic

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


class SafeHistoryAdmin(SimpleHistoryAdmin):
    """The admin of a model with a history, where reverting to an older version is safe.

    simple-history saves a posted older version after checking only that the user may see
    the history. Here a revert needs the right to change the *current* object (which
    ``get_object`` finds only within the user's scope), and a model whose rows carry a
    workflow that a revert would bypass (reviews and their decisions) sets
    ``history_revert = False``: its older versions are shown read-only. A revert saves
    through ``save_model``, so a model admin that saves through a service (projects:
    workflow fields kept, stale versions refused) reverts through it too.
    """

    history_revert = True

    def revert_disabled(self, request, obj=None):
        if not self.history_revert:
            return True
        if obj is not None and to_historic(obj) is not None:
            obj = self.get_object(request, str(obj.pk))  # the current row, in scope
            if obj is None:
                return True
        if obj is not None and not self.has_change_permission(request, obj):
            return True
        return super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        # A revert is a save: in one transaction, as the change form's.
        with transaction.atomic(using=router.db_for_write(self.model)):
            current = self.get_object(request, unquote(object_id))
            if current is None or self.revert_disabled(request, current):
                raise PermissionDenied
            return super().history_form_view(request, object_id, version_id, extra_context)
