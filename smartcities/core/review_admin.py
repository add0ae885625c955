"""Admin parts of the shared review machine (``smartcities.core.reviews``).

The change page reads in the order a reviewer works: the gates, then the scored rows
(criteria, dimensions) each with what its scale means, then the result, then the decision
(``admin/reviews/change_form.html``). Each row's name is shown once, in full.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcities.core.history_admin import COMPACT_TEXT, error_text, run_service
from smartcities.core.reviews import review_lock_undecided


class NullBooleanRadio(forms.RadioSelect):
    """Yes / no / not yet as three radio buttons, for a ``NullBooleanField``."""

    def format_value(self, value):
        value = {True: "true", False: "false", None: "unknown"}.get(value, value)
        return super().format_value(value)


class ReviewGateForm(forms.ModelForm):
    """A gate: passes, fails or not checked yet (three radio buttons), and a comment."""

    passed = forms.NullBooleanField(
        label=_("passed"),
        required=False,
        widget=NullBooleanRadio(
            attrs={"class": "radiolist inline"},
            choices=[
                ("true", _("Passes")),
                ("false", _("Fails")),
                ("unknown", _("Not checked yet")),
            ],
        ),
    )


class ReviewRowsInline(admin.TabularInline):
    """The fixed rows of a review (gates, scores): edited in place, never added or deleted.

    Each row is shown under its own name (``str(row)``, once and in full), with its
    ``guidance`` if it has one, then its editable fields. ``step_title`` heads the list.
    """

    template = "admin/reviews/rows_inline.html"
    formfield_overrides = COMPACT_TEXT
    extra = 0
    can_delete = False
    step_title = ""

    def has_add_permission(self, request, obj=None):
        return False


class ReviewGateInline(ReviewRowsInline):
    form = ReviewGateForm
    fields = ["passed", "comment"]
    step_title = _("1 · Gates")
    classes = ["review-gates"]


class ScoredRowForm(forms.ModelForm):
    """A scored row: its scale as radio buttons saying what each value means.

    ``score_field`` names the field; ``meanings(instance)`` gives one text per value.
    """

    score_field = "score"
    unscored_label = _("Not scored yet")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.score_field]
        values = [value for value, _label in field.choices if value not in ("", None)]
        if self.instance.pk is None:
            return  # the formset's blank template row: rows are never added
        meanings = self.meanings(self.instance)
        field.widget = forms.RadioSelect(attrs={"class": "radiolist"})
        field.choices = [
            *(
                (value, f"{value} · {meaning}")
                for value, meaning in zip(values, meanings, strict=True)
            ),
            ("", self.unscored_label),
        ]

    def meanings(self, instance) -> list[str]:
        field = self.fields[self.score_field]
        return [str(label) for value, label in field.choices if value not in ("", None)]


class ReviewForm(forms.ModelForm):
    """A review's change form, with the decision taken on save through the decide service.

    The ``decide`` choices are the review's decisions; ``undecided_label`` and
    ``decide_help`` word them for each review.
    """

    undecided_label = _("Not decided yet: save only")
    decide_help = _("A decision is final.")

    decide = forms.ChoiceField(label=_("Your decision"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        decisions = self._meta.model._meta.get_field("decision").choices
        self.fields["decide"].choices = [("", self.undecided_label), *decisions]
        self.fields["decide"].help_text = self.decide_help


# Read-only fields that say what was decided: blank until then.
DECIDED_FIELDS = ("decision", "decided_by", "decided_at")


class ReviewAdminMixin:
    """The change page of a review: kept forever, read-only once decided or for a
    reviewer too close to the subject, saved and decided under a lock on the review.

    A subclass defines ``decide(review, user, decision)`` (its decide service) and may
    refresh figures after the rows are saved (``after_rows_saved``).
    """

    # A revert would bypass the decision's workflow: older versions are read-only.
    history_revert = False
    change_form_template = "admin/reviews/change_form.html"
    decide_failure = _("Saved, but the review is not decided: %(reasons)s")

    def decide(self, review, user, decision):
        raise NotImplementedError

    def after_rows_saved(self, review):
        return review

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            if obj.is_decided:
                return False
            if not request.user.is_superuser and not obj.is_independent_of(request.user):
                return False
        return allowed

    def has_delete_permission(self, request, obj=None):
        return False  # reviews are kept: a new review supersedes an old one

    def get_fieldsets(self, request, obj=None):
        """An open review shows the decision to take (to whoever may take it); a decided
        one shows the decision taken, by whom and when: never both, never a blank one."""
        fieldsets = super().get_fieldsets(request, obj)
        opts = self.model._meta
        may_decide = request.user.has_perm(f"{opts.app_label}.decide_{opts.model_name}")
        if obj is not None and obj.is_decided:
            hidden = {"decide"}
        else:
            hidden = set(DECIDED_FIELDS) | ({"decide"} if not may_decide else set())
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in fieldsets
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A posted review is read, saved and decided under a lock on its row, taken
        first (``review_lock_undecided``): a reviewer whose colleague decided it a moment
        earlier is told so, and nothing of theirs is written over the decision."""
        if request.method != "POST" or object_id is None or not self.has_change_permission(request):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            review = self.get_object(request, unquote(object_id))
            if review is not None:
                try:
                    review_lock_undecided(review=review)
                except ValidationError as error:
                    self.message_user(request, error_text(error), level=messages.ERROR)
                    return HttpResponseRedirect(request.path)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        review = self.after_rows_saved(form.instance)
        decision = form.cleaned_data.get("decide")
        if decision:
            run_service(
                self,
                request,
                lambda: self.decide(review, request.user, decision),
                success=gettext("Decision recorded: %(decision)s.")
                % {"decision": review.decision_label(decision)},
                failure=str(self.decide_failure),
            )

    def response_add(self, request, obj, post_url_continue=None):
        # A new review's gates and scores are filled in on its change page.
        opts = self.model._meta
        self.message_user(
            request,
            gettext("The review is open: check its gates, then score it."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
        )

    def response_change(self, request, obj):
        # Stay on the review while it is undecided, so that errors are seen.
        obj.refresh_from_db()
        if not obj.is_decided and "_continue" not in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
