"""The catalogue described in DCAT (DCAT-AP 3), for data portals that harvest it
(data.gov.tn, the European data portal, CKAN…).

``/api/dcat/catalog.jsonld`` (JSON-LD, built here as a dict with its context inline, so
that no reader needs the network) and ``/api/dcat/catalog.ttl`` (the same graph in
Turtle, written by rdflib). One ``dcat:Catalog`` holds the public catalogue of projects as
a ``dcat:Dataset``, whose ``dcat:Distribution``\\ s are the public files: labelled CSV and
Excel in each language, the labelled JSON, the codes variant (CSV, JSON), the OC4IDS
package and the Atom feed; and one dataset per governorate with public projects, whose
distributions are the same files of the governorate's selection (``?governorate=<slug>``).
Titles and descriptions are given in French, Arabic and English.
"""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from catalogue.outputs.oc4ids import PUBLISHER, SCHEMA_VERSION

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
EU_LANGUAGES = {"fr": "FRA", "ar": "ARA", "en": "ENG"}
# (EU file type, IANA media type) per extension.
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("JSON", "application/json"),
    "atom": ("ATOM", "application/atom+xml"),
}
OC4IDS_STANDARD = f"https://standard.open-contracting.org/infrastructure/{SCHEMA_VERSION}/"


def _ref(iri: str) -> dict:
    return {"@id": iri}


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _in_each_language(text) -> list[dict]:
    """``text()`` translated into each of the portal's languages, language-tagged."""
    values = []
    for code in _languages():
        with translation.override(code):
            values.append({"@value": str(text()), "@language": code})
    return values


def _url_in(code: str, name: str, **kwargs) -> str:
    with translation.override(code):
        return reverse(name, **kwargs)


def _distribution(catalog: str, key: str, url: str, extension: str, title, *, language=None):
    file_type, media_type = FORMATS[extension]
    distribution = {
        "@id": f"{catalog}#distribution-{key}",
        "@type": "dcat:Distribution",
        "dct:title": _in_each_language(title),
        "dcat:accessURL": _ref(url),
        "dcat:downloadURL": _ref(url),
        "dct:format": _ref(f"{EU}file-type/{file_type}"),
        "dcat:mediaType": _ref(IANA + media_type),
        "dct:license": _ref(settings.DATA_LICENCE["url"]),
    }
    if language:
        distribution["dct:language"] = _ref(f"{EU}language/{EU_LANGUAGES[language]}")
    return distribution


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}&{query}" if "?" in url else f"{url}?{query}"


def _distributions(catalog: str, key: str, absolute, query: str = "") -> list[dict]:
    """The public files of a selection (``query``: its catalogue query string)."""
    distributions = []
    for code in _languages():
        for extension in ("csv", "xlsx"):
            url = absolute(_url_in(code, "catalogue:project_export", kwargs={"format": extension}))
            label = gettext("Data (CSV)") if extension == "csv" else gettext("Data (Excel)")
            distributions.append(
                _distribution(
                    catalog,
                    f"{key}{extension}-{code}",
                    _with_query(url, query),
                    extension,
                    lambda label=label, code=code: f"{label} — {code}",
                    language=code,
                )
            )
    french_json = absolute(_url_in("fr", "catalogue:project_export", kwargs={"format": "json"}))
    distributions += [
        _distribution(
            catalog,
            f"{key}json-fr",
            _with_query(french_json, query),
            "json",
            lambda: gettext("Data (JSON)"),
            language="fr",
        ),
        _distribution(
            catalog,
            f"{key}csv-codes",
            _with_query(
                absolute(_url_in("fr", "catalogue:project_export", kwargs={"format": "csv"}))
                + "?format=codes",
                query,
            ),
            "csv",
            lambda: gettext("The selection, with codes"),
        ),
        _distribution(
            catalog,
            f"{key}json-codes",
            _with_query(french_json + "?format=codes", query),
            "json",
            lambda: gettext("The selection, with codes"),
        ),
        {
            **_distribution(
                catalog,
                f"{key}oc4ids",
                _with_query(absolute(reverse("oc4ids_projects")), query),
                "json",
                lambda: gettext("Open data (OC4IDS)"),
                language="fr",
            ),
            "dct:conformsTo": _ref(OC4IDS_STANDARD),
        },
        _distribution(
            catalog,
            f"{key}atom-fr",
            _with_query(absolute(_url_in("fr", "catalogue:feed")), query),
            "atom",
            lambda: gettext("New and updated projects (Atom)"),
            language="fr",
        ),
    ]
    return distributions


def _stamp(moment) -> dict:
    return {
        "@value": timezone.localtime(moment).isoformat(timespec="seconds"),
        "@type": "xsd:dateTime",
    }


def catalog_graph(*, absolute, modified, governorates=()) -> dict:
    """The DCAT catalogue as JSON-LD (a dict); ``absolute(path)`` makes a full URL.

    ``modified``: the last change of a public project; ``governorates``: (governorate,
    its public projects' last change) for each governorate with public projects.
    """
    site = absolute("/")
    catalog = absolute(reverse("dcat_catalog", kwargs={"format": "jsonld"}))
    licence = _ref(settings.DATA_LICENCE["url"])
    publisher = {"@id": site + "#publisher", "@type": "foaf:Agent", "foaf:name": PUBLISHER}
    title = _in_each_language(lambda: gettext("National catalogue of smart-city PPP projects"))
    description = _in_each_language(
        lambda: gettext(
            "The national catalogue of public-private partnership projects of Tunisia's "
            "smart and sustainable municipalities."
        )
    )
    languages = [_ref(f"{EU}language/{EU_LANGUAGES[code]}") for code in _languages()]
    contact = {"@type": "vcard:Organization", "vcard:fn": PUBLISHER, "vcard:hasURL": _ref(site)}
    dataset = {
        "@id": absolute(_url_in("fr", "catalogue:project_list")) + "#dataset",
        "@type": "dcat:Dataset",
        "dct:title": title,
        "dct:description": description,
        "dct:publisher": _ref(publisher["@id"]),
        "dcat:contactPoint": contact,
        "dcat:landingPage": _ref(absolute(_url_in("fr", "catalogue:project_list"))),
        "foaf:page": [
            _ref(absolute(_url_in("fr", "catalogue:data_dictionary"))),
            _ref(absolute(_url_in("fr", "catalogue:methodology"))),
        ],
        "dcat:keyword": [
            {"@value": word, "@language": "fr"}
            for word in ("PPP", "partenariat public-privé", "ville intelligente", "concession")
        ]
        + [
            {"@value": word, "@language": "en"}
            for word in ("public-private partnership", "smart city", "infrastructure")
        ],
        "dcat:theme": [_ref(f"{EU}data-theme/ECON"), _ref(f"{EU}data-theme/GOVE")],
        "dct:spatial": _ref(f"{EU}country/TUN"),
        "dct:language": languages,
        "dct:license": licence,
        "dct:accessRights": _ref(f"{EU}access-right/PUBLIC"),
        "dcat:distribution": _distributions(catalog, "", absolute),
    }
    datasets = [dataset]
    for governorate, changed in governorates:
        query = urlencode({"governorate": governorate.slug})
        names = {"fr": governorate.name_fr, "ar": governorate.name_ar, "en": governorate.name_en}
        selection = {
            "@id": absolute(_url_in("fr", "catalogue:project_list")) + f"?{query}#dataset",
            "@type": "dcat:Dataset",
            "dct:title": _in_each_language(
                lambda names=names: (
                    gettext("PPP projects of the governorate of %(name)s")
                    % {"name": names[translation.get_language()] or names["fr"]}
                )
            ),
            "dct:description": _in_each_language(
                lambda names=names: (
                    gettext(
                        "The public projects of the national catalogue of smart-city PPP projects "
                        "in the governorate of %(name)s."
                    )
                    % {"name": names[translation.get_language()] or names["fr"]}
                )
            ),
            "dct:publisher": _ref(publisher["@id"]),
            "dcat:contactPoint": contact,
            "dcat:landingPage": _ref(
                absolute(_url_in("fr", "catalogue:project_list")) + f"?{query}"
            ),
            "dct:isPartOf": _ref(dataset["@id"]),
            "dcat:theme": dataset["dcat:theme"],
            "dct:spatial": _ref(f"{EU}country/TUN"),
            "dct:language": languages,
            "dct:license": licence,
            "dct:accessRights": _ref(f"{EU}access-right/PUBLIC"),
            "dct:modified": _stamp(changed),
            "dcat:distribution": _distributions(catalog, f"{governorate.slug}-", absolute, query),
        }
        datasets.append(selection)
    graph = {
        "@context": CONTEXT,
        "@id": catalog,
        "@type": "dcat:Catalog",
        "dct:title": title,
        "dct:description": description,
        "dct:publisher": publisher,
        "foaf:homepage": _ref(site),
        "dct:license": licence,
        "dct:language": languages,
        "dcat:dataset": datasets,
    }
    if modified is not None:
        graph["dct:modified"] = dataset["dct:modified"] = _stamp(modified)
    return graph


def turtle(graph: dict) -> str:
    """The same graph in Turtle (rdflib reads the JSON-LD; its context is inline)."""
    from rdflib import Graph

    rdf = Graph()
    for prefix, namespace in CONTEXT.items():
        rdf.bind(prefix, namespace)
    rdf.parse(data=json.dumps(graph), format="json-ld")
    return rdf.serialize(format="turtle")
