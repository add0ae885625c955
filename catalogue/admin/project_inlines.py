"""The inlines of a project's admin page: photos, documents, pipeline facts, reviews and
transitions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.models import (
    FundingLine,
    Milestone,
    ProjectDocument,
    ProjectImage,
    ProjectReview,
    ProjectTransition,
    RelatedProject,
    RiskAllocation,
)
from smartcities.core.admin_widgets import TranslatedAdmin

from .scoping import (  # noqa: F401
    FOCAL_POINT_EDITABLE,
    NotFoundOutOfScopeMixin,
    ProjectChildInlineMixin,
    ScopedProjectChildAdminMixin,
    UnattachedFocalPointMixin,
    editable_projects,
    may_edit_project,
)


class ProjectImageInline(ProjectChildInlineMixin, TranslatedAdmin, admin.TabularInline):
    model = ProjectImage
    extra = 0
    fields = ["position", "image", "caption_fr", "caption_ar", "caption_en"]


class ProjectDocumentInline(ProjectChildInlineMixin, TranslatedAdmin, admin.TabularInline):
    model = ProjectDocument
    extra = 0
    fields = ["position", "title_fr", "title_ar", "title_en", "file", "document_type", "is_public"]


class PipelineInlineMixin:
    """The milestones, funding lines, risks and related projects are part of the project:
    whoever may edit the project edits them (they have no permissions of their own)."""

    extra = 0

    def _may_edit(self, request, obj):
        return request.user.has_perm("catalogue.change_project") and (
            obj is None or may_edit_project(request.user, obj)
        )

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalogue.view_project") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


# Stacked, a few fields a line: a table of eight or nine columns, three of them one text
# per language, and date pickers would not fit the change page's width.
class MilestoneInline(PipelineInlineMixin, TranslatedAdmin, admin.StackedInline):
    model = Milestone
    fields = [
        ("milestone_type", "status", "position"),
        ("title_fr", "title_ar", "title_en"),
        ("planned_date", "actual_date"),
    ]


class FundingLineInline(PipelineInlineMixin, TranslatedAdmin, admin.StackedInline):
    model = FundingLine
    fields = [
        ("source", "position"),
        ("amount", "currency"),
        ("description_fr", "description_ar", "description_en"),
        ("period_start", "period_end"),
    ]


class RiskAllocationInline(PipelineInlineMixin, TranslatedAdmin, admin.TabularInline):
    model = RiskAllocation
    fields = ["position", "risk_fr", "risk_ar", "risk_en", "allocation"]


class RelatedProjectInline(PipelineInlineMixin, admin.TabularInline):
    model = RelatedProject
    fk_name = "project"
    fields = ["position", "relationship", "related"]
    autocomplete_fields = ["related"]


class ReviewHistoryInline(admin.TabularInline):
    """Every review of the project, newest first; opened and decided through their own page."""

    model = ProjectReview
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["version", "reviewer", "created_at", "score", "decision", "decided_by", "decided_at"]
    readonly_fields = fields
    verbose_name_plural = _("Eligibility reviews")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer", "decided_by")


class TransitionInline(admin.TabularInline):
    model = ProjectTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "user", "note"]
    readonly_fields = fields
    verbose_name_plural = _("Workflow history")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")
