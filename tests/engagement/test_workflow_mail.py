"""Workflow e-mail: to the right people, each in their language, never twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from catalogue.engagement.models import Notice, Profile
from catalogue.engagement.workflow import send_transition_notice, send_verification_notices
from catalogue.models import Project, ProjectReview, ProjectTransition
from catalogue.register.choices import Decision, Status
from catalogue.register.services import project_submit
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shipped_projects_verified():
    """The shipped projects are confirmed current: only each test's own are due."""
    Project.objects.update(verified_at=timezone.now() + timedelta(days=100))


@pytest.fixture
def languages(team):
    Profile.objects.create(user=team["committee"], language="ar")
    Profile.objects.create(user=team["committee2"], language="en")
    Profile.objects.create(user=team["focal"], language="ar")
    return team


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_a_submitted_project_is_announced_to_the_reviewers_in_their_language(
    languages, django_capture_on_commit_callbacks
):
    team = languages
    project = ProjectFactory(
        title_fr="Bus électriques", title_ar="حافلات كهربائية", title_en="Electric buses"
    )
    with django_capture_on_commit_callbacks(execute=True):
        project_submit(project=project, user=team["focal"])

    sent = by_recipient()
    assert set(sent) == {team["committee"].email, team["committee2"].email}
    arabic, english = sent[team["committee"].email], sent[team["committee2"].email]
    assert arabic.extra_headers["Content-Language"] == "ar"
    assert "حافلات كهربائية" in arabic.body
    assert 'dir="rtl"' in arabic.alternatives[0].content
    assert english.extra_headers["Content-Language"] == "en"
    assert "Electric buses" in english.body and "submitted" in english.subject
    assert f"/admin/catalogue/project/{project.pk}/change/" in english.body
    assert Notice.objects.get().recipients == 2


def test_a_decision_is_sent_to_the_projects_focal_points_in_their_language(
    languages, django_capture_on_commit_callbacks
):
    team = languages
    project = ProjectFactory(status=Status.ELIGIBLE)
    ProjectReview.objects.create(
        project=project,
        version=1,
        reviewer=team["committee"],
        decision=Decision.ELIGIBLE_PPP,
        decided_by=team["committee2"],
        decided_at=timezone.now(),
        score=Decimal("72.5"),
        public_summary_fr="Le projet <b>répond</b> aux critères.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        transition = ProjectTransition.objects.create(
            project=project,
            from_status=Status.IN_REVIEW,
            to_status=Status.ELIGIBLE,
            user=team["committee2"],
        )

    [message] = mail.outbox
    assert message.to == [team["focal"].email]  # Gabès's, not Sfax's
    assert message.extra_headers["Content-Language"] == "ar"
    assert "مؤهَّل في إطار عقد شراكة" in message.body  # the decision, in Arabic
    with translation.override("ar"):
        assert f"{formats.localize(Decimal('72.5'))} / 100" in message.body
    assert "&lt;b&gt;répond&lt;/b&gt;" in message.alternatives[0].content
    # The same step again (a task run twice): nothing more.
    assert send_transition_notice(transition.pk) == 0
    assert len(mail.outbox) == 1


def test_other_steps_send_nothing(team, django_capture_on_commit_callbacks):
    project = ProjectFactory(published=True)
    with django_capture_on_commit_callbacks(execute=True):
        ProjectTransition.objects.create(
            project=project,
            from_status=Status.PUBLISHED,
            to_status=Status.WITHDRAWN,
            user=team["editor"],
            note="Abandonné",
        )
    assert mail.outbox == []


def test_a_project_due_for_verification_is_notified_then_reminded_after_two_weeks(languages):
    team = languages
    now = timezone.now()
    project = ProjectFactory(published=True, published_at=now - timedelta(days=400))

    assert send_verification_notices(now) == 1
    [first] = mail.outbox
    assert first.to == [team["focal"].email]
    assert project.reference in first.subject
    assert send_verification_notices(now + timedelta(days=3)) == 0  # not yet

    assert send_verification_notices(now + timedelta(days=15)) == 1
    reminder = mail.outbox[1]
    assert reminder.to == [team["focal"].email]
    assert reminder.subject != first.subject
    assert send_verification_notices(now + timedelta(days=40)) == 0  # once per cycle
    assert len(mail.outbox) == 2

    # Confirmed current: no longer due, nothing is sent.
    project.verified_at = now + timedelta(days=41)
    project.save()
    assert send_verification_notices(now + timedelta(days=42)) == 0


def test_a_municipality_without_focal_point_has_its_notices_sent_to_the_editors(team):
    from municipalities.models import Municipality

    sfax_less = Municipality.objects.exclude(code__in=["5111", "3411"]).first()
    ProjectFactory(
        published=True,
        municipality=sfax_less,
        published_at=timezone.now() - timedelta(days=400),
    )
    assert send_verification_notices() == 1
    assert mail.outbox[0].to == [team["editor"].email]
