"""Public pages. They live in ``catalogue`` because they show projects, and the
dependencies point one way: municipalities ← caravan ← catalogue. Each list below is
included under its own namespace in ``smartcities/urls.py``."""

from django.urls import path, re_path, register_converter

from catalogue.caching import cache_public_page, open_data
from catalogue.models import project_reference
from catalogue.public import documents, export_views, pdf_views, views
from catalogue.public.feeds import CatalogueFeed
from catalogue.public.views.calendar import CalendarView, calendar_ics
from catalogue.public.views.statistics import StatisticsView, statistics_csv


class ReferenceConverter:
    """A project reference as the model's validator allows it (GAB-2020-001): anything
    else, a NUL byte or a stray character included, is not found before any query."""

    regex = project_reference.regex.pattern.removeprefix("^").removesuffix("$")

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

project_patterns = (
    [
        path("", views.ProjectListView.as_view(), name="project_list"),
        path("feed.atom", open_data(cache_public_page(CatalogueFeed())), name="feed"),
        path("dossier.pdf", pdf_views.DossierView.as_view(), name="dossier"),
        path("dossiers/<str:key>/", pdf_views.DossierStatusView.as_view(), name="dossier_status"),
        path("<reference:reference>/", views.ProjectDetailView.as_view(), name="project_detail"),
        path("<reference:reference>.json", export_views.project_json, name="project_json"),
        path(
            "<reference:reference>/sheet.pdf",
            pdf_views.ProjectSheetView.as_view(),
            name="project_sheet",
        ),
        path(
            "<reference:reference>/documents/<int:pk>.pdf",
            documents.project_document,
            name="project_document",
        ),
    ],
    "catalogue",
)

# Pages about the catalogue itself: outside /catalogue/, in the catalogue's namespace
# (``catalogue:methodology``); see smartcities/urls.py.
about_patterns = [
    path("methodology/", views.MethodologyView.as_view(), name="methodology"),
    path("data/", views.DataDictionaryView.as_view(), name="data_dictionary"),
    path("statistics/", StatisticsView.as_view(), name="statistics"),
    path("statistics/<slug:chart>.csv", statistics_csv, name="statistics_csv"),
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("calendar.ics", calendar_ics, name="calendar_ics"),
]

# Outside the language prefix (OC4IDS is in French, the catalogue's reference language).
api_patterns = [
    path("api/oc4ids/projects.json", export_views.oc4ids_projects, name="oc4ids_projects"),
    path(
        "api/oc4ids/projects/<reference:reference>.json",
        export_views.oc4ids_project,
        name="oc4ids_project",
    ),
    re_path(
        r"^api/dcat/catalog\.(?P<format>jsonld|ttl)$",
        export_views.dcat_catalog,
        name="dcat_catalog",
    ),
]

territory_patterns = (
    [
        path("municipalities/", views.MunicipalityListView.as_view(), name="municipality_list"),
        path(
            "municipalities/<slug:slug>/",
            views.MunicipalityDetailView.as_view(),
            name="municipality_detail",
        ),
        path(
            "municipalities/<slug:slug>/dossier.pdf",
            pdf_views.MunicipalityDossierView.as_view(),
            name="municipality_dossier",
        ),
        path(
            "governorates/<slug:slug>/",
            views.GovernorateDetailView.as_view(),
            name="governorate_detail",
        ),
        path(
            "governorates/<slug:slug>/dossier.pdf",
            pdf_views.GovernorateDossierView.as_view(),
            name="governorate_dossier",
        ),
    ],
    "municipalities",
)

programme_patterns = (
    [
        path("caravan/", views.EditionListView.as_view(), name="edition_list"),
        path("caravan/<int:number>/", views.EditionDetailView.as_view(), name="edition_detail"),
        path(
            "caravan/<int:number>/dossier.pdf",
            pdf_views.EditionDossierView.as_view(),
            name="edition_dossier",
        ),
        path("ministries/", views.MinistryListView.as_view(), name="ministry_list"),
        path("ministries/<slug:slug>/", views.MinistryDetailView.as_view(), name="ministry_detail"),
    ],
    "caravan",
)
