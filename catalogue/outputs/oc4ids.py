"""The public catalogue as an OC4IDS project package (Open Contracting for Infrastructure
Data Standard, schema 0.9 shipped in ``fixtures/oc4ids/``; mapping in
docs/domain.md#oc4ids-mapping).

Only public projects (``Project.objects.public()``), only public documents. Mapping:

- ``id``: ``OC4IDS_PREFIX`` + the reference (e.g. ``oc4ids-tnsc-GAB-2020-001``). OC4IDS
  asks for a prefix registered with the Open Contracting Partnership; until the programme
  registers one, ``oc4ids-tnsc`` stands in (setting ``OC4IDS_PREFIX``);
- ``title`` and ``description``: French (the catalogue's reference language), the
  description being the project's summary; ``language``: ``fr``;
- ``status``: from the stage (``STAGE_TO_OC4IDS_STATUS``), left out when no source states
  the stage; ``sector``: the sector code, with its parent for a dotted code
  (``["transport", "transport.urban"]``);
- ``budget``: the estimated investment in TND, when known;
- ``locations``: the project's point (or its municipality's) as GeoJSON, with the
  municipality, the governorate and the country as address;
- ``parties``: the municipality as ``publicAuthority``; the partner ministries as
  ``interestedParty`` (the codelist has no code for a partner of a national programme, and
  no contractual role is recorded for them);
- ``documents``: the public documents, with their OC4IDS ``documentType`` (left out when
  not stated), then the project's sources (``source-<id>``: title, author, date, address,
  what it states);
- ``updated``: when the project last changed;
- the pipeline facts (``catalogue.outputs.oc4ids_pipeline``): ``purpose``, ``type``,
  ``period`` (planned), ``completion`` (actual end), ``milestones``, the funding lines as a
  ``budget.budgetBreakdowns`` group, ``relatedProjects`` (public ones, by their OC4IDS id),
  ``policyAlignment``, and two fields of the catalogue's own: ``paymentMechanism`` and
  ``riskAllocation`` (after the OCDS for PPPs risk allocation);
- two fields of the catalogue's own, beside the standard ones (the schema allows them):
  ``screening`` (``status``: ``not_screened`` or the committee's latest decision, with its
  ``date`` and ``score`` out of 100) and ``publicRecord`` (``firstPublished``,
  ``lastVerified``, ``verificationDue``);
- the package names the data's licence (``license``, setting ``DATA_LICENCE``) and the
  methodology page as its ``publicationPolicy``.
"""

import json

from django.conf import settings
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone, translation

from caravan.models import Ministry
from catalogue.models import ProjectDocument, Source, pipeline_prefetches
from catalogue.outputs.oc4ids_pipeline import add_pipeline
from catalogue.register.choices import STAGE_TO_OC4IDS_STATUS

SCHEMA_VERSION = "0.9"
PUBLISHER = "Programme national des villes intelligentes et durables (Tunisian Smart Cities)"
COUNTRY = "Tunisie"
CHUNK_SIZE = 1_000
MEDIA_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
MEDIA_TYPES |= {"png": "image/png", "webp": "image/webp"}


def prefix() -> str:
    return getattr(settings, "OC4IDS_PREFIX", "oc4ids-tnsc")


def for_oc4ids(queryset):
    """Projects with what their OC4IDS record shows: place, sector, ministries and public
    documents, sources and pipeline facts (one prefetch query each per chunk)."""
    return queryset.select_related("municipality__governorate", "sector").prefetch_related(
        Prefetch("ministries", queryset=Ministry.objects.order_by("display_order", "slug")),
        Prefetch(
            "documents",
            queryset=ProjectDocument.objects.filter(is_public=True).order_by("position", "id"),
            to_attr="public_documents",
        ),
        Prefetch("sources", queryset=Source.objects.order_by("-date", "title")),
        *pipeline_prefetches(),
    )


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _address(municipality) -> dict:
    return {
        "locality": municipality.name_fr,
        "region": municipality.governorate.name_fr,
        "countryName": COUNTRY,
    }


def municipality_party(municipality) -> dict:
    return {
        "id": f"TN-DGCL-{municipality.code}",
        "name": municipality.name_fr,
        "identifier": {"scheme": "TN-DGCL", "id": municipality.code},
        "address": _address(municipality),
        "roles": ["publicAuthority"],
    }


def ministry_party(ministry) -> dict:
    return {
        "id": f"TN-MIN-{ministry.acronym}",
        "name": ministry.name_fr,
        "roles": ["interestedParty"],
        **({"contactPoint": {"url": ministry.website}} if ministry.website else {}),
    }


def project_record(project, *, absolute) -> dict:
    """One project as an OC4IDS project; ``absolute(path)`` makes a full URL."""
    municipality = project.municipality
    authority = municipality_party(municipality)
    record = {
        "id": f"{prefix()}-{project.reference}",
        "updated": _iso(project.updated_at),
        "language": "fr",
        "identifiers": [{"id": project.reference, "scheme": "TN-SMARTCITIES"}],
        "title": project.title_fr,
        "publicAuthority": {"id": authority["id"], "name": authority["name"]},
        "parties": [authority, *(ministry_party(m) for m in project.ministries.all())],
    }
    if project.stage:
        record["status"] = STAGE_TO_OC4IDS_STATUS[project.stage]
    description = project.summary_fr or project.description_fr
    if description:
        record["description"] = description
    if project.sector_id:
        code = project.sector.code
        parent = code.split(".", 1)[0]
        record["sector"] = [parent, code] if parent != code else [code]
    if project.investment_tnd is not None:
        record["budget"] = {"amount": {"amount": float(project.investment_tnd), "currency": "TND"}}
    location = {"id": "1", "description": municipality.name_fr, "address": _address(municipality)}
    point = project.point
    if point:
        latitude, longitude = point
        location["geometry"] = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
    record["locations"] = [location]
    documents = [
        {
            "id": str(document.pk),
            **({"documentType": document.document_type} if document.document_type else {}),
            "title": document.title_fr,
            "url": absolute(document.file.url),
            "format": MEDIA_TYPES.get(document.file.name.rsplit(".", 1)[-1].lower(), "")
            or "application/octet-stream",
        }
        for document in project.public_documents
    ]
    documents += [source_document(source, absolute=absolute) for source in project.sources.all()]
    if documents:
        record["documents"] = documents
    add_pipeline(record, project, project_id=lambda reference: f"{prefix()}-{reference}")
    record["screening"] = {
        "status": project.screening,
        **({"date": _iso(project.screened_at)} if project.screened_at else {}),
        **(
            {"score": float(project.screening_score)} if project.screening_score is not None else {}
        ),
    }
    record["publicRecord"] = {
        **({"firstPublished": _iso(project.published_at)} if project.published_at else {}),
        **({"lastVerified": _iso(project.verified_at)} if project.verified_at else {}),
        "verificationDue": project.verification_due,
    }
    return record


def source_document(source, *, absolute) -> dict:
    """A source of the project as an OC4IDS document (no documentType fits a source)."""
    document = {"id": f"source-{source.pk}", "title": source.title}
    description = " ".join(part for part in (source.excerpt_fr, source.note_fr) if part)
    if description:
        document["description"] = description
    if source.publisher:
        document["author"] = source.publisher
    if source.date:
        document["datePublished"] = f"{source.date.isoformat()}T00:00:00Z"
    if source.link:
        document["url"] = absolute(source.link)
    return document


def package_head(queryset, *, uri: str, site_url: str) -> dict:
    """The package's metadata; ``publishedDate`` is the last change in the selection."""
    last = queryset.order_by().aggregate(last=Max("updated_at"))["last"] or timezone.now()
    with translation.override("fr"):
        methodology = reverse("catalogue:methodology")
    return {
        "uri": uri,
        "publishedDate": _iso(last),
        "version": SCHEMA_VERSION,
        "publisher": {"name": PUBLISHER, "uri": site_url},
        "license": settings.DATA_LICENCE["url"],
        "publicationPolicy": site_url.rstrip("/") + methodology,
    }


def package_chunks(queryset, *, uri: str, site_url: str, absolute):
    """The OC4IDS project package of ``queryset`` as JSON text, streamed project by
    project (the catalogue can hold 100,000 projects)."""
    head = json.dumps(package_head(queryset, uri=uri, site_url=site_url), ensure_ascii=False)
    yield head[:-1] + ', "projects": ['
    separator = "\n"
    for project in for_oc4ids(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield separator + json.dumps(project_record(project, absolute=absolute), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"
