"""Export of the expressions of interest (django-import-export), from the admin inbox.

Visitor text is neutralised like every export of the portal (``SpreadsheetResource``): a
cell a spreadsheet would read as a formula is exported as plain text.
"""

from import_export import fields

from catalogue.engagement.models import ExpressionOfInterest
from smartcities.core.spreadsheet_admin import SpreadsheetResource


class ExpressionOfInterestResource(SpreadsheetResource):
    project = fields.Field(attribute="project__reference", column_name="project")
    municipality = fields.Field(
        attribute="project__municipality__name_fr", column_name="municipality"
    )

    class Meta:
        model = ExpressionOfInterest
        fields = (
            "id",
            "created_at",
            "project",
            "municipality",
            "organisation",
            "country",
            "investor_kind",
            "name",
            "email",
            "phone",
            "message",
            "language",
            "status",
        )
        export_order = fields

    def dehydrate_investor_kind(self, interest):
        return str(interest.get_investor_kind_display())

    def dehydrate_status(self, interest):
        return str(interest.get_status_display())
