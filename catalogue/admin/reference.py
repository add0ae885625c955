"""Admin pages of the reference data: sectors, sources, screening criteria."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from catalogue.models import (
    PolicyGoal,
    ScreeningCriterion,
    Sector,
    Source,
)
from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import SafeHistoryAdmin


@admin.register(Sector)
class SectorAdmin(TranslatedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "name_en", "display_order"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]


@admin.register(Source)
class SourceAdmin(TranslatedAdmin, admin.ModelAdmin):
    list_display = ["title", "publisher", "kind", "date", "project_count"]
    list_filter = ["kind"]
    search_fields = ["title", "publisher", "url"]
    autocomplete_fields = ["municipalities"]
    filter_horizontal = ["editions"]
    fieldsets = [
        (None, {"fields": ["title", "publisher", "kind", ("date", "date_precision")]}),
        (_("Where to read it"), {"fields": ["url", "document"]}),
        (
            _("What it states"),
            {"fields": ["excerpt_fr", "excerpt_ar", "excerpt_en", "note_fr", "note_ar", "note_en"]},
        ),
        (_("Cited by"), {"fields": ["municipalities", "editions"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count


@admin.register(ScreeningCriterion)
class ScreeningCriterionAdmin(TranslatedAdmin, SafeHistoryAdmin):
    list_display = ["code", "name_fr", "weight", "is_active", "display_order"]
    list_editable = ["weight", "is_active"]
    list_display_links = ["code", "name_fr"]


@admin.register(PolicyGoal)
class PolicyGoalAdmin(TranslatedAdmin, admin.ModelAdmin):
    """The managed list of goals a project may serve (SDGs, U4SSC, national plan items)."""

    list_display = ["framework", "code", "name_fr", "display_order"]
    list_filter = ["framework"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]
