from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from municipalities.models import FocalPoint, Municipality
from smartcities.core.fields import translated
from smartcities.core.reviews import AbstractReview, AbstractReviewGate

from .choices import IndicatorBand, ProgrammeDecision, ProgrammeGate


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


class MunicipalityReview(AbstractReview):
    """A versioned review of a municipality's eligibility for the programme.

    See docs/domain.md#municipality-eligibility-review. Its gates are
    ``MunicipalityReviewGate`` rows, its smart-city dimensions ``DimensionScore`` rows;
    the decision is taken through ``caravan.services.municipality_review_decide``.
    """

    subject_field = "municipality"
    decisions_if_a_gate_fails = (ProgrammeDecision.CONDITIONAL, ProgrammeDecision.NOT_ELIGIBLE)
    decide_refused = _("You may not decide municipality reviews.")
    independence_refused = _(
        "You are a focal point of this municipality: another committee member must review it."
    )

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="programme_reviews",
        verbose_name=_("municipality"),
    )
    decision = models.CharField(_("decision"), max_length=30, choices=ProgrammeDecision, blank=True)

    history = HistoricalRecords()

    class Meta(AbstractReview.Meta):
        verbose_name = _("municipality review")
        verbose_name_plural = _("municipality reviews")
        ordering = ["municipality", "-version"]
        permissions = [("decide_municipalityreview", _("Can decide a municipality review"))]
        constraints = [
            *AbstractReview.Meta.constraints,
            models.UniqueConstraint(
                fields=["municipality", "version"], name="municipality_review_unique_version"
            ),
        ]

    def __str__(self):
        return _("Programme review %(version)s of %(municipality)s") % {
            "version": self.version,
            "municipality": self.municipality,
        }

    def average_band(self):
        """Mean band (1–4) over the scored dimensions, or None."""
        bands = [s.band for s in self.dimension_scores.all() if s.band is not None]
        return round(sum(bands) / len(bands), 2) if bands else None

    # The review machine's hooks (smartcities.core.reviews).

    def is_independent_of(self, user) -> bool:
        """A focal point of the municipality does not review it."""
        return not FocalPoint.objects.filter(
            user_id=user.pk, municipality_id=self.municipality_id
        ).exists()

    def failed_gate_error(self, failed) -> str:
        return gettext(
            "Eligible needs every programme gate (failed: %(gates)s); "
            "consider “conditionally eligible”."
        ) % {"gates": ", ".join(gate.short_name for gate in failed)}

    def subject_errors(self, decision) -> list[str]:
        missing = [str(s.dimension) for s in self.dimension_scores.all() if s.band is None]
        if not missing:
            return []
        return [
            gettext("Band every dimension (missing: %(names)s).") % {"names": ", ".join(missing)}
        ]


class MunicipalityReviewGate(AbstractReviewGate):
    """One programme gate of a municipality review: passes, fails or not checked yet."""

    # The caravan's gates are facts to check; a comment is welcome, not required.
    comment_required = False

    review = models.ForeignKey(
        MunicipalityReview,
        on_delete=models.CASCADE,
        related_name="gates",
        verbose_name=_("review"),
    )
    gate = models.CharField(_("gate"), max_length=30, choices=ProgrammeGate)

    history = HistoricalRecords()

    class Meta(AbstractReviewGate.Meta):
        verbose_name = _("programme gate")
        verbose_name_plural = _("programme gates")
        ordering = ["review", "id"]  # created in the order of ProgrammeGate


class DimensionScore(models.Model):
    """A smart-city dimension of a municipality review, banded as in U4SSC."""

    review = models.ForeignKey(
        MunicipalityReview,
        on_delete=models.CASCADE,
        related_name="dimension_scores",
        verbose_name=_("review"),
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, related_name="+", verbose_name=_("dimension")
    )
    band = models.PositiveSmallIntegerField(_("band"), choices=IndicatorBand, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")
        ordering = ["review", "dimension__display_order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "dimension"], name="dimension_score_unique"),
        ]

    def __str__(self):
        return str(self.dimension)

    @property
    def guidance(self) -> str:
        return self.dimension.description
