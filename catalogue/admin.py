from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from translated_fields import TranslatedFieldAdmin

from .models import Project, ProjectDocument, ProjectImage, Sector


@admin.register(Sector)
class SectorAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "name_en", "display_order"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]


class ProjectImageInline(TranslatedFieldAdmin, admin.TabularInline):
    model = ProjectImage
    extra = 0
    fields = ["position", "image", "caption_fr", "caption_ar", "caption_en"]


class ProjectDocumentInline(TranslatedFieldAdmin, admin.TabularInline):
    model = ProjectDocument
    extra = 0
    fields = ["position", "title_fr", "title_ar", "title_en", "file", "document_type", "is_public"]


@admin.register(Project)
class ProjectAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = [
        "reference",
        "title_fr",
        "municipality",
        "governorate",
        "sector",
        "stage",
        "status",
        "investment_tnd",
        "updated_at",
    ]
    list_display_links = ["reference", "title_fr"]
    list_filter = [
        "status",
        "stage",
        "contract_model",
        "sector",
        "municipality__governorate",
        "featured",
        "is_demo",
    ]
    list_select_related = ["municipality__governorate", "sector"]
    search_fields = ["reference", "title_fr", "title_ar", "title_en", "municipality__name_fr"]
    autocomplete_fields = ["municipality", "stop", "sector"]
    filter_horizontal = ["dimensions", "ministries"]
    date_hierarchy = "updated_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProjectImageInline, ProjectDocumentInline]
    fieldsets = [
        (None, {"fields": ["reference", "title_fr", "title_ar", "title_en"]}),
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
        (_("Contact"), {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "withdrawn_reason",
                    "featured",
                    "is_demo",
                    "published_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("governorate"), ordering="municipality__governorate__code_ins")
    def governorate(self, obj):
        return obj.municipality.governorate


@admin.register(ProjectImage)
class ProjectImageAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["__str__", "project", "position"]
    list_select_related = ["project"]
    search_fields = ["project__reference", "caption_fr", "caption_ar"]
    autocomplete_fields = ["project"]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["title_fr", "project", "document_type", "is_public"]
    list_filter = ["is_public", "document_type"]
    list_select_related = ["project"]
    search_fields = ["project__reference", "title_fr", "title_ar"]
    autocomplete_fields = ["project"]
