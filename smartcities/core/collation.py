"""Names in the order a reader of each language expects, on every database.

French and English readers expect "Mégrine" before "Mornag" (accents and case count only
to break ties); Arabic readers expect the order of the Arabic alphabet, where أ, إ and ا
are one letter, ة goes with ت and ى with ي, and short vowels do not count.

PostgreSQL sorts with ICU's collations (``fr-x-icu``, ``ar-x-icu``, ``en-x-icu``, present
in any PostgreSQL built with ICU, as Debian's is). SQLite has no such collations: the
same names are registered on each new SQLite connection with a Python comparison that
follows ICU's primary, secondary and tertiary levels closely enough for place and
institution names. ``sort_key`` gives that same order to lists sorted in Python.

Two ways to use it, one rule:

- ``collated(field, language)``: an ``ORDER BY`` expression for a queryset;
- ``sorted_by_name(items, language, key=...)``: a list sorted in Python, for the short
  lists (350 municipalities, 24 governorates) that a view already holds.
"""

import functools
import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils.translation import get_language

# The ICU collation of each language of the portal; SQLite gets functions of those names.
COLLATIONS = {"fr": "fr-x-icu", "ar": "ar-x-icu", "en": "en-x-icu"}
DEFAULT_LANGUAGE = "fr"

# How an Arabic reader's collation (ICU's ``ar``) groups letter variants: each maps to the
# letters it sorts as, and a rank that only breaks ties. Hamza on any seat sorts with alef,
# alef madda as two alefs, teh marbuta with teh, alef maksura with yeh. Other languages'
# collations keep every Arabic letter apart, in the alphabet's order.
_ARABIC_LETTERS = {
    "\u0621": ("\u0627", 0),  # ء hamza
    "\u0623": ("\u0627", 1),  # أ alef with hamza above
    "\u0624": ("\u0627", 2),  # ؤ waw with hamza
    "\u0626": ("\u0627", 3),  # ئ yeh with hamza
    "\u0625": ("\u0627", 4),  # إ alef with hamza below
    "\u0627": ("\u0627", 5),  # ا alef
    "\u0622": ("\u0627\u0627", 6),  # آ alef with madda
    "\u0671": ("\u0627", 7),  # ٱ alef wasla
    "\u0629": ("\u062a", 1),  # ة teh marbuta
    "\u0649": ("\u064a", 1),  # ى alef maksura
}
_TATWEEL = "\u0640"
_LATIN_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"}


def _letters(text: str):
    """Each base character of ``text`` with the accents (combining marks) it carries."""
    letters: list[list[str]] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if letters:
                letters[-1][1] += char
            continue
        if char == _TATWEEL:
            continue
        for part in _LATIN_LIGATURES.get(char, char):
            letters.append([part, ""])
    return letters


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def _group(char: str, language: str) -> int:
    """Spaces, punctuation and digits first; an Arabic reader's collation puts Arabic
    letters before other scripts."""
    if not char.isalpha():
        return 0
    if language == "ar":
        return 1 if _is_arabic(char) else 2
    return 1


@functools.lru_cache(maxsize=4096)
def sort_key(text: str, language: str = DEFAULT_LANGUAGE) -> tuple:
    """A key that orders ``text`` as ICU's collation of ``language`` does.

    Primary: letters without accents or case (in Arabic, letter variants folded and
    vowel marks ignored); then accents, then lower case before upper case, then the text
    itself so that the order is total.
    """
    text = text or ""
    letters = _letters(unicodedata.normalize("NFC", text))
    # NFKD splits أ into ا + hamza mark: recompose the Arabic letters before weighing them.
    letters = [
        [unicodedata.normalize("NFC", base + marks), ""]
        if unicodedata.normalize("NFC", base + marks) in _ARABIC_LETTERS
        else [base, marks]
        for base, marks in letters
    ]
    primary, secondary = [], []
    for base, marks in letters:
        sorts_as, rank = _ARABIC_LETTERS.get(base, (base, 0)) if language == "ar" else (base, 0)
        for char in sorts_as:
            primary.append((_group(char, language), ord(char.casefold()[0])))
        secondary.append((rank, marks))
    tertiary = tuple(base.isupper() for base, _marks in letters)
    return (tuple(primary), tuple(secondary), tertiary, text)


def compare(language: str):
    """A three-way comparison of two strings for SQLite's ``create_collation``."""

    def compare_texts(first: str, second: str) -> int:
        a, b = sort_key(first, language), sort_key(second, language)
        return (a > b) - (a < b)

    return compare_texts


def register_sqlite_collations(connection) -> None:
    """Give an SQLite connection the collations PostgreSQL's ICU provides by name."""
    for language, name in COLLATIONS.items():
        connection.connection.create_collation(name, compare(language))


def _on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        register_sqlite_collations(connection)


connection_created.connect(_on_connection_created, dispatch_uid="smartcities.core.collation")


def active_language() -> str:
    """The active language if the portal knows its collation, else French."""
    language = (get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in COLLATIONS else DEFAULT_LANGUAGE


def collated(field: str, language: str | None = None, *, languages=("fr", "ar", "en")):
    """``ORDER BY`` expression: the translated ``field`` (``name`` for ``name_fr``…) in
    ``language`` (the active one by default), empty values falling back to French as the
    page shows them, compared with that language's collation.

    ``languages`` are the languages the field is stored in (municipality names have no
    English column: English pages show, and sort, the French name).
    """
    language = language or active_language()
    column = f"{field}_{language}" if language in languages else f"{field}_{DEFAULT_LANGUAGE}"
    expression = F(column)
    if column != f"{field}_{DEFAULT_LANGUAGE}":
        expression = Coalesce(NullIf(F(column), Value("")), F(f"{field}_{DEFAULT_LANGUAGE}"))
    return Collate(expression, COLLATIONS[language])


def sorted_by_name(items, language: str | None = None, *, key=str):
    """``items`` sorted by ``key(item)`` (the name shown) as a reader of ``language``
    expects."""
    language = language or active_language()
    return sorted(items, key=lambda item: sort_key(str(key(item) or ""), language))
