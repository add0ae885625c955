"""manage.py seed_demo: clearly labelled synthetic projects for demonstrations and benchmarks."""

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from catalogue.models import Project
from catalogue.register.choices import ContractModel, Stage, Status
from municipalities.models import Governorate, Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^[A-Z]{3}-[0-9]{4}-[0-9]{3,5}$")
REAL_REFERENCES = {
    "GAB-2020-001",
    "GAB-2020-002",
    "SFA-2020-001",
    "HAZ-2020-001",
    "MAH-2020-002",
}


def seed(projects: int, seed: int = 0) -> str:
    out = io.StringIO()
    call_command("seed_demo", projects=projects, seed=seed, stdout=out)
    return out.getvalue()


def test_seeding_creates_labelled_demo_projects_with_unique_references():
    assert set(Project.objects.values_list("reference", flat=True)) == REAL_REFERENCES

    output = seed(200)

    assert "Created 200 demo projects" in output
    demo = Project.objects.filter(is_demo=True)
    assert demo.count() == 200
    assert set(Project.objects.filter(is_demo=False).values_list("reference", flat=True)) == (
        REAL_REFERENCES
    )
    for title_fr, title_ar, title_en in demo.values_list("title_fr", "title_ar", "title_en"):
        assert title_fr.startswith("[Démo] ")
        assert title_ar.startswith("[تجريبي] ")
        assert title_en.startswith("[Demo] ")
    references = list(Project.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 200 + len(REAL_REFERENCES)
    assert all(REFERENCE.match(reference) for reference in references)

    seed(200)  # the same seed again: new references, no collision

    assert Project.objects.filter(is_demo=True).count() == 400
    references = list(Project.objects.values_list("reference", flat=True))
    assert len(set(references)) == 400 + len(REAL_REFERENCES)
    assert set(Project.objects.filter(is_demo=False).values_list("reference", flat=True)) == (
        REAL_REFERENCES
    )


def test_titles_name_the_municipality():
    seed(200)
    for project in Project.objects.filter(is_demo=True).select_related("municipality"):
        name_fr = project.municipality.name_fr
        # French contracts the article: "au Kram", "à l'Ariana Ville".
        assert re.sub(r"^(Les |Le |L')", "", name_fr) in project.title_fr
        assert project.municipality.name_ar in project.title_ar
        assert name_fr in project.title_en


def test_references_continue_after_existing_ones():
    tunis = Municipality.objects.get(code="1111")  # the most populous: it always gets some
    for year in range(2020, 2027):
        ProjectFactory(reference=f"TUN-{year}-500", municipality=tunis)

    seed(300)

    numbers = [
        int(reference.rsplit("-", 1)[1])
        for reference in Project.objects.filter(
            is_demo=True, reference__startswith="TUN-"
        ).values_list("reference", flat=True)
    ]
    assert numbers
    assert min(numbers) > 500


def test_the_spread_looks_like_a_real_catalogue():
    seed(1000, seed=3)
    demo = Project.objects.filter(is_demo=True)
    statuses = Counter(demo.values_list("status", flat=True))
    stages = Counter(demo.values_list("stage", flat=True))

    assert 0.70 <= statuses[Status.PUBLISHED] / 1000 <= 0.90
    assert len(statuses) >= 6
    assert len(stages) >= 5
    assert stages[Stage.PROSPECTIVE] + stages[Stage.PLANNING] > 500
    assert stages[Stage.OPERATIONAL] < stages[Stage.PROSPECTIVE] / 4
    assert demo.values("sector").distinct().count() >= 12
    assert demo.values("municipality__governorate").distinct().count() == (
        Governorate.objects.count()
    )
    assert not demo.filter(status=Status.WITHDRAWN, withdrawn_reason="").exists()
    assert not demo.filter(status=Status.PUBLISHED, published_at__isnull=True).exists()
    assert 0.03 <= demo.filter(investment_tnd__isnull=True).count() / 1000 <= 0.20
    assert 1 <= demo.filter(featured=True).count() <= 50
    assert not demo.exclude(
        contract_model__in=[ContractModel.PPP_CONTRACT, ContractModel.CONCESSION]
    ).exclude(contract_subtype="")
    years = {created.year for created in demo.values_list("created_at", flat=True)}
    assert min(years) == 2020
    assert max(years) >= 2025
    assert not demo.filter(latitude__isnull=False).exists()
    for project in demo.prefetch_related("dimensions", "ministries")[:200]:
        assert 1 <= len(project.dimensions.all()) <= 3
        assert len(project.ministries.all()) <= 3
        assert project.created_at <= project.updated_at
        if project.published_at:
            assert project.created_at <= project.published_at <= project.updated_at


def test_a_sample_of_demo_projects_passes_full_clean():
    seed(200, seed=5)
    for project in Project.objects.filter(is_demo=True).order_by("?")[:40]:
        project.full_clean()


def test_demo_projects_are_found_by_the_search():
    seed(200, seed=6)
    demo = Project.objects.filter(is_demo=True).for_lists()
    for project in demo.order_by("?")[:40]:
        assert project.search_text == project.compose_search_text()
    sfax = demo.filter(municipality__name_fr="Sfax").first()
    assert sfax is not None
    assert sfax in Project.objects.search("demo sfax")


def test_the_same_seed_gives_the_same_projects():
    def snapshot():
        return list(
            Project.objects.filter(is_demo=True)
            .order_by("pk")
            .values_list("reference", "title_fr", "title_ar", "title_en", "status", "stage")
        )

    seed(50, seed=42)
    first = snapshot()
    Project.objects.filter(is_demo=True).delete()
    seed(50, seed=42)

    assert snapshot() == first

    Project.objects.filter(is_demo=True).delete()
    seed(50, seed=43)

    assert snapshot() != first


@pytest.mark.parametrize("projects", [0, -5, 1_000_001])
def test_a_bad_number_of_projects_is_refused(projects):
    with pytest.raises(CommandError):
        seed(projects)
    assert not Project.objects.filter(is_demo=True).exists()


def test_the_number_of_projects_is_required():
    with pytest.raises(CommandError):
        call_command("seed_demo")
