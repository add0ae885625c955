"""The project workflow and the screening rules, through the services that enforce them."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogue.models import Project, ProjectReview, ProjectTransition, ScreeningCriterion
from catalogue.register import reviews, services
from catalogue.register.choices import Decision, Gate, Status
from tests.factories import ProjectFactory
from tests.helpers import fill, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def snapshot(project):
    project = Project.objects.get(pk=project.pk)
    return (
        project.status,
        project.lock_version,
        project.published_at,
        project.withdrawn_reason,
        ProjectTransition.objects.filter(project=project).count(),
    )


def test_the_whole_workflow_records_who_did_each_step(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    services.project_publish(project=project, user=team["editor"])
    services.project_withdraw(project=project, user=team["editor"], reason="Doublon")
    services.project_restore(project=project, user=team["editor"])
    project.refresh_from_db()
    assert project.status == Status.PUBLISHED and project.published_at
    steps = list(ProjectTransition.objects.filter(project=project).order_by("at", "id"))
    assert [(s.from_status, s.to_status, s.user.username) for s in steps] == [
        ("draft", "submitted", "focal"),
        ("submitted", "in_review", "committee"),
        ("in_review", "eligible", "committee"),
        ("eligible", "published", "editor"),
        ("published", "withdrawn", "editor"),
        ("withdrawn", "published", "editor"),
    ]
    assert steps[4].note == "Doublon"
    assert Project.objects.public().filter(pk=project.pk).exists()


# Every (status, transition) pair the workflow allows, written out by hand from the rules
# (issue 4 and catalogue/register/services.py): any other pair must be refused.
TRANSITIONS = ("submit", "review", "decide", "publish", "withdraw", "restore")
ALLOWED = {
    (Status.DRAFT, "submit"): Status.SUBMITTED,
    (Status.NEEDS_INFORMATION, "submit"): Status.SUBMITTED,
    (Status.SUBMITTED, "review"): Status.IN_REVIEW,
    (Status.IN_REVIEW, "review"): Status.IN_REVIEW,  # a newer review supersedes
    (Status.ELIGIBLE, "review"): Status.IN_REVIEW,  # screened again
    (Status.NOT_ELIGIBLE, "review"): Status.IN_REVIEW,
    (Status.IN_REVIEW, "decide"): Status.ELIGIBLE,
    (Status.ELIGIBLE, "publish"): Status.PUBLISHED,
    (Status.PUBLISHED, "withdraw"): Status.WITHDRAWN,
    (Status.WITHDRAWN, "restore"): Status.PUBLISHED,
}
FORBIDDEN = [
    (status, transition)
    for status in Status.values
    for transition in TRANSITIONS
    if (status, transition) not in ALLOWED
]


def project_at(status, transition, team):
    """A project put in ``status``, with reviews that leave only the status to decide:
    for "decide", a newer review scored and ready for a decision; otherwise an eligible
    latest review (what publishing needs)."""
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    if transition == "decide":
        review = reviews.review_open(project=project, user=team["committee2"])
        fill(review)
    Project.objects.filter(pk=project.pk).update(
        status=status,
        published_at="2024-01-01T00:00Z"
        if status in (Status.PUBLISHED, Status.WITHDRAWN)
        else None,
        withdrawn_reason="Doublon" if status == Status.WITHDRAWN else "",
    )
    project.refresh_from_db()
    return project, review


def run_transition(transition, project, review, team):
    """Each transition through its service, by a user with the right to it."""
    return {
        "submit": lambda: services.project_submit(project=project, user=team["editor"]),
        "review": lambda: reviews.review_open(project=project, user=team["committee2"]),
        "decide": lambda: reviews.review_decide(
            review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP
        ),
        "publish": lambda: services.project_publish(project=project, user=team["editor"]),
        "withdraw": lambda: services.project_withdraw(
            project=project, user=team["editor"], reason="Doublon"
        ),
        "restore": lambda: services.project_restore(project=project, user=team["editor"]),
    }[transition]()


def full_snapshot(project):
    """The project's workflow state and its reviews' decisions."""
    reviews = ProjectReview.objects.filter(project=project).order_by("version")
    return (
        snapshot(project),
        list(reviews.values_list("version", "decision", "decided_by_id", "decided_at")),
    )


def test_the_allowed_pairs_match_the_services_own_tables():
    assert {s for (s, t) in ALLOWED if t == "submit"} == set(services.SUBMITTABLE)
    assert {s for (s, t) in ALLOWED if t == "review"} == set(reviews.REVIEWABLE)
    assert len(ALLOWED) + len(FORBIDDEN) == len(Status.values) * len(TRANSITIONS)


@pytest.mark.parametrize("status, transition", list(ALLOWED), ids=[f"{s}-{t}" for s, t in ALLOWED])
def test_an_allowed_transition_is_done(team, status, transition):
    project, review = project_at(status, transition, team)
    run_transition(transition, project, review, team)
    assert Project.objects.get(pk=project.pk).status == ALLOWED[status, transition]


@pytest.mark.parametrize("status, transition", FORBIDDEN, ids=[f"{s}-{t}" for s, t in FORBIDDEN])
def test_an_invalid_transition_is_refused_with_a_message_and_changes_nothing(
    team, status, transition
):
    project, review = project_at(status, transition, team)
    before = full_snapshot(project)
    with pytest.raises(ValidationError) as error:
        run_transition(transition, project, review, team)
    text = " ".join(error.value.messages)
    assert f"“{Status(status).label}”" in text, text  # the message names the status
    assert full_snapshot(project) == before


def _decided(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    # Back in review by hand: only the review's own state is left to refuse the decision.
    Project.objects.filter(pk=project.pk).update(status=Status.IN_REVIEW)
    return project, review, "already decided"


def _superseded(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_open(project=project, user=team["committee2"])
    return project, review, "newer review supersedes"


@pytest.mark.parametrize("case", [_decided, _superseded], ids=["decided", "superseded"])
def test_deciding_a_decided_or_superseded_review_is_refused_and_changes_nothing(team, case):
    project, review, reason = case(team)
    before = full_snapshot(project)
    with pytest.raises(ValidationError, match=reason):
        reviews.review_decide(review=review, user=team["committee"], decision=Decision.NOT_ELIGIBLE)
    assert full_snapshot(project) == before


def test_the_admin_shows_why_a_transition_is_refused(client, team):
    project = ProjectFactory()
    before = full_snapshot(project)
    client.force_login(team["editor"])
    response = client.post(
        reverse("admin:catalogue_project_changelist"),
        {"action": "publish_projects", "_selected_action": [project.pk], "confirm": "yes"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        f"{project.reference}: Only an eligible project can be published; this one is “Draft”."
    ]
    assert full_snapshot(project) == before


def test_the_review_form_shows_why_a_decision_is_refused(client, team):
    from tests.helpers import change_form_data

    project, review = to_review(team)
    fill(review)
    Project.objects.filter(pk=project.pk).update(status=Status.SUBMITTED)
    before = full_snapshot(project)
    client.force_login(team["committee2"])
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    data = change_form_data(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    for index in range(len(Gate.values)):
        data[f"gates-{index}-passed"] = "true"
    data["decide"] = Decision.ELIGIBLE_PPP
    response = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    shown = [str(m) for m in response.context["messages"]]
    assert (
        "Scores saved, but the review is not decided: The project is “Submitted”, not in review."
        in shown
    )
    assert full_snapshot(project) == before


@pytest.mark.parametrize("role", ["editor", "focal"])
def test_deciding_a_review_is_refused_to_editors_and_focal_points(client, team, role):
    project, review = to_review(team)
    fill(review)
    before = full_snapshot(project)
    with pytest.raises(PermissionDenied):
        reviews.review_decide(review=review, user=team[role], decision=Decision.ELIGIBLE_PPP)
    assert full_snapshot(project) == before
    # Nor through the admin: the editor reads the review without the decision field, the
    # focal point may not open it; a forged post is refused.
    client.force_login(team[role])
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    page = client.get(url)
    if role == "editor":
        assert page.status_code == 200 and not page.context["has_change_permission"]
        assert 'name="decide"' not in page.text
    else:
        assert page.status_code == 403
    response = client.post(url, {"decide": Decision.ELIGIBLE_PPP, "public_summary_fr": "x"})
    assert response.status_code == 403
    assert full_snapshot(project) == before


def test_withdrawing_needs_a_reason(team):
    project = ProjectFactory(published=True)
    before = snapshot(project)
    with pytest.raises(ValidationError, match="why"):
        services.project_withdraw(project=project, user=team["editor"], reason="  ")
    assert snapshot(project) == before


def test_publication_needs_an_eligible_latest_review(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    # Re-screening opens a newer review: the project is back in review, not publishable.
    newer = reviews.review_open(project=project, user=team["committee2"])
    assert newer.version == 2
    project.refresh_from_db()
    assert project.status == Status.IN_REVIEW
    with pytest.raises(ValidationError):
        services.project_publish(project=project, user=team["editor"])
    # Forcing the status does not help either: the latest review is undecided.
    Project.objects.filter(pk=project.pk).update(status=Status.ELIGIBLE)
    with pytest.raises(ValidationError, match="latest review"):
        services.project_publish(project=project, user=team["editor"])


def test_the_weighted_score_and_the_proposed_outcome(team):
    project, review = to_review(team)
    weights = {s.criterion.code: s.weight for s in review.scores.select_related("criterion")}
    assert weights == {c.code: c.weight for c in ScreeningCriterion.objects.all()}
    review.gates.update(passed=True, comment="ok")
    review.scores.update(score=3)
    review.scores.filter(criterion__code="S1").update(score=1)
    total = sum(weights.values())
    expected = Decimal(100 * (3 * (total - weights["S1"]) + 1 * weights["S1"]) / (4 * total))
    assert review.compute_score() == expected.quantize(Decimal("0.1"))
    assert review.proposed_decision() == Decision.ELIGIBLE_PPP  # ≥ 60
    review.scores.update(score=2)
    assert review.compute_score() == Decimal("50.0")
    assert review.proposed_decision() == Decision.NEEDS_INFORMATION
    review.scores.update(score=1)
    assert review.proposed_decision() == Decision.PUBLIC_WORKS
    review.scores.update(score=4)
    review.gates.filter(gate=Gate.LAND).update(passed=False)
    assert review.proposed_decision() == Decision.NOT_ELIGIBLE


def test_a_failed_gate_forces_not_eligible(team):
    project, review = to_review(team)
    fill(review)
    review.gates.filter(gate=Gate.LAND).update(passed=False)
    with pytest.raises(ValidationError, match="failed gate"):
        reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.NOT_ELIGIBLE)
    project.refresh_from_db()
    assert project.status == Status.NOT_ELIGIBLE


def test_a_decision_needs_every_gate_commented_every_criterion_scored_and_a_summary(team):
    project, review = to_review(team)
    with pytest.raises(ValidationError) as error:
        reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    text = " ".join(error.value.messages)
    assert "G1" in text and "comment" in text and "S11" in text and "summary" in text
    assert Project.objects.get(pk=project.pk).status == Status.IN_REVIEW


def test_changing_a_weight_does_not_rewrite_past_reviews(team):
    project, review = to_review(team)
    fill(review, score=2)
    review.scores.filter(criterion__code="S1").update(score=4)
    before = review.compute_score()
    reviews.review_decide(
        review=review, user=team["committee"], decision=Decision.NEEDS_INFORMATION
    )
    ScreeningCriterion.objects.filter(code="S1").update(weight=20)
    review.refresh_from_db()
    assert review.compute_score() == before == review.score
    # A new review is scored with the new weight.
    services.project_submit(project=project, user=team["focal"])
    newer = reviews.review_open(project=project, user=team["committee2"])
    assert newer.scores.get(criterion__code="S1").weight == 20


def test_needs_information_goes_back_to_the_municipality_and_can_be_resubmitted(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(
        review=review, user=team["committee"], decision=Decision.NEEDS_INFORMATION
    )
    project.refresh_from_db()
    assert project.status == Status.NEEDS_INFORMATION
    services.project_submit(project=project, user=team["focal"])
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_a_committee_member_cannot_review_a_project_they_submitted_or_edited_last(team):
    project = ProjectFactory(last_edited_by=team["committee"])
    services.project_submit(project=project, user=team["editor"])
    with pytest.raises(PermissionDenied):
        reviews.review_open(project=project, user=team["committee"])
    review = reviews.review_open(project=project, user=team["committee2"])
    fill(review)
    with pytest.raises(PermissionDenied):
        reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    reviews.review_decide(review=review, user=team["committee2"], decision=Decision.ELIGIBLE_PPP)


@pytest.mark.parametrize(
    "role, call",
    [
        ("focal", lambda p, u: services.project_publish(project=p, user=u)),
        ("committee", lambda p, u: services.project_publish(project=p, user=u)),
        ("focal", lambda p, u: services.project_withdraw(project=p, user=u, reason="x")),
        ("editor", lambda p, u: reviews.review_open(project=p, user=u)),
        ("focal", lambda p, u: reviews.review_open(project=p, user=u)),
        ("committee", lambda p, u: services.project_submit(project=p, user=u)),
        ("other_focal", lambda p, u: services.project_submit(project=p, user=u)),
    ],
)
def test_a_role_without_the_right_is_refused_and_nothing_changes(team, role, call):
    project = ProjectFactory(status=Status.ELIGIBLE)
    if role == "other_focal":
        project = ProjectFactory()
    before = snapshot(project)
    with pytest.raises(PermissionDenied):
        call(project, team[role])
    assert snapshot(project) == before


def test_the_history_records_old_and_new_values_of_a_transition_and_a_review(team):
    project, review = to_review(team)
    fill(review)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    latest, previous = project.history.all()[:2]
    delta = latest.diff_against(previous)
    change = next(c for c in delta.changes if c.field == "status")
    assert (change.old, change.new) == (Status.IN_REVIEW, Status.ELIGIBLE)
    assert latest.history_user == team["committee"]
    review_history = review.history.first()
    assert review_history.decision == Decision.ELIGIBLE_PPP
    assert review_history.history_user == team["committee"]
    decided, before = review.history.all()[:2]
    assert any(c.field == "decision" for c in decided.diff_against(before).changes)


def test_a_published_project_shows_its_outcome_but_never_internal_comments(client, team):
    project, review = to_review(team)
    fill(review, summary="Le comité recommande un contrat de PPP.")
    review.internal_notes = "NOTE-INTERNE-CONFIDENTIELLE"
    review.save()
    review.gates.update(comment="COMMENTAIRE-DE-PORTE")
    review.scores.update(comment="COMMENTAIRE-DE-CRITERE")
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    services.project_publish(project=project, user=team["editor"])
    page = client.get(project.get_absolute_url()).text
    assert "Le comité recommande un contrat de PPP." in page
    assert "100,0 / 100" in page or "100.0 / 100" in page
    for secret in ("NOTE-INTERNE", "COMMENTAIRE-DE-PORTE", "COMMENTAIRE-DE-CRITERE"):
        assert secret not in page


def test_the_municipality_status_is_its_latest_decided_review(client, team):
    from caravan.choices import ProgrammeDecision
    from caravan.models import MunicipalityReview
    from caravan.services import municipality_review_decide, municipality_review_prepare
    from municipalities.models import Municipality

    gabes = Municipality.objects.get(code="5111")
    url = gabes.get_absolute_url()
    assert "has not been reviewed yet" in client.get("/en" + url[3:]).text
    first = municipality_review_prepare(
        review=MunicipalityReview(municipality=gabes), user=team["committee"]
    )
    first.gates.update(passed=False)
    first.gates.filter(gate__in=["application", "council"]).update(passed=True)
    first.dimension_scores.update(band=3)
    first.public_summary_fr = "Éligible sous conditions : périmètre à désigner."
    first.internal_notes = "SECRET-DU-COMITE"
    first.save()
    with pytest.raises(ValidationError, match="every programme gate"):
        municipality_review_decide(
            review=first, user=team["committee"], decision=ProgrammeDecision.ELIGIBLE
        )
    municipality_review_decide(
        review=first, user=team["committee"], decision=ProgrammeDecision.CONDITIONAL
    )
    second = municipality_review_prepare(
        review=MunicipalityReview(municipality=gabes), user=team["committee"]
    )
    assert second.version == 2 and second.dimension_scores.count() == 6
    # An undecided newer review does not change the status.
    assert MunicipalityReview.objects.current_for(gabes) == first
    page = client.get(url).text
    # French typography on French pages: a no-break space before the colon.
    assert "Éligible sous conditions\u00a0: périmètre à désigner." in page
    assert "SECRET-DU-COMITE" not in page
    with pytest.raises(PermissionDenied):
        municipality_review_decide(
            review=second, user=team["focal"], decision=ProgrammeDecision.ELIGIBLE
        )
