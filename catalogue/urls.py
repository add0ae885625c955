"""Public pages. They live in ``catalogue`` because they show projects, and the
dependencies point one way: municipalities ← caravan ← catalogue. Each list below is
included under its own namespace in ``smartcities/urls.py``."""

from django.urls import path

from . import views

project_patterns = (
    [
        path("", views.ProjectListView.as_view(), name="project_list"),
        path("<str:reference>/", views.ProjectDetailView.as_view(), name="project_detail"),
    ],
    "catalogue",
)

territory_patterns = (
    [
        path("municipalities/", views.MunicipalityListView.as_view(), name="municipality_list"),
        path(
            "municipalities/<slug:slug>/",
            views.MunicipalityDetailView.as_view(),
            name="municipality_detail",
        ),
        path(
            "governorates/<slug:slug>/",
            views.GovernorateDetailView.as_view(),
            name="governorate_detail",
        ),
    ],
    "municipalities",
)

programme_patterns = (
    [
        path("caravan/", views.EditionListView.as_view(), name="edition_list"),
        path("caravan/<int:number>/", views.EditionDetailView.as_view(), name="edition_detail"),
        path("ministries/", views.MinistryListView.as_view(), name="ministry_list"),
        path("ministries/<slug:slug>/", views.MinistryDetailView.as_view(), name="ministry_detail"),
    ],
    "caravan",
)
