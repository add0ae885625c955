from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from smartcities.core.collation import COLLATIONS
from smartcities.core.fields import (
    SafeImageField,
    UploadTo,
    latitude_field,
    longitude_field,
    point_in_tunisia_constraint,
    translated,
)

from .choices import MunicipalStatus2016

ins_governorate_code = RegexValidator(
    r"^[1-6][1-7]$", _("An INS governorate code has two digits, e.g. 51 for Gabès.")
)
iso_governorate_code = RegexValidator(r"^TN-[1-8][1-4]$", _("An ISO 3166-2 code looks like TN-81."))
dgcl_municipality_code = RegexValidator(
    r"^[1-6][1-7][1-4][0-9]$",
    _("A DGCL municipal code has four digits: the governorate's INS code, then 11 to 49."),
)


class Governorate(models.Model):
    """One of Tunisia's 24 governorates (wilayas)."""

    code_ins = models.CharField(
        _("INS code"), max_length=2, unique=True, validators=[ins_governorate_code]
    )
    code_iso = models.CharField(
        _("ISO 3166-2 code"), max_length=5, unique=True, validators=[iso_governorate_code]
    )
    name = translated(models.CharField(_("name"), max_length=100), required=("fr", "ar"))
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    population_2014 = models.PositiveIntegerField(
        _("population (2014 census)"), null=True, blank=True
    )
    population_2020 = models.PositiveIntegerField(
        _("population (2020 estimate)"), null=True, blank=True
    )
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    latitude = latitude_field(null=True, blank=True)
    longitude = longitude_field(null=True, blank=True)

    class Meta:
        verbose_name = _("governorate")
        verbose_name_plural = _("governorates")
        ordering = ["code_ins"]
        constraints = [
            point_in_tunisia_constraint("governorate_point_in_tunisia"),
            models.CheckConstraint(
                condition=models.Q(area_km2__gt=0) | models.Q(area_km2__isnull=True),
                name="governorate_area_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("municipalities:governorate_detail", kwargs={"slug": self.slug})


class MunicipalityQuerySet(models.QuerySet):
    def for_lists(self):
        """Municipalities with their governorate, ready for a list or a select box."""
        return self.select_related("governorate")


class Municipality(models.Model):
    """A commune (baladiya) as defined since the 2016 reform, keyed by its DGCL code."""

    code = models.CharField(
        _("DGCL code"),
        max_length=4,
        unique=True,
        validators=[dgcl_municipality_code],
        help_text=_("Official municipal code of the Ministry of Local Affairs (DGCL)."),
    )
    governorate = models.ForeignKey(
        Governorate,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("governorate"),
    )
    name = translated(
        models.CharField(_("name"), max_length=100), languages=("fr", "ar"), required=("fr", "ar")
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    status_2016 = models.CharField(
        _("status after the 2016 reform"),
        max_length=10,
        choices=MunicipalStatus2016,
        blank=True,
    )
    seats_2018 = models.PositiveSmallIntegerField(
        _("council seats (2018 election)"), null=True, blank=True
    )
    population_2014 = models.PositiveIntegerField(
        _("population (2014 census)"), null=True, blank=True
    )
    population_2020 = models.PositiveIntegerField(
        _("population (2020 estimate)"), null=True, blank=True
    )
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    latitude = latitude_field(null=True, blank=True)
    longitude = longitude_field(null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = translated(models.TextField(_("short description"), blank=True), required=())
    logo = SafeImageField(_("logo"), upload_to=UploadTo("municipalities/logos"), blank=True)

    objects = MunicipalityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        # "Mégrine" before "Mornag" on every database (pages in other languages sort with
        # smartcities.core.collation in their own order).
        ordering = [Collate("name_fr", COLLATIONS["fr"]), "code"]
        constraints = [
            point_in_tunisia_constraint("municipality_point_in_tunisia"),
            models.CheckConstraint(
                condition=models.Q(area_km2__gt=0) | models.Q(area_km2__isnull=True),
                name="municipality_area_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("municipalities:municipality_detail", kwargs={"slug": self.slug})


class FocalPoint(models.Model):
    """A user who speaks for one municipality (the "municipal focal point" role)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="focal_point",
        verbose_name=_("user"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="focal_points",
        verbose_name=_("municipality"),
    )

    class Meta:
        verbose_name = _("municipal focal point")
        verbose_name_plural = _("municipal focal points")

    def __str__(self):
        return f"{self.user} · {self.municipality}"
