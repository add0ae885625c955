"""Bad input and faults: never a 500, never a partial write."""

import json

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.models import Project, ProjectTransition
from catalogue.register import services
from tests.factories import ProjectFactory

FILTERS = [
    "q",
    "governorate",
    "municipality",
    "sector",
    "dimension",
    "stage",
    "contract",
    "ministry",
    "investment_min",
    "investment_max",
    "edition",
    "sort",
    "page",
    "per_page",
]
NASTY = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["NaN", "-inf", "Infinity", "1e400", "-1", "0", "\x00", "' OR 1=1 --", "%00"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
QUERIES = st.lists(st.tuples(st.sampled_from(FILTERS), NASTY), max_size=8)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES, language=st.sampled_from(["fr", "ar", "en"]))
def test_any_catalogue_query_string_gives_a_page_or_a_404_never_a_500(client, query, language):
    # Repeated parameters included: the list may hold the same name several times.
    response = client.get(f"/{language}/catalogue/", [(k, v) for k, v in query])
    assert response.status_code in (200, 404), (query, response.status_code)


# Each download's answers to a query string it cannot use (a 400 says why, in text).
DOWNLOADS = {
    "/fr/catalogue/dossier.pdf": (200, 302, 400, 404),
    "/fr/catalogue/export.csv": (200,),
    "/ar/catalogue/export.xlsx": (200, 400),
    "/en/catalogue/export.json": (200,),
    "/api/oc4ids/projects.json": (200, 404),
}


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES, url=st.sampled_from(sorted(DOWNLOADS)))
def test_any_query_string_on_the_dossier_and_exports_is_handled(client, query, url):
    response = client.get(url, [(k, v) for k, v in query])
    assert response.status_code in DOWNLOADS[url], (url, query, response.status_code)
    # A streamed export fails while it is read, not before: read it all.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.status_code == 200 and url.endswith(".json"):
        json.loads(body)


@pytest.mark.django_db
def test_the_database_going_away_during_a_transition_writes_nothing(monkeypatch, make_user):
    from catalogue.register.roles import EDITOR

    editor = make_user("editor", EDITOR)
    project = ProjectFactory()
    original_create = ProjectTransition.objects.create

    def fail(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(ProjectTransition.objects, "create", fail)
    with pytest.raises(DatabaseError):
        services.project_submit(project=project, user=editor)
    monkeypatch.setattr(ProjectTransition.objects, "create", original_create)
    project.refresh_from_db()
    assert project.status == "draft" and project.lock_version == 1
    assert not ProjectTransition.objects.filter(project=project).exists()


@pytest.mark.django_db
@pytest.mark.logs_errors("the database going away is logged with its traceback, on purpose")
@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_the_database_going_away_during_an_admin_save_says_so_and_saves_nothing(
    client, django_user_model, monkeypatch, caplog, failure
):
    from django.urls import reverse

    from tests.helpers import change_form_data

    client.force_login(django_user_model.objects.create_superuser("root", "r@x.tn", "x" * 16))
    project = ProjectFactory(title_fr="Avant")
    url = reverse("admin:catalogue_project_change", args=[project.pk])
    data = change_form_data(client.get(url))
    data["title_fr"] = "Après"

    def broken_save(self, *args, **kwargs):
        raise failure

    monkeypatch.setattr(Project, "save", broken_save)
    client.raise_request_exception = False
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and "no-cache" in response["Cache-Control"]
    text = response.text
    assert 'class="site-header"' in text and 'lang="en"' in text
    assert "The service is temporarily unavailable" in text
    assert "Nothing was saved. Please try again in a moment." in text
    assert str(failure) not in text and "Traceback" not in text
    assert response["X-Request-ID"] in text
    logged = [r for r in caplog.records if r.name == "smartcities.errors"]
    assert [r.request_id for r in logged] == [response["X-Request-ID"]]
    assert logged[0].exc_info[1] is failure
    assert Project.objects.get(pk=project.pk).title_fr == "Avant"


@pytest.mark.django_db
def test_the_database_going_away_in_the_middle_of_an_import_writes_nothing(make_user):
    import csv
    import io

    from django.db import connection

    from catalogue.intake.imports import import_projects
    from catalogue.register.roles import EDITOR

    editor = make_user("importer", EDITOR)
    rows = [
        {
            "reference": f"ZDB-2026-{n:03d}",
            "title_fr": f"Projet importé {n}",
            "summary_fr": "Un projet venu d'un tableur de la caravane.",
            "municipality": "5111",
        }
        for n in range(1, 61)
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    before = Project.objects.count()

    def imported_rows_in_the_table() -> int:
        """Seen from inside the import's transaction, on the same connection."""
        cursor = connection.connection.cursor()
        try:
            cursor.execute("SELECT COUNT(*) FROM catalogue_project WHERE reference LIKE 'ZDB-%'")
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    written = []

    def lose_the_database_once_rows_are_written(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not written and (count := imported_rows_in_the_table()):
            written.append(count)
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with (
        connection.execute_wrapper(lose_the_database_once_rows_are_written),
        pytest.raises(OperationalError),
    ):
        import_projects(buffer.getvalue().encode(), user=editor, dry_run=False, name="x.csv")
    assert written and written[0] > 0, "the failure came after some rows were written"
    assert imported_rows_in_the_table() == 0
    assert Project.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/fr/catalogue/GAB-2020-001%00/",
        "/fr/catalogue/GAB%00/sheet.pdf",
        "/fr/catalogue/%00GAB-2020-001/sheet.pdf",
        "/ar/catalogue/gab-2020-001/",
        "/en/catalogue/GAB-2020-001%0A/",
        "/fr/catalogue/GAB-2020-001%00/documents/1.pdf",
    ],
)
def test_a_reference_that_is_not_one_is_not_found_before_any_query(client, path):
    # On PostgreSQL a NUL byte in a query parameter raises DataError: the URL's
    # reference converter refuses it (and any other malformed reference) first.
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert 'class="site-header"' in response.text
