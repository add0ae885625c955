"""The public catalogue: filters, facets, search, sorting, pagination and bad input."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan.models import Dimension, Ministry
from catalogue.models import Project, Sector
from catalogue.register.choices import ContractModel, Stage, Status
from catalogue.selection.filters import NOT_STATED
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/fr/catalogue/"


def references(response) -> list[str]:
    return [p.reference for p in response.context["projects"]]


@pytest.fixture
def projects():
    """Three published test projects in different places, sectors and stages, and a draft."""
    sfax = Municipality.objects.get(code="3411")
    tozeur = Municipality.objects.get(code="6211")
    solar = ProjectFactory(
        reference="TST-2025-001",
        title_fr="Centrale solaire municipale",
        title_ar="محطة شمسية بلدية",
        published=True,
        stage=Stage.PLANNING,
        contract_model=ContractModel.PPP_CONTRACT,
        investment_tnd=Decimal("5000000"),
    )
    solar.dimensions.set([Dimension.objects.get(code="environment")])
    solar.ministries.set([Ministry.objects.get(acronym="ME")])
    bus = ProjectFactory(
        reference="TST-2025-002",
        title_fr="Bus à haut niveau de service",
        municipality=sfax,
        sector=Sector.objects.get(code="transport.urban"),
        published=True,
        stage=Stage.PROCUREMENT,
        contract_model=ContractModel.CONCESSION,
        investment_tnd=Decimal("80000000"),
    )
    bus.dimensions.set([Dimension.objects.get(code="mobility")])
    bus.ministries.set([Ministry.objects.get(acronym="MT"), Ministry.objects.get(acronym="MF")])
    oasis = ProjectFactory(
        reference="TST-2025-003",
        title_fr="Circuit touristique des oasis",
        municipality=tozeur,
        sector=Sector.objects.get(code="cultureSportsAndRecreation"),
        published=True,
        investment_tnd=None,
    )
    draft = ProjectFactory(reference="TST-2025-004", title_fr="Brouillon", municipality=sfax)
    return {"solar": solar, "bus": bus, "oasis": oasis, "draft": draft}


def test_the_catalogue_lists_public_projects_only(client, projects):
    response = client.get(URL, {"per_page": 100})
    shown = references(response)
    assert {"TST-2025-001", "TST-2025-002", "TST-2025-003"} <= set(shown)
    assert "TST-2025-004" not in shown
    assert response.context["paginator"].count == Project.objects.public().count()


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"governorate": "sfax"}, {"TST-2025-002", "SFA-2020-001", "MAH-2020-002"}),
        ({"municipality": "tozeur"}, {"TST-2025-003"}),
        ({"sector": "transport.urban"}, {"TST-2025-002"}),
        ({"dimension": "mobility"}, {"TST-2025-002"}),
        ({"stage": "procurement"}, {"TST-2025-002"}),
        ({"contract": "ppp"}, {"TST-2025-001"}),
        ({"ministry": "finances"}, {"TST-2025-002"}),
        ({"investment_min": "10000000"}, {"TST-2025-002"}),
        ({"investment_max": "10000000"}, {"TST-2025-001"}),
        ({"investment_min": "1000000", "investment_max": "6000000"}, {"TST-2025-001"}),
        ({"q": "solaire"}, {"TST-2025-001"}),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else "",
)
def test_each_filter(client, projects, params, expected):
    assert set(references(client.get(URL, params))) == expected


def test_filters_combine(client, projects):
    response = client.get(
        URL, {"governorate": "gabes", "sector": "energy.solar", "stage": "planning"}
    )
    assert references(response) == ["TST-2025-001"]
    response = client.get("/en" + URL[3:], {"governorate": "gabes", "sector": "transport.urban"})
    assert references(response) == []
    assert "No project matches these filters." in response.text
    french = client.get(URL, {"governorate": "gabes", "sector": "transport.urban"})
    assert "Aucun projet ne correspond à ces filtres." in french.text


def test_facet_counts_equal_the_real_counts_under_the_other_filters(client, projects):
    response = client.get(URL, {"governorate": "sfax", "sector": "economy"})
    facets = response.context["facets"]
    public = Project.objects.public()
    # Governorate options count under the sector filter only.
    for option in facets["governorate"].options:
        assert (
            option.count
            == public.filter(
                sector__code="economy", municipality__governorate__slug=option.value
            ).count()
        ), option.value
    # Sector options count under the governorate filter only.
    for option in facets["sector"].options:
        assert (
            option.count
            == public.filter(
                municipality__governorate__slug="sfax", sector__code=option.value
            ).count()
        ), option.value
    # Stage, contract, dimension and ministry options count under both.
    both = public.filter(municipality__governorate__slug="sfax", sector__code="economy")
    for option in facets["stage"].options:
        assert option.count == both.filter(stage=option.value).count()
    for option in facets["dimension"].options:
        assert option.count == both.filter(dimensions__code=option.value).count()
    for option in facets["ministry"].options:
        assert option.count == both.filter(ministries__slug=option.value).count()
    assert facets["governorate"].selected.value == "sfax"


def test_active_filters_show_as_removable_chips(client, projects):
    response = client.get(
        "/en" + URL[3:], {"governorate": "sfax", "stage": "procurement", "page": "1"}
    )
    chips = response.context["chips"]
    assert [(c["label"], c["value"]) for c in chips] == [
        ("Governorate", "Sfax"),
        ("Stage", "Under procurement"),
    ]
    assert chips[0]["remove_url"] == "?stage=procurement"
    assert chips[1]["remove_url"] == "?governorate=sfax"


@pytest.mark.parametrize(
    "query",
    ["gabes", "GABÈS", "Gabès", "قابس", "oasis intelligente", "الواحة", "الواحه", "gab-2020-001"],
)
def test_text_search_ignores_case_and_accents_in_french_and_arabic(client, query):
    found = set(references(client.get(URL, {"q": query})))
    assert "GAB-2020-001" in found
    assert "SFA-2020-001" not in found


def test_text_search_looks_into_municipality_and_governorate_names(client, projects):
    assert "TST-2025-003" in references(client.get(URL, {"q": "توزر"}))
    assert set(references(client.get(URL, {"q": "sfax bus"}))) == {"TST-2025-002"}
    assert "TST-2025-002" in references(client.get(URL, {"q": "صفاقس"}))


def test_sorting(client, projects):
    by_amount = references(client.get(URL, {"sort": "-investment", "per_page": 3}))
    assert by_amount[:2] == ["TST-2025-002", "TST-2025-001"]
    ascending = references(client.get(URL, {"sort": "investment", "per_page": 100}))
    assert ascending.index("TST-2025-001") < ascending.index("TST-2025-002")
    assert ascending[-1] in {
        p.reference for p in Project.objects.public().filter(investment_tnd=None)
    }
    titles = [
        p.title_fr for p in client.get(URL, {"sort": "title", "per_page": 100}).context["projects"]
    ]
    mine = [t for t in titles if t.startswith(("Bus", "Centrale", "Circuit"))]
    assert mine == [
        "Bus à haut niveau de service",
        "Centrale solaire municipale",
        "Circuit touristique des oasis",
    ]


def test_pagination_keeps_the_filters(client, projects):
    ProjectFactory.create_batch(
        25, published=True, municipality=Municipality.objects.get(code="6211")
    )
    response = client.get(URL, {"municipality": "tozeur", "per_page": 10})
    assert response.context["paginator"].num_pages == 3
    assert 'href="?municipality=tozeur&amp;per_page=10&amp;page=2"' in response.text
    page3 = client.get(URL, {"municipality": "tozeur", "per_page": 10, "page": 3})
    assert len(page3.context["projects"]) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"per_page": "10000000"},
        {"per_page": "-3"},
        {"investment_min": "NaN"},
        {"investment_max": "Infinity"},
        {"investment_min": "1e400"},
        {"q": "abc\x00def"},
        {"q": "x" * 5000},
        {"governorate": "atlantis"},
        {"sector": "<script>"},
        {"stage": "🚀"},
        {"sort": "password"},
        {"municipality": "'; DROP TABLE catalogue_project; --"},
    ],
)
def test_bad_input_is_ignored_never_an_error(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["per_page"] <= 100


def test_an_ignored_filter_is_flagged(client):
    response = client.get(URL, {"governorate": "atlantis", "investment_min": "NaN"})
    assert set(response.context["rejected"]) == {"governorate", "investment_min"}
    assert "ignored" in response.text or "ignorées" in response.text


def test_a_page_that_does_not_exist_is_404(client):
    assert client.get(URL, {"page": "999999"}).status_code == 404
    assert client.get(URL, {"page": "0"}).status_code == 404


def test_per_page_is_capped_at_100(client):
    ProjectFactory.create_batch(105, published=True)
    response = client.get(URL, {"per_page": "500"})
    assert len(response.context["projects"]) == 100


def run_catalogue(client, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(queries)


def test_the_catalogue_runs_the_same_queries_for_1_and_for_20_results(client):
    Project.objects.update(status=Status.DRAFT)
    ProjectFactory(published=True)
    one = run_catalogue(client)
    ProjectFactory.create_batch(19, published=True)
    assert run_catalogue(client) == one


def test_the_catalogue_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(11):
        # 1-5: the filter vocabulary: governorates, municipalities, sectors, dimensions,
        #      ministries (with the cache on, kept in memory until the catalogue changes)
        # 6: the text search, once: the ids of the matching public projects
        # 7: the governorate facet, under the other filters (the search): one grouped
        #    query on the municipality column, summed per governorate
        # 8: the facets not in use (municipality, sector, stage, contract) and the result
        #    count, under all the filters: one grouped query
        # 9: the dimension and ministry facets on their link tables: one query
        # 10: the ids of the whole selection, in order (cached with the cache on)
        # 11: the page's projects by id, with municipality, governorate and sector joined
        client.get(URL, {"q": "oasis", "governorate": "gabes"})


def test_the_unfiltered_catalogue_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(8):
        # 1-5: the filter vocabulary; 6: the column facets and the result count in one
        # grouped query; 7: the link-table facets; 8: the page of projects
        client.get(URL)


def test_with_the_cache_on_facets_are_counted_once_per_catalogue_version(
    client, settings, django_assert_num_queries
):
    settings.CACHE_PUBLIC_PAGES = True
    client.get(URL, {"governorate": "gabes"})
    with django_assert_num_queries(1):  # the page of projects only
        response = client.get(URL, {"governorate": "gabes", "sort": "title"})
    before = response.context["facets"]["stage"]
    project = ProjectFactory(
        published=True, municipality=Municipality.objects.get(slug="gabes"), stage="planning"
    )
    response = client.get(URL, {"governorate": "gabes", "sort": "title"})
    after = response.context["facets"]["stage"]
    stage = next(o for o in after.options if o.value == project.stage)
    assert stage.count == next(o.count for o in before.options if o.value == project.stage) + 1
    assert response.context["paginator"].count == before_total(before) + 1


def before_total(facet):
    """Projects of the facet's selection: every option's count ("not stated" included)."""
    return sum(option.count for option in facet.options)


def test_a_broad_search_gives_the_same_results_through_the_text_condition(client, monkeypatch):
    from catalogue.selection import filters

    precise = client.get(URL, {"q": "gabes", "per_page": 100})
    monkeypatch.setattr(filters, "SEARCH_IDS_LIMIT", 1)
    broad = client.get(URL, {"q": "gabes", "per_page": 100})
    assert references(precise) == references(broad) and len(references(broad)) >= 2
    assert [o.count for o in precise.context["facets"]["stage"].options] == [
        o.count for o in broad.context["facets"]["stage"].options
    ]


def test_pagination_links_keep_page_numbers_above_999_intact(client):
    ProjectFactory.create_batch(4, published=True)
    total_pages = Project.objects.public().count()  # one project a page
    assert total_pages > 8
    from django.core.paginator import Paginator

    # A page number of four digits, rendered in French (thousands separator: a space).
    response = client.get(URL, {"per_page": 1, "page": 2})
    assert 'page=3"' in response.text
    from django.template import Context, Template
    from django.utils import translation

    paginator = Paginator(range(2000), 1)
    with translation.override("fr"):
        html = Template("{% include 'includes/pagination.html' %}").render(
            Context({"page_obj": paginator.page(1000), "query_without_page": ""})
        )
    assert "page=1001" in html and "page=999" in html


def test_filter_options_follow_the_language_with_the_vocabulary_kept_in_memory(client, settings):
    from municipalities.models import Governorate

    settings.CACHE_PUBLIC_PAGES = True
    gabes = Governorate.objects.get(slug="gabes")
    assert f'<optgroup label="{gabes.name_fr}">' in client.get("/fr/catalogue/").text
    html = client.get("/ar/catalogue/").text
    assert f'<optgroup label="{gabes.name_ar}">' in html
    assert f'<optgroup label="{gabes.name_fr}">' not in html


def test_filter_options_are_escaped_and_new_values_appear_at_once(client, settings):
    settings.CACHE_PUBLIC_PAGES = True
    client.get(URL)
    Sector.objects.create(code="test-sector", name_fr='Eau & "<assainissement>"', name_ar="ماء")
    html = client.get(URL).text
    assert (
        '<option value="test-sector">Eau &amp; &quot;&lt;assainissement&gt;&quot; (0)</option>'
        in html
    )


def test_renaming_a_place_or_a_sector_refreshes_the_search(client):
    project = ProjectFactory(published=True, municipality=Municipality.objects.get(slug="tozeur"))
    municipality = project.municipality
    municipality.name_fr = "Tozeur-Oasis-Nouvelle"
    municipality.save()
    assert project.reference in references(client.get(URL, {"q": "oasis nouvelle"}))
    governorate = municipality.governorate
    governorate.name_en = "Djerid Province"
    governorate.save()
    assert project.reference in references(client.get(URL, {"q": "djerid province"}))
    sector = Sector.objects.create(code="test-renamed", name_fr="Ancien", name_ar="قديم")
    project.sector = sector
    project.save()
    sector.name_fr = "Énergies marines"
    sector.save()
    assert project.reference in references(client.get(URL, {"q": "energies marines"}))


def test_reloading_the_reference_data_refreshes_the_search_of_renamed_places(client):
    from django.core.management import call_command

    project = ProjectFactory(published=True, municipality=Municipality.objects.get(slug="sbeitla"))
    Municipality.objects.filter(slug="sbeitla").update(name_fr="Nom provisoire")  # no signal
    project.municipality.refresh_from_db()
    project.save()  # its search text now holds the provisional name
    assert project.reference not in references(client.get(URL, {"q": "sbeitla"}))
    call_command("load_reference_data", verbosity=0)  # brings the official name back
    assert project.reference in references(client.get(URL, {"q": "sbeitla"}))


FACET_LOOKUPS = {
    "governorate": "municipality__governorate__slug",
    "municipality": "municipality__slug",
    "sector": "sector__code",
    "dimension": "dimensions__code",
    "stage": "stage",
    "contract": "contract_model",
    "screening": "screening",
    "ministry": "ministries__slug",
}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"municipality": "sfax"},
        {"governorate": "tozeur", "stage": Stage.PLANNING},
        {"contract": ContractModel.CONCESSION, "ministry": "transport"},
        {"q": "oasis", "dimension": "mobility"},
        {"q": "zzzz-nothing"},
    ],
)
def test_every_facet_count_equals_the_real_count_under_the_other_filters(
    client, settings, projects, params
):
    settings.CACHE_PUBLIC_PAGES = True  # counted once, then read from the cache: both right
    for _attempt in range(2):
        response = client.get(URL, {**params, "_": _attempt})
        for name, facet in response.context["facets"].items():
            selection = Project.objects.public()
            if "q" in params:
                selection = selection.search(params["q"])
            others = {FACET_LOOKUPS[k]: v for k, v in params.items() if k in FACET_LOOKUPS}
            others.pop(FACET_LOOKUPS[name], None)
            selection = selection.filter(**others)
            for option in facet.options:
                value = "" if option.value == NOT_STATED else option.value
                expected = selection.filter(**{FACET_LOOKUPS[name]: value}).distinct().count()
                assert option.count == expected, (params, name, option.value)
        total = Project.objects.public()
        if "q" in params:
            total = total.search(params["q"])
        total = total.filter(
            **{FACET_LOOKUPS[k]: v for k, v in params.items() if k in FACET_LOOKUPS}
        )
        assert response.context["paginator"].count == total.distinct().count()


def test_the_form_keeps_the_edition_filter_it_has_no_field_for(client):
    response = client.get(URL, {"edition": "2"})
    assert '<input type="hidden" name="edition" value="2">' in response.text
    assert [chip["label"] for chip in response.context["chips"]] == ["Édition de la caravane"]
