"""The public record: screening shown from the data, sources cited, dates and freshness,
a public change log, the licence, and no admin path around the workflow."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from caravan.models import MunicipalityReview
from catalogue.intake.imports import import_projects
from catalogue.models import Project, ProjectTransition, Source
from catalogue.outputs.exports import export_rows
from catalogue.register import reviews, services
from catalogue.register.choices import Decision, Screening, SourceKind, Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory
from tests.helpers import change_form_data as form_data
from tests.helpers import fill, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WORKFLOW_STATE = (
    "status",
    "published_at",
    "withdrawn_reason",
    "submitted_by_id",
    "screening",
    "screened_at",
    "screening_score",
    "verified_at",
)


def workflow_state(project):
    project = Project.objects.get(pk=project.pk)
    return (
        tuple(getattr(project, name) for name in WORKFLOW_STATE),
        ProjectTransition.objects.filter(project=project).count(),
    )


def published_through_the_workflow(team, **fields):
    """A project screened eligible and published, with its history from draft onwards."""
    project = ProjectFactory(title_fr="Titre du brouillon", **fields)
    project, review = to_review(team, project)
    fill(review, score=3)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    services.project_publish(project=project, user=team["editor"])
    project.refresh_from_db()
    return project


# 1. History revert -----------------------------------------------------------------------


def main(page: str) -> str:
    """The project's own article on its page (related projects' cards left out)."""
    return page.split('<article class="project">')[1].split("</article>")[0]


def first_version_url(project, admin="catalogue_project"):
    first = project.history.order_by("history_date", "history_id").first()
    return reverse(f"admin:{admin}_simple_history", args=[project.pk, first.history_id])


def test_reverting_a_published_project_to_its_draft_restores_content_not_workflow(client, team):
    project = published_through_the_workflow(team)
    Project.objects.filter(pk=project.pk).update(title_fr="Titre publié")
    before = workflow_state(project)
    client.force_login(team["editor"])
    page = client.get(first_version_url(project))
    assert page.status_code == 200
    assert page.context["adminform"].form["title_fr"].value() == "Titre du brouillon"
    response = client.post(first_version_url(project), form_data(page))
    assert response.status_code == 302, response.context and response.context["errors"]
    project.refresh_from_db()
    assert project.title_fr == "Titre du brouillon"  # the content is reverted…
    assert workflow_state(project) == before  # …the status, decision and dates are not
    assert project.status == Status.PUBLISHED


def test_a_revert_from_a_stale_version_page_is_refused(client, team):
    project = published_through_the_workflow(team)
    Project.objects.filter(pk=project.pk).update(title_fr="Titre publié")
    client.force_login(team["editor"])
    page = client.get(first_version_url(project))
    services.project_save(project=Project.objects.get(pk=project.pk), user=team["root"])
    response = client.post(first_version_url(project), form_data(page))
    assert response.status_code == 200  # the form again, with the reason
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [error.code for error in errors] == ["stale"]
    assert Project.objects.get(pk=project.pk).title_fr != "Titre du brouillon"


@pytest.mark.parametrize("role", ["committee", "other_focal"])
def test_who_may_not_change_the_project_cannot_revert_it(client, team, role):
    project = published_through_the_workflow(team)
    before = (workflow_state(project), Project.objects.get(pk=project.pk).title_fr)
    client.force_login(team["root"])
    data = form_data(client.get(first_version_url(project)))
    client.force_login(team[role])
    response = client.post(first_version_url(project), data)
    assert response.status_code in (403, 404)
    assert (workflow_state(project), Project.objects.get(pk=project.pk).title_fr) == before


def test_a_focal_point_cannot_revert_a_published_project_of_their_own_municipality(client, team):
    project = published_through_the_workflow(team)  # in Gabès, the focal point's town
    Project.objects.filter(pk=project.pk).update(title_fr="Titre publié")
    client.force_login(team["focal"])
    page = client.get(first_version_url(project))
    assert page.status_code == 200 and page.context["revert_disabled"]
    response = client.post(first_version_url(project), form_data(page))
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).title_fr != "Titre du brouillon"


def test_reviews_have_no_revert_at_all(client, team):
    project, review = to_review(team)
    fill(review)
    url = first_version_url(review, admin="catalogue_projectreview")
    client.force_login(team["root"])
    page = client.get(url)
    assert page.status_code == 200 and page.context["revert_disabled"]
    assert 'name="_save"' not in page.text
    response = client.post(url, {"public_summary_fr": "Réécrit", "decide": ""})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.public_summary_fr == "Projet éligible."


def test_municipality_reviews_have_no_revert(client, team):
    from caravan.services import municipality_review_prepare

    review = MunicipalityReview(municipality=Municipality.objects.get(code="5111"))
    municipality_review_prepare(review=review, user=team["committee"])
    url = first_version_url(review, admin="caravan_municipalityreview")
    client.force_login(team["root"])
    assert client.get(url).context["revert_disabled"]
    assert client.post(url, {"gate_council": "on"}).status_code == 403


def test_the_change_form_ignores_workflow_fields_posted_by_hand(client, team):
    project = published_through_the_workflow(team)
    before = workflow_state(project)
    client.force_login(team["editor"])
    url = reverse("admin:catalogue_project_change", args=[project.pk])
    data = form_data(client.get(url))
    data.update(
        title_fr="Nouveau titre",
        status="draft",
        screening="not_eligible",
        verified_at="2020-01-01 00:00",
        published_at="2020-01-01 00:00",
    )
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.title_fr == "Nouveau titre"
    assert workflow_state(project) == before


def test_an_import_never_changes_a_workflow_field(team):
    project = published_through_the_workflow(team)
    before = workflow_state(project)
    rows = list(export_rows(Project.objects.filter(pk=project.pk)))
    from catalogue.outputs.exports import COLUMN_NAMES

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_NAMES)
    row = dict(zip(COLUMN_NAMES, rows[0], strict=True))
    row.update(
        title_fr="Titre importé",
        status="draft",
        screening="not_eligible",
        published_at="",
        verified_at="2020-01-01",
    )
    writer.writerow([row[name] for name in COLUMN_NAMES])
    result = import_projects(
        buffer.getvalue().encode(), user=team["editor"], dry_run=False, name="x.csv"
    )
    assert result.ok, [str(e) for e in result.errors]
    project.refresh_from_db()
    assert project.title_fr == "Titre importé"
    assert workflow_state(project) == before


# 3. Screening shown from the data -----------------------------------------------------------


def test_a_decision_sets_the_projects_public_screening_status(team):
    project = published_through_the_workflow(team)
    review = project.reviews.get()
    assert project.screening == Screening.ELIGIBLE_PPP
    assert project.screened_at == review.decided_at
    assert project.screening_score == review.score == Decimal("75.0")


def test_the_page_shows_the_screening_or_that_it_has_not_been_screened(client, team):
    screened = published_through_the_workflow(team)
    page = client.get(screened.get_absolute_url()).text
    date = timezone.localtime(screened.screened_at).strftime("%-d %B %Y")
    assert f"Eligible as a PPP contract on {date}, score 75/100" in page
    shipped = Project.objects.get(reference="GAB-2020-001")
    page = main(client.get(f"/en/catalogue/{shipped.reference}/").text)
    assert "Not yet screened by the eligibility committee" in page
    assert "Eligible as" not in page


def test_the_catalogue_filters_and_counts_by_screening_status(client, team):
    screened = published_through_the_workflow(team)
    page = client.get("/en/catalogue/", {"screening": "eligible_ppp"})
    assert [p.reference for p in page.context["projects"]] == [screened.reference]
    facet = page.context["facets"]["screening"]
    counts = {option.value: option.count for option in facet.options}
    assert counts["eligible_ppp"] == 1
    assert (
        counts["not_screened"] == Project.objects.public().filter(screening="not_screened").count()
    )
    assert counts["not_screened"] >= 5  # the shipped projects


# 4. Defaults never shown as facts --------------------------------------------------------------


def test_fields_nobody_filled_read_not_stated_everywhere(client):
    project = ProjectFactory(published=True, sector=None)
    assert (project.stage, project.contract_model) == ("", "")
    page = client.get(project.get_absolute_url()).text
    assert "Stage: not stated by the sources." in page
    assert "Prospective" not in page.split('class="stage-track"')[1].split("</ol>")[1]
    assert "To be determined" not in page
    assert page.count("not stated") >= 5  # sector, contract, investment, area, jobs…
    package = json.loads(b"".join(client.get("/api/oc4ids/projects.json").streaming_content))
    record = next(p for p in package["projects"] if p["id"].endswith(project.reference))
    assert "status" not in record
    row = dict(zip(*_export(project), strict=True))
    assert (row["stage"], row["contract_model"]) == ("", "")


def test_the_catalogue_can_select_projects_whose_stage_is_not_stated(client):
    stated = ProjectFactory(published=True, stage="planning")
    unstated = ProjectFactory(published=True)
    page = client.get("/en/catalogue/", {"stage": "not_stated", "q": "essai"})
    references = [p.reference for p in page.context["projects"]]
    assert unstated.reference in references and stated.reference not in references
    options = {o.value: o.count for o in page.context["facets"]["stage"].options}
    assert options["not_stated"] >= 1


def _export(project):
    from catalogue.outputs.exports import COLUMN_NAMES

    return COLUMN_NAMES, next(export_rows(Project.objects.filter(pk=project.pk)))


# Sources, dates, change log, licence ------------------------------------------------------------


def test_a_project_cites_its_sources_on_its_page_in_exports_and_in_oc4ids(client):
    shipped = Project.objects.get(reference="HAZ-2020-001")
    page = client.get(f"/fr/catalogue/{shipped.reference}/").text
    assert "La deuxième édition de la caravane « Tunisian Smart Cities »" in page
    assert "zone commerciale franche à Hazoua et Mahres" in page
    assert "éditeur non précisé" in page or "publisher not stated" in page or "éditeur" in page
    row = dict(zip(*_export(shipped), strict=True))
    assert row["sources"] == "La deuxième édition de la caravane « Tunisian Smart Cities », 2020-06"
    assert row["licence"] == "CC BY 4.0"
    package = json.loads(b"".join(client.get("/api/oc4ids/projects.json").streaming_content))
    record = next(p for p in package["projects"] if p["id"].endswith(shipped.reference))
    source = next(d for d in record["documents"] if d["id"].startswith("source-"))
    assert source["title"].startswith("La deuxième édition")
    assert source["datePublished"].startswith("2020-06-01")
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"].endswith("/fr/methodology/")


def test_a_source_with_an_address_is_a_link(client):
    project = ProjectFactory(published=True)
    source = Source.objects.create(
        title="Décision du comité",
        publisher="Ministère des Affaires Locales",
        kind=SourceKind.MINISTRY_DECISION,
        url="https://example.tn/decision.pdf",
    )
    project.sources.add(source)
    page = client.get(project.get_absolute_url()).text
    assert '<a href="https://example.tn/decision.pdf" rel="noopener">Décision du comité</a>' in page
    assert "Ministère des Affaires Locales" in page


def test_the_page_shows_first_published_last_updated_and_last_verified(client, team):
    project = published_through_the_workflow(team)
    page = main(client.get(project.get_absolute_url()).text)
    assert "First published" in page and "Last updated" in page
    assert "not verified since its publication" in page
    assert "To be verified" not in page


def test_confirming_a_project_current_is_one_recorded_action_that_keeps_last_updated(client, team):
    project = published_through_the_workflow(team)
    updated_at = project.updated_at
    client.force_login(team["focal"])  # the focal point of its municipality
    response = client.post(
        reverse("admin:catalogue_project_changelist"),
        {"action": "confirm_projects_current", "_selected_action": [project.pk], "confirm": "1"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.verified_at and project.verified_by == team["focal"]
    assert project.updated_at == updated_at
    assert project.history.first().history_change_reason == "Confirmed as still current"
    assert project.history.first().history_user == team["focal"]


def test_only_staff_in_scope_may_confirm_a_project_current(team):
    project = published_through_the_workflow(team)
    for user in (team["other_focal"], team["committee"]):
        with pytest.raises(Exception):  # noqa: B017 -- PermissionDenied, either way
            services.project_confirm_current(project=project, user=user)
    draft = ProjectFactory()
    with pytest.raises(Exception):  # noqa: B017 -- a draft is not on the record
        services.project_confirm_current(project=draft, user=team["editor"])
    assert Project.objects.get(pk=project.pk).verified_at is None


def test_a_project_not_verified_for_a_year_is_marked_and_queued(client, team, settings):
    settings.VERIFICATION_INTERVAL_DAYS = 365
    fresh = ProjectFactory(published=True)
    stale = ProjectFactory(published=True)
    Project.objects.filter(pk=stale.pk).update(published_at=timezone.now() - timedelta(days=400))
    confirmed = ProjectFactory(published=True)
    Project.objects.filter(pk=confirmed.pk).update(
        published_at=timezone.now() - timedelta(days=400),
        verified_at=timezone.now() - timedelta(days=10),
    )
    due = set(Project.objects.verification_due().values_list("reference", flat=True))
    assert stale.reference in due and "GAB-2020-001" in due  # published in 2020
    assert fresh.reference not in due and confirmed.reference not in due
    assert "To be verified" in main(client.get(stale.get_absolute_url()).text)
    assert "To be verified" not in main(client.get(confirmed.get_absolute_url()).text)
    client.force_login(team["editor"])
    queue = client.get(reverse("admin:catalogue_project_changelist"), {"verification": "due"})
    listed = {p.reference for p in queue.context["cl"].result_list}
    assert stale.reference in listed and fresh.reference not in listed
    client.force_login(team["focal"])  # a focal point's queue: their municipality only
    queue = client.get(reverse("admin:catalogue_project_changelist"), {"verification": "due"})
    assert {p.municipality.code for p in queue.context["cl"].result_list} == {"5111"}


def test_the_change_log_tells_public_changes_only(client, team):
    project = published_through_the_workflow(team)
    page = client.get(project.get_absolute_url()).text
    assert "Published in the catalogue" in page
    assert "Titre du brouillon" not in page.split("Public change log")[1].split("</section>")[0]
    # A public change, an hour after the publication: shown with old → new, never who
    # made it.
    for record in project.history.all():
        record.history_date -= timedelta(hours=1)
        record.save()
    project = Project.objects.get(pk=project.pk)
    project.title_en = "Smart lighting"
    project.investment_tnd = Decimal("2500000")
    services.project_save(project=project, user=team["editor"])
    services.project_confirm_current(project=project, user=team["editor"])  # not a change
    log = client.get(project.get_absolute_url()).text.split("Public change log")[1]
    log = log.split("</section>")[0]
    assert "Estimated investment (TND): not stated → 2,500,000" in log
    assert "Smart lighting" in log
    assert "editor" not in log and "committee" not in log
    assert log.count("<li>") == 2 + 2  # two entries, the later with two changes


def test_a_withdrawal_and_a_restoration_appear_in_the_log(client, team):
    project = published_through_the_workflow(team)
    services.project_withdraw(project=project, user=team["editor"], reason="Doublon interne")
    services.project_restore(project=project, user=team["editor"])
    page = client.get(project.get_absolute_url()).text
    log = page.split("Public change log")[1].split("</section>")[0]
    assert "Withdrawn from the catalogue" in log and "Back in the catalogue" in log
    assert "Doublon interne" not in log


def test_json_export_names_the_licence_and_the_methodology(client):
    response = client.get("/en/catalogue/export.json")
    data = json.loads(b"".join(response.streaming_content))
    assert data["license"]["name"] == "CC BY 4.0"
    assert data["methodology"].endswith("/en/methodology/")
    assert all(row["licence"] == "CC BY 4.0" for row in data["projects"])
    fields = {field["key"] for field in data["fields"]}
    assert {"screening", "published_at", "verified_at", "sources", "licence"} <= fields


@pytest.mark.parametrize("role", ["editor", "focal", "root"])
def test_no_admin_form_of_a_project_has_a_workflow_field(rf, team, role):
    """The change and add forms (and so a revert, which uses the change form) never offer
    a workflow field; the list has no editable column and every action is a service."""
    from django.contrib.admin.sites import site

    from catalogue.admin import ProjectAdmin

    model_admin = site._registry[Project]
    request = rf.get("/admin/")
    request.user = team[role]
    project = ProjectFactory()
    for obj in (None, project):
        form = model_admin.get_form(request, obj)
        assert not set(form.base_fields) & set(services.WORKFLOW_FIELDS), role
    assert not ProjectAdmin.list_editable
    assert {name for name in model_admin.get_actions(request)} <= {
        "delete_selected",
        "submit_projects",
        "open_reviews",
        "publish_projects",
        "withdraw_projects",
        "restore_projects",
        "confirm_projects_current",
        "export_admin_action",
    }
