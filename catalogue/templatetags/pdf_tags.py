from django import template
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
