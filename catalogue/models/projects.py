"""The project register: the project and the queries that select projects."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from caravan.models import Dimension, Ministry, Stop
from catalogue.register.choices import (
    ELIGIBLE_DECISIONS,
    ContractModel,
    ContractSubtype,
    Initiation,
    Screening,
    Stage,
    Status,
)
from catalogue.register.search import normalize, search_condition
from municipalities.models import Municipality
from smartcities.core.fields import (
    latitude_field,
    longitude_field,
    period_ordered_constraint,
    point_in_tunisia_constraint,
    translated,
)

from .pipeline import PaymentMechanism, ProjectType
from .reference import LANGUAGES, Sector, Source  # noqa: F401


def verification_cutoff(now=None):
    """Projects last confirmed before this moment are due for verification."""
    return (now or timezone.now()) - timedelta(days=settings.VERIFICATION_INTERVAL_DAYS)


TEXT_FIELDS = ("title", "summary", "description")

project_reference = RegexValidator(
    r"^[A-Z]{3}-[0-9]{4}-[0-9]{3,5}$",
    _("A reference looks like GAB-2020-001: three capital letters, a year, a number."),
)


class ProjectQuerySet(models.QuerySet):
    @staticmethod
    def public_condition(prefix: str = "") -> Q:
        """The rule of ``public()`` as a condition, usable across a relation.

        ``prefix`` is the path to the project, e.g. ``"projects__"`` to count a
        municipality's public projects.
        """
        return Q(**{f"{prefix}status": Status.PUBLISHED})

    def public(self):
        """Projects the public may see: published ones only.

        Every public page, export and PDF starts from this method.
        """
        return self.filter(self.public_condition())

    def for_lists(self):
        """Projects with what a list row shows: municipality, governorate and sector."""
        return self.select_related("municipality__governorate", "sector")

    def verification_due(self, now=None):
        """Published projects nobody confirmed as current for ``VERIFICATION_INTERVAL_DAYS``.

        A project never confirmed counts from its first publication.
        """
        cutoff = verification_cutoff(now)
        return self.filter(status=Status.PUBLISHED).filter(
            Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, published_at__lt=cutoff)
        )

    def search(self, query: str):
        """Projects whose text contains every word of ``query`` (accents, case ignored)."""
        return self.filter(search_condition(query))

    def refresh_search_text(self, batch_size: int = 2000) -> int:
        """Recompute the normalised search text (after bulk writes or renamed places)."""
        count = 0
        batch = []
        for project in self.for_lists().iterator(chunk_size=batch_size):
            project.search_text = project.compose_search_text()
            batch.append(project)
            if len(batch) == batch_size:
                count += self.model.objects.bulk_update(batch, ["search_text"])
                batch = []
        if batch:
            count += self.model.objects.bulk_update(batch, ["search_text"])
        return count


class Project(models.Model):
    """A candidate public-private-partnership project of a municipality."""

    reference = models.CharField(
        _("reference"),
        max_length=20,
        unique=True,
        validators=[project_reference],
        help_text=_("Human-readable identifier, e.g. GAB-2020-001."),
    )
    title = translated(models.CharField(_("title"), max_length=200))
    summary = translated(
        models.TextField(
            _("summary"),
            max_length=600,
            validators=[MaxLengthValidator(600)],
            help_text=_("Two or three sentences shown in lists and on the project sheet."),
        )
    )
    description = translated(models.TextField(_("description"), blank=True), required=())

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("municipality"),
    )
    stop = models.ForeignKey(
        Stop,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("caravan stop"),
        help_text=_("The caravan stop where the project was identified, if any."),
        null=True,
        blank=True,
    )
    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("sector"),
        null=True,
        blank=True,
    )
    dimensions = models.ManyToManyField(
        Dimension, blank=True, related_name="projects", verbose_name=_("smart-city dimensions")
    )
    ministries = models.ManyToManyField(
        Ministry, blank=True, related_name="projects", verbose_name=_("partner ministries")
    )

    contract_model = models.CharField(
        _("contract model"),
        max_length=20,
        choices=ContractModel,
        blank=True,
        help_text=_("Leave empty when no source states it."),
    )
    contract_subtype = models.CharField(
        _("contract sub-type"), max_length=20, choices=ContractSubtype, blank=True
    )
    initiation = models.CharField(_("initiation"), max_length=20, choices=Initiation, blank=True)
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=Stage,
        blank=True,
        help_text=_("Leave empty when no source states it."),
    )

    investment_tnd = models.DecimalField(
        _("estimated investment (TND)"),
        max_digits=15,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    land_area_ha = models.DecimalField(
        _("land area (ha)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    expected_jobs = models.PositiveIntegerField(_("expected jobs"), null=True, blank=True)
    duration_years = models.PositiveSmallIntegerField(
        _("contract duration (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    # Pipeline facts after OC4IDS (catalogue.models.pipeline holds the milestones, funding
    # lines, risks and related projects).
    purpose = translated(
        models.TextField(
            _("purpose"),
            blank=True,
            max_length=600,
            validators=[MaxLengthValidator(600)],
            help_text=_("The project's socio-economic purpose, in one or two sentences."),
        ),
        required=(),
    )
    project_type = models.CharField(
        _("project type"), max_length=20, choices=ProjectType, blank=True
    )
    payment_mechanism = models.CharField(
        _("payment mechanism"), max_length=20, choices=PaymentMechanism, blank=True
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    policy_goals = models.ManyToManyField(
        "catalogue.PolicyGoal",
        blank=True,
        related_name="projects",
        verbose_name=_("policy alignment"),
        help_text=_("The SDGs, U4SSC indicators and national plan items the project serves."),
    )

    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    latitude = latitude_field(
        null=True, blank=True, help_text=_("Leave empty to use the municipality's location.")
    )
    longitude = longitude_field(null=True, blank=True)

    status = models.CharField(
        _("workflow status"), max_length=20, choices=Status, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    sources = models.ManyToManyField(
        Source,
        blank=True,
        related_name="projects",
        verbose_name=_("sources"),
        help_text=_("Where the project's public facts come from."),
    )
    screening = models.CharField(
        _("screening status"),
        max_length=30,
        choices=Screening,
        default=Screening.NOT_SCREENED,
        editable=False,
        help_text=_("The latest decision of the eligibility committee, kept by the workflow."),
    )
    screened_at = models.DateTimeField(_("screened on"), null=True, blank=True, editable=False)
    screening_score = models.DecimalField(
        _("screening score (0–100)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    verified_at = models.DateTimeField(
        _("last verified"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When staff last confirmed that the project is still current."),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        editable=False,
    )
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the portal's home page.")
    )
    is_demo = models.BooleanField(
        _("demo data"),
        default=False,
        help_text=_("Synthetic project created for demonstrations; not a real project."),
    )
    search_text = models.TextField(
        _("search text"),
        blank=True,
        editable=False,
        help_text=_("Normalised text that the catalogue's search looks into."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        editable=False,
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        editable=False,
    )
    lock_version = models.PositiveIntegerField(
        _("edit version"),
        default=1,
        editable=False,
        help_text=_("Raised by every save; a form opened on an older version cannot be saved."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["search_text", "lock_version"],
        m2m_fields=["dimensions", "ministries", "sources"],
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-updated_at", "reference"]
        permissions = [
            ("submit_project", _("Can submit a project for review")),
            ("publish_project", _("Can publish, withdraw and restore a project")),
            ("review_project", _("Can screen a project (eligibility committee)")),
            ("verify_project", _("Can confirm that a published project is still current")),
        ]
        # The catalogue sorts public projects by these columns, and counts them by the
        # facet columns in one grouped query: with the status first and every facet
        # column in one index, PostgreSQL answers the counts from that narrow index alone
        # (an index-only scan) instead of reading the wide project rows.
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="project_status_updated"),
            models.Index(fields=["status", "investment_tnd"], name="project_status_investment"),
            models.Index(
                fields=["status", "municipality", "sector", "stage", "contract_model", "screening"],
                name="project_facets",
            ),
            models.Index(fields=["status", "id"], name="project_status_id"),
        ]
        constraints = [
            point_in_tunisia_constraint("project_point_in_tunisia"),
            models.CheckConstraint(
                condition=Q(investment_tnd__gte=0) | Q(investment_tnd__isnull=True),
                name="project_investment_not_negative",
                violation_error_message=_("The investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(land_area_ha__gte=0) | Q(land_area_ha__isnull=True),
                name="project_land_area_not_negative",
                violation_error_message=_("The land area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(duration_years__gte=1, duration_years__lte=99)
                | Q(duration_years__isnull=True),
                name="project_duration_in_range",
                violation_error_message=_("A contract lasts between 1 and 99 years."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.WITHDRAWN) | ~Q(withdrawn_reason=""),
                name="project_withdrawn_has_reason",
                violation_error_message=_("A withdrawn project needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="project_published_has_date",
                violation_error_message=_("A published project needs a publication date."),
            ),
            period_ordered_constraint(
                "planned_start",
                "planned_end",
                name="project_planned_period_ordered",
                message=_("The planned end cannot come before the planned start."),
            ),
            period_ordered_constraint(
                "actual_start",
                "actual_end",
                name="project_actual_period_ordered",
                message=_("The actual end cannot come before the actual start."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.title}"

    def save(self, *args, **kwargs):
        self.search_text = self.compose_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("catalogue:project_detail", kwargs={"reference": self.reference})

    def compose_search_text(self) -> str:
        """The project's searchable words: reference, texts, places and sector, all languages."""
        municipality = self.municipality
        governorate = municipality.governorate
        parts = [
            self.reference,
            *(getattr(self, f"{name}_{lang}") for name in TEXT_FIELDS for lang in LANGUAGES),
            municipality.name_fr,
            municipality.name_ar,
            governorate.name_fr,
            governorate.name_ar,
            governorate.name_en,
        ]
        if self.sector_id:
            parts += [self.sector.name_fr, self.sector.name_ar, self.sector.name_en]
        return normalize(" ".join(part for part in parts if part))

    def clean(self):
        super().clean()
        errors = {}
        if self.contract_subtype and self.contract_model not in (
            ContractModel.PPP_CONTRACT,
            ContractModel.CONCESSION,
        ):
            errors["contract_subtype"] = _(
                "A sub-type only applies to a PPP contract or a concession."
            )
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        # The period constraints, checked here too: the import checks rows with clean().
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("The planned end cannot come before the planned start.")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _("The actual end cannot come before the actual start.")
        if errors:
            raise ValidationError(errors)

    @property
    def point(self):
        """The project's (latitude, longitude), or its municipality's when it has none."""
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        municipality = self.municipality
        if municipality.latitude is not None:
            return (municipality.latitude, municipality.longitude)
        return None

    @property
    def stage_position(self) -> int:
        """1-based position of the stage on the seven-step track (0: not stated)."""
        return Stage.position(self.stage)

    @property
    def last_checked_at(self):
        """When the project was last known current: confirmed, or else first published."""
        return self.verified_at or self.published_at

    @property
    def verification_due(self) -> bool:
        """Published and not confirmed current for ``VERIFICATION_INTERVAL_DAYS``."""
        checked = self.last_checked_at
        return (
            self.status == Status.PUBLISHED
            and checked is not None
            and checked < verification_cutoff()
        )

    @property
    def is_eligible_screening(self) -> bool:
        return self.screening in ELIGIBLE_DECISIONS
