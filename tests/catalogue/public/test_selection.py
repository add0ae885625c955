"""The catalogue's one selection path (``catalogue.selection.select``): one test per
filter, facets that agree with the results, and every reader of a query string (the page,
the CSV export, OC4IDS, the dossier) given the same projects."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.http import QueryDict

from caravan.models import Dimension, Ministry, Stop
from catalogue.models import Project, Sector
from catalogue.public.pdf_views import select_dossier
from catalogue.register.choices import ContractModel, Screening, Stage
from catalogue.selection import select
from catalogue.selection.filters import FILTERS, NOT_STATED
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    """Four public projects, each one the only one with some value, and a draft that has
    every value the filters below ask for."""
    stop = Stop.objects.select_related("edition").order_by("pk").first()  # a loaded stop
    solar = ProjectFactory(
        reference="SEL-2026-001",
        title_fr="Centrale solaire flottante",
        published=True,
        stage=Stage.PLANNING,
        contract_model=ContractModel.PPP_CONTRACT,
        screening=Screening.NEEDS_INFORMATION,
        investment_tnd=Decimal("5000000"),
        stop=stop,
    )
    solar.dimensions.set([Dimension.objects.get(code="environment")])
    solar.ministries.set([Ministry.objects.get(slug="finances")])
    bus = ProjectFactory(
        reference="SEL-2026-002",
        title_fr="Bus électriques",
        municipality=Municipality.objects.get(code="3411"),
        sector=Sector.objects.get(code="transport.urban"),
        published=True,
        stage=Stage.PROCUREMENT,
        contract_model=ContractModel.CONCESSION,
        investment_tnd=Decimal("80000000"),
    )
    bus.dimensions.set([Dimension.objects.get(code="mobility")])
    unstated = ProjectFactory(
        reference="SEL-2026-003",
        municipality=Municipality.objects.get(code="6211"),
        published=True,
        stage="",
        contract_model="",
    )
    draft = ProjectFactory(
        reference="SEL-2026-009",
        title_fr="Brouillon solaire",
        municipality=Municipality.objects.get(code="3411"),
        sector=Sector.objects.get(code="transport.urban"),
        stage=Stage.PROCUREMENT,
        contract_model=ContractModel.CONCESSION,
        screening=Screening.NEEDS_INFORMATION,
        investment_tnd=Decimal("90000000"),
        stop=stop,
    )
    draft.dimensions.set([Dimension.objects.get(code="mobility")])
    draft.ministries.set([Ministry.objects.get(slug="finances")])
    return {"solar": solar, "bus": bus, "unstated": unstated, "stop": stop}


# name → (its query-string value, the same selection written with the ORM, a project of
# the fixture it must hold).
CASES = {
    "q": ("solaire", lambda public, p: public.search("solaire"), "solar"),
    "governorate": (
        "sfax",
        lambda public, p: public.filter(municipality__governorate__slug="sfax"),
        "bus",
    ),
    "municipality": (
        "tozeur",
        lambda public, p: public.filter(municipality__slug="tozeur"),
        "unstated",
    ),
    "sector": (
        "transport.urban",
        lambda public, p: public.filter(sector__code="transport.urban"),
        "bus",
    ),
    "dimension": ("mobility", lambda public, p: public.filter(dimensions__code="mobility"), "bus"),
    "stage": (Stage.PROCUREMENT, lambda public, p: public.filter(stage=Stage.PROCUREMENT), "bus"),
    "contract": (
        ContractModel.PPP_CONTRACT,
        lambda public, p: public.filter(contract_model=ContractModel.PPP_CONTRACT),
        "solar",
    ),
    "screening": (
        Screening.NEEDS_INFORMATION,
        lambda public, p: public.filter(screening=Screening.NEEDS_INFORMATION),
        "solar",
    ),
    "ministry": ("finances", lambda public, p: public.filter(ministries__slug="finances"), "solar"),
    "investment_min": (
        "50000000",
        lambda public, p: public.filter(investment_tnd__gte=50_000_000),
        "bus",
    ),
    "investment_max": (
        "6000000",
        lambda public, p: public.filter(investment_tnd__lte=6_000_000),
        "solar",
    ),
    "edition": (
        None,  # the fixture's stop's edition
        lambda public, p: public.filter(stop__edition=p["stop"].edition),
        "solar",
    ),
}


def references(queryset) -> list[str]:
    return list(queryset.values_list("reference", flat=True))


def test_every_declared_filter_has_its_test():
    assert set(CASES) == {spec.name for spec in FILTERS}


@pytest.mark.parametrize("name", list(CASES))
def test_each_filter_selects_its_projects_and_its_facet_counts_them(projects, name):
    value, expected, holder = CASES[name]
    if value is None:
        value = projects["stop"].edition.number
    selection = select({name: value})
    found = references(selection.projects)
    wanted = set(references(expected(Project.objects.public(), projects).distinct()))
    assert set(found) == wanted and len(found) == len(wanted)
    assert projects[holder].reference in found
    assert "SEL-2026-009" not in found  # the draft, which has every value asked for
    assert selection.active == {name: selection.filterset.form.cleaned_data[name]}
    assert selection.facets.total == len(found) == selection.count()
    spec = next(spec for spec in FILTERS if spec.name == name)
    if spec.facet:
        option = next(o for o in selection.facets[name].options if o.value == str(value))
        assert option.selected and option.count == len(found)


@pytest.mark.parametrize("name, column", [("stage", "stage"), ("contract", "contract_model")])
def test_not_stated_selects_the_projects_whose_sources_leave_it_empty(projects, name, column):
    selection = select({name: NOT_STATED})
    found = references(selection.projects)
    assert "SEL-2026-003" in found and "SEL-2026-001" not in found
    assert set(found) == set(references(Project.objects.public().filter(**{column: ""})))
    option = next(o for o in selection.facets[name].options if o.value == NOT_STATED)
    assert option.count == len(found)


def test_a_value_that_does_not_validate_is_ignored_and_reported(projects):
    selection = select("governorate=atlantis&edition=0&investment_min=NaN&q=solaire")
    assert set(selection.rejected) == {"governorate", "edition", "investment_min"}
    assert selection.active == {"q": "solaire"}
    assert "SEL-2026-001" in references(selection.projects)


def test_the_sort_orders_the_selection_and_an_unknown_sort_is_the_default(projects):
    largest = references(select({"sort": "-investment", "governorate": "sfax"}).projects)
    assert largest[0] == "SEL-2026-002"
    assert select({"sort": "password"}).sort == "-updated"


def test_the_canonical_query_string_keeps_valid_filters_and_a_chosen_sort_only():
    selection = select(QueryDict("stage=planning&governorate=atlantis&sort=title&page=3&x=1"))
    assert selection.query_string() == "stage=planning&sort=title"
    assert select("sort=-updated").query_string() == ""


def test_the_active_filters_are_described_in_the_reader_s_language(projects, settings):
    from django.utils import translation

    with translation.override("en"):
        described = select({"governorate": "sfax", "stage": Stage.PROCUREMENT}).described
    assert described == [("Governorate", "Sfax"), ("Stage", "Under procurement")]


def test_a_base_queryset_narrows_the_selection(projects):
    base = Project.objects.public().filter(municipality__slug="tozeur")
    selection = select({"stage": NOT_STATED}, base=base)
    assert references(selection.projects) == ["SEL-2026-003"]
    assert selection.facets.total == 1


def test_the_facets_are_counted_only_when_asked_and_give_the_total(
    projects, django_assert_num_queries
):
    selection = select({"governorate": "sfax"})  # reads the filter vocabulary
    with django_assert_num_queries(1):
        # 1: the selected projects, and no facet query
        found = references(selection.projects)
    with django_assert_num_queries(3):
        # 1: the governorate facet, under the other filters (none here)
        # 2: the other column facets and the total, in one grouped query
        # 3: the dimension and ministry facets, on their link tables
        facets = selection.facets
    with django_assert_num_queries(0):
        assert selection.count() == facets.total == len(found)  # counted with the facets


def page_references(client, query: str) -> list[str]:
    response = client.get(f"/fr/catalogue/?{query}&per_page=100")
    assert response.status_code == 200
    return [project.reference for project in response.context["projects"]]


def csv_references(client, query: str) -> list[str]:
    response = client.get(f"/fr/catalogue/export.csv?{query}&format=codes")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["reference"] for row in csv.DictReader(io.StringIO(text, newline=""))]


def oc4ids_references(client, query: str) -> list[str]:
    response = client.get(f"/api/oc4ids/projects.json?{query}")
    assert response.status_code == 200
    package = json.loads(b"".join(response.streaming_content))
    return [project["id"].removeprefix("oc4ids-tnsc-") for project in package["projects"]]


@pytest.mark.parametrize(
    "query",
    [
        "governorate=sfax&sort=-investment",
        "q=solaire&sort=title",
        "stage=not_stated&governorate=atlantis",
        "dimension=mobility&investment_min=1000",
    ],
)
def test_the_page_the_csv_oc4ids_and_the_dossier_hold_the_same_projects(client, projects, query):
    page = page_references(client, query)
    assert page, query
    assert csv_references(client, query) == page  # the page's order too
    assert oc4ids_references(client, query) == sorted(page)  # by reference
    dossier = select_dossier(query, title="Sélection", site_url="https://catalogue.example.tn")
    assert [facts["reference"] for facts in dossier.facts] == page


def test_the_data_page_lists_every_filter_from_its_declaration(client):
    from django.utils.html import escape

    html = client.get("/en/data/").text
    table = html[html.index('id="filter-parameters"') :]
    for spec in FILTERS:
        assert f"<code>{spec.name}</code>" in table
        assert escape(str(spec.description)) in table
    assert 'href="/en/catalogue/?sort=title"' in table
