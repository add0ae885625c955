"""Admin pages of project eligibility reviews (the shared review machine's change page,
``smartcities.core.review_admin``): gates, criteria with their scale, the weighted result,
then the decision."""

from django.contrib import admin
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
from catalogue.register.choices import (
    SCORE_ELIGIBLE,
    SCORE_NEEDS_INFORMATION,
    ContractModel,
    Decision,
)
from catalogue.register.permissions import (
    focal_municipality_id,
)
from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import SafeHistoryAdmin
from smartcities.core.review_admin import (
    ReviewAdminMixin,
    ReviewForm,
    ReviewGateInline,
    ReviewRowsInline,
    ScoredRowForm,
)

from .scoping import (  # noqa: F401
    FOCAL_POINT_EDITABLE,
    NotFoundOutOfScopeMixin,
    ProjectChildInlineMixin,
    ScopedProjectChildAdminMixin,
    UnattachedFocalPointMixin,
    editable_projects,
    may_edit_project,
)


class ProjectGateInline(ReviewGateInline):
    model = ReviewGate


class CriterionScoreForm(ScoredRowForm):
    """A criterion's score 0–4, each value saying what it means for this criterion."""

    def meanings(self, instance) -> list[str]:
        return instance.criterion.score_meanings()


class ReviewScoreInline(ReviewRowsInline):
    model = ReviewScore
    form = CriterionScoreForm
    fields = ["score", "comment"]
    step_title = _("2 · Criteria (score 0–4)")
    classes = ["review-scores"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


class ProjectReviewForm(ReviewForm):
    """A project review, with the committee's decision taken on save (``review_decide``)."""

    undecided_label = _("Not decided yet: save the scores only")
    decide_help = _("A failed gate allows only “Not eligible”. A decision is final.")

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
    NotFoundOutOfScopeMixin, ReviewAdminMixin, ChildHistoryMixin, TranslatedAdmin, SafeHistoryAdmin
):
    form = ProjectReviewForm
    decide_failure = _("Scores saved, but the review is not decided: %(reasons)s")
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
    inlines = [ProjectGateInline, ReviewScoreInline]
    # The order a reviewer works in: gates and criteria (the inlines, after the first
    # fieldset), the weighted result, then the decision with its public summary.
    fieldsets = [
        (None, {"fields": ["project_link", "version", "reviewer", "created_at"]}),
        (_("3 · Weighted result"), {"fields": ["running_total"]}),
        (
            _("4 · Decision"),
            {
                "fields": [
                    "public_summary_fr",
                    "public_summary_ar",
                    "public_summary_en",
                    "internal_notes",
                    "decide",
                    "decision",
                    "decided_by",
                    "decided_at",
                ]
            },
        ),
    ]

    class Media:
        js = ["catalogue/admin/review.js"]
        css = {"all": ["catalogue/admin/review.css"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("project")
        restricted_to = focal_municipality_id(request.user)
        if restricted_to is not None:
            queryset = queryset.filter(project__municipality_id=restricted_to)
        return queryset

    def has_add_permission(self, request):
        return False  # opened from the project list: "Open an eligibility review"

    @admin.display(description=_("project"))
    def project_link(self, obj):
        url = reverse("admin:catalogue_project_change", args=[obj.project_id])
        return format_html('<a href="{}">{}</a>', url, obj.project)

    @admin.display(description=_("weighted score and proposed outcome"))
    def running_total(self, obj):
        """The score and the outcome it proposes, kept up to date by review.js as the
        reviewer answers the gates and scores the criteria (same thresholds)."""
        score = obj.compute_score()
        proposed = obj.proposed_decision()
        eligible = (
            Decision.ELIGIBLE_CONCESSION
            if obj.project.contract_model == ContractModel.CONCESSION
            else Decision.ELIGIBLE_PPP
        )
        return format_html(
            '<span class="review-total" data-eligible="{}" data-information="{}" '
            'data-label-eligible="{}" data-label-information="{}" data-label-low="{}" '
            'data-label-failed="{}" data-label-none="{}">'
            '<strong class="review-total__score">{}</strong> / 100 · '
            '<span class="review-total__outcome">{}</span></span>',
            SCORE_ELIGIBLE,
            SCORE_NEEDS_INFORMATION,
            eligible.label,
            Decision.NEEDS_INFORMATION.label,
            Decision.PUBLIC_WORKS.label,
            Decision.NOT_ELIGIBLE.label,
            gettext("score the criteria"),
            "—" if score is None else score,
            Decision(proposed).label if proposed else gettext("score the criteria"),
        )

    def decide(self, review, user, decision):
        return reviews.review_decide(review=review, user=user, decision=decision)

    def after_rows_saved(self, review):
        return reviews.review_refresh_score(review)
