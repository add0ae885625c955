"""The Arabic admin is entirely Arabic: Django's strings and the third-party apps' (login
lockout, task results, import/export, history) are translated, none left in English or
French.

The test walks the admin's main pages in Arabic and in French as a superuser and reads
their visible text (text nodes, and the words a person sees in attributes: buttons,
placeholders, titles). In the Arabic page, every run of Latin-script words must be data
(a reference, a code, a number, an address, a name typed into the database) and is
reported otherwise, with whether the French page translates it.
"""

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language_info

from catalogue.models import ProjectReview
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# Elements whose text a person does not read as the page's words (``code``: the codes and
# column names a spreadsheet holds, shown as they are typed).
HIDDEN = {"script", "style", "svg", "textarea", "template", "noscript", "code"}
# Words kept in Latin script in Arabic on purpose: keyboard keys named in Django's own
# Arabic help text, a file format, and the French legal term the Arabic contract label
# quotes ("الإيجار (affermage)").
ACCEPTED = {"Control", "Command", "Excel", "affermage"}
# Attributes whose words a person reads.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
# A run of Latin-script words (letters with their accents, apostrophes, hyphens inside).
LATIN_RUN = re.compile(
    r"[A-Za-zÀ-ÿŒœ]+(?:['’\-][A-Za-zÀ-ÿŒœ]+)*(?:[ \t]+[A-Za-zÀ-ÿŒœ]+(?:['’\-][A-Za-zÀ-ÿŒœ]+)*)*"
)
# What is data whatever the page: addresses, e-mails, file names, codes and acronyms.
DATA_PATTERNS = [
    re.compile(r"https?://\S+|www\.\S+"),
    re.compile(r"\S+@\S+"),
    re.compile(r"\S+\.(?:xlsx|csv|pdf|png|jpe?g|json|xml)\b", re.I),
    re.compile(r"\b[\w.\-]*\d[\w.\-]*\b"),  # a code or reference holding a digit
    re.compile(r"\b\w+(?:[._]\w+)+\b"),  # a dotted or underscored code (energy.solar)
    re.compile(r"\b[A-Z]{2,6}s?\b"),  # an acronym (PPP, TND, XLSX, CSV, OC4IDS)
    re.compile(r"\[[a-z]{2}\]"),  # the language of a translated field's label ("Titre [ar]")
]


class VisibleText(HTMLParser):
    """The text a person reads on a page: text nodes out of scripts, styles, icons and
    typed-in text, and the words of buttons, placeholders, titles and image texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.hidden_divs = 0  # depth inside a <div class="… hidden …"> (not displayed)
        self.texts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN:
            self.hidden += 1
        if tag == "div" and (self.hidden_divs or "hidden" in (attrs.get("class") or "").split()):
            self.hidden_divs += 1
        if self.hidden_divs:
            return
        for name in READ_ATTRIBUTES & attrs.keys():
            # Django's yes/no icons say "True"/"False" in their alt text, in every language.
            if not (name == "alt" and "/admin/img/icon-" in (attrs.get("src") or "")):
                self.texts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.texts.append(attrs.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self.hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if tag == "div" and self.hidden_divs:
            self.hidden_divs -= 1

    def handle_data(self, data):
        if not self.hidden and not self.hidden_divs and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def latin_runs(html: str) -> set[str]:
    """The Latin-script word runs of a page's visible text, data patterns removed."""
    runs = set()
    for text in visible_texts(html):
        for pattern in DATA_PATTERNS:
            text = pattern.sub(" ", text)
        runs.update(" ".join(match.group().split()) for match in LATIN_RUN.finditer(text))
    return {run for run in runs if len(run) > 1 and run not in ACCEPTED}


def untranslated_runs(arabic_html: str, french_html: str, data: str) -> list[tuple[str, bool]]:
    """The Latin-script runs of the Arabic page that are not data, each with whether the
    French page has it too (then it is untranslated in both) or not (then French has a
    translation that Arabic lacks).

    ``data``: the text typed into the database, one value a line; a run is data when it
    is a whole part of one of them (a French name shown in the Arabic admin).
    """
    french = latin_runs(french_html)
    found = []
    for run in sorted(latin_runs(arabic_html)):
        if re.search(rf"(?<![\w'’]){re.escape(run)}(?![\w'’])", data):
            continue
        found.append((run, run in french))
    return found


def untranslated(arabic_html: str, french_html: str, data: str) -> list[str]:
    """``untranslated_runs``, told as a person reads it."""
    return [
        f"{run!r} ({'also on' if on_french else 'not on'} the French page)"
        for run, on_french in untranslated_runs(arabic_html, french_html, data)
    ]


def project_source() -> str:
    """The text of the project's own code and templates (lower case): a string found there
    is the project's, translated in ``locale/ar`` by the translator's pass, not a vendor's."""
    root = Path(settings.BASE_DIR)
    files = [
        path
        for folder in ("municipalities", "caravan", "catalogue", "smartcities", "templates")
        for pattern in ("*.py", "*.html", "*.txt")
        for path in (root / folder).rglob(pattern)
    ]
    text = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)
    # A long string is written over several lines: "… the workflow " "buttons …".
    text = re.sub(r"[\"']\s*\n\s*[\"']", "", text)
    return " ".join(text.split()).lower()


# Rows holding the framework's own words (permission and model names in English), not data.
NOT_DATA = {"auth.permission", "contenttypes.contenttype", "admin.logentry", "sessions.session"}


def database_text() -> str:
    """Every short text typed into the database (names, titles, references, usernames),
    each row's own name (``str()``), the codes of the choices, and the languages' own names
    (the language menu shows each in itself); the data patterns taken out, as in a page."""
    values = [get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES]
    for model in apps.get_models():
        if model._meta.label_lower in NOT_DATA:
            continue
        for field in model._meta.concrete_fields:
            values.extend(str(code) for code, _label in field.flatchoices or ())
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.CharField)]
        if fields:
            for row in model._default_manager.values_list(*fields):
                values.extend(str(value) for value in row if value)
        values.extend(str(obj) for obj in model._default_manager.all()[:1000])
    text = "\n".join(values)
    for pattern in DATA_PATTERNS:
        text = pattern.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text)


# -- the checker catches what it must ------------------------------------------------

ARABIC_PAGE = """<html lang="ar" dir="rtl"><body>
<h1>تعديل مشروع</h1>
<p>TST-2025-001 · Projet d'essai</p>
<a href="https://example.org">https://example.org</a> <span>root@example.org</span>
<label>المبلغ (TND)</label> <span>energy.solar</span>
<script>var label = "Not shown";</script>
<textarea>Texte saisi par l'utilisateur</textarea>
%s
</body></html>"""
FRENCH_PAGE = """<html lang="fr"><body><h1>Modifier projet</h1>
<p>TST-2025-001 · Projet d'essai</p><input type="submit" value="Enregistrer">
<button>Save and add another</button></body></html>"""


def test_the_checker_passes_an_arabic_page_whose_latin_words_are_data():
    assert untranslated(ARABIC_PAGE % "", FRENCH_PAGE, "Projet d'essai") == []


def test_the_checker_catches_an_untranslated_string():
    page = ARABIC_PAGE % '<input type="submit" value="Save"> <p title="Filter">تصفية</p>'
    assert untranslated(page, FRENCH_PAGE, "Projet d'essai") == [
        "'Filter' (not on the French page)",
        "'Save' (not on the French page)",
    ]


def test_the_checker_tells_a_string_untranslated_in_both_languages():
    page = ARABIC_PAGE % "<button>Save and add another</button>"
    assert untranslated(page, FRENCH_PAGE, "Projet d'essai") == [
        "'Save and add another' (also on the French page)"
    ]


def test_the_checker_does_not_take_a_word_inside_a_name_for_data():
    # "Sfax" is a name in the database; "Sf" alone is not a part of it.
    page = ARABIC_PAGE % "<p>Sf</p>"
    assert untranslated(page, FRENCH_PAGE, "Projet d'essai\nSfax") == [
        "'Sf' (not on the French page)"
    ]


# -- the admin's main pages ------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)


@pytest.fixture
def admin_pages(superuser):
    """The admin's main pages: index, each app, each list, the forms and history of a
    project, a municipality and a review, the project import, the password change."""
    project = ProjectFactory(published=True)
    project.status = "draft"
    project.save()  # a second history record: the history page shows a change
    review = ProjectReview.objects.create(project=project, version=1, reviewer=superuser)
    municipality = Municipality.objects.get(code="5111")
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    pages += sorted(
        {reverse("admin:app_list", args=[m._meta.app_label]) for m in admin.site._registry}
    )
    pages += [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
    ]
    for obj in (project, municipality, review):
        info = obj._meta.app_label, obj._meta.model_name
        if obj is not review:  # a review is opened from its project, not added
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        pages += [
            reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
            reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
        ]
    pages.append(reverse("admin:catalogue_project_import"))
    return pages


def test_the_arabic_admin_main_pages_have_no_untranslated_string(client, superuser, admin_pages):
    """Every string must be Arabic: Django's and the third-party apps' (locale/vendor) and
    the project's own (locale/ar); the two kinds are reported apart to say where to fix."""
    client.force_login(superuser)
    data = database_text()
    source = project_source()
    vendor, project = {}, {}
    for url in admin_pages:
        arabic = client.get(url, headers={"accept-language": "ar"})
        french = client.get(url, headers={"accept-language": "fr"})
        assert arabic.status_code == french.status_code == 200, url
        assert '<html lang="ar" dir="rtl"' in arabic.content.decode(), url
        for run, _on_french in untranslated_runs(
            arabic.content.decode(), french.content.decode(), data
        ):
            owner = project if run.lower() in source else vendor
            owner.setdefault(run, url)
    assert vendor == {}, "third-party strings missing from locale/vendor/ar"
    assert project == {}, "project strings missing from locale/ar"


def test_the_lockout_page_is_arabic(client, settings, superuser):
    settings.AXES_FAILURE_LIMIT = 2
    url = reverse("admin:login")
    responses = {}
    for language in ("ar", "fr"):
        for _attempt in range(3):
            response = client.post(
                url,
                {"username": f"nobody-{language}", "password": "wrong"},
                headers={"accept-language": language},
            )
        responses[language] = response
    assert responses["ar"].status_code == responses["fr"].status_code == 429
    arabic, french = (responses[lang].content.decode() for lang in ("ar", "fr"))
    assert untranslated(arabic, french, database_text()) == []
    assert re.search(r"[\u0600-\u06FF]", arabic)  # says something, in Arabic


def test_the_arabic_admin_scripts_have_their_strings(client, superuser):
    """The calendar and clock of date fields, and the time zone note, speak Arabic too
    (Django's Arabic catalogue of the admin's scripts lacks them: locale/vendor)."""
    client.force_login(superuser)
    catalogue = client.get(reverse("admin:jsi18n"), headers={"accept-language": "ar"})
    with warnings.catch_warnings():  # the script's regular expressions hold "\\(" escapes
        warnings.simplefilter("ignore", DeprecationWarning)
        script = catalogue.content.decode("unicode_escape")
    for translated in ("اليوم (%(date)s)", "التالي (%(month)s %(year)s)", "الخادم"):
        assert translated in script
