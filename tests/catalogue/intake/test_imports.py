"""Spreadsheet imports: the project pipeline (admin page and command) and the reference data."""

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalogue.intake.imports import import_projects
from catalogue.models import Project
from catalogue.outputs.exports import COLUMN_NAMES, csv_chunks, project_values, xlsx_file
from catalogue.register.choices import Stage, Status
from catalogue.register.roles import EDITOR
from catalogue.register.rules import EXAMPLE_REFERENCE
from municipalities.models import Municipality
from smartcities.core import spreadsheets
from tests.factories import ProjectFactory
from tests.helpers import new_row, read_csv, write_csv

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/catalogue/project/import/"


def export_csv(queryset=None) -> bytes:
    return "".join(csv_chunks(queryset or Project.objects.all())).encode()


def snapshot() -> dict:
    """Every project's row, without what a write changes by itself."""
    return {
        p.reference: {
            k: v for k, v in project_values(p).items() if k not in ("updated_at", "edit_version")
        }
        for p in Project.objects.prefetch_related("dimensions", "ministries").select_related(
            "municipality", "sector", "stop__edition"
        )
    }


@pytest.fixture
def projects():
    first = ProjectFactory(reference="TST-2025-001", published=True, stage=Stage.PLANNING)
    first.dimensions.set([1, 2])
    ProjectFactory(reference="TST-2025-002", description_fr="Ligne 1\nLigne 2, « citée »")
    return Project.objects.all()


@pytest.fixture
def editor(make_user):
    return make_user("importer", EDITOR)


# Round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imported_unchanged_changes_nothing(projects, editor, kind):
    data = export_csv() if kind == "csv" else xlsx_file(Project.objects.all())
    before = snapshot()
    versions = dict(Project.objects.values_list("reference", "lock_version"))
    history = Project.history.count()

    result = import_projects(data, user=editor, dry_run=False, name=f"export.{kind}")

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.skipped) == (0, 0, Project.objects.count())
    assert snapshot() == before
    assert dict(Project.objects.values_list("reference", "lock_version")) == versions
    assert Project.history.count() == history


def test_editing_one_cell_changes_exactly_that(projects, editor):
    rows = read_csv(export_csv())
    row = next(r for r in rows if r["reference"] == "TST-2025-002")
    row["investment_tnd"] = "1 250 000,5"
    before = snapshot()
    version = Project.objects.get(reference="TST-2025-002").lock_version

    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="edited.csv")

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (0, 1)
    after = snapshot()
    assert after["TST-2025-002"].pop("investment_tnd") == Decimal("1250000.5")
    assert before["TST-2025-002"].pop("investment_tnd") is None
    assert after == before
    project = Project.objects.get(reference="TST-2025-002")
    assert project.lock_version == version + 1
    assert project.last_edited_by == editor
    record = project.history.first()
    assert record.history_type == "~" and record.history_user == editor
    assert record.investment_tnd == Decimal("1250000.5")
    assert [row.changes for row in result.rows if row.action == "update"] == [
        [("investment_tnd", "", "1250000.5")]
    ]


def test_a_dry_run_writes_nothing(projects, editor):
    rows = read_csv(export_csv())
    rows[0]["title_fr"] = "Autre titre"
    rows.append(new_row("NEW-2026-001"))
    before = snapshot()
    result = import_projects(write_csv(rows), user=editor, dry_run=True, name="x.csv")
    assert result.ok and result.dry_run
    assert (result.created, result.updated) == (1, 1)
    assert snapshot() == before


def test_new_projects_are_drafts_and_the_status_column_is_ignored(projects, editor):
    rows = read_csv(export_csv())
    for row in rows:
        row["status"] = "withdrawn"
    rows.append({**dict.fromkeys(rows[0], ""), **new_row("NEW-2026-001", status="published")})
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")
    assert result.ok, [str(e) for e in result.errors]
    created = Project.objects.get(reference="NEW-2026-001")
    assert created.status == Status.DRAFT
    assert created.last_edited_by == editor
    assert created.stage == ""  # an empty cell: "not stated", never a default
    assert Project.objects.get(reference="TST-2025-001").status == Status.PUBLISHED
    # The search text is filled as by save(): the catalogue's search finds the project.
    assert Project.objects.search("importé gabès").filter(pk=created.pk).exists()


def test_natural_keys_resolve_codes_slugs_and_acronyms(editor):
    row = new_row(
        "NEW-2026-002",
        municipality="gabes",
        sector="transport.urban",
        dimensions="mobility; environment",
        ministries="ME, affaires-locales",
        caravan_edition="2",
        latitude="33,88146",
        longitude="10.0982",
        featured="oui",
    )
    result = import_projects(write_csv([row]), user=editor, dry_run=False, name="x.csv")
    assert result.ok, [str(e) for e in result.errors]
    project = Project.objects.get(reference="NEW-2026-002")
    assert project.municipality.code == "5111"
    assert project.sector.code == "transport.urban"
    assert {d.code for d in project.dimensions.all()} == {"mobility", "environment"}
    assert {m.acronym for m in project.ministries.all()} == {"ME", "MAL"}
    assert project.stop.edition.number == 2 and project.stop.municipality.code == "5111"
    assert project.latitude == Decimal("33.88146") and project.featured is True


def test_changed_links_and_new_projects_in_one_file(projects, editor):
    """Updates and creations together: the links are replaced, and the update's history
    record holds the new dimensions and ministries (as an edit in the admin would)."""
    rows = read_csv(export_csv())
    row = next(r for r in rows if r["reference"] == "TST-2025-001")
    row["dimensions"] = "environment"
    row["ministries"] = "ME; MF"
    rows.append(
        {
            **dict.fromkeys(rows[0], ""),
            **new_row("NEW-2026-010", dimensions="mobility", ministries="MAL"),
        }
    )
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (1, 1)
    assert result.skipped == len(rows) - 2
    updated = Project.objects.get(reference="TST-2025-001")
    assert {d.code for d in updated.dimensions.all()} == {"environment"}
    assert {m.acronym for m in updated.ministries.all()} == {"ME", "MF"}
    record = updated.history.first()
    assert record.history_type == "~" and record.history_user == editor
    assert {link.dimension.code for link in record.dimensions.all()} == {"environment"}
    assert {link.ministry.acronym for link in record.ministries.all()} == {"ME", "MF"}
    created = Project.objects.get(reference="NEW-2026-010")
    assert {d.code for d in created.dimensions.all()} == {"mobility"}
    assert {m.acronym for m in created.ministries.all()} == {"MAL"}
    assert created.search_text == created.compose_search_text()
    assert updated.search_text == updated.compose_search_text()
    # The new project's history starts with the import: who, which file, what.
    (first,) = created.history.all()
    assert (first.history_type, first.history_user) == ("+", editor)
    assert first.history_change_reason.endswith("x.csv")
    assert first.title_fr == created.title_fr and first.municipality_id == created.municipality_id
    assert {link.dimension.code for link in first.dimensions.all()} == {"mobility"}
    assert {link.ministry.acronym for link in first.ministries.all()} == {"MAL"}
    # The links' ids in the history are those of the project's own links.
    assert {link.id for link in first.dimensions.all()} == set(
        created.dimensions.through.objects.filter(project=created).values_list("id", flat=True)
    )


def test_an_import_refreshes_the_cached_public_pages(projects, editor, client, settings):
    settings.CACHE_PUBLIC_PAGES = True
    url = Project.objects.get(reference="TST-2025-001").get_absolute_url()
    assert "Titre venu du tableur" not in client.get(url).text  # now cached
    rows = read_csv(export_csv())
    next(r for r in rows if r["reference"] == "TST-2025-001")["title_fr"] = "Titre venu du tableur"

    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")

    assert result.ok and result.updated == 1
    assert "Titre venu du tableur" in client.get(url).text


def test_the_number_of_queries_does_not_grow_with_the_rows(projects, editor):
    """Lookups are cached and writes are in bulk: no query per row."""

    def queries(count, first):
        rows = [
            new_row(f"QRY-2026-{n:03d}", dimensions="mobility") for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as captured:
            result = import_projects(write_csv(rows), user=editor, dry_run=False, name="q.csv")
        assert result.ok and result.created == count
        return len(captured)

    queries(1, 1)  # the user's permissions are cached on the first import
    assert queries(3, 10) == queries(60, 100)


# Errors: nothing written, each error names its line -------------------------------------


def test_a_bad_value_on_line_237_of_500_rows_writes_nothing_and_names_line_237(editor):
    rows = [new_row(f"BIG-2026-{n:03d}", investment_tnd=str(n * 1000)) for n in range(1, 501)]
    rows[237 - 2]["investment_tnd"] = "beaucoup"  # line 1 is the header
    count = Project.objects.count()

    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="big.csv")

    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [(237, "investment_tnd")]
    assert "237" in str(result.errors[0]) and "beaucoup" in str(result.errors[0])
    assert Project.objects.count() == count
    assert not Project.objects.filter(reference__startswith="BIG-").exists()


def test_model_validation_runs_on_every_row(editor):
    rows = [
        new_row("VAL-2026-001", duration_years="150"),
        new_row("VAL-2026-002", contract_model="public_works", contract_subtype="bot"),
        new_row("VAL-2026-003", latitude="36.8"),
        new_row("bad reference"),
        new_row("VAL-2026-005", contact_email="not an e-mail"),
        new_row("VAL-2026-006", title_fr=""),
    ]
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")
    assert {(e.line, e.column) for e in result.errors} == {
        (2, "duration_years"),
        (3, "contract_subtype"),
        (4, "longitude"),
        (5, "reference"),
        (6, "contact_email"),
        (7, "title_fr"),
    }
    assert not Project.objects.filter(reference__startswith="VAL-").exists()


def test_values_found_valid_once_are_still_checked_as_written(editor):
    """The import remembers valid field values between rows: a decimal with more places
    than allowed fails even after an equal one passed, and a bad value fails on each
    line it is on."""
    rows = [
        new_row("MEM-2026-001", land_area_ha="1.5", duration_years="20"),
        new_row("MEM-2026-002", land_area_ha="1.500", duration_years="20"),
        new_row("MEM-2026-003", duration_years="150"),
        new_row("MEM-2026-004", duration_years="150"),
        new_row("MEM-2026-005", land_area_ha="1.50"),
    ]
    result = import_projects(write_csv(rows), user=editor, dry_run=True, name="x.csv")
    assert {(e.line, e.column) for e in result.errors} == {
        (3, "land_area_ha"),
        (4, "duration_years"),
        (5, "duration_years"),
    }


def test_a_reference_twice_in_one_file_is_refused(editor):
    rows = [new_row("DUP-2026-001"), new_row("DUP-2026-002"), new_row("dup-2026-001")]
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")
    assert [(e.line, e.column) for e in result.errors] == [(4, "reference")]
    assert "line 2" in result.errors[0].message or "ligne 2" in result.errors[0].message
    assert not Project.objects.filter(reference__startswith="DUP-").exists()


def test_an_unknown_municipality_code_is_refused(editor):
    result = import_projects(
        write_csv([new_row("UNK-2026-001", municipality="9999")]),
        user=editor,
        dry_run=False,
        name="x.csv",
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "municipality")]
    assert "9999" in result.errors[0].message


def test_unknown_codes_in_other_columns_are_refused(editor):
    row = new_row(
        "UNK-2026-002",
        sector="space",
        dimensions="mobility; telepathy",
        ministries="XYZ",
        stage="finished",
        caravan_edition="7",
        featured="maybe",
    )
    result = import_projects(write_csv([row]), user=editor, dry_run=False, name="x.csv")
    assert {e.column for e in result.errors} == {
        "sector",
        "dimensions",
        "ministries",
        "stage",
        "caravan_edition",
        "featured",
    }


def test_a_missing_required_column_is_refused(editor):
    row = new_row("MIS-2026-001")
    del row["summary_fr"]
    result = import_projects(write_csv([row]), user=editor, dry_run=False, name="x.csv")
    assert [(e.line, e.column) for e in result.errors] == [(1, "summary_fr")]
    assert "required" in result.errors[0].message or "obligatoire" in result.errors[0].message


def test_an_unknown_column_is_refused(editor):
    row = new_row("MIS-2026-002", titel_fr="typo")
    result = import_projects(write_csv([row]), user=editor, dry_run=False, name="x.csv")
    assert [(e.line, e.column) for e in result.errors] == [(1, "titel_fr")]


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"", "empty.csv", "empty"),
        (b"\n\n  \n", "blank.csv", "empty"),
        (",".join(COLUMN_NAMES).encode() + b"\n", "header.csv", "no data rows"),
        (b"reference,title_fr\nA,B\n", "renamed.xlsx", "not an Excel workbook"),
        ("reference,title_fr\nGAB-2026-001,Qualité\n".encode("cp1252"), "x.csv", "UTF-8"),
        (b"\xff\xfer\x00e\x00f\x00", "unicode.csv", "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "old Excel"),
        (b"%PDF-1.7\x00\x01\x02", "file.csv", "neither a CSV"),
        (b"reference\nA\n", "notes.pdf", "Only CSV"),
    ],
    ids=["empty", "blank", "header-only", "csv-named-xlsx", "cp1252", "utf16", "xls", "pdf", "ext"],
)
def test_files_that_cannot_be_imported_get_a_clear_message(editor, data, name, words, settings):
    settings.LANGUAGE_CODE = "en"
    result = import_projects(data, user=editor, dry_run=False, name=name)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.line is None
    assert words in error.message


@pytest.mark.usefixtures("english")
def test_windows_1252_text_says_to_save_as_utf8(editor):
    data = "reference,title_fr\nGAB-2026-001,Équipement\n".encode("cp1252")
    message = import_projects(data, user=editor, dry_run=True, name="x.csv").errors[0].message
    assert "Windows-1252" in message and "CSV UTF-8" in message and "line 2" in message


def test_utf8_with_bom_and_semicolons_is_accepted(editor):
    data = "\ufeff".encode() + write_csv([new_row("BOM-2026-001")], delimiter=";")
    result = import_projects(data, user=editor, dry_run=False, name="excel-fr.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert Project.objects.filter(reference="BOM-2026-001").exists()


@pytest.mark.usefixtures("english")
def test_limits_on_rows_size_and_unpacked_size(editor, monkeypatch):
    rows = [new_row(f"LIM-2026-{n:03d}") for n in range(1, 6)]
    monkeypatch.setattr(spreadsheets.reading, "MAX_ROWS", 4)
    message = import_projects(write_csv(rows), user=editor, dry_run=True).errors[0].message
    assert "more than 4 rows" in message
    monkeypatch.setattr(spreadsheets.reading, "MAX_ROWS", 20_000)

    monkeypatch.setattr(spreadsheets.reading, "MAX_FILE_BYTES", 100)
    upload = SimpleUploadedFile("big.csv", write_csv(rows))
    assert "too big" in import_projects(upload, user=editor, dry_run=True).errors[0].message
    monkeypatch.setattr(spreadsheets.reading, "MAX_FILE_BYTES", 40 * 1024 * 1024)

    monkeypatch.setattr(spreadsheets.reading, "MAX_XLSX_UNCOMPRESSED_BYTES", 1000)
    workbook = xlsx_file(Project.objects.all())
    message = import_projects(workbook, user=editor, dry_run=True, name="bomb.xlsx").errors[0]
    assert "too big once unpacked" in message.message


@pytest.mark.usefixtures("english")
def test_a_zip_that_is_not_a_workbook_is_refused(editor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = import_projects(buffer.getvalue(), user=editor, dry_run=True, name="x.xlsx")
    assert "not an Excel workbook" in result.errors[0].message


def test_formulas_neutralised_in_an_export_import_back_as_they_were(editor):
    project = ProjectFactory(
        reference="FOR-2026-001", title_fr='=HYPERLINK("http://x")', contact_phone="+216 75"
    )
    data = export_csv(Project.objects.filter(pk=project.pk))
    assert b"'=HYPERLINK" in data and b"'+216 75" in data
    result = import_projects(data, user=editor, dry_run=False, name="x.csv")
    assert (result.skipped, result.updated) == (1, 0)


def test_a_stale_edit_version_is_refused(projects, editor):
    rows = read_csv(export_csv())
    project = Project.objects.get(reference="TST-2025-002")
    project.title_fr = "Changé entre-temps"
    project.lock_version += 1
    project.save()
    row = next(r for r in rows if r["reference"] == "TST-2025-002")
    row["summary_fr"] = "Mon changement"
    result = import_projects(write_csv(rows), user=editor, dry_run=False, name="x.csv")
    assert [(e.column) for e in result.errors] == ["edit_version"]


# Rights ---------------------------------------------------------------------------------


def test_importing_needs_the_import_permission(make_user):
    from catalogue.register.roles import COMMITTEE

    member = make_user("member", COMMITTEE)
    with pytest.raises(PermissionDenied):
        import_projects(write_csv([new_row("PER-2026-001")]), user=member, dry_run=True)


def test_a_user_without_the_import_permission_gets_403_on_the_import_page(client, make_user):
    from django.contrib.auth.models import Permission

    user = make_user("no_import")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalogue",
            codename__in=["view_project", "add_project", "change_project"],
        )
    )
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get("/admin/catalogue/project/import-template.csv").status_code == 403
    assert client.get("/admin/municipalities/municipality/import/").status_code == 403
    assert b"import_link" not in client.get("/admin/catalogue/project/").content


def test_a_focal_point_imports_only_into_their_municipality(team, projects):
    focal = team["focal"]  # Gabès (5111)
    other = ProjectFactory(
        reference="SFX-2026-001", municipality=Municipality.objects.get(code="3411")
    )
    rows = [
        new_row("FOC-2026-001"),
        new_row("FOC-2026-002", municipality="3411"),
        {**new_row(other.reference, municipality="3411"), "title_fr": "Pris"},
        {**new_row("TST-2025-001"), "title_fr": "Publié, donc figé"},
        new_row("FOC-2026-005", featured="yes"),
    ]
    result = import_projects(write_csv(rows), user=focal, dry_run=False, name="x.csv")
    assert {(e.line, e.column) for e in result.errors} == {
        (3, "municipality"),
        (4, "municipality"),
        (4, "reference"),
        (5, "reference"),
        (6, "featured"),  # a staff-only column, on a new project too
    }
    assert not Project.objects.filter(reference__startswith="FOC-").exists()
    ok = import_projects(write_csv(rows[:1]), user=focal, dry_run=False, name="x.csv")
    assert ok.ok and Project.objects.get(reference="FOC-2026-001").status == Status.DRAFT


# The admin page and the command ---------------------------------------------------------


def test_the_admin_checks_then_imports_on_confirmation(client, editor):
    client.force_login(editor)
    page = client.get("/admin/catalogue/project/")
    assert IMPORT_URL.encode() in page.content
    upload = SimpleUploadedFile("caravan.csv", write_csv([new_row("ADM-2026-001")]))
    checked = client.post(IMPORT_URL, {"import_file": upload})
    assert checked.status_code == 200
    assert checked.context["result"].created == 1
    assert not Project.objects.filter(reference="ADM-2026-001").exists()
    token = checked.context["token"]
    done = client.post(IMPORT_URL, {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert Project.objects.get(reference="ADM-2026-001").last_edited_by == editor
    # A token works once.
    again = client.post(IMPORT_URL, {"confirm": "1", "token": token})
    assert again.status_code == 200 and again.context["result"] is None


def test_a_checked_file_waits_in_the_private_storage_until_confirmed(client, editor, settings):
    """Between the check and the confirmation the file is in the documents storage (shared
    by every app server, never served), then deleted; files never confirmed go after a
    day; a backup leaves them out."""
    import os
    import time

    from smartcities.core import backup

    pending = Path(settings.PRIVATE_MEDIA_ROOT) / "pending-imports"
    pending.mkdir(parents=True)
    stale = pending / "forgotten.upload"
    stale.write_bytes(b"reference\n")
    os.utime(stale, (time.time() - 2 * 24 * 3600,) * 2)
    client.force_login(editor)
    upload = SimpleUploadedFile("caravan.csv", write_csv([new_row("PND-2026-001")]))
    checked = client.post(IMPORT_URL, {"import_file": upload})

    waiting = sorted(pending.iterdir(), key=lambda path: path.suffix)
    # The stale file is gone; the checked file waits with the edit versions its check saw.
    assert [path.suffix for path in waiting] == [".json", ".upload"]
    assert waiting[1].read_bytes() == write_csv([new_row("PND-2026-001")])
    assert json.loads(waiting[0].read_bytes()) == {"PND-2026-001": None}
    assert not any("pending-imports" in name for name in backup.document_checksums())
    client.post(IMPORT_URL, {"confirm": "1", "token": checked.context["token"]})
    assert Project.objects.filter(reference="PND-2026-001").exists()
    assert list(pending.iterdir()) == []


def test_a_file_changed_while_waiting_is_not_imported(client, editor, settings):
    client.force_login(editor)
    upload = SimpleUploadedFile("caravan.csv", write_csv([new_row("CHG-2026-001")]))
    checked = client.post(IMPORT_URL, {"import_file": upload})
    pending = Path(settings.PRIVATE_MEDIA_ROOT) / "pending-imports"
    (waiting,) = pending.glob("*.upload")
    waiting.write_bytes(write_csv([new_row("CHG-2026-002")]))
    done = client.post(IMPORT_URL, {"confirm": "1", "token": checked.context["token"]})
    assert done.status_code == 200 and done.context["result"] is None
    assert not Project.objects.filter(reference__startswith="CHG-").exists()
    assert list(pending.iterdir()) == []


def test_the_admin_lists_every_error_and_offers_no_confirmation(client, editor):
    client.force_login(editor)
    rows = [new_row("ERR-2026-001", municipality="0000"), new_row("ERR-2026-002", stage="x")]
    upload = SimpleUploadedFile("e.csv", write_csv(rows))
    response = client.post(IMPORT_URL, {"import_file": upload})
    assert response.context["token"] is None
    assert [(e.line, e.column) for e in response.context["errors"]] == [
        (2, "municipality"),
        (3, "stage"),
    ]
    assert b'name="confirm"' not in response.content


def test_a_large_admin_import_runs_as_a_background_task(client, editor, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(editor)
    rows = [new_row("BGT-2026-001"), new_row("BGT-2026-002")]
    checked = client.post(IMPORT_URL, {"import_file": SimpleUploadedFile("b.csv", write_csv(rows))})
    done = client.post(IMPORT_URL, {"confirm": "1", "token": checked.context["token"]})
    assert done.status_code == 302
    assert Project.objects.filter(reference__startswith="BGT-").count() == 2
    assert list((Path(settings.PRIVATE_MEDIA_ROOT) / "pending-imports").iterdir()) == []


@pytest.mark.usefixtures("english")
def test_the_import_templates_example_row_is_refused_and_is_otherwise_valid(client, editor):
    # The example's reference can never be a real project's: imported as it is, the
    # template changes nothing and says why; with a reference of one's own, the row passes.
    client.force_login(editor)
    data = client.get("/admin/catalogue/project/import-template.csv").content
    translation.activate("en")  # the request left the admin's language (French) active
    example = read_csv(data)[0]
    assert example["reference"] == EXAMPLE_REFERENCE
    assert list(example) == COLUMN_NAMES
    result = import_projects(data, user=editor, dry_run=False, name="template.csv")
    assert [(e.line, e.column) for e in result.errors] == [(2, "reference")]
    assert "example row" in result.errors[0].message
    assert not Project.objects.filter(reference=EXAMPLE_REFERENCE).exists()
    own = write_csv([{**example, "reference": "GAB-2026-101"}])
    assert import_projects(own, user=editor, dry_run=True, name="mine.csv").ok
    workbook = client.get("/admin/catalogue/project/import-template.xlsx").content
    refused = import_projects(workbook, user=editor, dry_run=True, name="template.xlsx")
    assert [(e.line, e.column) for e in refused.errors] == [(2, "reference")]


def test_the_confirmation_lists_the_published_projects_the_file_would_change(
    client, editor, projects
):
    ours = projects.filter(reference__startswith="TST-")
    published, draft = ours.get(reference="TST-2025-001"), ours.get(reference="TST-2025-002")
    rows = read_csv(export_csv(ours))
    for row in rows:
        row["title_fr"] += " (révisé)"
    client.force_login(editor)
    upload = SimpleUploadedFile("revision.csv", write_csv(rows))
    checked = client.post(IMPORT_URL, {"import_file": upload})
    assert [row.reference for row in checked.context["published_rows"]] == [published.reference]
    assert checked.context["published_count"] == 1
    listed = checked.text.split('class="import-published"')[1].split("</div>")[0]
    assert published.reference in listed and draft.reference not in listed
    assert Project.objects.get(pk=published.pk).title_fr == published.title_fr  # not yet


def test_the_command_imports_all_or_nothing(tmp_path, editor):
    good = tmp_path / "good.csv"
    good.write_bytes(write_csv([new_row("CMD-2026-001")]))
    call_command("import_projects", str(good), "--dry-run", "--user", "importer")
    assert not Project.objects.filter(reference="CMD-2026-001").exists()
    output = io.StringIO()
    call_command(
        "import_projects", str(good), "--user", "importer", "--language", "fr", "-v2", stdout=output
    )
    assert Project.objects.get(reference="CMD-2026-001").last_edited_by == editor
    assert "CMD-2026-001 (nouveau)" in output.getvalue()
    assert "(1 ligne en " in output.getvalue() and "lignes par seconde)" in output.getvalue()
    with pytest.raises(CommandError, match="لملف غير موجود"):
        call_command("import_projects", str(tmp_path / "missing.csv"), "--language", "ar")

    bad = tmp_path / "bad.csv"
    bad.write_bytes(write_csv([new_row("CMD-2026-002"), new_row("CMD-2026-003", stage="?")]))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported|Rien n'a été importé"):
        call_command("import_projects", str(bad), "--language", "en", stderr=errors)
    assert "Line 3" in errors.getvalue()
    assert not Project.objects.filter(reference="CMD-2026-002").exists()


# Reference data through django-import-export ---------------------------------------------


def test_a_disguised_file_is_refused_by_the_reference_data_imports(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("stops.xlsx", b"edition,municipality,order\n2,5111,1\n")
    response = client.post(
        "/admin/caravan/stop/import/",
        {"import_file": upload, "format": "1", "resource": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not an Excel workbook" in str(response.context["form"].errors)


def test_the_reference_data_import_templates(client, editor):
    client.force_login(editor)
    for model in ("municipalities/municipality", "caravan/stop", "caravan/ministry"):
        response = client.get(f"/admin/{model}/import-template.csv")
        assert response.status_code == 200
        assert len(read_csv(response.content)) == 1
    assert reverse("admin:caravan_stop_import_template", args=["xlsx"])
