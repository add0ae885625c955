"""The review machine shared by the project screening and the municipality review
(``smartcities.core.reviews``): one dated-decision rule, the same reads, the same decide
skeleton (permission, lock, independence, gates, history) for both kinds of review."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from caravan.choices import ProgrammeDecision
from caravan.models import MunicipalityReview
from caravan.services import municipality_review_decide, municipality_review_prepare
from catalogue.models import ProjectReview
from catalogue.register import reviews, services
from catalogue.register.choices import Decision, Status
from catalogue.register.roles import COMMITTEE
from municipalities.models import Municipality
from smartcities.core.reviews import review_lock_undecided
from tests.factories import ProjectFactory
from tests.helpers import fill, to_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# Both kinds of review, ready to be decided, and how each is decided -----------------


def ready_project_review(team):
    _project, review = to_review(team)
    fill(review)
    return review


def ready_municipality_review(team):
    review = municipality_review_prepare(
        review=MunicipalityReview(municipality=Municipality.objects.get(code="5111")),
        user=team["committee"],
    )
    review.gates.update(passed=True)
    review.dimension_scores.update(band=3)
    review.public_summary_fr = "Commune éligible."
    review.save()
    return review


KINDS = {
    "project": (
        ready_project_review,
        lambda review, user: reviews.review_decide(
            review=review, user=user, decision=Decision.ELIGIBLE_PPP
        ),
    ),
    "municipality": (
        ready_municipality_review,
        lambda review, user: municipality_review_decide(
            review=review, user=user, decision=ProgrammeDecision.ELIGIBLE
        ),
    ),
}


@pytest.fixture(params=list(KINDS))
def kind(request):
    return KINDS[request.param]


# The dated-decision rule -------------------------------------------------------------


@pytest.mark.parametrize(
    "decided, dated", [(True, False), (False, True)], ids=["no-date", "no-decision"]
)
def test_a_decision_has_a_date_and_a_date_a_decision_in_the_database(team, kind, decided, dated):
    ready, _decide = kind
    review = ready(team)
    model = type(review)
    decision = model._meta.get_field("decision").choices[0][0] if decided else ""
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=review.pk).update(
            decision=decision, decided_at=timezone.now() if dated else None
        )
    # What the rule allows: neither, or both.
    first = model._meta.get_field("decision").choices[0][0]
    model.objects.filter(pk=review.pk).update(decision="", decided_at=None)
    model.objects.filter(pk=review.pk).update(decision=first, decided_at=timezone.now())
    assert model.objects.decided().filter(pk=review.pk).exists()


def test_the_decision_date_rule_is_named_after_each_review_table():
    names = {
        model: {c.name for c in model._meta.constraints}
        for model in (ProjectReview, MunicipalityReview)
    }
    assert "catalogue_projectreview_decision_dated" in names[ProjectReview]
    assert "caravan_municipalityreview_decision_dated" in names[MunicipalityReview]


# Reads ---------------------------------------------------------------------------------


def test_decided_undecided_and_current_read_the_same_way_for_both_kinds(team, kind):
    ready, decide = kind
    review = ready(team)
    model = type(review)
    subject = review.subject
    assert model.objects.current_for(subject) is None
    assert list(model.objects.undecided()) == [review]
    decide(review, team["committee2"])
    assert list(model.objects.decided()) == [review]
    assert model.objects.current_for(subject) == review
    assert not model.objects.undecided().exists()


def test_an_undecided_newer_project_review_does_not_change_the_outcome_but_is_the_latest(team):
    review = ready_project_review(team)
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.NOT_ELIGIBLE)
    newer = reviews.review_open(project=review.project, user=team["committee2"])
    assert ProjectReview.objects.current_for(review.project) == review
    assert ProjectReview.objects.outcome_for(review.project) == review
    assert list(ProjectReview.objects.latest_per_subject()) == [newer]
    assert list(ProjectReview.objects.latest_per_project()) == [newer]


# The decide skeleton ---------------------------------------------------------------------


def test_both_kinds_record_the_decision_its_author_date_and_history_the_same_way(team, kind):
    ready, decide = kind
    review = ready(team)
    before = timezone.now()
    decided = decide(review, team["committee2"])
    decided.refresh_from_db()
    assert decided.is_decided and decided.decided_by == team["committee2"]
    assert before <= decided.decided_at <= timezone.now()
    last = decided.history.latest()
    assert (last.decision, last.history_user) == (decided.decision, team["committee2"])


def test_both_kinds_refuse_a_second_decision_the_same_way(team, kind):
    ready, decide = kind
    review = ready(team)
    decide(review, team["committee"])
    with pytest.raises(ValidationError, match="already decided"):
        decide(review, team["committee2"])


def test_both_kinds_need_every_gate_checked_before_a_decision(team, kind):
    ready, decide = kind
    review = ready(team)
    review.gates.filter(pk=review.gates.first().pk).update(passed=None)
    with pytest.raises(ValidationError, match="Say whether gate") as refused:
        decide(review, team["committee"])
    assert len([m for m in refused.value.messages if "Say whether gate" in m]) == 1
    review.refresh_from_db()
    assert not review.is_decided and review.decided_at is None


def test_both_kinds_refuse_a_decision_that_a_failed_gate_does_not_allow(team, kind):
    ready, decide = kind
    review = ready(team)
    review.gates.filter(pk=review.gates.first().pk).update(passed=False)
    with pytest.raises(ValidationError):
        decide(review, team["committee"])
    assert not type(review).objects.get(pk=review.pk).is_decided


def test_both_kinds_need_the_decide_permission(team, kind):
    ready, decide = kind
    review = ready(team)
    with pytest.raises(PermissionDenied):
        decide(review, team["editor"])


def test_a_stale_copy_of_a_review_decided_meanwhile_is_refused_with_who_decided(team, kind):
    ready, decide = kind
    review = ready(team)
    stale = type(review).objects.get(pk=review.pk)
    decide(review, team["committee2"])
    with pytest.raises(ValidationError, match="decided meanwhile by committee2"):
        with transaction.atomic():
            review_lock_undecided(review=stale)


def test_the_project_lock_is_the_shared_machine_lock(team):
    review = ready_project_review(team)
    with transaction.atomic():
        assert reviews.review_lock_undecided(review=review) == review
    reviews.review_decide(review=review, user=team["committee"], decision=Decision.ELIGIBLE_PPP)
    with pytest.raises(ValidationError, match="decided meanwhile"), transaction.atomic():
        reviews.review_lock_undecided(review=review)


# Independence ----------------------------------------------------------------------------


def test_whoever_submitted_a_project_may_not_review_it(team, make_user):
    member = make_user("member_who_submits", COMMITTEE)
    member.user_permissions.add(Permission.objects.get(codename="submit_project"))
    member = type(member).objects.get(pk=member.pk)  # fresh permission caches
    project = ProjectFactory()
    services.project_submit(project=project, user=member)
    with pytest.raises(PermissionDenied, match="another committee member"):
        reviews.review_open(project=project, user=member)
    review = reviews.review_open(project=project, user=team["committee"])
    fill(review)
    with pytest.raises(PermissionDenied, match="another committee member"):
        reviews.review_decide(review=review, user=member, decision=Decision.ELIGIBLE_PPP)
    assert ProjectReview.objects.get(pk=review.pk).decision == ""
    assert type(project).objects.get(pk=project.pk).status == Status.IN_REVIEW


# What each score means --------------------------------------------------------------------


def test_each_shipped_criterion_says_what_each_score_means_in_each_language():
    from django.utils import translation

    from catalogue.models import ScreeningCriterion

    for criterion in ScreeningCriterion.objects.all():
        for language in ("fr", "ar", "en"):
            with translation.override(language):
                meanings = criterion.score_meanings()
            assert len(meanings) == 5
            assert meanings == getattr(criterion, f"scale_{language}").splitlines()


def test_a_criterion_scale_has_five_lines_or_none_and_none_shows_the_general_scale():
    from catalogue.models import ScreeningCriterion
    from catalogue.models.reviews import GENERIC_SCALE

    criterion = ScreeningCriterion(code="S99", name_fr="Essai", weight=1, scale_fr="a\nb\nc")
    with pytest.raises(ValidationError) as refused:
        criterion.full_clean()
    assert "scale_fr" in refused.value.message_dict
    criterion.scale_fr = ""
    criterion.full_clean()
    assert criterion.score_meanings() == [str(meaning) for meaning in GENERIC_SCALE]
