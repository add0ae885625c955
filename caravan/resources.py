"""Spreadsheet columns of the ministries and the caravan stops (django-import-export).

Rows are found by natural keys, never by database ids: a ministry by its slug, a stop by
its edition's number and its municipality (DGCL code or slug).
"""

from django.utils.translation import gettext as _
from import_export import fields, widgets

from municipalities.resources import MunicipalityWidget
from smartcities.core.spreadsheet_admin import SpreadsheetResource

from .models import Edition, Ministry, Stop


class EditionWidget(widgets.ForeignKeyWidget):
    """A caravan edition by its number."""

    def __init__(self, **kwargs):
        super().__init__(Edition, "number", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        try:
            number = int(float(text))
        except ValueError:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
        edition = Edition.objects.filter(number=number).first()
        if edition is None:
            raise ValueError(_("There is no caravan edition %(number)s.") % {"number": number})
        return edition


class MinistryResource(SpreadsheetResource):
    example_row = {
        "slug": "environnement",
        "acronym": "ME",
        "name_fr": "Ministère de l'Environnement",
        "name_ar": "وزارة البيئة",
        "name_en": "Ministry of the Environment",
        "website": "https://www.environnement.gov.tn",
        "display_order": "4",
    }

    class Meta:
        model = Ministry
        import_id_fields = ["slug"]
        clean_model_instances = True
        skip_unchanged = True
        fields = [
            "slug",
            "acronym",
            "name_fr",
            "name_ar",
            "name_en",
            "website",
            "display_order",
        ]
        export_order = fields


class StopResource(SpreadsheetResource):
    edition = fields.Field(attribute="edition", column_name="edition", widget=EditionWidget())
    municipality = fields.Field(
        attribute="municipality", column_name="municipality", widget=MunicipalityWidget()
    )
    municipality_name = fields.Field(
        attribute="municipality__name_fr", column_name="municipality_name", readonly=True
    )

    example_row = {
        "edition": "2",
        "municipality": "5111",
        "municipality_name": "Gabès",
        "order": "12",
        "date": "2020-03-14",
        "summary_fr": "Rencontre avec le conseil municipal et visite de l'oasis.",
    }

    class Meta:
        model = Stop
        import_id_fields = ["edition", "municipality"]
        clean_model_instances = True
        skip_unchanged = True
        fields = [
            "edition",
            "municipality",
            "municipality_name",
            "order",
            "date",
            "summary_fr",
            "summary_ar",
            "summary_en",
        ]
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("edition", "municipality")
