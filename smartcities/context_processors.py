from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_info


def portal(request):
    """Links to the current page in each language (the language switcher), and the
    licence the data is published under (``DATA_LICENCE``: name and url)."""
    return {
        "DATA_LICENCE": settings.DATA_LICENCE,
        "language_links": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": _url_in(request, code),
            }
            for code, _name in settings.LANGUAGES
        ],
    }


def _url_in(request, code: str) -> str:
    """The current URL in the language ``code`` (the view already resolved: no new lookup)."""
    match = request.resolver_match
    if match is None or not match.url_name:
        return translate_url(request.get_full_path(), code)
    try:
        with translation.override(code):
            url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return translate_url(request.get_full_path(), code)
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url
