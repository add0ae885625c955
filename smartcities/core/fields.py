"""Small building blocks shared by the apps' models."""

import uuid
from pathlib import PurePath

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.files import FieldFile
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from translated_fields import TranslatedField, to_attribute

from smartcities.core.storage import document_storage
from smartcities.core.uploads import ImageUploadValidator, PdfUploadValidator, clean_image

# Tunisia's bounding box, with a small margin: a point outside it is a typing error.
LATITUDE_RANGE = (30.0, 38.0)
LONGITUDE_RANGE = (7.0, 12.0)


class TextInLanguage(str):
    """A translated field's text shown in another language than the page's: the French
    value of a field left empty in the reader's language. It says which language it is
    written in (``language``), so that a page or a PDF can isolate it (``lang``, ``dir``)
    and label it (the ``isolated`` and ``paragraphs`` filters)."""

    language: str

    def __new__(cls, value, language):
        text = super().__new__(cls, value)
        text.language = language
        return text

    def __getnewargs__(self):
        return (str(self), self.language)


def fallback_language(value) -> str:
    """The language ``value`` is written in if it is a fallback (``TextInLanguage``),
    else ``""``: the text is in the page's language."""
    return getattr(value, "language", "")


def fallback_marked(name, field):
    """translated-fields getter: the value in the active language, else the first
    language's value marked as such (``TextInLanguage``).

    A field not stored in the active language at all (municipality names have no English
    column) gives its first-language value unmarked: that is the name in every language.
    """
    default = field.languages[0]

    def getter(self):
        value = getattr(self, to_attribute(name), None)
        if value:
            return value
        fallback = getattr(self, to_attribute(name, default))
        language = (get_language() or default).split("-")[0]
        if fallback and language != default and language in field.languages:
            return TextInLanguage(fallback, default)
        return fallback

    return getter


def translated(field, *, languages=("fr", "ar", "en"), required=("fr",)):
    """A field stored once per language, read in the active language with a French fallback.

    ``required`` languages keep the field's own ``blank``; the others may stay empty and
    then show the French value, marked as French (``TextInLanguage``).
    """
    specific = {lang: {"blank": True} for lang in languages if lang not in required}
    return TranslatedField(field, specific, languages=languages, attrgetter=fallback_marked)


def latitude_field(**kwargs):
    """A latitude in decimal degrees, restricted to Tunisia."""
    return models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])],
        **kwargs,
    )


def longitude_field(**kwargs):
    """A longitude in decimal degrees, restricted to Tunisia."""
    return models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[
            MinValueValidator(LONGITUDE_RANGE[0]),
            MaxValueValidator(LONGITUDE_RANGE[1]),
        ],
        **kwargs,
    )


def period_ordered_constraint(
    start: str, end: str, *, name: str, message
) -> models.CheckConstraint:
    """Database guard for a period: it never ends before it starts (either end may be unknown)."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__gte": F(start)})
        | Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True}),
        name=name,
        violation_error_message=message,
    )


def point_in_tunisia_constraint(name: str) -> models.CheckConstraint:
    """Database guard for a (latitude, longitude) pair: both empty, or both inside Tunisia."""
    return models.CheckConstraint(
        condition=(
            Q(latitude__isnull=True, longitude__isnull=True)
            | Q(
                # isnull=False keeps SQL's NULL logic from letting half a point through.
                latitude__isnull=False,
                longitude__isnull=False,
                latitude__gte=LATITUDE_RANGE[0],
                latitude__lte=LATITUDE_RANGE[1],
                longitude__gte=LONGITUDE_RANGE[0],
                longitude__lte=LONGITUDE_RANGE[1],
            )
        ),
        name=name,
        violation_error_message=_("Latitude and longitude go together and must be in Tunisia."),
    )


@deconstructible
class UploadTo:
    """Store uploads under a generated name, whatever name the file arrived with.

    The original name can carry path tricks or control characters; only a lower-case,
    known extension is kept.
    """

    allowed_extensions = {"jpg", "jpeg", "png", "webp", "pdf"}

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        extension = PurePath(filename).suffix.lower().lstrip(".")
        if extension not in self.allowed_extensions:
            extension = "bin"
        return f"{self.folder}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.folder == self.folder

    def __hash__(self):
        return hash(self.folder)


class SafeImageFormField(forms.ImageField):
    """An image form field whose refusals say why (type, size, pixels, content)."""

    def to_python(self, data):
        file = forms.FileField.to_python(self, data)
        if file is None:
            return None
        ImageUploadValidator()(file)
        return super().to_python(data)


class SafeImageField(models.ImageField):
    """An image checked on upload and stored re-encoded, without metadata."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [ImageUploadValidator()])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SafeImageFormField, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            file.file = clean_image(file.file)
        return super().pre_save(model_instance, add)


class PdfFileField(models.FileField):
    """A document that must be a PDF, checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [PdfUploadValidator()])
        super().__init__(*args, **kwargs)


class ViewServedFieldFile(FieldFile):
    """A file served by a view of the portal that checks who asks: its URL is the
    model's ``get_file_url()``, whatever its storage would give (admin links included)."""

    @property
    def url(self):
        self._require_file()
        return self.instance.get_file_url()


class PrivatePdfFileField(PdfFileField):
    """A PDF kept in the private "documents" storage (not served by the proxy) and
    served only through the portal's view."""

    attr_class = ViewServedFieldFile

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("storage", document_storage)
        super().__init__(*args, **kwargs)
