"""Accent-, case- and script-tolerant text search, the same on SQLite and PostgreSQL.

Each project keeps a normalised copy of its searchable text (``Project.search_text``):
lower case, Latin accents removed, Arabic short vowels, tatweel and hamza/alef/ta
marbuta variants folded. A query is normalised the same way and each of its words must
occur in that text. On PostgreSQL a trigram GIN index (pg_trgm) serves these
``LIKE '%word%'`` lookups; SQLite scans, which is fine at its scale.
"""

import re
import unicodedata

from django.db.models import Q

# Letters that Arabic writers use interchangeably, folded to one form.
ARABIC_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ـ": "",  # tatweel
    }
)
NOT_A_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Combining marks left by NFKD: Latin accents, Arabic short vowels, hamza and madda marks.
COMBINING = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200


FOLD_PAIRS = tuple((chr(code), replacement) for code, replacement in ARABIC_FOLDS.items())


def normalize(text: str) -> str:
    """Lower-case ``text``, drop accents and Arabic vowel marks, fold letter variants."""
    folded = COMBINING.sub("", unicodedata.normalize("NFKD", text))
    # str.replace per letter present: several times faster than str.translate on long
    # Arabic texts, and the same result, as no replacement is itself a folded letter.
    for letter, replacement in FOLD_PAIRS:
        if letter in folded:
            folded = folded.replace(letter, replacement)
    return NOT_A_WORD.sub(" ", folded.casefold()).strip()


def search_terms(query: str) -> list[str]:
    """The distinct normalised words of a query, at most ``MAX_TERMS`` of them."""
    terms = []
    for term in normalize(query[:MAX_QUERY_LENGTH]).split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def search_condition(query: str, field: str = "search_text") -> Q:
    """A condition matching rows whose normalised text contains every word of ``query``."""
    condition = Q()
    for term in search_terms(query):
        condition &= Q(**{f"{field}__contains": term})
    return condition
