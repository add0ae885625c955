"""factory_boy factories of the main models, and of the files tests upload.

They build on the shipped reference data, loaded once per run (``tests/conftest.py``):
the 24 governorates, the 350 municipalities, the 2020 caravan edition, the ministries,
the dimensions, the sectors and the screening criteria. A factory that needs one of them
takes a loaded row (Gabès, 5111, by default); a factory of a reference model creates a
new row with codes that no loaded row uses.

Factories write rows, not workflow steps: a ``ProjectReviewFactory(decided=True)`` is a
decided review in the database, not the committee deciding it (for that, use the services
as ``tests.helpers.to_review`` does).
"""

from datetime import date, timedelta

import factory
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from caravan.choices import ProgrammeDecision
from caravan.models import (
    Dimension,
    DimensionScore,
    Edition,
    Ministry,
    MunicipalityReview,
    ReferenceExperience,
    Stop,
)
from catalogue.models import (
    Project,
    ProjectReview,
    ReviewScore,
    ScreeningCriterion,
    Sector,
    Source,
)
from catalogue.register.choices import DatePrecision, Decision, SourceKind, Status
from catalogue.register.roles import COMMITTEE, EDITOR, FOCAL_POINT
from municipalities.models import FocalPoint, Governorate, Municipality

PASSWORD = "x" * 16  # what every factory user logs in with


# Territory ------------------------------------------------------------------------------


def governorate(code_ins="51"):
    """A loaded governorate by its INS code (Gabès by default)."""
    return Governorate.objects.get(code_ins=code_ins)


def municipality(code="5111"):
    """A loaded municipality by its DGCL code (Gabès by default)."""
    return Municipality.objects.get(code=code)


def _free_governorate_codes():
    """An INS and an ISO code that no governorate uses (the loaded ones take 24 of each)."""
    used_ins = set(Governorate.objects.values_list("code_ins", flat=True))
    used_iso = set(Governorate.objects.values_list("code_iso", flat=True))
    ins = next(f"{a}{b}" for a in "654321" for b in "7654321" if f"{a}{b}" not in used_ins)
    iso = next(f"TN-{a}{b}" for a in "87654321" for b in "4321" if f"TN-{a}{b}" not in used_iso)
    return ins, iso


def _free_municipality_code(governorate):
    """The last DGCL code of the governorate that no municipality uses."""
    used = set(Municipality.objects.values_list("code", flat=True))
    return next(
        f"{governorate.code_ins}{n}"
        for n in range(49, 10, -1)
        if f"{governorate.code_ins}{n}" not in used
    )


class GovernorateFactory(factory.django.DjangoModelFactory):
    """A new governorate, with codes no loaded one uses (its outline is not on the map)."""

    class Meta:
        model = Governorate

    code_ins = factory.LazyFunction(lambda: _free_governorate_codes()[0])
    code_iso = factory.LazyFunction(lambda: _free_governorate_codes()[1])
    name_fr = factory.Sequence(lambda n: f"Gouvernorat d'essai {n}")
    name_ar = factory.Sequence(lambda n: f"ولاية تجريبية {n}")
    name_en = factory.Sequence(lambda n: f"Test governorate {n}")
    slug = factory.Sequence(lambda n: f"gouvernorat-essai-{n}")
    latitude = None
    longitude = None


class MunicipalityFactory(factory.django.DjangoModelFactory):
    """A new municipality of a loaded governorate (Gabès), with a free DGCL code."""

    class Meta:
        model = Municipality

    governorate = factory.LazyFunction(governorate)
    code = factory.LazyAttribute(lambda o: _free_municipality_code(o.governorate))
    name_fr = factory.Sequence(lambda n: f"Commune d'essai {n}")
    name_ar = factory.Sequence(lambda n: f"بلدية تجريبية {n}")
    slug = factory.Sequence(lambda n: f"commune-essai-{n}")
    population_2014 = 12000
    latitude = None
    longitude = None


# Users and roles -----------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    """A user of the public site (no admin access)."""

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.tn")
    password = factory.django.Password(PASSWORD)


def _add_role(user, create, role):
    if create and role:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))


class StaffFactory(UserFactory):
    """A staff user, in the role given as ``role=`` (a group of catalogue.register.roles)."""

    is_staff = True
    username = factory.Sequence(lambda n: f"staff{n}")
    role = factory.PostGeneration(
        lambda user, create, role, **kwargs: _add_role(user, create, role)
    )


class SuperuserFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"root{n}")
    is_superuser = True


class EditorFactory(StaffFactory):
    """A ministry editor: edits reference data and projects, publishes and withdraws."""

    username = factory.Sequence(lambda n: f"editor{n}")
    role = factory.PostGeneration(lambda user, create, _, **kwargs: _add_role(user, create, EDITOR))


class CommitteeMemberFactory(StaffFactory):
    """A member of the eligibility committee: opens and decides reviews."""

    username = factory.Sequence(lambda n: f"committee{n}")
    role = factory.PostGeneration(
        lambda user, create, _, **kwargs: _add_role(user, create, COMMITTEE)
    )


class FocalPointUserFactory(StaffFactory):
    """A municipal focal point, of the municipality given as ``municipality=`` (a
    Municipality or a DGCL code; Gabès by default). ``municipality=False``: of none."""

    username = factory.Sequence(lambda n: f"focal{n}")
    role = factory.PostGeneration(
        lambda user, create, _, **kwargs: _add_role(user, create, FOCAL_POINT)
    )

    @factory.post_generation
    def municipality(user, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        if not isinstance(extracted, Municipality):
            extracted = municipality(extracted or "5111")
        FocalPoint.objects.create(user=user, municipality=extracted)


class FocalPointFactory(factory.django.DjangoModelFactory):
    """The link between a user and the municipality they speak for."""

    class Meta:
        model = FocalPoint

    user = factory.SubFactory(StaffFactory, role=FOCAL_POINT)
    municipality = factory.LazyFunction(municipality)


# Caravan -------------------------------------------------------------------------------


def _next(model, field, **filters):
    return (model.objects.filter(**filters).aggregate(last=Max(field))["last"] or 0) + 1


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ministry

    acronym = factory.Sequence(lambda n: f"MTST{n}")
    slug = factory.LazyAttribute(lambda o: o.acronym.lower())
    name_fr = factory.Sequence(lambda n: f"Ministère d'essai {n}")
    name_ar = factory.Sequence(lambda n: f"وزارة تجريبية {n}")
    name_en = factory.Sequence(lambda n: f"Test ministry {n}")
    display_order = 50


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension

    code = factory.Sequence(lambda n: f"test{n}")
    name_fr = factory.Sequence(lambda n: f"Dimension d'essai {n}")
    name_ar = factory.Sequence(lambda n: f"بعد تجريبي {n}")
    name_en = factory.Sequence(lambda n: f"Test dimension {n}")
    display_order = 50


class EditionFactory(factory.django.DjangoModelFactory):
    """The next edition of the caravan (the loaded one is number 2, in 2020)."""

    class Meta:
        model = Edition
        skip_postgeneration_save = True

    number = factory.LazyFunction(lambda: _next(Edition, "number"))
    year = factory.LazyAttribute(lambda o: 2018 + o.number)
    theme_fr = factory.Sequence(lambda n: f"Édition d'essai {n}")
    theme_ar = factory.Sequence(lambda n: f"دورة تجريبية {n}")
    start_date = factory.LazyAttribute(lambda o: date(o.year, 3, 9))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=7))

    @factory.post_generation
    def ministries(edition, create, extracted, **kwargs):
        if create and extracted:
            edition.ministries.set(extracted)


class StopFactory(factory.django.DjangoModelFactory):
    """The next stop of an edition (a new one by default), at a loaded municipality that
    is not yet one of its stops."""

    class Meta:
        model = Stop

    edition = factory.SubFactory(EditionFactory)
    order = factory.LazyAttribute(lambda o: _next(Stop, "order", edition=o.edition))
    municipality = factory.LazyAttribute(
        lambda o: (
            Municipality.objects.exclude(caravan_stops__edition=o.edition).order_by("code").first()
        )
    )


class ReferenceExperienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferenceExperience

    name_fr = factory.Sequence(lambda n: f"Expérience d'essai {n}")
    slug = factory.Sequence(lambda n: f"experience-essai-{n}")
    municipality = factory.LazyFunction(municipality)


def _add_gates(review, *, passed):
    """The review's gate rows, one per gate of its kind: not checked yet, or all passed
    and commented."""
    gate_model = review.gates.model
    bulk_create_with_history(
        [
            gate_model(
                review=review,
                gate=gate,
                passed=True if passed else None,
                comment="Vérifié sur pièces." if passed else "",
            )
            for gate, _label in gate_model._meta.get_field("gate").choices
        ],
        gate_model,
    )


class MunicipalityReviewFactory(factory.django.DjangoModelFactory):
    """The next review of a municipality (Gabès), with its gates (not checked yet) and a
    score row per dimension (not banded yet), as the committee opens it.

    ``dimension_scores=3`` bands every dimension; ``decided=True`` is an "eligible"
    decision with every gate passed, every dimension banded 3 and a public summary.
    """

    class Meta:
        model = MunicipalityReview
        skip_postgeneration_save = True

    municipality = factory.LazyFunction(municipality)
    version = factory.LazyAttribute(
        lambda o: _next(MunicipalityReview, "version", municipality=o.municipality)
    )
    reviewer = factory.SubFactory(CommitteeMemberFactory)

    class Params:
        decided = factory.Trait(
            decision=ProgrammeDecision.ELIGIBLE,
            decided_by=factory.SelfAttribute("reviewer"),
            decided_at=factory.LazyFunction(timezone.now),
            public_summary_fr="Commune éligible au programme.",
        )

    @factory.post_generation
    def dimension_scores(review, create, band, **kwargs):
        if not create:
            return
        _add_gates(review, passed=bool(review.decision))
        band = band or (3 if review.decision else None)
        bulk_create_with_history(
            [
                DimensionScore(review=review, dimension=dimension, band=band)
                for dimension in Dimension.objects.all()
            ],
            DimensionScore,
        )


# Catalogue -----------------------------------------------------------------------------


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector

    code = factory.Sequence(lambda n: f"test.sector{n}")
    name_fr = factory.Sequence(lambda n: f"Secteur d'essai {n}")
    name_ar = factory.Sequence(lambda n: f"قطاع تجريبي {n}")
    name_en = factory.Sequence(lambda n: f"Test sector {n}")
    display_order = 50


class SourceFactory(factory.django.DjangoModelFactory):
    """A press article dated by its month; ``projects=[...]`` links it to projects."""

    class Meta:
        model = Source
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article d'essai {n}")
    publisher = "La Presse"
    kind = SourceKind.PRESS_ARTICLE
    date = date(2024, 6, 1)
    date_precision = DatePrecision.MONTH
    url = factory.Sequence(lambda n: f"https://www.example.tn/articles/{n}")

    @factory.post_generation
    def projects(source, create, extracted, **kwargs):
        # From the project's side: its history records its sources.
        if create:
            for project in extracted or ():
                project.sources.add(source)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    reference = factory.Sequence(lambda n: f"TST-2025-{n + 1:03d}")
    title_fr = factory.Sequence(lambda n: f"Projet d'essai {n}")
    title_ar = factory.Sequence(lambda n: f"مشروع تجريبي {n}")
    summary_fr = "Un projet créé pour les tests."
    municipality = factory.LazyFunction(municipality)
    sector = factory.LazyFunction(lambda: Sector.objects.get(code="energy.solar"))
    status = Status.DRAFT

    class Params:
        published = factory.Trait(
            status=Status.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )


class ProjectReviewFactory(factory.django.DjangoModelFactory):
    """The next review of a project in review, with its gates and its criteria (at their
    current weights) to fill in, as the committee opens it.

    ``decided=True``: every gate passed and commented, every criterion scored 4, the
    weighted score stored, decided "eligible as a PPP contract" (the project's status is
    left to the caller).
    """

    class Meta:
        model = ProjectReview
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory, status=Status.IN_REVIEW)
    version = factory.LazyAttribute(lambda o: _next(ProjectReview, "version", project=o.project))
    reviewer = factory.SubFactory(CommitteeMemberFactory)

    class Params:
        decided = factory.Trait(
            decision=Decision.ELIGIBLE_PPP,
            decided_by=factory.SelfAttribute("reviewer"),
            decided_at=factory.LazyFunction(timezone.now),
            public_summary_fr="Projet éligible.",
        )

    @factory.post_generation
    def gates_and_scores(review, create, extracted, **kwargs):
        if not create:
            return
        decided = bool(review.decision)
        _add_gates(review, passed=decided)
        bulk_create_with_history(
            [
                ReviewScore(
                    review=review,
                    criterion=criterion,
                    weight=criterion.weight,
                    score=4 if decided else None,
                )
                for criterion in ScreeningCriterion.objects.filter(is_active=True)
            ],
            ReviewScore,
        )
        if decided:
            review.score = review.compute_score()
            review.save(update_fields=["score"])


# Files ---------------------------------------------------------------------------------


def image_file(name="photo.png", size=(800, 600), color=(30, 120, 140), fmt="PNG"):
    """A real image file made with Pillow."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def pdf_file(name="etude.pdf"):
    """A (minimal) PDF file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF", content_type="application/pdf")
