from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from municipalities.models import Municipality
from smartcities.fields import translated


class Ministry(models.Model):
    """A ministry taking part in the national smart and sustainable cities programme."""

    name = translated(models.CharField(_("name"), max_length=200), required=("fr", "ar"))
    acronym = models.CharField(_("acronym"), max_length=20, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    website = models.URLField(_("website"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")
        ordering = ["display_order", "slug"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("caravan:ministry_detail", kwargs={"slug": self.slug})


class Dimension(models.Model):
    """One of the six smart-city dimensions (Giffinger et al., 2007)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = translated(models.CharField(_("name"), max_length=100), required=("fr", "ar"))
    description = translated(models.TextField(_("description"), blank=True), required=())
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("smart-city dimension")
        verbose_name_plural = _("smart-city dimensions")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name


class EditionQuerySet(models.QuerySet):
    def latest_first(self):
        """Editions, most recent first."""
        return self.order_by("-number")


class Edition(models.Model):
    """One tour of the "Tunisian Smart Cities" caravan."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    theme = translated(models.CharField(_("theme"), max_length=200), required=("fr",))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    description = translated(models.TextField(_("description"), blank=True), required=())
    ministries = models.ManyToManyField(
        Ministry, blank=True, related_name="editions", verbose_name=_("partner ministries")
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("caravan edition")
        verbose_name_plural = _("caravan editions")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="edition_ends_after_start",
                violation_error_message=_("An edition cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_positive"),
        ]

    def __str__(self):
        return _("Edition %(number)s (%(year)s)") % {"number": self.number, "year": self.year}

    def get_absolute_url(self):
        return reverse("caravan:edition_detail", kwargs={"number": self.number})


class Stop(models.Model):
    """A municipality the caravan visited during an edition, in the order of the tour."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="stops", verbose_name=_("edition")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="caravan_stops",
        verbose_name=_("municipality"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    date = models.DateField(_("date"), null=True, blank=True)
    summary = translated(models.TextField(_("summary"), blank=True), required=())

    class Meta:
        verbose_name = _("caravan stop")
        verbose_name_plural = _("caravan stops")
        ordering = ["edition__number", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "order"],
                name="stop_unique_order_in_edition",
                violation_error_message=_("Two stops of an edition cannot share an order."),
            ),
            models.UniqueConstraint(
                fields=["edition", "municipality"],
                name="stop_unique_municipality_in_edition",
                violation_error_message=_("This municipality is already a stop of the edition."),
            ),
            models.CheckConstraint(condition=Q(order__gte=1), name="stop_order_positive"),
        ]

    def __str__(self):
        return _("%(edition)s, stop %(order)s: %(municipality)s") % {
            "edition": self.edition,
            "order": self.order,
            "municipality": self.municipality,
        }


class ReferenceExperience(models.Model):
    """A smart-city experience shown to the municipalities as an example during the caravan."""

    name = translated(models.CharField(_("name"), max_length=200), required=("fr",))
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="reference_experiences",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
    )
    description = translated(models.TextField(_("description"), blank=True), required=())
    website = models.URLField(_("website"), blank=True)
    editions = models.ManyToManyField(
        Edition,
        blank=True,
        related_name="reference_experiences",
        verbose_name=_("presented during"),
    )

    class Meta:
        verbose_name = _("reference experience")
        verbose_name_plural = _("reference experiences")
        ordering = ["slug"]

    def __str__(self):
        return self.name
