"""Who sees and edits which project in the admin: the scope mixins shared by the admin pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

from catalogue.register.permissions import focal_municipality_id, is_unattached_focal_point
from catalogue.register.rules import (  # noqa: F401 -- the admin pages' names for the rules
    FOCAL_POINT_EDITABLE,
    editable_projects,
    may_edit_project,
)


class NotFoundOutOfScopeMixin:
    """Objects outside the user's scope are 404, in every admin view (history included)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("No such object."))

    def _check_in_scope(self, request, object_id):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404(gettext("No such object."))

    def delete_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class UnattachedFocalPointMixin:
    """A focal point attached to no municipality adds nothing and is told why."""

    def has_add_permission(self, request, *args, **kwargs):
        if is_unattached_focal_point(request.user):
            return False
        return super().has_add_permission(request, *args, **kwargs)

    def changelist_view(self, request, extra_context=None):
        if is_unattached_focal_point(request.user) and request.method == "GET":
            self.message_user(
                request,
                gettext(
                    "Your account is not attached to a municipality yet; ask a ministry "
                    "administrator."
                ),
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


class ScopedProjectChildAdminMixin(NotFoundOutOfScopeMixin, UnattachedFocalPointMixin):
    """Photos and documents follow their project.

    Out of the user's scope they are not found (404). A focal point adds, changes and
    deletes them only while their project is editable (draft or waiting for information),
    and can attach them only to such a project of their municipality.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        restricted_to = focal_municipality_id(request.user)
        if restricted_to is not None:
            queryset = queryset.filter(project__municipality_id=restricted_to)
        return queryset

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return may_edit_project(request.user, obj.project)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None:
            return may_edit_project(request.user, obj.project)
        return allowed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = editable_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The form offers only editable projects; this guards any other way in.
        if not may_edit_project(request.user, obj.project):
            raise PermissionDenied(gettext("You may not change this project."))
        super().save_model(request, obj, form, change)


class ProjectChildInlineMixin:
    """The photos and documents inlines of a project: editable when the project is."""

    def _may_edit(self, request, obj):
        return obj is None or may_edit_project(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)
