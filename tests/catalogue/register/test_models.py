"""Model rules: who is public, and what the database refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue.models import Project, ProjectDocument
from catalogue.register.choices import ContractModel, ContractSubtype, Stage, Status
from municipalities.models import Municipality
from smartcities.core.fields import UploadTo
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_public_returns_published_projects_only():
    published = ProjectFactory(published=True)
    hidden = [
        ProjectFactory(status=status)
        for status in Status.values
        if status != Status.PUBLISHED and status != Status.WITHDRAWN
    ]
    hidden.append(ProjectFactory(status=Status.WITHDRAWN, withdrawn_reason="Abandoned"))
    public = set(Project.objects.public().values_list("pk", flat=True))
    assert published.pk in public
    assert public.isdisjoint({p.pk for p in hidden})
    assert public == set(
        Project.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True)
    )


def test_public_documents_are_public_files_of_public_projects():
    draft = ProjectFactory()
    published = ProjectFactory(published=True)
    visible = ProjectDocument.objects.create(project=published, title_fr="Étude", is_public=True)
    ProjectDocument.objects.create(project=published, title_fr="Note interne", is_public=False)
    ProjectDocument.objects.create(project=draft, title_fr="Étude", is_public=True)
    assert list(ProjectDocument.objects.public()) == [visible]


@pytest.mark.parametrize(
    "fields",
    [
        {"investment_tnd": Decimal("-1")},
        {"land_area_ha": Decimal("-0.5")},
        {"duration_years": 0},
        {"duration_years": 120},
        {"status": Status.WITHDRAWN, "withdrawn_reason": ""},
        {"status": Status.PUBLISHED, "published_at": None},
        {"latitude": Decimal("48.85"), "longitude": Decimal("2.35")},
        {"latitude": Decimal("34.0"), "longitude": None},
    ],
    ids=[
        "negative-investment",
        "negative-area",
        "zero-duration",
        "century-duration",
        "withdrawn-without-reason",
        "published-without-date",
        "point-outside-tunisia",
        "half-a-point",
    ],
)
def test_the_database_rejects_a_bad_project_row(fields):
    project = ProjectFactory()
    Project.objects.filter(pk=project.pk).update(**{"investment_tnd": None})  # a valid row
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(**fields)


def test_project_references_are_unique():
    ProjectFactory(reference="XYZ-2024-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(reference="XYZ-2024-001")


def test_validation_explains_a_bad_reference_and_a_misplaced_subtype():
    project = ProjectFactory.build(
        reference="gabes-1",
        contract_model=ContractModel.PUBLIC_WORKS,
        contract_subtype=ContractSubtype.BOT,
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert set(error.value.message_dict) >= {"reference", "contract_subtype"}


def test_a_valid_project_passes_full_validation_and_falls_back_to_its_municipality_point():
    project = ProjectFactory.build(
        contract_model=ContractModel.CONCESSION,
        contract_subtype=ContractSubtype.BOT,
        stage=Stage.ANNOUNCED,
        investment_tnd=Decimal("12500000.500"),
    )
    project.full_clean()
    project.save()
    gabes = Municipality.objects.get(code="5111")
    assert project.point == (gabes.latitude, gabes.longitude)
    assert project.stage_position == 3


def test_content_falls_back_to_french_when_a_translation_is_missing():
    from django.utils import translation

    project = ProjectFactory(title_fr="Parc solaire", title_ar="", title_en="")
    with translation.override("ar"):
        assert project.title == "Parc solaire"
    project.title_ar = "حديقة شمسية"
    with translation.override("ar"):
        assert project.title == "حديقة شمسية"
    with translation.override("en"):
        assert Municipality.objects.get(code="5111").name == "Gabès"


def test_uploads_get_generated_names_whatever_they_were_called():
    upload_to = UploadTo("projects/images")
    name = upload_to(None, "../../settings.py.PNG")
    assert name.startswith("projects/images/") and name.endswith(".png")
    assert ".." not in name and "settings" not in name
    assert upload_to(None, "photo.exe").endswith(".bin")


def test_updated_at_moves_on_save():
    project = ProjectFactory()
    before = project.updated_at
    project.title_fr = "Nouveau titre"
    project.save()
    assert project.updated_at > before
    assert project.updated_at <= timezone.now()


def test_a_gallery_photo_gets_a_small_upright_thumbnail():
    from PIL import Image

    from tests.factories import image_file

    project = ProjectFactory()
    photo = project.images.create(image=image_file(size=(3000, 2000)), caption_fr="Vue")
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == (640, 427)
    first = photo.thumbnail.name
    photo.caption_fr = "Vue générale"
    photo.save()
    assert photo.thumbnail.name == first, "an unchanged photo keeps its thumbnail"
    photo.image = image_file(size=(400, 800))
    photo.save()
    assert photo.thumbnail.name != first
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.size == (240, 480)
