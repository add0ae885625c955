"""The workflow steps as buttons on a project's own admin page.

Each step the user may take on the project now (``rules.may_take_step``: permission,
status, municipal scope, reviewer independence) is a button above the form. It opens one
confirmation screen (with the reason field when the step needs one); the POST runs the
step's service, whose refusal is shown as a message, never an error page. The list's bulk
actions remain for many projects at once.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic

from catalogue.models import ProjectReview
from catalogue.register import reviews, rules, services
from smartcities.core.history_admin import error_text


@dataclass(frozen=True)
class Step:
    """A workflow step offered on the project's page."""

    label: Promise
    service: object = None  # called with project=, user= (and reason=); None: a link
    needs_reason: bool = False
    question: Promise = ""


STEPS = {
    "submit": Step(
        _("Submit for review"),
        services.project_submit,
        question=_("The project goes to the eligibility committee; you can no longer edit it."),
    ),
    "review": Step(
        _("Open an eligibility review"),
        reviews.review_open,
        question=_("A new review is opened; you fill its gates and scores on its own page."),
    ),
    # The decision needs the review's gates and scores: it is taken on the review's page.
    "decide": Step(_("Decide the review")),
    "publish": Step(
        _("Publish"),
        services.project_publish,
        question=_("The project appears in the public catalogue at once."),
    ),
    "withdraw": Step(
        _("Withdraw from the catalogue"),
        services.project_withdraw,
        needs_reason=True,
        question=_("The project leaves the public catalogue; the reason is shown on its page."),
    ),
    "restore": Step(
        _("Restore to the catalogue"),
        services.project_restore,
        question=_("The project is public again."),
    ),
    "confirm_current": Step(
        _("Confirm still current"),
        services.project_confirm_current,
        question=_("You confirm that the project's public facts are still true today."),
    ),
}


class ProjectWorkflowAdminMixin:
    """Workflow buttons on the change page, and their confirmation screens."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/workflow/<str:step>/",
                self.admin_site.admin_view(self.workflow_step_view),
                name="catalogue_project_workflow",
            ),
            *super().get_urls(),
        ]

    def workflow_buttons(self, request, project):
        """(label, url) of each step ``request.user`` may take on ``project`` now."""
        buttons = []
        for name, step in STEPS.items():
            if not rules.may_take_step(request.user, project, name):
                continue
            if step.service is None:
                review = self._open_review(project)
                if review is None:
                    continue
                url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
            else:
                url = reverse("admin:catalogue_project_workflow", args=[project.pk, name])
            buttons.append((step.label, url))
        return buttons

    @staticmethod
    def _open_review(project):
        latest = project.reviews.order_by("-version").first()
        return latest if latest is not None and not latest.is_decided else None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and change and to_historic(obj) is None:
            context["workflow_buttons"] = self.workflow_buttons(request, obj)
            context["status_label"] = obj._meta.get_field("status").verbose_name
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_step_view(self, request, object_id, step):
        """One step's confirmation screen (GET) and the step itself (POST)."""
        definition = STEPS.get(step)
        if definition is None or definition.service is None:
            raise Http404(gettext("No such step."))
        project = self.get_object(request, unquote(object_id))
        if project is None:
            raise Http404(gettext("No such object."))
        if not self.has_view_permission(request, project):
            raise PermissionDenied
        change_url = reverse("admin:catalogue_project_change", args=[project.pk])
        if not rules.may_take_step(request.user, project, step):
            messages.error(
                request,
                gettext("“%(step)s” is not possible for this project now.")
                % {"step": definition.label},
            )
            return HttpResponseRedirect(change_url)
        refusal = ""
        reason = ""
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            extra = {"reason": reason} if definition.needs_reason else {}
            try:
                with transaction.atomic():
                    outcome = definition.service(project=project, user=request.user, **extra)
            except (ValidationError, PermissionDenied) as refused:
                if not definition.needs_reason:
                    messages.error(request, error_text(refused))
                    return HttpResponseRedirect(change_url)
                refusal = error_text(refused)  # shown with the reason field, kept
            else:
                messages.success(
                    request,
                    gettext("%(step)s: done for %(reference)s.")
                    % {"step": definition.label, "reference": project.reference},
                )
                if isinstance(outcome, ProjectReview):
                    # A new review is filled on its own page.
                    change_url = reverse("admin:catalogue_projectreview_change", args=[outcome.pk])
                return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "admin/catalogue/project/workflow_step.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": definition.label,
                "step": definition,
                "project": project,
                "original": project,
                "change_url": change_url,
                "refusal": refusal,
                "reason": reason,
            },
        )
