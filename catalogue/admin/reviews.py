"""Admin pages of project eligibility reviews."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caravan.admin import ChildHistoryMixin
from catalogue.models import (
    ProjectReview,
    ReviewGate,
    ReviewScore,
)
from catalogue.register import reviews
from catalogue.register.choices import SCORE_ELIGIBLE, SCORE_NEEDS_INFORMATION, Decision
from catalogue.register.permissions import (
    focal_municipality_id,
)
from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import COMPACT_TEXT, SafeHistoryAdmin, error_text, run_service

from .scoping import (  # noqa: F401
    FOCAL_POINT_EDITABLE,
    NotFoundOutOfScopeMixin,
    ProjectChildInlineMixin,
    ScopedProjectChildAdminMixin,
    UnattachedFocalPointMixin,
    editable_projects,
    may_edit_project,
)


class ReviewGateInline(admin.TabularInline):
    model = ReviewGate
    formfield_overrides = COMPACT_TEXT
    extra = 0
    can_delete = False
    fields = ["gate", "passed", "comment"]
    readonly_fields = ["gate"]

    def has_add_permission(self, request, obj=None):
        return False


class ReviewScoreInline(admin.TabularInline):
    model = ReviewScore
    formfield_overrides = COMPACT_TEXT
    extra = 0
    can_delete = False
    fields = ["criterion", "weight", "score", "comment"]
    readonly_fields = ["criterion", "weight"]
    classes = ["review-scores"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


class ProjectReviewForm(forms.ModelForm):
    """A review, with the committee's decision taken on save (through the service)."""

    decide = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("Not decided yet: save the scores only"))] + list(Decision.choices),
        help_text=_("A failed gate allows only “Not eligible”. A decision is final."),
    )

    class Meta:
        model = ProjectReview
        fields = [
            "public_summary_fr",
            "public_summary_ar",
            "public_summary_en",
            "internal_notes",
        ]


@admin.register(ProjectReview)
class ProjectReviewAdmin(
    NotFoundOutOfScopeMixin, ChildHistoryMixin, TranslatedAdmin, SafeHistoryAdmin
):
    # A revert would bypass the decision's workflow: older versions are read-only.
    history_revert = False
    form = ProjectReviewForm
    # The review's history page also lists who changed its gates and scores, old → new.
    child_histories = [
        (ReviewGate, "review", "gate", ["passed", "comment"]),
        (ReviewScore, "review", "criterion", ["score", "comment"]),
    ]
    child_history_title = _("Changes to gates and scores")
    list_display = [
        "project",
        "version",
        "reviewer",
        "created_at",
        "score",
        "decision",
        "decided_at",
    ]
    list_filter = [
        "decision",
        "project__municipality__governorate",
        "project__sector",
        "project__status",
    ]
    list_select_related = ["project", "reviewer"]
    search_fields = ["project__reference", "project__title_fr"]
    readonly_fields = [
        "project_link",
        "version",
        "reviewer",
        "created_at",
        "running_total",
        "decision",
        "decided_by",
        "decided_at",
    ]
    inlines = [ReviewGateInline, ReviewScoreInline]
    fieldsets = [
        (None, {"fields": ["project_link", "version", "reviewer", "created_at"]}),
        (
            _("Result"),
            {"fields": ["running_total", "decide", "decision", "decided_by", "decided_at"]},
        ),
        (
            _("Summary"),
            {
                "fields": [
                    "public_summary_fr",
                    "public_summary_ar",
                    "public_summary_en",
                    "internal_notes",
                ]
            },
        ),
    ]

    class Media:
        js = ["catalogue/admin/review.js"]
        css = {"all": ["catalogue/admin/review.css"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        restricted_to = focal_municipality_id(request.user)
        if restricted_to is not None:
            queryset = queryset.filter(project__municipality_id=restricted_to)
        return queryset

    def has_add_permission(self, request):
        return False  # opened from the project list: "Open an eligibility review"

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            if obj.is_decided:
                return False
            if not request.user.is_superuser and request.user.pk in (
                obj.project.submitted_by_id,
                obj.project.last_edited_by_id,
            ):
                return False
        return allowed

    def has_delete_permission(self, request, obj=None):
        return False  # reviews are kept: a new review supersedes an old one

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.has_perm("catalogue.decide_projectreview") or (
            obj is not None and obj.is_decided
        ):
            fieldsets = [
                (title, {**options, "fields": [f for f in options["fields"] if f != "decide"]})
                for title, options in fieldsets
            ]
        return fieldsets

    @admin.display(description=_("project"))
    def project_link(self, obj):
        url = reverse("admin:catalogue_project_change", args=[obj.project_id])
        return format_html('<a href="{}">{}</a>', url, obj.project)

    @admin.display(description=_("weighted score and proposed outcome"))
    def running_total(self, obj):
        score = obj.compute_score()
        proposed = obj.proposed_decision()
        return format_html(
            '<span class="review-total" data-eligible="{}" data-information="{}">'
            '<strong class="review-total__score">{}</strong> / 100 · {}</span>',
            SCORE_ELIGIBLE,
            SCORE_NEEDS_INFORMATION,
            "—" if score is None else score,
            Decision(proposed).label if proposed else gettext("score the criteria"),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A posted review is read, saved and decided under a lock on its row, taken
        first (``reviews.review_lock_undecided``): a reviewer whose colleague decided it
        a moment earlier is told so, and nothing of theirs is written over the decision."""
        if request.method != "POST" or object_id is None or not self.has_change_permission(request):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            review = self.get_object(request, unquote(object_id))
            if review is not None:
                try:
                    reviews.review_lock_undecided(review=review)
                except ValidationError as error:
                    self.message_user(request, error_text(error), level=messages.ERROR)
                    return HttpResponseRedirect(request.path)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        review = reviews.review_refresh_score(form.instance)
        decision = form.cleaned_data.get("decide")
        if decision:
            run_service(
                self,
                request,
                lambda: reviews.review_decide(review=review, user=request.user, decision=decision),
                success=gettext("Decision recorded: %(decision)s.")
                % {"decision": Decision(decision).label},
                failure=gettext("Scores saved, but the review is not decided: %(reasons)s"),
            )

    def response_change(self, request, obj):
        # Stay on the review while it is undecided, so that errors are seen.
        obj.refresh_from_db()
        if not obj.is_decided and "_continue" not in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
