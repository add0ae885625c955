from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from translated_fields import TranslatedFieldAdmin

from municipalities.models import Municipality

from .models import Dimension, Edition, Ministry, ReferenceExperience, Stop


@admin.register(Ministry)
class MinistryAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["acronym", "name_fr", "display_order", "website"]
    list_display_links = ["acronym", "name_fr"]
    list_editable = ["display_order"]
    search_fields = ["acronym", "name_fr", "name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["acronym"]}


@admin.register(Dimension)
class DimensionAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "name_en", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]


class StopInline(TranslatedFieldAdmin, admin.TabularInline):
    model = Stop
    extra = 0
    fields = ["order", "municipality", "date", "summary_fr", "summary_ar", "summary_en"]
    ordering = ["order"]

    def get_queryset(self, request):
        # Each row's title is str(stop), which names the edition and the municipality.
        return super().get_queryset(request).select_related("edition", "municipality")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "municipality":
            # One query for all rows: an autocomplete widget would query once per stop.
            if not hasattr(request, "_municipality_choices"):
                request._municipality_choices = [("", "---------")] + [
                    (m.pk, f"{m.name_fr} ({m.governorate.name_fr})")
                    for m in Municipality.objects.for_lists().order_by("name_fr")
                ]
            formfield.choices = request._municipality_choices
        return formfield


@admin.register(Edition)
class EditionAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["number", "year", "theme_fr", "start_date", "end_date", "stop_count"]
    list_display_links = ["number", "theme_fr"]
    search_fields = ["theme_fr", "theme_ar", "theme_en", "year"]
    filter_horizontal = ["ministries"]
    inlines = [StopInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_stop_count=Count("stops"))

    @admin.display(description=_("stops"), ordering="_stop_count")
    def stop_count(self, obj):
        return obj._stop_count


@admin.register(Stop)
class StopAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["edition", "order", "municipality", "governorate", "date"]
    list_filter = ["edition", "municipality__governorate"]
    list_select_related = ["edition", "municipality__governorate"]
    search_fields = ["municipality__name_fr", "municipality__name_ar", "municipality__code"]
    autocomplete_fields = ["municipality"]
    ordering = ["edition__number", "order"]

    @admin.display(description=_("governorate"), ordering="municipality__governorate__code_ins")
    def governorate(self, obj):
        return obj.municipality.governorate


@admin.register(ReferenceExperience)
class ReferenceExperienceAdmin(TranslatedFieldAdmin, admin.ModelAdmin):
    list_display = ["name_fr", "municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name_fr", "name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_fr"]}
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["editions"]
