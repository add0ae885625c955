"""Spreadsheet columns of the municipalities (django-import-export).

An import updates the profile of existing municipalities, found by their official DGCL
code; it never creates one, nor changes a code, a name, a slug or a governorate (official
data, loaded by ``load_reference_data``). Those columns are exported for reading only.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from smartcities.core.spreadsheet_admin import SpreadsheetResource

from .models import Municipality


class MunicipalityWidget(widgets.ForeignKeyWidget):
    """A municipality by its four-digit DGCL code or by its slug."""

    def __init__(self, **kwargs):
        super().__init__(Municipality, "code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            return None
        found = Municipality.objects.filter(code=value).first() or (
            Municipality.objects.filter(slug=value.lower()).first()
        )
        if found is None:
            raise ValueError(
                _("No municipality has the code or slug “%(value)s”.") % {"value": value}
            )
        return found


class MunicipalityResource(SpreadsheetResource):
    code = fields.Field(attribute="code", column_name="code")
    name_fr = fields.Field(attribute="name_fr", column_name="name_fr", readonly=True)
    governorate = fields.Field(
        attribute="governorate__code_ins", column_name="governorate", readonly=True
    )

    example_row = {
        "code": "5111",
        "name_fr": "Gabès",
        "governorate": "51",
        "status_2016": "old",
        "seats_2018": "36",
        "population_2014": "130984",
        "website": "https://www.commune-gabes.gov.tn",
        "description_fr": "Ville côtière du Sud, porte du désert et de l'oasis maritime.",
    }

    class Meta:
        model = Municipality
        import_id_fields = ["code"]
        clean_model_instances = True
        skip_unchanged = True
        fields = [
            "code",
            "name_fr",
            "governorate",
            "status_2016",
            "seats_2018",
            "population_2014",
            "population_2020",
            "area_km2",
            "latitude",
            "longitude",
            "website",
            "description_fr",
            "description_ar",
            "description_en",
        ]
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("governorate")

    def init_instance(self, row=None):
        raise ValidationError(
            _(
                "No municipality has the code “%(code)s”. This import only updates the "
                "profile of existing municipalities."
            )
            % {"code": (row or {}).get("code", "")}
        )
