"""Admin form widgets that follow the language of what is typed into them.

A translated model field (``title_fr``, ``title_ar``, ``title_en``: one column per language,
made by django-translated-fields) is typed in its own language whatever the admin's
language: the Arabic box runs right to left in the French admin, the French and English
boxes left to right in the Arabic admin. The browser needs ``dir`` for the caret, the
alignment and the punctuation of mixed text, and ``lang`` for the spell checker, the
fonts and the screen readers.
"""

from django.utils.translation import get_language_info
from translated_fields import TranslatedFieldAdmin

#: The attribute django-translated-fields sets on each per-language copy of a field.
LANGUAGE_ATTRIBUTE = "_translated_field_language_code"


def field_language(db_field) -> str | None:
    """The language of a per-language model field (``"ar"`` for ``title_ar``), else None."""
    return getattr(db_field, LANGUAGE_ATTRIBUTE, None)


def language_attrs(language: str) -> dict[str, str]:
    """The HTML attributes of a box typed in ``language``: ``lang`` and ``dir``."""
    try:
        bidi = get_language_info(language)["bidi"]
    except KeyError:  # a language Django does not know: its direction is not known either
        return {"lang": language}
    return {"lang": language, "dir": "rtl" if bidi else "ltr"}


class LanguageDirectionMixin:
    """Gives each translated field's box the ``lang`` and ``dir`` of its language.

    For every admin (and inline) whose model has translated fields, next to
    ``translated_fields.TranslatedFieldAdmin``; a field declared on the admin's form
    rather than made from the model field is left alone.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = field_language(db_field)
        if formfield is not None and language:
            # The admin wraps some widgets (related lookups): the box is the inner one.
            widget = getattr(formfield.widget, "widget", formfield.widget)
            widget.attrs.update(language_attrs(language))
        return formfield


class TranslatedAdmin(LanguageDirectionMixin, TranslatedFieldAdmin):
    """The base of every admin and inline of a model with translated fields.

    django-translated-fields' ``TranslatedFieldAdmin`` (the language after each field's
    label), with each field's box in the direction of its language.
    """
