"""Reference data of the register: sectors and the sources the public record cites."""

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from caravan.models import Edition
from catalogue.register.choices import (
    DatePrecision,
    SourceKind,
)
from municipalities.models import Municipality
from smartcities.core.fields import (
    PdfFileField,
    UploadTo,
    translated,
)

LANGUAGES = ("fr", "ar", "en")


class Sector(models.Model):
    """A project sector, aligned with the OC4IDS projectSector codelist."""

    code = models.CharField(_("OC4IDS code"), max_length=50, unique=True)
    name = translated(models.CharField(_("name"), max_length=100), required=("fr", "ar"))
    description = translated(models.TextField(_("description"), blank=True), required=())
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name


class Source(models.Model):
    """Where a public fact comes from: a press article, an official text, a municipal
    submission or a ministry decision. Projects, municipalities and caravan editions cite
    their sources on their pages, sheets and exports."""

    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        help_text=_("The newspaper, ministry or body; empty when the copy does not say."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SourceKind)
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_("For a source dated only by its month or year, enter its first day."),
    )
    url = models.URLField(
        _("address (URL)"),
        max_length=500,
        blank=True,
        help_text=_("Empty when the source has no public address known."),
    )
    document = PdfFileField(
        _("document"),
        upload_to=UploadTo("sources"),
        blank=True,
        help_text=_("A PDF copy of the source, published with it."),
    )
    excerpt = translated(
        models.TextField(
            _("what it states"),
            blank=True,
            help_text=_("The source's own words on the facts it supports, quoted exactly."),
        ),
        required=(),
    )
    note = translated(
        models.TextField(
            _("note"),
            blank=True,
            help_text=_("How the catalogue reads the source, where that is an interpretation."),
        ),
        required=(),
    )
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="sources", verbose_name=_("municipalities")
    )
    editions = models.ManyToManyField(
        Edition, blank=True, related_name="sources", verbose_name=_("caravan editions")
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-date", "title"]

    def __str__(self):
        return f"{self.publisher} · {self.title}" if self.publisher else self.title

    # How much of the date each precision shows: to people (a date format) and to
    # machines (the leading characters of the ISO date).
    DATE_FORMATS = {DatePrecision.YEAR: "Y", DatePrecision.MONTH: "F Y", DatePrecision.DAY: "j F Y"}
    ISO_LENGTHS = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7, DatePrecision.DAY: 10}

    @property
    def shown_date(self) -> str:
        """The date as far as it is known, in the active language ("juin 2020"); or ""."""
        if self.date is None:
            return ""
        return formats.date_format(self.date, self.DATE_FORMATS.get(self.date_precision, "j F Y"))

    @property
    def iso_date(self) -> str:
        """The date as far as it is known, in ISO 8601 ("2020-06"); or ""."""
        if self.date is None:
            return ""
        return self.date.isoformat()[: self.ISO_LENGTHS.get(self.date_precision, 10)]

    @property
    def link(self) -> str:
        """The source's address, or the URL of its attached copy."""
        return self.url or (self.document.url if self.document else "")
