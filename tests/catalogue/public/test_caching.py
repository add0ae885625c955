"""The public page cache answers repeated requests and is never stale after a change."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Project
from catalogue.register import reviews, services
from catalogue.register.choices import Decision
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_PUBLIC_PAGES = True


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_a_repeated_page_is_served_from_the_cache(client):
    first, _ = queries(client, "/fr/catalogue/?governorate=gabes")
    again, response = queries(client, "/fr/catalogue/?governorate=gabes")
    assert first > 5 and again == 0
    assert "Content-Security-Policy" in response  # the headers are still added


def test_a_publication_is_visible_at_once(client, team):
    project = ProjectFactory(title_fr="Marché intelligent de Gabès")
    assert "Marché intelligent" not in client.get("/fr/catalogue/").text
    services.project_submit(project=project, user=team["focal"])
    review = reviews.review_open(project=project, user=team["committee"])
    review.gates.update(passed=True, comment="ok")
    review.scores.update(score=4)
    review.public_summary_fr = "Éligible."
    review.save()
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    services.project_publish(project=project, user=team["editor"])
    assert "Marché intelligent" in client.get("/fr/catalogue/").text


def test_an_edit_or_a_related_change_is_visible_at_once(client):
    project = Project.objects.get(reference="GAB-2020-001")
    url = project.get_absolute_url()
    client.get(url)
    project.title_fr = "Gabès, l'oasis intelligente (titre corrigé)"
    project.save()
    assert "titre corrigé" in client.get(url).text.replace("&#x27;", "'")
    from caravan.models import Ministry

    project.ministries.add(Ministry.objects.get(acronym="MF"))
    assert "Ministère des Finances" in client.get(url).text


def test_signed_in_staff_always_see_fresh_pages(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", password="x" * 16))
    queries(client, "/fr/")
    again, _ = queries(client, "/fr/")
    assert again > 5, "the page was rendered again, not taken from the cache"


def test_without_redis_the_version_is_shared_by_the_processes_of_the_machine(settings):
    """A change saved by another process (a second gunicorn worker, the task worker) is
    seen by this one at once: the version lives in the folder they share."""
    import os
    import subprocess  # nosec B404: runs this project's own manage.py
    import sys
    from pathlib import Path

    from catalogue.caching import current_version

    assert settings.CACHES["shared"]["BACKEND"].endswith("FileBasedCache")
    before = current_version()
    env = {**os.environ, "SHARED_CACHE_DIR": str(settings.CACHES["shared"]["LOCATION"])}
    env.pop("REDIS_URL", None)
    manage = Path(settings.BASE_DIR) / "manage.py"
    bump = "from catalogue.caching import _bump; _bump()"
    subprocess.run(  # nosec B603: fixed arguments
        [sys.executable, str(manage), "shell", "-c", bump],
        env=env,
        check=True,
        capture_output=True,
    )
    assert current_version() == before + 1


def test_a_page_kept_in_process_memory_gives_way_to_a_change_made_elsewhere(client):
    """The recent pages kept in this process's memory, in front of the shared cache, are
    keyed by the catalogue version: a change made through another app server (no signal
    here, only the shared version raised) is shown at the next request."""
    from django.core.cache import cache

    from catalogue import caching

    project = ProjectFactory(published=True, title_fr="Ancien titre de Gafsa")
    assert "Ancien titre de Gafsa" in client.get("/fr/catalogue/").text
    cache.clear()  # the shared page cache emptied: the page is still in this process
    count, response = queries(client, "/fr/catalogue/")
    assert count == 0 and "Ancien titre de Gafsa" in response.text
    Project.objects.filter(pk=project.pk).update(title_fr="Nouveau titre de Gafsa")
    caching._bump()  # as the other server's save does
    text = client.get("/fr/catalogue/").text
    assert "Nouveau titre de Gafsa" in text and "Ancien titre de Gafsa" not in text


def test_a_change_to_a_projects_pipeline_alone_is_visible_at_once(client):
    """Milestones, funding lines, risks, related projects and policy goals are on the
    project's page: changed without saving the project (an import of those rows, the
    policy goals' own admin), they still raise the catalogue version."""
    from catalogue.models import FundingLine, Milestone, PolicyGoal

    project = Project.objects.get(reference="GAB-2020-001")
    url = project.get_absolute_url()
    client.get(url)
    Milestone.objects.create(
        project=project,
        milestone_type="financing",
        title_fr="Bouclage financier de Gabès",
        planned_date=date(2027, 6, 30),
    )
    assert "Bouclage financier de Gabès" in client.get(url).text
    FundingLine.objects.create(project=project, source="Fonds municipal de Gabès", amount=1_000_000)
    assert "Fonds municipal de Gabès" in client.get(url).text
    goal = PolicyGoal.objects.create(
        framework="SDG", code="99", name_fr="Objectif de Gabès", name_ar="هدف قابس"
    )
    project.policy_goals.add(goal)
    assert "Objectif de Gabès" in client.get(url).text
    goal.name_fr = "Objectif renommé"
    goal.save()
    assert "Objectif renommé" in client.get(url).text
