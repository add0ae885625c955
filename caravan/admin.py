from django.contrib import admin
from django.contrib.admin.utils import display_for_field, unquote
from django.db.models import Count, ForeignKey
from django.utils.translation import gettext_lazy as _

from municipalities.models import Municipality
from smartcities.core.admin_widgets import TranslatedAdmin
from smartcities.core.history_admin import SafeHistoryAdmin
from smartcities.core.review_admin import (
    ReviewAdminMixin,
    ReviewForm,
    ReviewGateInline,
    ReviewRowsInline,
    ScoredRowForm,
)
from smartcities.core.spreadsheet_admin import GuardedImportExportMixin

from .models import (
    Dimension,
    DimensionScore,
    Edition,
    Ministry,
    MunicipalityReview,
    MunicipalityReviewGate,
    ReferenceExperience,
    Stop,
)
from .resources import MinistryResource, StopResource
from .services import municipality_review_decide, municipality_review_prepare

EMPTY = "—"


class ChildHistoryMixin:
    """The object's history page also lists the changes to its child rows (its inlines):
    when, who, which row, and the old → new values of the fields that changed.

    ``child_histories``: ``(model, foreign key to the parent, field naming the row,
    fields shown)`` for each historied child model; ``child_history_title`` heads the list.
    A row's creation is not listed; a change with no earlier record shows "—" before.
    """

    child_histories = ()
    child_history_title = ""
    object_history_template = "admin/history_with_child_changes.html"

    def history_view(self, request, object_id, extra_context=None):
        context = {
            "child_history_title": self.child_history_title,
            "child_changes": self.child_changes(unquote(object_id)),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def child_changes(self, object_id) -> list[dict]:
        rows = []
        for model, parent, label, names in self.child_histories:
            label_field = model._meta.get_field(label)
            fields = [model._meta.get_field(name) for name in names]
            records = (
                model.history.filter(**{f"{parent}_id": object_id})
                .exclude(history_type="-")
                .select_related("history_user")
                .order_by("history_date", "history_id")
            )
            if isinstance(label_field, ForeignKey):
                records = records.select_related(label)
            latest = {}
            for record in records:
                before = latest.get(record.id)
                latest[record.id] = record
                if before is None and record.history_type == "+":
                    continue  # the row's creation, with its initial values
                changes = [
                    (field.verbose_name, _before(before, field), _display(record, field))
                    for field in fields
                    if _changed(before, record, field)
                ]
                if changes:
                    item = (
                        getattr(record, label)
                        if isinstance(label_field, ForeignKey)
                        else _display(record, label_field)
                    )
                    rows.append(
                        {
                            "date": record.history_date,
                            "user": record.history_user,
                            "item": item,
                            "changes": changes,
                        }
                    )
        rows.sort(key=lambda row: row["date"], reverse=True)
        return rows


def _display(record, field):
    return display_for_field(getattr(record, field.attname), field, EMPTY)


def _before(before, field):
    return EMPTY if before is None else _display(before, field)


def _changed(before, record, field) -> bool:
    """Whether ``field`` changed; with no earlier record, whether it has a value."""
    value = getattr(record, field.attname)
    if before is None:
        return value not in ("", None)
    return value != getattr(before, field.attname)


@admin.register(Ministry)
class MinistryAdmin(GuardedImportExportMixin, TranslatedAdmin, admin.ModelAdmin):
    resource_classes = [MinistryResource]
    list_display = ["acronym", "name_fr", "display_order", "website"]
    list_display_links = ["acronym", "name_fr"]
    list_editable = ["display_order"]
    search_fields = ["acronym", "name_fr", "name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["acronym"]}


@admin.register(Dimension)
class DimensionAdmin(TranslatedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_ar", "name_en", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["code", "name_fr", "name_ar", "name_en"]


class StopInline(TranslatedAdmin, admin.TabularInline):
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
class EditionAdmin(TranslatedAdmin, admin.ModelAdmin):
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
class StopAdmin(GuardedImportExportMixin, TranslatedAdmin, admin.ModelAdmin):
    resource_classes = [StopResource]
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
class ReferenceExperienceAdmin(TranslatedAdmin, admin.ModelAdmin):
    list_display = ["name_fr", "municipality"]
    list_select_related = ["municipality"]
    search_fields = ["name_fr", "name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_fr"]}
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["editions"]


class MunicipalityGateInline(ReviewGateInline):
    model = MunicipalityReviewGate
    step_title = _("1 · Programme gates")


class DimensionBandForm(ScoredRowForm):
    """A dimension's U4SSC band, each value saying what it means."""

    score_field = "band"
    unscored_label = _("Not banded yet")


class DimensionScoreInline(ReviewRowsInline):
    model = DimensionScore
    form = DimensionBandForm
    fields = ["band", "comment"]
    step_title = _("2 · Smart-city dimensions (U4SSC band)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dimension")


class MunicipalityReviewForm(ReviewForm):
    """A municipality review, with the programme decision taken on save."""

    decide_help = _(
        "“Eligible” needs every programme gate; with a failed gate, “conditionally "
        "eligible” or “not eligible”. A decision is final."
    )

    class Meta:
        model = MunicipalityReview
        fields = [
            "municipality",
            "public_summary_fr",
            "public_summary_ar",
            "public_summary_en",
            "internal_notes",
        ]


@admin.register(MunicipalityReview)
class MunicipalityReviewAdmin(
    ReviewAdminMixin, ChildHistoryMixin, TranslatedAdmin, SafeHistoryAdmin
):
    form = MunicipalityReviewForm
    child_histories = [
        (MunicipalityReviewGate, "review", "gate", ["passed", "comment"]),
        (DimensionScore, "review", "dimension", ["band", "comment"]),
    ]
    child_history_title = _("Changes to gates and dimension scores")
    list_display = ["municipality", "version", "reviewer", "created_at", "decision", "decided_at"]
    list_filter = ["decision", "municipality__governorate"]
    list_select_related = ["municipality", "reviewer"]
    search_fields = ["municipality__name_fr", "municipality__name_ar", "municipality__code"]
    autocomplete_fields = ["municipality"]
    readonly_fields = [
        "version",
        "reviewer",
        "created_at",
        "average",
        "decision",
        "decided_by",
        "decided_at",
    ]
    inlines = [MunicipalityGateInline, DimensionScoreInline]
    # The order a reviewer works in: gates and dimensions (the inlines, after the first
    # fieldset), the result, then the decision with its public summary.
    fieldsets = [
        (None, {"fields": ["municipality", "version", "reviewer", "created_at"]}),
        (_("3 · Result"), {"fields": ["average"]}),
        (
            _("4 · Decision"),
            {
                "fields": [
                    "public_summary_fr",
                    "public_summary_ar",
                    "public_summary_en",
                    "internal_notes",
                    "decide",
                    "decision",
                    "decided_by",
                    "decided_at",
                ]
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # A new review names its municipality; its gates and dimensions come next.
            return [(None, {"fields": ["municipality"]})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        # The gates and the six dimensions are added when the review is created.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["municipality"] if obj is not None else fields

    @admin.display(description=_("mean band over the dimensions (1–4)"))
    def average(self, obj):
        return "—" if obj.average_band() is None else obj.average_band()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            municipality_review_prepare(review=obj, user=request.user)

    def decide(self, review, user, decision):
        return municipality_review_decide(review=review, user=user, decision=decision)
