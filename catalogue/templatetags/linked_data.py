"""``{% json_ld data %}``: a JSON-LD data block for search engines.

A ``<script type="application/ld+json">`` is a data block, never run by the browser: the
HTML standard stops preparing a script element whose type is not JavaScript before the
Content-Security-Policy's check of inline scripts, so the portal's policy (``script-src
'self'``, no ``'unsafe-inline'``) neither blocks nor reports it, and needs no nonce.
``<``, ``>`` and ``&`` are escaped so that no text in the data can close the element.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(ESCAPES)
    # Escaped above: no "</script>" can appear in the text.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # nosec B308 B703
