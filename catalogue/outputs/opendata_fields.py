"""The fields of the labelled open-data exports (``catalogue.outputs.opendata``): their
keys, labels in the page's language and meaning, which the data dictionary page
(``catalogue:data_dictionary``) lists as they are declared here."""

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The model fields' names (the same messages, so the same translations), as labels.
VERBOSE_NAMES = {
    "purpose": _("purpose"),
    "project_type": _("project type"),
    "payment_mechanism": _("payment mechanism"),
    "policy_goals": _("policy alignment"),
    "planned_start": _("planned start"),
    "planned_end": _("planned end"),
    "actual_start": _("actual start"),
    "actual_end": _("actual end"),
}


def _verbose(name: str):
    """A model field's name, capitalised, as a label (lazy: in the page's language)."""
    return capfirst(VERBOSE_NAMES[name])


@dataclass(frozen=True)
class Field:
    """One field of the labelled exports: its stable key (the JSON key), its label (the
    CSV/XLSX header, in the page's language) and what it holds (data dictionary)."""

    key: str
    label: str
    help: str
    codes: str = ""  # the codes variant's column(s) holding the same fact


FIELDS = [
    Field(
        "reference",
        _("Reference"),
        _("The project's reference in the catalogue, e.g. GAB-2020-001. It never changes."),
        "reference",
    ),
    Field(
        "title",
        _("Title"),
        _("The project's title in the page's language (French when not translated)."),
        "title_fr, title_ar, title_en",
    ),
    Field(
        "summary",
        _("Summary"),
        _("Two or three sentences, in the page's language (French when not translated)."),
        "summary_fr, summary_ar, summary_en",
    ),
    Field(
        "description",
        _("Description"),
        _("The longer description, in the page's language (French when not translated)."),
        "description_fr, description_ar, description_en",
    ),
    Field(
        "municipality",
        _("Municipality"),
        _("The municipality carrying the project."),
        "municipality (DGCL code), municipality_name",
    ),
    Field("governorate", _("Governorate"), _("The municipality's governorate.")),
    Field(
        "caravan_edition",
        _("Caravan edition"),
        _("The caravan edition during which the project was identified. Empty: none."),
        "caravan_edition (number)",
    ),
    Field(
        "sector",
        _("Sector"),
        _("The project's OC4IDS sector. “Not stated” when no source gives it."),
        "sector (OC4IDS code)",
    ),
    Field(
        "dimensions",
        _("Smart-city dimensions"),
        _("The smart-city dimensions the project serves, separated by semicolons."),
        "dimensions (codes)",
    ),
    Field(
        "ministries",
        _("Partner ministries"),
        _("The partner ministries involved, separated by semicolons."),
        "ministries (acronyms)",
    ),
    Field(
        "stage",
        _("Stage"),
        _("Where the project stands (see the methodology). “Not stated” when no source says."),
        "stage (code)",
    ),
    Field(
        "contract_model",
        _("Contract model"),
        _("The legal frame the project would be procured under. “Not stated” when no source says."),
        "contract_model (code)",
    ),
    Field(
        "contract_subtype",
        _("Contract sub-type"),
        _("The arrangement within a PPP contract or a concession. Empty: not stated."),
        "contract_subtype (code)",
    ),
    Field(
        "initiation",
        _("Initiation"),
        _("Who proposed the project. Empty: not stated."),
        "initiation (code)",
    ),
    Field(
        "investment_tnd",
        _("Estimated investment (TND)"),
        _("In Tunisian dinars, a number. Empty: not stated."),
        "investment_tnd",
    ),
    Field(
        "land_area_ha",
        _("Land area (ha)"),
        _("In hectares, a number. Empty: not stated."),
        "land_area_ha",
    ),
    Field(
        "expected_jobs",
        _("Expected jobs"),
        _("A whole number. Empty: not stated."),
        "expected_jobs",
    ),
    Field(
        "duration_years",
        _("Contract duration (years)"),
        _("A whole number of years. Empty: not stated."),
        "duration_years",
    ),
    Field(
        "purpose",
        _verbose("purpose"),
        _(
            "The project's socio-economic purpose, in the page's language (French when not "
            "translated). Empty: not stated."
        ),
        "purpose_fr, purpose_ar, purpose_en",
    ),
    Field(
        "project_type",
        _verbose("project_type"),
        _(
            "What the project does to its asset (OC4IDS project type): construction, "
            "rehabilitation, replacement or expansion. Empty: not stated."
        ),
        "project_type (code)",
    ),
    Field(
        "payment_mechanism",
        _verbose("payment_mechanism"),
        _(
            "How the private partner is paid: by the users' fees, by availability payments "
            "of the authority, or both. Empty: not stated."
        ),
        "payment_mechanism (code)",
    ),
    Field(
        "policy_goals",
        _verbose("policy_goals"),
        _(
            "The Sustainable Development Goals, U4SSC dimensions and national plan items "
            "the project serves, separated by semicolons."
        ),
        "policy_goals (labels)",
    ),
    *(
        Field(name, _verbose(name), _("A date. Empty: not stated."), name)
        for name in ("planned_start", "planned_end", "actual_start", "actual_end")
    ),
    Field(
        "latitude",
        _("Latitude"),
        _(
            "The project's own location in decimal degrees (WGS 84). Empty: the portal "
            "shows it at its municipality's location."
        ),
        "latitude",
    ),
    Field("longitude", _("Longitude"), _("See the latitude."), "longitude"),
    Field(
        "contact_name",
        _("Contact"),
        _("A contact, only when the project names one."),
        "contact_name",
    ),
    Field("contact_email", _("Contact e-mail"), _("Empty: none given."), "contact_email"),
    Field("contact_phone", _("Contact phone"), _("Empty: none given."), "contact_phone"),
    Field(
        "screening",
        _("Screening"),
        _(
            "The eligibility committee's latest decision on the project, or “Not yet "
            "screened” (see the methodology)."
        ),
        "screening (code)",
    ),
    Field(
        "screened_at",
        _("Screened on"),
        _("The date of that decision. Empty: not screened."),
        "screened_at",
    ),
    Field(
        "screening_score",
        _("Screening score (0–100)"),
        _("The review's weighted score out of 100. Empty: not screened or not scored."),
        "screening_score",
    ),
    Field(
        "published_at",
        _("First published"),
        _("The date the project first appeared in the catalogue."),
        "published_at",
    ),
    Field(
        "updated_at",
        _("Last updated"),
        _("The date the project's record last changed."),
        "updated_at",
    ),
    Field(
        "verified_at",
        _("Last verified"),
        _(
            "The date staff last confirmed the project is still current. Empty: not since "
            "its publication."
        ),
        "verified_at",
    ),
    Field(
        "verification_due",
        _("To be verified"),
        _(
            "“Yes” when nobody confirmed the project as current for longer than the interval "
            "the methodology gives."
        ),
        "verification_due (yes/no)",
    ),
    Field(
        "sources",
        _("Sources"),
        _(
            "The sources the facts come from (title, publisher, date, address), separated by "
            "semicolons."
        ),
        "sources",
    ),
    Field("url", _("Page"), _("The project's page on the portal, in the page's language.")),
    Field(
        "licence",
        _("Licence"),
        _("The licence the data is published under (the same on every row)."),
        "licence",
    ),
    Field(
        "publisher",
        pgettext_lazy("data publisher", "Source"),
        _("Who publishes the data (the same on every row)."),
    ),
    Field(
        "exported_at",
        _("Exported on"),
        _("The date and time the file was produced (the same on every row)."),
    ),
]
FIELD_KEYS = [field.key for field in FIELDS]
LIST_FIELDS = ("dimensions", "ministries", "policy_goals", "sources")
