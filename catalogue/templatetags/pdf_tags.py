from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value) -> str:
    """``value`` as a quoted CSS string (for generated content in the PDF stylesheet).

    Quotes, backslashes and angle brackets are escaped the CSS way, so the text can
    neither end the string nor the ``<style>`` element.
    """
    text = (
        str(value)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("<", "\\3C ")
        .replace(">", "\\3E ")
        .replace("\n", " ")
    )
    return mark_safe(f'"{text}"')  # noqa: S308  # nosec B308 B703 -- escaped above for CSS


@register.filter(is_safe=True)
def isolate(value) -> str:
    """``value``, escaped, between Unicode isolates (FSI … PDI): a French title in an
    Arabic line, or an Arabic one in a French line, keeps its own direction without
    reordering the text around it (WeasyPrint ignores ``dir`` on inline elements)."""
    text = conditional_escape(value)  # escaped: only the two isolate characters are added
    return mark_safe(f"\u2068{text}\u2069")  # noqa: S308  # nosec B308 B703 -- escaped above
