"""factory_boy factories. They build on the shipped reference data (loaded once per run)."""

import factory
from django.utils import timezone

from catalogue.models import Project, Sector
from catalogue.register.choices import Status
from municipalities.models import Municipality


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    reference = factory.Sequence(lambda n: f"TST-2025-{n + 1:03d}")
    title_fr = factory.Sequence(lambda n: f"Projet d'essai {n}")
    title_ar = factory.Sequence(lambda n: f"مشروع تجريبي {n}")
    summary_fr = "Un projet créé pour les tests."
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="5111"))
    sector = factory.LazyFunction(lambda: Sector.objects.get(code="energy.solar"))
    status = Status.DRAFT

    class Params:
        published = factory.Trait(
            status=Status.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )


def image_file(name="photo.png", size=(800, 600), color=(30, 120, 140), fmt="PNG"):
    """A real image file made with Pillow."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
