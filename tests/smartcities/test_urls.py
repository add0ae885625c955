"""Every URL pattern of the portal is exercised here; a new URL without an example fails.

(The admin's URLs are covered by the admin and permission tests.)
"""

import pytest
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# URL name → (example path, accepted status codes)
EXAMPLES = {
    "healthz": ("/healthz", {200}),
    "ping": ("/ping", {200}),
    "set_language": ("/i18n/setlang/", {302, 405}),
    "tunisia_outline": ("/maps/tunisia.svg", {200}),
    "oc4ids_projects": ("/api/oc4ids/projects.json", {200}),
    "home": ("/fr/", {200}),
    "catalogue:project_list": ("/ar/catalogue/?stage=prospective", {200}),
    "catalogue:project_export": ("/fr/catalogue/export.csv?governorate=gabes", {200}),
    "catalogue:dossier": ("/fr/catalogue/dossier.pdf?municipality=hazoua", {200}),
    "catalogue:dossier_status": ("/fr/catalogue/dossiers/" + "0" * 32 + "/", {404}),
    "catalogue:project_detail": ("/en/catalogue/GAB-2020-001/", {200}),
    "catalogue:project_sheet": ("/fr/catalogue/HAZ-2020-001/sheet.pdf", {200}),
    "catalogue:project_document": ("/fr/catalogue/HAZ-2020-001/documents/999999.pdf", {404}),
    "municipalities:municipality_list": ("/fr/municipalities/?q=gab", {200}),
    "municipalities:municipality_detail": ("/fr/municipalities/tozeur/", {200}),
    "municipalities:municipality_dossier": ("/fr/municipalities/hazoua/dossier.pdf", {200}),
    "municipalities:governorate_detail": ("/fr/governorates/tozeur/", {200}),
    "municipalities:governorate_dossier": ("/fr/governorates/tozeur/dossier.pdf", {200}),
    "caravan:edition_list": ("/fr/caravan/", {200}),
    "caravan:edition_detail": ("/fr/caravan/2/", {200}),
    "caravan:edition_dossier": ("/ar/caravan/2/dossier.pdf", {200}),
    "caravan:ministry_list": ("/fr/ministries/", {200}),
    "caravan:ministry_detail": ("/fr/ministries/transport/", {200}),
    "catalogue:methodology": ("/ar/methodology/", {200}),
    "catalogue:data_dictionary": ("/en/data/", {200}),
    "catalogue:statistics": ("/ar/statistics/?stage=planning", {200}),
    "catalogue:statistics_csv": ("/en/statistics/sector.csv?governorate=sfax", {200}),
    "catalogue:calendar": ("/ar/calendar/?governorate=sfax", {200}),
    "catalogue:calendar_ics": ("/fr/calendar.ics?stage=planning", {200}),
    "catalogue:project_json": ("/ar/catalogue/GAB-2020-001.json", {200}),
    "oc4ids_project": ("/api/oc4ids/projects/GAB-2020-001.json", {200}),
    "catalogue:feed": ("/ar/catalogue/feed.atom?governorate=gabes", {200}),
    "robots_txt": ("/robots.txt", {200}),
    "dcat_catalog": ("/api/dcat/catalog.ttl", {200}),
    "sitemap": ("/sitemap.xml", {200}),
    "sitemap_section": ("/sitemap-projects.xml", {200}),
    # catalogue/engagement (the shipped projects state no stage: they take no interest yet)
    "engagement:interest_create": ("/fr/catalogue/GAB-2020-001/interest/", {404}),
    "engagement:interest_sent": ("/fr/catalogue/GAB-2020-001/interest/sent/", {200}),
    "engagement:follow_project": ("/ar/catalogue/GAB-2020-001/follow/", {200}),
    "engagement:save_search": ("/fr/alerts/search/?query=stage%3Dplanning", {200}),
    "engagement:check_mailbox": ("/en/alerts/check-your-mailbox/", {200}),
    "engagement:confirm": ("/fr/alerts/confirm/" + "x" * 43 + "/", {404}),
    "engagement:unsubscribe": ("/fr/alerts/unsubscribe/" + "x" * 43 + "/", {200}),
    "engagement:my_data": ("/ar/my-data/", {200}),
    "engagement:my_data_view": ("/fr/my-data/" + "x" * 40 + "/", {404}),
}


def portal_url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or pattern.app_name == "admin":
                continue
            yield from portal_url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_of_the_portal_has_an_example_here():
    missing = set(portal_url_names()) - set(EXAMPLES)
    assert not missing, f"Add an example to tests/smartcities/test_urls.py for: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_url_answers_without_error(client, settings, name):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    path, expected = EXAMPLES[name]
    response = client.get(path)
    assert response.status_code in expected, (path, response.status_code)
