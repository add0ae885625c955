"""The public portal's pages, by family: the catalogue and its projects, places and
programmes, and the pages about the catalogue."""

from catalogue.public.views.about import DataDictionaryView, MethodologyView
from catalogue.public.views.places import (
    EditionDetailView,
    EditionListView,
    GovernorateDetailView,
    MinistryDetailView,
    MinistryListView,
    MunicipalityDetailView,
    MunicipalityListView,
)
from catalogue.public.views.projects import HomeView, ProjectDetailView, ProjectListView

__all__ = [
    "DataDictionaryView",
    "EditionDetailView",
    "EditionListView",
    "GovernorateDetailView",
    "HomeView",
    "MethodologyView",
    "MinistryDetailView",
    "MinistryListView",
    "MunicipalityDetailView",
    "MunicipalityListView",
    "ProjectDetailView",
    "ProjectListView",
]
