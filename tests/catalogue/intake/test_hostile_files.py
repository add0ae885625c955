"""Hostile spreadsheets against every import, and imports racing each other.

Every file below is made here, byte by byte where it must be malformed, and sent to each
import: the admin pages of projects, municipalities, ministries and caravan stops, and
``manage.py import_projects``. Each must be answered (never a server error) with a
message that says what is wrong, and write nothing. The races run on PostgreSQL, in
threads released together by a barrier; their sequential cousins run on both databases.
"""

import functools
import io
import random
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from caravan.models import Ministry, Stop
from catalogue.intake.imports import import_projects
from catalogue.models import Project
from catalogue.register.roles import EDITOR
from municipalities.models import Municipality
from smartcities.core import spreadsheets
from smartcities.core.spreadsheets import FileProblem, read_table, xlsx_bytes
from tests.factories import ProjectFactory
from tests.helpers import change_form_data, new_row, write_csv

PROJECTS = "/admin/catalogue/project/import/"
PAGES = {
    "projects": PROJECTS,
    "municipalities": "/admin/municipalities/municipality/import/",
    "ministries": "/admin/caravan/ministry/import/",
    "stops": "/admin/caravan/stop/import/",
    "command": None,  # manage.py import_projects
}

# A workbook written by hand, so that it can be wrong in every way --------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Hostile" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIP}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIP}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{RELATIONSHIP}/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
# Style 1 is a date (number format 14), so that a number in it is read as a date.
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font/></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" xfId="0"/>'
    '<xf numFmtId="14" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def text(reference: str, value: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


# Line 1 of every hostile workbook: a header that any of the imports would accept so far.
HEADER = '<row r="1">' + text("A1", "reference") + text("B1", "title_fr") + "</row>"


def line2(cell_b2: str) -> str:
    return '<row r="2">' + text("A2", "HOS-2026-001") + cell_b2 + "</row>"


def workbook(
    rows: str = HEADER,
    *,
    dimension: str = "",
    strings: str = "<si><t>a</t></si>",
    sheet_prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
    extra: dict | None = None,
) -> bytes:
    """A minimal XLSX whose first sheet, "Hostile", holds ``rows`` (sheetData's XML)."""
    sheet = (
        f'{sheet_prolog}<worksheet xmlns="{MAIN}">{dimension}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{strings}</sst>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """161 MB of spaces inside a sheet's XML, some 160 KB once zipped."""
    return workbook(HEADER + " " * (161 * 1024 * 1024))


@functools.cache
def many_shared_strings() -> bytes:
    return workbook(strings="<si/>" * (spreadsheets.MAX_SHARED_STRINGS + 1))


def many_entries() -> bytes:
    return workbook(extra={f"xl/media/{n}.xml": "<x/>" for n in range(1_001)})


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)

# name: (the file, its name, words of the English message)
HOSTILE = {
    # Cells that openpyxl cannot read: each named with its sheet.
    "number cell holding text": (
        lambda: workbook(line2('<c r="B2" t="n"><v>abc</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "number cell holding NaN": (
        lambda: workbook(line2('<c r="B2"><v>NaN</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "number cell holding infinity": (
        lambda: workbook(line2('<c r="B2"><v>1e400</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "date cell holding garbage": (
        lambda: workbook(line2('<c r="B2" t="d"><v>31/02/garbage</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "date-formatted number out of range": (
        lambda: workbook(line2('<c r="B2" s="1"><v>1e20</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” shows an error",
    ),
    "shared string index out of range": (
        lambda: workbook(line2('<c r="B2" t="s"><v>7</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "yes/no cell holding text": (
        lambda: workbook(line2('<c r="B2" t="b"><v>maybe</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” cannot be read",
    ),
    "error cell": (
        lambda: workbook(line2('<c r="B2" t="e"><v>#DIV/0!</v></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” shows an error",
    ),
    "formula without its result": (
        lambda: workbook(line2('<c r="B2"><f>CONCAT("a";"b")</f></c>')),
        "x.xlsx",
        "Cell B2 of the sheet “Hostile” holds a formula whose result was not saved",
    ),
    "cell without a line in its address": (
        lambda: workbook(line2('<c r="B" t="n"><v>1</v></c>')),
        "x.xlsx",
        "Cell B of the sheet “Hostile” cannot be read",
    ),
    "row without a number": (
        lambda: workbook(HEADER + '<row r="two"><c><v>1</v></c></row>'),
        "x.xlsx",
        "The Excel workbook cannot be read",
    ),
    "sheet that is not XML": (
        lambda: workbook(HEADER + "<row r='2'><c><v>1</v></row>"),
        "x.xlsx",
        "The Excel workbook cannot be read",
    ),
    "entities in a DTD (billion laughs)": (
        lambda: workbook(HEADER, sheet_prolog=BILLION_LAUGHS),
        "x.xlsx",
        "The Excel workbook cannot be read",
    ),
    # Bombs: refused before openpyxl builds anything.
    "dimension bomb": (
        lambda: workbook(
            HEADER + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
            dimension='<dimension ref="A1:XFD1048576"/>',
        ),
        "x.xlsx",
        "The sheet “Hostile” says it spans A1:XFD1048576",
    ),
    "far-away cell without a dimension": (
        lambda: workbook(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
        "x.xlsx",
        "The sheet “Hostile” has a cell on line 1048576",
    ),
    "far-away cell under a lying dimension": (
        lambda: workbook(
            HEADER + '<row r="900000"><c r="A900000"><v>1</v></c></row>',
            dimension='<dimension ref="A1:B2"/>',
        ),
        "x.xlsx",
        "The sheet “Hostile” has a cell on line 900000",
    ),
    "30,001 empty rows": (
        lambda: workbook(HEADER + "<row/>" * 30_000),
        "x.xlsx",
        "has a cell on line 30001",
    ),
    "empty cells in the last column of 100 rows": (
        lambda: workbook(
            HEADER + "".join(f'<row r="{n}"><c r="XFD{n}" s="0"/></row>' for n in range(2, 102))
        ),
        "x.xlsx",
        "holds more than 1\u202f000\u202f000 cells",
    ),
    "a value in column 101": (
        lambda: workbook(line2('<c r="CW2"><v>1</v></c>')),
        "x.xlsx",
        "Line 2 has a value in column 101 (cell CW2)",
    ),
    "a value in the last column of the sheet": (
        lambda: workbook(line2('<c r="XFD2"><v>1</v></c>')),
        "x.xlsx",
        "Line 2 has a value in column 16384 (cell XFD2)",
    ),
    "huge shared string table": (
        many_shared_strings,
        "x.xlsx",
        "more than 500\u202f000 different texts",
    ),
    "zip bomb": (zip_bomb, "x.xlsx", "too big once unpacked"),
    "1,001 zip entries": (many_entries, "x.xlsx", "too big once unpacked"),
    # Encodings, disguises and CSV bombs.
    "UTF-16 with a BOM": (
        lambda: "reference,title_fr\nHOS-2026-001,Été\n".encode("utf-16"),
        "x.csv",
        "UTF-16",
    ),
    "UTF-16 without a BOM": (
        lambda: "reference,title_fr\nHOS-2026-001,Été\n".encode("utf-16-le"),
        "x.csv",
        "neither a CSV text file nor an Excel workbook",
    ),
    "Latin-1 CSV": (
        lambda: "reference,title_fr\nHOS-2026-001,Été à Gabès\n".encode("latin-1"),
        "x.csv",
        "Windows-1252",
    ),
    "a BOM and nothing else": (lambda: "\ufeff".encode(), "x.csv", "The file is empty"),
    "CSV named .xlsx": (
        lambda: b"reference,title_fr\nHOS-2026-001,x\n",
        "x.xlsx",
        "is not an Excel workbook: it holds CSV text",
    ),
    "XLSX named .csv": (
        lambda: xlsx_bytes(["reference"], [["HOS-2026-001"]]),
        "x.csv",
        "is an Excel workbook, not CSV text",
    ),
    "random bytes named .xlsx": (
        lambda: random.Random(1).randbytes(4096),
        "x.xlsx",
        "neither a CSV text file nor an Excel workbook",
    ),
    "a damaged ZIP named .xlsx": (
        lambda: workbook()[:600],
        "x.xlsx",
        "damaged",
    ),
    "old Excel file": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "x.xls",
        "old Excel file",
    ),
    "CSV line of 20,000 separators": (
        lambda: b"reference,title_fr\nHOS-2026-001" + b"," * 20_000 + b"\n",
        "x.csv",
        "at most 100 columns can be read",
    ),
    "CSV with a value in column 101": (
        lambda: b"reference,title_fr\nHOS-2026-001" + b"," * 100 + b"x\n",
        "x.csv",
        "Line 2 has a value in column 101 (cell CW2)",
    ),
    "CSV of 40,000 blank lines": (
        lambda: b"reference,title_fr\n" + b"\n" * 40_000 + b"HOS-2026-001,x\n",
        "x.csv",
        "The file goes on past line 30\u202f000",
    ),
}


@pytest.fixture
def editor(make_user):
    return make_user("hostile_editor", EDITOR)


def written() -> tuple:
    """What any of the imports would write: rows, history records, admin log entries."""
    return (
        Project.objects.count(),
        Project.history.count(),
        Municipality.history.count(),
        Ministry.objects.count(),
        Stop.objects.count(),
        LogEntry.objects.count(),
    )


def answer(page: str, client, data: bytes, name: str, tmp_path, *, language="en") -> list[str]:
    """The messages the page (or the command) gives for the file; never a server error
    (the test client raises it)."""
    if page == "command":
        path = tmp_path / name
        path.write_bytes(data)
        errors = io.StringIO()
        with pytest.raises(CommandError) as refused:
            call_command("import_projects", str(path), "--language", language, stderr=errors)
        return [errors.getvalue(), str(refused.value)]
    form = {"import_file": SimpleUploadedFile(name, data)}
    if page != "projects":
        form["resource"] = "0"
    response = client.post(PAGES[page], form, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    if page == "projects":
        assert response.context["token"] is None  # nothing to confirm
        return [str(error) for error in response.context["errors"]]
    assert "confirm_form" not in response.context
    return list(response.context["form"].errors.get("import_file", []))


@pytest.mark.filterwarnings("ignore:Cell B2 is marked as a date:UserWarning")
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_gets_a_clear_message_and_writes_nothing(
    page, case, client, editor, tmp_path
):
    make, name, words = HOSTILE[case]
    client.force_login(editor)
    before = written()
    messages = answer(page, client, make(), name, tmp_path)
    assert any(words in message for message in messages), messages
    assert written() == before


def test_the_dimension_bomb_is_refused_in_well_under_a_second():
    """The 1.7 KB file that kept a worker busy for half an hour (openpyxl padding each of
    its 1,048,576 declared rows to 16,384 cells)."""
    make, _name, _words = HOSTILE["dimension bomb"]
    data = make()
    assert len(data) < 3_000
    started = time.perf_counter()
    with pytest.raises(FileProblem):
        read_table(data, name="bomb.xlsx")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "language, words",
    [
        ("fr", "Le classeur Excel ne peut pas être lu"),
        ("ar", "تتعذّر قراءة مصنّف Excel"),
        ("en", "The Excel workbook cannot be read"),
    ],
)
@pytest.mark.parametrize("page", ["projects", "stops", "command"])
def test_the_message_is_in_the_users_language(page, language, words, client, editor, tmp_path):
    client.force_login(editor)
    make, name, _words = HOSTILE["entities in a DTD (billion laughs)"]
    messages = answer(page, client, make(), name, tmp_path, language=language)
    assert any(words in message for message in messages), messages


# Wrong types in a well-formed workbook: ordinary errors on their lines -----------------

WRONG_TYPES = {
    "projects": (
        ["reference", "title_fr", "summary_fr", "municipality", "investment_tnd", "stage"],
        ["HOS-2026-002", "Titre", "Résumé.", 5111, "beaucoup", 12],
    ),
    "municipalities": (["code", "population_2020", "area_km2"], [5111, "many", "vast"]),
    "ministries": (
        ["slug", "acronym", "name_fr", "name_ar", "display_order"],
        ["hostile", "HOS", "Ministère hostile", "وزارة", "first"],
    ),
    "stops": (["edition", "municipality", "order", "date"], [2, 5111, "abc", "31/02/2020"]),
}


@pytest.mark.parametrize("page", list(WRONG_TYPES))
def test_wrong_types_in_a_workbook_are_errors_on_their_line(page, client, editor):
    headers, row = WRONG_TYPES[page]
    client.force_login(editor)
    before = written()
    form = {"import_file": SimpleUploadedFile("types.xlsx", xlsx_bytes(headers, [row]))}
    if page != "projects":
        form["resource"] = "0"
    response = client.post(PAGES[page], form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    if page == "projects":
        assert {error.line for error in response.context["errors"]} == {2}
        assert response.context["token"] is None
    else:
        result = response.context["result"]
        lines = [row.number for row in result.invalid_rows] + [n for n, _e in result.row_errors()]
        assert lines == [2]
        assert "confirm_form" not in response.context
    assert written() == before


def test_a_formula_imports_the_value_it_shows_never_the_formula(editor):
    formula = (
        '<c r="B2" t="str"><f>HYPERLINK("http://example.com";"Titre calculé")</f>'
        "<v>Titre calculé</v></c>"
    )
    header = HEADER[: -len("</row>")] + text("C1", "summary_fr") + text("D1", "municipality")
    row = (
        '<row r="2">'
        + text("A2", "HOS-2026-003")
        + formula
        + text("C2", "Résumé.")
        + '<c r="D2"><v>5111</v></c></row>'
    )
    result = import_projects(
        workbook(header + "</row>" + row), user=editor, dry_run=False, name="f.xlsx"
    )
    assert result.ok, [str(error) for error in result.errors]
    assert Project.objects.get(reference="HOS-2026-003").title_fr == "Titre calculé"


# Line numbers are written as a spreadsheet shows them ----------------------------------


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
@pytest.mark.parametrize("page", ["projects", "ministries"])
def test_line_numbers_have_no_thousands_separator(page, language, client, editor):
    """An error on line 1501 (after 1,499 blank lines) says 1501, in every language."""
    if page == "projects":
        header, bad = b"reference,title_fr,summary_fr,municipality", b"HOS-2026-004,T,S,0000"
    else:
        header, bad = b"slug,acronym,name_fr,name_ar,display_order", b"hos,HOS,M,M,first"
    data = header + b"\n" * 1_500 + bad + b"\n"
    client.force_login(editor)
    form = {"import_file": SimpleUploadedFile("lines.csv", data)}
    if page != "projects":
        form["resource"] = "0"
    response = client.post(PAGES[page], form, HTTP_ACCEPT_LANGUAGE=language)
    page_text = response.content.decode()
    assert "1501" in page_text
    for grouped in ("1\u00a0501", "1\u202f501", "1 501", "1,501", "1.501", "1٬501"):
        assert grouped not in page_text


# What the check saw must still hold at the confirmation --------------------------------


def check(client, rows) -> str:
    response = client.post(PROJECTS, {"import_file": SimpleUploadedFile("c.csv", write_csv(rows))})
    assert response.context["token"], [str(e) for e in response.context["errors"]]
    return response.context["token"]


def confirm(client, token, language="en"):
    return client.post(PROJECTS, {"confirm": "1", "token": token}, HTTP_ACCEPT_LANGUAGE=language)


def refusals(response) -> list[str]:
    assert response.status_code == 200
    assert not response.context["result"].applied
    return [str(error) for error in response.context["errors"]]


def test_a_reference_created_between_check_and_confirmation_is_refused(client, editor):
    """On SQLite two imports of one new reference ran one after the other, the second
    silently updating the project the first had just created."""
    client.force_login(editor)
    token = check(client, [new_row("RAC-2026-001", title_fr="Le mien")])
    first = import_projects(
        write_csv([new_row("RAC-2026-001", title_fr="Le premier")]),
        user=editor,
        dry_run=False,
        name="other.csv",
    )
    assert first.ok
    history = Project.history.count()

    messages = refusals(confirm(client, token))

    assert any("RAC-2026-001 did not exist when the file was checked" in m for m in messages)
    assert Project.objects.get(reference="RAC-2026-001").title_fr == "Le premier"
    assert Project.history.count() == history


def test_a_save_between_check_and_confirmation_is_refused_without_an_edit_version(client, editor):
    """A file without the edit_version column no longer overwrites an admin save made
    after its check."""
    project = ProjectFactory(reference="RAC-2026-002", title_fr="Avant")
    client.force_login(editor)
    token = check(client, [new_row("RAC-2026-002", title_fr="Du tableur")])  # no edit_version
    url = f"/admin/catalogue/project/{project.pk}/change/"
    data = change_form_data(client.get(url))
    data["title_fr"] = "Saisi dans l'admin"
    assert client.post(url, data).status_code == 302

    messages = refusals(confirm(client, token))

    assert any("Someone changed the project RAC-2026-002 after the file" in m for m in messages)
    assert Project.objects.get(pk=project.pk).title_fr == "Saisi dans l'admin"


def test_an_unchanged_line_whose_project_changed_since_the_check_is_refused(client, editor):
    project = ProjectFactory(reference="RAC-2026-003", title_fr="Pareil")
    row = {
        **new_row("RAC-2026-003", title_fr="Pareil"),
        "summary_fr": project.summary_fr,
    }
    client.force_login(editor)
    response = client.post(PROJECTS, {"import_file": SimpleUploadedFile("c.csv", write_csv([row]))})
    assert response.context["result"].skipped == 1
    project.title_fr = "Changé"
    project.lock_version += 1
    project.save()

    messages = refusals(confirm(client, response.context["token"]))

    assert any("RAC-2026-003" in m and "after the file was checked" in m for m in messages)
    assert Project.objects.get(pk=project.pk).title_fr == "Changé"


# Races (PostgreSQL: row locks, the unique index, the import's advisory lock) ------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads need a database that serves several connections at once (SQLite's "
    "test database is one in-memory file; the sequential tests above cover it)",
)


def run_together(*calls):
    """Each call in its own thread, released together; their results, in order. Each
    thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))

    def one(call):
        try:
            barrier.wait(timeout=30)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.fixture
def reference_data(transactional_db):
    """The shipped reference data (the transactional tests run before flush it)."""
    if not Municipality.objects.exists():
        call_command("load_reference_data", verbosity=0)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_the_same_new_reference(reference_data, make_user):
    users = [make_user("importer_a", EDITOR), make_user("importer_b", EDITOR)]
    clients, tokens = [], []
    for user in users:
        client = Client()
        client.force_login(user)
        tokens.append(check(client, [new_row("RAC-2026-010", title_fr=f"De {user.username}")]))
        clients.append(client)

    answers = run_together(
        *(functools.partial(confirm, c, t) for c, t in zip(clients, tokens, strict=True))
    )

    project = Project.objects.get(reference="RAC-2026-010")
    winner = users.index(project.last_edited_by)
    loser = 1 - winner
    assert project.title_fr == f"De {users[winner].username}"
    assert answers[winner].status_code == 302
    messages = refusals(answers[loser])
    assert any(
        "RAC-2026-010 did not exist when the file was checked" in m
        or "RAC-2026-010 was created by someone else" in m
        for m in messages
    ), messages
    assert Project.history.filter(reference="RAC-2026-010").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_import_confirmed_while_a_staff_member_saves_the_project(reference_data, make_user):
    project = ProjectFactory(reference="RAC-2026-011", title_fr="Avant")
    project.refresh_from_db()
    version, history = project.lock_version, project.history.count()
    importer, staff = make_user("importer_c", EDITOR), make_user("staff_d", EDITOR)
    import_client, staff_client = Client(), Client()
    import_client.force_login(importer)
    staff_client.force_login(staff)
    token = check(import_client, [new_row("RAC-2026-011", title_fr="Du tableur")])
    url = f"/admin/catalogue/project/{project.pk}/change/"
    data = change_form_data(staff_client.get(url))
    data["title_fr"] = "De l'admin"

    imported, saved = run_together(
        lambda: confirm(import_client, token),
        lambda: staff_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en"),
    )

    project.refresh_from_db()
    # One of the two changes, not both.
    assert (project.lock_version, project.history.count()) == (version + 1, history + 1)
    if project.title_fr == "Du tableur":  # the import went first: the form is stale
        assert imported.status_code == 302 and project.last_edited_by == importer
        assert saved.status_code == 200
        assert "Someone else saved this project" in saved.content.decode()
    else:  # the save went first: the import's check is stale
        assert project.title_fr == "De l'admin" and project.last_edited_by == staff
        assert saved.status_code == 302
        messages = refusals(imported)
        assert any("Someone changed the project RAC-2026-011 after the file" in m for m in messages)
