"""The municipality review on the shared review machine: its gates as rows, its rules,
its change page in the reviewer's order, and the migration from five booleans."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from caravan.choices import ProgrammeDecision, ProgrammeGate
from caravan.models import MunicipalityReview
from caravan.services import municipality_review_decide, municipality_review_prepare
from catalogue.register.roles import COMMITTEE
from municipalities.models import Municipality
from tests.helpers import change_form_data

pytestmark = pytest.mark.usefixtures("english")


def prepare(team, code="5111"):
    return municipality_review_prepare(
        review=MunicipalityReview(municipality=Municipality.objects.get(code=code)),
        user=team["committee"],
    )


def banded(review, summary="Commune retenue sous conditions."):
    review.dimension_scores.update(band=3)
    review.public_summary_fr = summary
    review.save()
    return review


@pytest.mark.django_db
def test_a_new_review_has_the_five_programme_gates_unchecked_in_order(team):
    review = prepare(team)
    assert [(g.gate, g.passed, g.comment) for g in review.gates.all()] == [
        (gate, None, "") for gate in ProgrammeGate.values
    ]
    assert review.dimension_scores.count() == 6
    assert not review.gates_passed()


@pytest.mark.django_db
def test_a_failed_gate_allows_a_conditional_decision_but_not_eligible(team):
    review = banded(prepare(team))
    review.gates.update(passed=True)
    review.gates.filter(gate=ProgrammeGate.PERIMETER).update(passed=False)
    with pytest.raises(ValidationError, match="every programme gate") as refused:
        municipality_review_decide(
            review=review, user=team["committee"], decision=ProgrammeDecision.ELIGIBLE
        )
    assert "A designated smart perimeter" in " ".join(refused.value.messages)
    decided = municipality_review_decide(
        review=review, user=team["committee"], decision=ProgrammeDecision.CONDITIONAL
    )
    assert decided.decision == ProgrammeDecision.CONDITIONAL


@pytest.mark.django_db
def test_a_programme_gate_needs_an_answer_but_no_comment(team):
    review = banded(prepare(team))
    review.gates.update(passed=True)
    review.gates.filter(gate=ProgrammeGate.COUNCIL).update(passed=None)
    with pytest.raises(ValidationError, match="Council commitment"):
        municipality_review_decide(
            review=review, user=team["committee"], decision=ProgrammeDecision.CONDITIONAL
        )
    review.gates.update(passed=True)  # no comment anywhere
    municipality_review_decide(
        review=review, user=team["committee"], decision=ProgrammeDecision.ELIGIBLE
    )
    assert MunicipalityReview.objects.current_for(review.municipality) == review


@pytest.mark.django_db
def test_a_focal_point_of_the_municipality_may_not_review_it(team, make_user):
    insider = make_user("insider", COMMITTEE, municipality_code="5111")
    with pytest.raises(PermissionDenied, match="focal point"):
        municipality_review_prepare(
            review=MunicipalityReview(municipality=Municipality.objects.get(code="5111")),
            user=insider,
        )
    review = banded(prepare(team))
    review.gates.update(passed=True)
    with pytest.raises(PermissionDenied, match="focal point"):
        municipality_review_decide(review=review, user=insider, decision=ProgrammeDecision.ELIGIBLE)
    # Another municipality's focal point stands apart from Gabès.
    elsewhere = make_user("elsewhere", COMMITTEE, municipality_code="3411")
    municipality_review_decide(review=review, user=elsewhere, decision=ProgrammeDecision.ELIGIBLE)


# The change page -------------------------------------------------------------------------


def _order(html, *markers):
    return [html.index(marker) for marker in markers]


@pytest.mark.django_db
def test_the_change_page_reads_gates_dimensions_result_then_decision(client, team):
    review = prepare(team)
    client.force_login(team["committee2"])
    url = reverse("admin:caravan_municipalityreview_change", args=[review.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    positions = _order(
        html,
        "1 · Programme gates",
        "Application complete",
        "2 · Smart-city dimensions",
        "3 · Result",
        "4 · Decision",
        'name="decide"',
    )
    assert positions == sorted(positions)
    # Each gate's name is shown once, as its row's heading.
    assert html.count("A designated smart perimeter") == 1


@pytest.mark.django_db
def test_gates_and_bands_are_saved_and_decided_from_the_change_page(client, team):
    review = prepare(team)
    client.force_login(team["committee2"])
    url = reverse("admin:caravan_municipalityreview_change", args=[review.pk])
    data = change_form_data(client.get(url))
    for index in range(len(ProgrammeGate.values)):
        data[f"gates-{index}-passed"] = "true"
    for index in range(6):
        data[f"dimension_scores-{index}-band"] = "2"
    data["public_summary_fr"] = "Commune éligible au programme."
    data["decide"] = ProgrammeDecision.ELIGIBLE
    assert client.post(url, data).status_code == 302
    review.refresh_from_db()
    assert review.decision == ProgrammeDecision.ELIGIBLE and review.gates_passed()
    assert review.decided_by == team["committee2"]
    # Decided: read only, and a stale form posted again changes nothing.
    client.force_login(team["committee"])
    assert client.post(url, {**data, "public_summary_fr": "Réécrit."}).status_code == 302
    review.refresh_from_db()
    assert review.public_summary_fr == "Commune éligible au programme."
    assert review.decided_by == team["committee2"]


@pytest.mark.django_db
def test_a_new_review_from_the_admin_goes_on_to_its_gates(client, team):
    client.force_login(team["committee"])
    response = client.post(
        reverse("admin:caravan_municipalityreview_add"),
        {"municipality": Municipality.objects.get(code="5111").pk},
    )
    review = MunicipalityReview.objects.get()
    assert response["Location"] == reverse(
        "admin:caravan_municipalityreview_change", args=[review.pk]
    )
    assert review.gates.count() == 5


# The migration from five booleans to gate rows ----------------------------------------------

BEFORE = ("caravan", "0002_historicalmunicipalityreview_municipalityreview_and_more")
AFTER = ("caravan", "0003_review_machine")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_five_booleans_into_gate_rows_and_back(django_user_model):
    try:
        apps = _migrate(BEFORE)
        Municipality_ = apps.get_model("municipalities", "Municipality")
        Governorate_ = apps.get_model("municipalities", "Governorate")
        User_ = apps.get_model("auth", "User")
        Review = apps.get_model("caravan", "MunicipalityReview")
        HistoricalReview = apps.get_model("caravan", "HistoricalMunicipalityReview")
        user = User_.objects.create(username="reviewer")
        # The shipped reference data may already be there (loaded for the session).
        governorate, _created = Governorate_.objects.get_or_create(
            code_ins="51",
            defaults={"code_iso": "TN-81", "slug": "gabes", "name_fr": "Gabès", "name_ar": "قابس"},
        )
        town, _created = Municipality_.objects.get_or_create(
            code="5111",
            defaults={
                "governorate": governorate,
                "slug": "gabes",
                "name_fr": "Gabès",
                "name_ar": "قابس",
            },
        )
        now = timezone.now()
        open_review = Review.objects.create(
            municipality=town, version=1, reviewer=user, gate_application=True
        )
        decided = Review.objects.create(
            municipality=town,
            version=2,
            reviewer=user,
            gate_application=True,
            gate_council=True,
            decision="conditional",
            decided_at=None,  # no rule held the date before
        )
        # The open review's history: opened with one box ticked, then a second ticked.
        for ticked_council, moment in ((False, now), (True, now + timezone.timedelta(hours=1))):
            HistoricalReview.objects.create(
                id=open_review.pk,
                municipality_id=town.pk,
                version=1,
                reviewer_id=user.pk,
                created_at=now,
                gate_application=True,
                gate_council=ticked_council,
                decision="",
                history_date=moment,
                history_type="+" if not ticked_council else "~",
                history_user_id=user.pk,
            )

        apps = _migrate(AFTER)
        Gate = apps.get_model("caravan", "MunicipalityReviewGate")
        HistoricalGate = apps.get_model("caravan", "HistoricalMunicipalityReviewGate")
        Review = apps.get_model("caravan", "MunicipalityReview")
        rows = {(g.review_id, g.gate): g.passed for g in Gate.objects.all()}
        assert len(rows) == 10
        # Open review: ticked = passed, unticked = not checked yet.
        assert rows[open_review.pk, "application"] is True
        assert rows[open_review.pk, "council"] is None
        # Decided review: unticked = did not pass; and its decision now has a date.
        assert rows[decided.pk, "council"] is True and rows[decided.pk, "perimeter"] is False
        assert Review.objects.get(pk=decided.pk).decided_at is not None
        council = HistoricalGate.objects.filter(review_id=open_review.pk, gate="council")
        assert [(h.history_type, h.passed) for h in council.order_by("history_date")] == [
            ("+", None),
            ("~", True),
        ]

        apps = _migrate(BEFORE)
        Review = apps.get_model("caravan", "MunicipalityReview")
        back = Review.objects.get(pk=decided.pk)
        assert (back.gate_application, back.gate_council, back.gate_perimeter) == (
            True,
            True,
            False,
        )
    finally:
        # Forward again to every app's latest migration: going back to caravan 0002 also
        # unapplied the migrations of other apps that depend on it.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
