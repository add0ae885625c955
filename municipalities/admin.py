from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import SafeHistoryAdmin
from smartcities.core.spreadsheet_admin import GuardedImportExportMixin

from .models import FocalPoint, Governorate, Municipality
from .resources import MunicipalityResource


@admin.register(Governorate)
class GovernorateAdmin(TranslatedAdmin, admin.ModelAdmin):
    list_display = [
        "code_ins",
        "code_iso",
        "name_fr",
        "name_ar",
        "municipality_count",
        "population_2014",
    ]
    list_display_links = ["code_ins", "name_fr"]
    search_fields = ["code_ins", "code_iso", "name_fr", "name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_fr"]}
    ordering = ["code_ins"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_municipality_count=Count("municipalities"))

    @admin.display(description=_("municipalities"), ordering="_municipality_count")
    def municipality_count(self, obj):
        return obj._municipality_count


@admin.register(Municipality)
class MunicipalityAdmin(GuardedImportExportMixin, TranslatedAdmin, SafeHistoryAdmin):
    """Edits are kept in the municipality's history (who, when, old → new values)."""

    resource_classes = [MunicipalityResource]
    list_display = ["code", "name_fr", "name_ar", "governorate", "status_2016", "population_2014"]
    list_display_links = ["code", "name_fr"]
    list_filter = ["governorate", "status_2016"]
    list_select_related = ["governorate"]
    search_fields = ["code", "name_fr", "name_ar", "slug"]
    prepopulated_fields = {"slug": ["name_fr"]}
    autocomplete_fields = ["governorate"]
    fieldsets = [
        (None, {"fields": ["code", "governorate", "name_fr", "name_ar", "slug"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "status_2016",
                    "seats_2018",
                    "population_2014",
                    "population_2020",
                    "area_km2",
                    ("latitude", "longitude"),
                ]
            },
        ),
        (
            _("Presentation"),
            {"fields": ["website", "description_fr", "description_ar", "description_en", "logo"]},
        ),
    ]

    def autocomplete_label(self, obj):
        """A municipality in the search box of a form, with its governorate: names repeat
        from one governorate to another."""
        return _("%(municipality)s (%(governorate)s)") % {
            "municipality": obj,
            "governorate": obj.governorate,
        }


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality"]
    list_select_related = ["user", "municipality"]
    search_fields = ["user__username", "user__email", "municipality__name_fr", "municipality__code"]
    autocomplete_fields = ["user", "municipality"]
