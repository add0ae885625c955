"""The admin site: Django's, with its "view on site" shortcut kept within the admin's scope.

``/admin/r/<content type>/<object>/`` (``django.contrib.contenttypes.views.shortcut``)
redirects to an object's public address. Django's checks only that the user is staff, so
a municipal focal point could walk the ids of another municipality's drafts and read
their references from the redirects. Here the shortcut first asks the model's admin for
the object, as every admin page does (``get_object``, through its ``get_queryset``: the
scope rule of ``catalogue.register.permissions``), and needs the right to view it: anything else
is not found.

The site also names in the user's language the apps that give their name untranslated
(``THIRD_PARTY_APP_NAMES``, translated in ``locale/vendor``), and lets a model's admin
word its autocomplete results (``autocomplete_label``: a municipality with its governorate).
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _

# Apps whose configuration gives a verbose name without gettext: the admin's index, app
# pages and breadcrumbs show these instead (by app label).
THIRD_PARTY_APP_NAMES = {
    "axes": _("Axes"),
    "django_tasks_database": _("Tasks Database Backend"),
}


class PortalAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete answers, worded by the searched model's admin when it says how
    (``autocomplete_label(obj)``), and loading the relations its list loads
    (``list_select_related``) so that the wording costs no query per result."""

    def get_queryset(self):
        queryset = super().get_queryset()
        related = self.model_admin.list_select_related
        if isinstance(related, (list, tuple)) and related:
            queryset = queryset.select_related(*related)
        return queryset

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = str(label(obj))
        return result


class PortalAdminSite(admin.AdminSite):
    """``admin.site`` (``smartcities.apps.PortalAdminConfig`` makes it the default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for label, name in THIRD_PARTY_APP_NAMES.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name

    def autocomplete_view(self, request):
        return PortalAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        urls = super().get_urls()
        scoped = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [scoped if getattr(url, "name", None) == "view_on_site" else url for url in urls]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut, for an object the user's admin of its model shows them."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
        return shortcut(request, content_type_id, object_id)
