"""Linked data about the catalogue: schema.org JSON-LD for search engines, embedded in the
project and catalogue pages (``{% json_ld %}``).

Built from what the page's view already read (no query of its own).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext

from catalogue.outputs.oc4ids import COUNTRY, PUBLISHER

SCHEMA_ORG = "https://schema.org"


def _publisher(site_url: str) -> dict:
    return {"@type": "GovernmentOrganization", "name": PUBLISHER, "url": site_url}


def _download(url: str, media_type: str, name: str) -> dict:
    return {"@type": "DataDownload", "name": name, "encodingFormat": media_type, "contentUrl": url}


def catalogue_dataset(*, absolute) -> dict:
    """The whole catalogue as a schema.org ``Dataset`` with its downloads."""
    site_url = absolute("/")
    catalogue_url = absolute(reverse("catalogue:project_list"))

    def export(extension):
        return absolute(reverse("catalogue:project_export", kwargs={"format": extension}))

    return {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "@id": catalogue_url + "#dataset",
        "name": gettext("National catalogue of smart-city PPP projects"),
        "description": gettext(
            "The national catalogue of public-private partnership projects of Tunisia's "
            "smart and sustainable municipalities."
        ),
        "url": catalogue_url,
        "inLanguage": get_language(),
        "license": settings.DATA_LICENCE["url"],
        "isAccessibleForFree": True,
        "publisher": _publisher(site_url),
        "creator": _publisher(site_url),
        "spatialCoverage": {"@type": "Country", "name": COUNTRY, "identifier": "TN"},
        "measurementTechnique": absolute(reverse("catalogue:methodology")),
        "variableMeasured": absolute(reverse("catalogue:data_dictionary")),
        "distribution": [
            _download(export("csv"), "text/csv", gettext("Data (CSV)")),
            _download(
                export("xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                gettext("Data (Excel)"),
            ),
            _download(export("json"), "application/json", gettext("Data (JSON)")),
            _download(absolute(reverse("oc4ids_projects")), "application/json", "OC4IDS 0.9"),
        ],
    }


def _place(project, municipality) -> dict:
    place = {
        "@type": "Place",
        "name": f"{municipality.name}, {municipality.governorate.name}",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": municipality.name,
            "addressRegion": municipality.governorate.name,
            "addressCountry": "TN",
        },
    }
    point = project.point
    if point:
        latitude, longitude = point
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(latitude),
            "longitude": float(longitude),
        }
    return place


def project_dataset(project, *, absolute) -> dict:
    """A project's public record as a schema.org ``Dataset``: about the project, with its
    JSON, OC4IDS and PDF downloads."""
    page = absolute(project.get_absolute_url())
    reference = project.reference
    data = {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "@id": page + "#record",
        "name": project.title,
        "description": project.summary or project.title,
        "url": page,
        "identifier": reference,
        "inLanguage": get_language(),
        "license": settings.DATA_LICENCE["url"],
        "isAccessibleForFree": True,
        "publisher": _publisher(absolute("/")),
        "dateModified": timezone.localtime(project.updated_at).isoformat(timespec="seconds"),
        "spatialCoverage": _place(project, project.municipality),
        "isPartOf": {"@id": absolute(reverse("catalogue:project_list")) + "#dataset"},
        "about": {"@type": "Project", "name": project.title, "identifier": reference},
        "distribution": [
            _download(
                absolute(reverse("catalogue:project_json", kwargs={"reference": reference})),
                "application/json",
                gettext("This project as data (JSON)"),
            ),
            _download(
                absolute(reverse("oc4ids_project", kwargs={"reference": reference})),
                "application/json",
                gettext("This project as open data (OC4IDS)"),
            ),
            _download(
                absolute(reverse("catalogue:project_sheet", kwargs={"reference": reference})),
                "application/pdf",
                gettext("Download the project sheet (PDF)"),
            ),
        ],
    }
    if project.published_at:
        data["datePublished"] = timezone.localtime(project.published_at).isoformat(
            timespec="seconds"
        )
    if project.sector_id:
        data["keywords"] = [project.sector.name]
    return data
