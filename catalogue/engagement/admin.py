"""The admin inbox of expressions of interest (scoped like projects: a focal point sees
only their municipality's), the subscriptions and workflow e-mails (read only), and the
staff's e-mail language."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from catalogue.admin.scoping import NotFoundOutOfScopeMixin
from catalogue.engagement import services
from catalogue.engagement.choices import InterestStatus
from catalogue.engagement.models import ExpressionOfInterest, Notice, Profile, Subscription
from catalogue.engagement.resources import ExpressionOfInterestResource
from catalogue.models import Project
from catalogue.register.permissions import scope_projects
from smartcities.core.history_admin import SafeHistoryAdmin, error_text, run_service

VISITOR_FIELDS = (
    "project",
    "created_at",
    "organisation",
    "country",
    "investor_kind",
    "name",
    "email",
    "phone",
    "message",
    "consent",
    "language",
)


def _status_action(status: str, description):
    def action(model_admin, request, queryset):
        done = 0
        for interest in queryset:
            done += run_service(
                model_admin,
                request,
                lambda interest=interest: services.interest_set_status(
                    interest=interest, user=request.user, status=status, note=None
                ),
                success="",
                failure=gettext("%(interest)s: %%(reasons)s") % {"interest": interest},
            )
        if done:
            model_admin.message_user(
                request,
                ngettext(
                    "%(count)s expression of interest updated.",
                    "%(count)s expressions of interest updated.",
                    done,
                )
                % {"count": done},
            )

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(NotFoundOutOfScopeMixin, ExportMixin, SafeHistoryAdmin):
    """The inbox: new first; the sender's details are read only, staff set the status."""

    resource_classes = [ExpressionOfInterestResource]
    export_form_class = ExportForm  # every column
    list_display = (
        "created_at",
        "project_reference",
        "municipality",
        "organisation",
        "investor_kind",
        "country",
        "status",
    )
    list_filter = ("status", "investor_kind", "created_at")
    list_select_related = ("project__municipality",)
    search_fields = ("organisation", "name", "email", "project__reference")
    date_hierarchy = "created_at"
    readonly_fields = VISITOR_FIELDS
    fields = (*VISITOR_FIELDS, "status", "staff_note")
    history_revert = False  # statuses move forward through the service only
    actions = [
        _status_action(InterestStatus.ACKNOWLEDGED, _("Mark as acknowledged")),
        _status_action(InterestStatus.IN_CONTACT, _("Mark as in contact")),
        _status_action(InterestStatus.CLOSED, _("Mark as closed")),
    ]

    def get_queryset(self, request):
        projects = scope_projects(request.user, Project.objects.all())
        return super().get_queryset(request).filter(project__in=projects.values("pk"))

    @admin.display(description=_("project"), ordering="project__reference")
    def project_reference(self, interest):
        return interest.project.reference

    @admin.display(description=_("municipality"), ordering="project__municipality__name_fr")
    def municipality(self, interest):
        return interest.project.municipality.name

    def has_add_permission(self, request):
        return False  # only from the public form

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change):
        try:
            services.interest_set_status(
                interest=obj,
                user=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data.get("staff_note", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            # The form was valid but the service refused: nothing was saved.
            self.message_user(request, error_text(error), level="ERROR")
            raise _Refused from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.path)


class _Refused(Exception):
    """A change the service refused (its message is already shown)."""


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "email",
        "kind",
        "target",
        "frequency",
        "language",
        "created_at",
        "confirmed_at",
    )
    list_filter = ("kind", "frequency", "language")
    list_select_related = ("project",)
    search_fields = ("email", "project__reference")
    exclude = ("confirm_token", "unsubscribe_token")

    @admin.display(description=_("followed"))
    def target(self, subscription):
        return subscription.project.reference if subscription.project_id else subscription.query


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "project", "recipients")
    list_filter = ("kind",)
    list_select_related = ("project",)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    list_filter = ("language",)
    autocomplete_fields = ("user",)
    search_fields = ("user__username", "user__email")
