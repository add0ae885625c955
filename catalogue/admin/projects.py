"""Admin pages of the project register: projects, their photos and documents."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import to_historic

from catalogue.intake.resources import ProjectSpreadsheetAdminMixin
from catalogue.models import (
    Project,
    ProjectDocument,
    ProjectImage,
    ProjectReview,
)
from catalogue.register import reviews, rules, services
from catalogue.register.choices import Decision, Status
from catalogue.register.permissions import (
    focal_municipality_id,
    is_unattached_focal_point,
    scope_projects,
)
from municipalities.models import Municipality
from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import SafeHistoryAdmin, run_service

from .project_inlines import (
    FundingLineInline,
    MilestoneInline,
    ProjectDocumentInline,
    ProjectImageInline,
    RelatedProjectInline,
    ReviewHistoryInline,
    RiskAllocationInline,
    TransitionInline,
)
from .project_workflow import ProjectWorkflowAdminMixin
from .scoping import (  # noqa: F401
    FOCAL_POINT_EDITABLE,
    NotFoundOutOfScopeMixin,
    ProjectChildInlineMixin,
    ScopedProjectChildAdminMixin,
    UnattachedFocalPointMixin,
    editable_projects,
    may_edit_project,
)


class ProjectAdminForm(forms.ModelForm):
    """The project form, with optimistic locking: a stale form cannot overwrite a newer save."""

    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = "__all__"  # noqa: DJ007 -- the admin fieldsets choose the fields shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            version = self.instance.lock_version
            if to_historic(self.instance) is not None:
                # An older version shown for a revert: it is saved over the current one.
                version = self._current_version()
            self.fields["edit_version"].initial = version

    def _current_version(self):
        return (
            Project.objects.filter(pk=self.instance.pk)
            .values_list("lock_version", flat=True)
            .first()
        )

    def clean(self):
        cleaned = super().clean()
        # Told on the form, with the user's changes kept. The admin saves in one
        # transaction: the row stays locked from here to project_save, which checks again.
        if self.instance._state.adding and cleaned.get("reference"):
            rules.check_not_example_reference(cleaned["reference"])
        if self.instance.pk:
            current = (
                Project.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .only("lock_version", "municipality_id")
                .first()
            )
            if current is not None:
                rules.check_lock_version(cleaned.get("edit_version"), current.lock_version)
                if cleaned.get("municipality") is not None:
                    rules.check_municipality_unchanged(cleaned["municipality"].pk, current)
        return cleaned


def _transition_action(name, label, service, *, permission, needs_reason=False):
    """An admin action that asks for confirmation, then runs one workflow service."""

    def action(modeladmin, request, queryset):
        if "confirm" not in request.POST:
            return TemplateResponse(
                request,
                "admin/catalogue/confirm_transition.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": label,
                    "action_name": name,
                    "projects": queryset,
                    "needs_reason": needs_reason,
                    "opts": modeladmin.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        extra = {"reason": request.POST.get("reason", "")} if needs_reason else {}
        done = 0
        for project in queryset:
            done += run_service(
                modeladmin,
                request,
                lambda project=project: service(project=project, user=request.user, **extra),
                success="",
                failure=f"{project.reference}: %(reasons)s",
            )
        if done:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(action)s: %(count)d project done.",
                    "%(action)s: %(count)d projects done.",
                    done,
                )
                % {"action": label, "count": done},
                level=messages.SUCCESS,
            )
        return None

    action.__name__ = name
    return admin.action(description=label, permissions=[permission])(action)


submit_action = _transition_action(
    "submit_projects", _("Submit for review"), services.project_submit, permission="submit"
)
publish_action = _transition_action(
    "publish_projects", _("Publish"), services.project_publish, permission="publish"
)
withdraw_action = _transition_action(
    "withdraw_projects",
    _("Withdraw from the catalogue"),
    services.project_withdraw,
    permission="publish",
    needs_reason=True,
)
restore_action = _transition_action(
    "restore_projects",
    _("Restore to the catalogue"),
    services.project_restore,
    permission="publish",
)
confirm_current_action = _transition_action(
    "confirm_projects_current",
    _("Confirm still current"),
    services.project_confirm_current,
    permission="verify",
)
review_action = _transition_action(
    "open_reviews",
    _("Open an eligibility review"),
    lambda *, project, user: reviews.review_open(project=project, user=user),
    permission="review",
)


class VerificationFilter(admin.SimpleListFilter):
    """The verification queue: published projects nobody confirmed as current lately."""

    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            ("due", _("To be verified")),
            ("current", _("Verified recently")),
        ]

    def queryset(self, request, queryset):
        due = Project.objects.verification_due().values("pk")
        if self.value() == "due":
            return queryset.filter(pk__in=due)
        if self.value() == "current":
            return queryset.filter(status=Status.PUBLISHED).exclude(pk__in=due)
        return queryset


@admin.register(Project)
class ProjectAdmin(
    ProjectWorkflowAdminMixin,
    NotFoundOutOfScopeMixin,
    UnattachedFocalPointMixin,
    ProjectSpreadsheetAdminMixin,
    TranslatedAdmin,
    SafeHistoryAdmin,
):
    form = ProjectAdminForm
    # Read at 1366 px: the governorate is in the filters, the last change in the date links
    # above the list (and its order), the latest decision in the status and its filter.
    list_display = [
        "reference",
        "title_fr",
        "municipality",
        "sector",
        "stage",
        "status",
        "investment_tnd",
    ]
    list_display_links = ["reference", "title_fr"]
    list_filter = [
        "status",
        VerificationFilter,
        "screening",
        "stage",
        "contract_model",
        "sector",
        "municipality__governorate",
        ("municipality", admin.RelatedOnlyFieldListFilter),
        ("ministries", admin.RelatedOnlyFieldListFilter),
        "featured",
        "is_demo",
    ]
    list_select_related = ["municipality__governorate", "sector"]
    search_fields = ["reference", "title_fr", "title_ar", "title_en", "municipality__name_fr"]
    autocomplete_fields = ["municipality", "stop", "sector", "sources"]
    filter_horizontal = ["dimensions", "ministries", "policy_goals"]
    date_hierarchy = "updated_at"
    readonly_fields = [
        "status",
        "published_at",
        "withdrawn_reason",
        "screening",
        "screened_at",
        "screening_score",
        "verified_at",
        "verified_by",
        "submitted_by",
        "last_edited_by",
        "created_at",
        "updated_at",
    ]
    inlines = [
        ProjectImageInline,
        ProjectDocumentInline,
        MilestoneInline,
        FundingLineInline,
        RiskAllocationInline,
        RelatedProjectInline,
        ReviewHistoryInline,
        TransitionInline,
    ]
    actions = [
        submit_action,
        review_action,
        publish_action,
        withdraw_action,
        restore_action,
        confirm_current_action,
    ]
    # The workflow status of each history record, with its label (see the template).
    object_history_list_template = "admin/catalogue/project/object_history_list.html"
    # The workflow steps as buttons above the form (see project_workflow).
    change_form_template = "admin/catalogue/project/change_form.html"
    fieldsets = [
        (None, {"fields": ["reference", "title_fr", "title_ar", "title_en", "edit_version"]}),
        (
            _("Presentation"),
            {
                "fields": [
                    "summary_fr",
                    "summary_ar",
                    "summary_en",
                    "description_fr",
                    "description_ar",
                    "description_en",
                ]
            },
        ),
        (_("Place"), {"fields": ["municipality", "stop", ("latitude", "longitude")]}),
        (
            _("Classification"),
            {
                "fields": [
                    "sector",
                    "dimensions",
                    "stage",
                    ("contract_model", "contract_subtype"),
                    "initiation",
                    "ministries",
                ]
            },
        ),
        (
            _("Key figures"),
            {"fields": ["investment_tnd", "land_area_ha", "expected_jobs", "duration_years"]},
        ),
        (
            _("Pipeline"),
            {
                "description": _(
                    "After OC4IDS: the milestones, funding lines, risks and related projects "
                    "are in the tables below the form."
                ),
                "fields": [
                    "purpose_fr",
                    "purpose_ar",
                    "purpose_en",
                    ("project_type", "payment_mechanism"),
                    ("planned_start", "planned_end"),
                    ("actual_start", "actual_end"),
                    "policy_goals",
                ],
            },
        ),
        (_("Contact"), {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        (
            _("Sources"),
            {
                "description": _(
                    "Where the project's public facts come from; cited on its page, its "
                    "sheet and in the exports."
                ),
                "fields": ["sources"],
            },
        ),
        (
            _("Publication"),
            {
                "description": _(
                    "The status, the screening and the verification change only through the "
                    "workflow buttons at the top of this page, or the actions of the project "
                    "list for many projects at once."
                ),
                "fields": [
                    "status",
                    "withdrawn_reason",
                    "published_at",
                    ("screening", "screened_at", "screening_score"),
                    ("verified_at", "verified_by"),
                    "featured",
                    "is_demo",
                    "submitted_by",
                    "last_edited_by",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "status_label": Project._meta.get_field("status").verbose_name,
        }
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        latest_decision = (
            ProjectReview.objects.filter(project=OuterRef("pk"))
            .order_by("-version")
            .values("decision")[:1]
        )
        queryset = (
            super().get_queryset(request).annotate(_latest_decision=Subquery(latest_decision))
        )
        return scope_projects(request.user, queryset)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = rules.staff_only_fields(request.user)
        if hidden:
            # A focal point does not feature projects nor mark them as demo data.
            fieldsets = [
                (
                    title,
                    {
                        **options,
                        "fields": [f for f in options["fields"] if f not in hidden],
                    },
                )
                for title, options in fieldsets
            ]
        return fieldsets

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return rules.may_edit_project(request.user, obj)
        return allowed

    def has_delete_permission(self, request, obj=None):
        # A project the public has seen is withdrawn, never deleted (except by a superuser).
        if obj is not None and not rules.may_delete_project(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.project_delete(project=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        # The list's "delete selected" action: all or nothing, each through the service
        # (a published project among them refuses the whole deletion).
        with transaction.atomic():
            for project in queryset:
                services.project_delete(project=project, user=request.user)

    def has_import_permission(self, request):
        return not is_unattached_focal_point(request.user) and super().has_import_permission(
            request
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if self._is_child_project_autocomplete(request):
            # Choosing the project of a photo or a document: only projects one may edit.
            queryset = queryset.filter(pk__in=editable_projects(request.user))
        return queryset, may_have_duplicates

    @staticmethod
    def _is_child_project_autocomplete(request):
        match = request.resolver_match
        return (
            match is not None
            and match.url_name == "autocomplete"
            and request.GET.get("app_label") == "catalogue"
            and request.GET.get("model_name") in ("projectimage", "projectdocument")
            and request.GET.get("field_name") == "project"
        )

    def has_submit_permission(self, request):
        return request.user.has_perm("catalogue.submit_project")

    def has_publish_permission(self, request):
        return request.user.has_perm("catalogue.publish_project")

    def has_review_permission(self, request):
        return request.user.has_perm("catalogue.review_project")

    def has_verify_permission(self, request):
        return request.user.has_perm("catalogue.verify_project")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        restricted_to = focal_municipality_id(request.user)
        if db_field.name == "municipality" and restricted_to is not None:
            kwargs["queryset"] = Municipality.objects.filter(pk=restricted_to)
            kwargs["initial"] = restricted_to
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The change form and a history revert alike: the workflow fields keep their
        # stored values, a stale form is refused (services.project_save).
        services.project_save(
            project=obj, user=request.user, edit_version=form.cleaned_data.get("edit_version")
        )

    @admin.display(description=_("governorate"), ordering="municipality__governorate__code_ins")
    def governorate(self, obj):
        return obj.municipality.governorate

    @admin.display(description=_("latest decision"), ordering="_latest_decision")
    def latest_decision(self, obj):
        return Decision(obj._latest_decision).label if obj._latest_decision else "—"


@admin.register(ProjectImage)
class ProjectImageAdmin(ScopedProjectChildAdminMixin, TranslatedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "project", "position"]
    list_select_related = ["project"]
    search_fields = ["project__reference", "caption_fr", "caption_ar"]
    autocomplete_fields = ["project"]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(ScopedProjectChildAdminMixin, TranslatedAdmin, admin.ModelAdmin):
    list_display = ["title_fr", "project", "document_type", "is_public"]
    list_filter = ["is_public", "document_type"]
    list_select_related = ["project"]
    search_fields = ["project__reference", "title_fr", "title_ar"]
    autocomplete_fields = ["project"]
