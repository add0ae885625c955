"""Figures, lists, quotations and texts in another language, as each language writes them.

Pages and PDF sheets use the same filters, so that an amount or an area reads the same
everywhere: ``{{ project.investment_tnd|amount }}`` gives "12 500 000 TND" (French and
Arabic: groups of three digits joined by a narrow no-break space; English: commas, see
``smartcities/formats/``), ``{{ area|km2 }}`` gives "1 234,5 km²" with the unit after the
number and never on the next line.

A text that falls back to French on an Arabic or English page (``TextInLanguage``) is
isolated with ``lang``/``dir`` and labelled: ``{{ project.title|isolated }}`` inline,
``{{ project.description|paragraphs }}`` for paragraphs.
"""

import re
from decimal import Decimal

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import formats
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeData
from django.utils.text import normalize_newlines
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from smartcities.core.fields import fallback_language

register = template.Library()

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: French "espace fine insécable"

LANGUAGE_NOTES = {"fr": _("in French"), "ar": _("in Arabic"), "en": _("in English")}
RTL_LANGUAGES = {"ar"}
# The comma between the items of a list: the Arabic comma in Arabic.
LIST_SEPARATORS = {"ar": "\u060c "}


def _language() -> str:
    return (get_language() or "fr").split("-")[0]


def _number(value, decimals: int) -> str:
    """``value`` grouped by thousands in the active language; ``decimals`` < 0 means at
    most that many decimals, trailing zeros dropped (12.50 → "12,5", 12.00 → "12")."""
    if decimals < 0:
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(decimals)).normalize()
        decimals = max(0, -rounded.as_tuple().exponent)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _with_unit(value, decimals: int, unit) -> str:
    if value is None or value == "":
        return ""
    try:
        number = _number(value, decimals)
    except (TypeError, ValueError, ArithmeticError):
        return ""
    return f"{number}{NBSP}{unit}"


@register.filter
def amount(value, decimals=0):
    """An amount in Tunisian dinars: "12 500 000 TND" ("" when there is none)."""
    return _with_unit(value, int(decimals), gettext("TND"))


@register.filter
def km2(value, decimals=-1):
    """An area in square kilometres, the unit after the number: "1 234,5 km²"."""
    return _with_unit(value, int(decimals), gettext("km²"))


@register.filter
def hectares(value, decimals=-2):
    """An area in hectares: "12,5 ha"."""
    return _with_unit(value, int(decimals), gettext("ha"))


@register.filter
def figure(value, decimals=0):
    """A count or a figure grouped by thousands: "637 568"."""
    if value is None or value == "":
        return ""
    try:
        return _number(value, int(decimals))
    except (TypeError, ValueError, ArithmeticError):
        return ""


@register.filter(needs_autoescape=True)
def join_list(items, autoescape=True):
    """The items joined by the language's comma ("Sfax، Gabès" in Arabic)."""
    separator = LIST_SEPARATORS.get(_language(), ", ")
    if not autoescape:
        return separator.join(str(item) for item in items)
    return format_html_join(separator, "{}", ((item,) for item in items))


@register.simple_tag
def comma():
    """The comma between two items as the language writes it ("، " in Arabic)."""
    return LIST_SEPARATORS.get(_language(), ", ")


def is_safe(value) -> bool:
    return isinstance(value, SafeData)


def _attributes(language: str) -> str:
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    return format_html(' lang="{}" dir="{}"', language, direction)


def _note(language: str) -> str:
    return format_html(
        '<span class="lang-note">({})</span>', LANGUAGE_NOTES.get(language, language)
    )


@register.filter
def isolated(value, language=""):
    """Inline text isolated in its own language and labelled, when it is not the page's.

    ``language`` names it when the value has lost its mark (a PDF's facts are plain
    data); without either, the text is the page's and is only escaped.
    """
    language = language or fallback_language(value)
    if not value or not language or language == _language():
        return conditional_escape(typography(value or "") if not is_safe(value) else value)
    return format_html(
        '<span class="lang-fallback"{}>{}</span> {}',
        _attributes(language),
        typography(value, language),
        _note(language),
    )


@register.filter
def paragraphs(value, language=""):
    """Text with line breaks as paragraphs (``linebreaks``), in a block isolated in its
    own language, left to right for French, and labelled, when it is not the page's."""
    if not value:
        return ""
    language = language or fallback_language(value)
    foreign = bool(language) and language != _language()
    text = typography(value, language or _language())
    chunks = re.split(r"\n{2,}", normalize_newlines(str(text)).strip())
    body = format_html_join(
        "", "<p>{}</p>", ((linebreaksbr(chunk, autoescape=True),) for chunk in chunks)
    )
    if not foreign:
        return body
    return format_html(
        '<div class="lang-fallback"{}>{}</div><p class="lang-note-block">{}</p>',
        _attributes(language),
        body,
        _note(language),
    )


# French typography: a no-break space before the high punctuation and inside guillemets.
_BEFORE_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]?(:)(?=\s|$)")
_BEFORE_HIGH = re.compile(r"(?<=[^\s(\[«])[ \u00a0\u202f]?([;!?]+)(?=\s|$|[»\)])")
_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_CLOSING = re.compile(r"[ \u00a0\u202f]*»")


@register.filter
def typography(value, language=""):
    """Text as French typography sets it when it is French (the page's language or the
    text's own): a no-break space before ":", a narrow one before ";", "!" and "?", and
    inside « », so that no line breaks there. Other languages are left as they are."""
    if value is None:
        return ""
    language = language or fallback_language(value) or _language()
    if language != "fr":
        return value
    text = str(value)
    text = _BEFORE_COLON.sub(NBSP + r"\1", text)
    text = _BEFORE_HIGH.sub(NNBSP + r"\1", text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    text = _BEFORE_CLOSING.sub(NBSP + "»", text)
    return text


@register.filter
def colon(label):
    """A label followed by a colon as the language sets it: "Dimensions :" with a
    no-break space in French, "Dimensions:" in English and Arabic."""
    return f"{label}{NBSP}:" if _language() == "fr" else f"{label}:"


# The quotation marks of each language around a text (French with no-break spaces inside).
QUOTES = {"fr": f"«{NBSP}{{}}{NBSP}»", "ar": "«{}»", "en": "\u201c{}\u201d"}


@register.filter(needs_autoescape=True)
def quoted(value, autoescape=True):
    """``value`` between the language's quotation marks: « … » with no-break spaces in
    French, «…» in Arabic, “…” in English."""
    language = _language()
    text = typography(value, "fr") if language == "fr" else value
    marks = QUOTES.get(language, QUOTES["en"])
    if not autoescape:
        return marks.format(text)
    return format_html(marks, text)
