"""The factories make rows that the models' own validation accepts, and users whose
permissions are those of their role."""

import pytest

from caravan.choices import ProgrammeDecision, ProgrammeGate
from caravan.models import Dimension, MunicipalityReview
from catalogue.register.choices import Decision, Status
from tests import factories

pytestmark = pytest.mark.django_db

MODEL_FACTORIES = [
    factories.GovernorateFactory,
    factories.MunicipalityFactory,
    factories.MinistryFactory,
    factories.DimensionFactory,
    factories.EditionFactory,
    factories.StopFactory,
    factories.ReferenceExperienceFactory,
    factories.SectorFactory,
    factories.SourceFactory,
    factories.ProjectFactory,
    factories.ProjectReviewFactory,
    factories.MunicipalityReviewFactory,
]


@pytest.mark.parametrize("factory", MODEL_FACTORIES, ids=lambda f: f.__name__)
def test_two_rows_of_each_factory_pass_full_validation(factory):
    first, second = factory.create_batch(2)
    for row in (first, second):
        row.full_clean()
    assert first.pk != second.pk


def test_new_territory_rows_take_free_codes_of_their_governorate():
    governorate = factories.GovernorateFactory()
    assert factories.GovernorateFactory().code_ins != governorate.code_ins
    first, second = factories.MunicipalityFactory.create_batch(2, governorate=governorate)
    assert first.code[:2] == second.code[:2] == governorate.code_ins
    assert first.code != second.code


def test_stops_follow_each_other_in_a_new_edition():
    edition = factories.EditionFactory()
    assert (edition.number, edition.year) == (3, 2021)
    stops = factories.StopFactory.create_batch(3, edition=edition)
    assert [s.order for s in stops] == [1, 2, 3]
    assert len({s.municipality_id for s in stops}) == 3


@pytest.mark.parametrize(
    "factory, allowed, refused",
    [
        (factories.UserFactory, [], ["catalogue.view_project"]),
        (factories.StaffFactory, [], ["catalogue.view_project"]),
        (factories.EditorFactory, ["catalogue.publish_project"], ["catalogue.review_project"]),
        (
            factories.CommitteeMemberFactory,
            ["catalogue.decide_projectreview", "caravan.decide_municipalityreview"],
            ["catalogue.publish_project"],
        ),
        (
            factories.FocalPointUserFactory,
            ["catalogue.submit_project"],
            ["catalogue.publish_project", "catalogue.review_project"],
        ),
        (factories.SuperuserFactory, ["catalogue.publish_project"], []),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_users_have_the_permissions_of_their_role(client, factory, allowed, refused):
    user = factory()
    assert all(user.has_perm(p) for p in allowed)
    assert not any(user.has_perm(p) for p in refused)
    assert user.check_password(factories.PASSWORD)
    client.force_login(user)
    assert client.get("/admin/").status_code == (200 if user.is_staff else 302)


def test_a_focal_point_speaks_for_the_municipality_given():
    assert factories.FocalPointUserFactory().focal_point.municipality.code == "5111"
    sfax = factories.FocalPointUserFactory(municipality="3411")
    assert sfax.focal_point.municipality.code == "3411"
    assert not hasattr(factories.FocalPointUserFactory(municipality=False), "focal_point")
    assert factories.StaffFactory(role=factories.FOCAL_POINT).groups.get().name == (
        factories.FOCAL_POINT
    )


def test_a_project_review_is_opened_with_its_gates_and_criteria_to_fill():
    review = factories.ProjectReviewFactory()
    assert review.project.status == Status.IN_REVIEW
    assert review.version == 1 and not review.is_decided
    assert review.gates.count() > 0 and not review.gates.exclude(passed=None).exists()
    assert review.scores.count() > 0 and not review.scores.exclude(score=None).exists()
    assert factories.ProjectReviewFactory(project=review.project).version == 2


def test_a_decided_project_review_is_complete_and_eligible():
    review = factories.ProjectReviewFactory(decided=True)
    assert review.decision == Decision.ELIGIBLE_PPP and review.decided_at
    assert review.decided_by == review.reviewer
    assert not review.gates.exclude(passed=True).exists()
    assert review.score == 100
    assert review.proposed_decision() == Decision.ELIGIBLE_PPP


def test_a_municipality_review_is_opened_with_its_gates_and_dimensions_to_fill():
    review = factories.MunicipalityReviewFactory()
    assert review.municipality.code == "5111" and review.version == 1
    assert review.gates.count() == len(ProgrammeGate.values)
    assert not review.gates.exclude(passed=None).exists()
    assert review.dimension_scores.count() == Dimension.objects.count()
    assert review.average_band() is None
    banded = factories.MunicipalityReviewFactory(dimension_scores=2)
    assert (banded.version, banded.average_band()) == (2, 2)


@pytest.mark.usefixtures("english")
def test_a_decided_municipality_review_is_the_municipalitys_status():
    review = factories.MunicipalityReviewFactory(decided=True)
    assert review.decision == ProgrammeDecision.ELIGIBLE and review.decided_at
    assert review.gates_passed() and review.average_band() == 3
    assert review.decision_errors(ProgrammeDecision.ELIGIBLE) == [
        "This review is already decided; open a new review to change it."
    ]
    assert MunicipalityReview.objects.current_for(review.municipality) == review


def test_a_source_cites_the_projects_given():
    projects = factories.ProjectFactory.create_batch(2)
    source = factories.SourceFactory(projects=projects)
    assert set(source.projects.all()) == set(projects)
    assert source.iso_date == "2024-06"
