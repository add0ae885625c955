"""Helpers shared by the apps' admin classes."""

import dataclasses

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import display_for_field, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper
from translated_fields import show_language_code

# Short text areas for comments in tabular inlines.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}

# What a history shows for "no value" (never "None", nor an empty cell).
EMPTY = "—"


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


def history_value(field, value) -> str:
    """A field's value as a person reads it in a history, in the current language.

    A choice by its label ("Publié", not ``published``), a date and time in local time
    (``TIME_ZONE``) at the minute, a number with the locale's separators, a related object
    by its name, yes/no in words, and "—" for nothing.
    """
    if isinstance(field, models.BooleanField):
        if value is None:
            return EMPTY
        return gettext("Yes") if value else gettext("No")
    if field.many_to_many:
        return ", ".join(str(item) for item in value) or EMPTY
    return str(display_for_field(value, field, EMPTY, avoid_link=True))


class LabelledChanges(HistoricalRecordContextHelper):
    """simple-history's "old → new" list of a version, with the values as people read them
    (``history_value``) and each translated field named with its language ("Titre [ar]")."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        # Many-to-many values: the related objects, once simple-history has picked them.
        value = super().prepare_delta_change_value(change, value)
        return history_value(field, value)

    def format_delta_change(self, change):
        formatted = super().format_delta_change(change)
        field = self.model._meta.get_field(change.field)
        with show_language_code(True):
            label = str(capfirst(field.verbose_name))
        return dataclasses.replace(formatted, field=label)


class SafeHistoryAdmin(SimpleHistoryAdmin):
    """The admin of a model with a history, where reverting to an older version is safe.

    simple-history saves a posted older version after checking only that the user may see
    the history. Here a revert needs the right to change the *current* object (which
    ``get_object`` finds only within the user's scope), and a model whose rows carry a
    workflow that a revert would bypass (reviews and their decisions) sets
    ``history_revert = False``: its older versions are shown read-only. A revert saves
    through ``save_model``, so a model admin that saves through a service (projects:
    workflow fields kept, stale versions refused) reverts through it too.

    Its history pages show each change as people read it (``LabelledChanges``).
    """

    history_revert = True

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledChanges(self.model, historical_record)

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
