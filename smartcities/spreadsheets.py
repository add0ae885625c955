"""Reading spreadsheets people upload, and writing spreadsheets people open.

Shared by the three apps (it sits in the project package so that the dependencies still
point one way: municipalities ← caravan ← catalogue).

- ``read_table`` checks an uploaded file before anything parses it: its size, its real type
  (an XLSX is a ZIP holding ``[Content_Types].xml``; a CSV is UTF-8 text, with or without
  BOM), its uncompressed size (zip bombs), its encoding and its number of rows; then it
  returns the header and the data rows with their line numbers as a spreadsheet shows
  them (the header is line 1). Every refusal is a ``FileProblem`` with a message in plain
  words, in the active language.
- ``neutralize`` guards every exported text cell against spreadsheet formula injection
  (OWASP "CSV injection"): a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading apostrophe. Numbers are never text, so a negative number
  stays a number. ``unneutralize`` undoes it on import, so that an export imports back
  unchanged.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_ROWS = 20_000
MAX_XLSX_UNCOMPRESSED_BYTES = 160 * 1024 * 1024
MAX_XLSX_ENTRIES = 1_000

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITERS = (",", ";", "\t")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), old Word…
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control characters that never occur in a text file (tab, LF and CR do).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralize(value):
    """``value`` made harmless for a spreadsheet: text that could start a formula is
    prefixed with an apostrophe; numbers, dates and empty values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralize(text: str) -> str:
    """The inverse of ``neutralize`` for a cell read back from a file."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


class FileProblem(Exception):
    """The file cannot be imported; ``message`` says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A spreadsheet's first sheet: normalised header names and the non-empty data rows."""

    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)

    def records(self):
        """(line, {header: cell}) for each data row; missing cells are empty strings."""
        width = len(self.headers)
        for line, cells in self.rows:
            padded = cells + [""] * (width - len(cells))
            yield line, dict(zip(self.headers, padded, strict=False))


def read_upload(upload, *, max_bytes: int | None = None) -> bytes:
    """The uploaded file's bytes, refused without reading it whole when it is too big."""
    max_bytes = max_bytes or MAX_FILE_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise FileProblem(_too_big(size, max_bytes))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileProblem(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    return _(
        "The file is too big (%(size)s MB). Files up to %(max)s MB can be imported: split "
        "it into smaller files."
    ) % {"size": f"{size / 1024 / 1024:.1f}", "max": max_bytes // (1024 * 1024)}


def detect_kind(data: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` from the content (never from the name), or a FileProblem."""
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        _check_workbook_archive(data)
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise FileProblem(
            _(
                "This is an old Excel file (.xls, Excel 97–2003). Open it in your spreadsheet "
                "program and save it as an Excel workbook (.xlsx) or as CSV UTF-8."
            )
        )
    if data.startswith(UTF16_BOMS):
        raise FileProblem(
            _(
                "The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8 (comma "
                "delimited)” instead, then import it again."
            )
        )
    if b"\x00" in data:
        raise FileProblem(_not_a_table())
    return "csv"


def _not_a_table() -> str:
    return _(
        "This file is neither a CSV text file nor an Excel workbook (.xlsx). Only these two "
        "kinds of file can be imported."
    )


def _check_workbook_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileProblem(
            _("The file looks like an Excel workbook but is damaged; it cannot be read.")
        ) from error
    names = {entry.filename for entry in entries}
    if (
        len(entries) > MAX_XLSX_ENTRIES
        or sum(entry.file_size for entry in entries) > MAX_XLSX_UNCOMPRESSED_BYTES
        or any(entry.file_size < 0 for entry in entries)
    ):
        raise FileProblem(
            _(
                "The workbook is too big once unpacked (more than %(max)s MB). Split it into "
                "smaller files, or remove images and other sheets."
            )
            % {"max": MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024)}
        )
    if "[Content_Types].xml" not in names or not any(
        name.startswith("xl/workbook") for name in names
    ):
        if "mimetype" in names:
            raise FileProblem(
                _(
                    "OpenDocument spreadsheets (.ods) cannot be imported. Save the file as an "
                    "Excel workbook (.xlsx) or as CSV UTF-8."
                )
            )
        raise FileProblem(
            _("This ZIP archive is not an Excel workbook (.xlsx); it cannot be imported.")
        )


def decode_text(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); any other encoding is refused with a hint."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(
                _(
                    "The file is not UTF-8 text (line %(line)s). Save it from your "
                    "spreadsheet program as “CSV UTF-8”, then import it again."
                )
                % {"line": line}
            ) from error
        raise FileProblem(
            _(
                "The file is not encoded in UTF-8: it looks like Windows-1252 (Latin-1) text, "
                "which would garble accented and Arabic letters (line %(line)s). Save it from "
                "your spreadsheet program as “CSV UTF-8”, then import it again."
            )
            % {"line": line}
        ) from error
    if CONTROL_CHARACTERS.search(text):
        raise FileProblem(_not_a_table())
    return text


def check_name(name: str | None, kind: str) -> None:
    """The file's extension must say what its content is."""
    if not name:
        return
    extension = PurePath(name).suffix.lower()
    if extension == f".{kind}" or (kind == "csv" and extension == ".txt"):
        return
    if extension == ".xlsx":
        raise FileProblem(
            _(
                "The file is named “%(name)s” but it is not an Excel workbook: it holds CSV "
                "text. Rename it to .csv, or open it and save it as an Excel workbook (.xlsx)."
            )
            % {"name": PurePath(name).name}
        )
    if extension == ".csv":
        raise FileProblem(
            _(
                "The file is named “%(name)s” but it is an Excel workbook, not CSV text. "
                "Rename it to .xlsx, or open it and save it as CSV UTF-8."
            )
            % {"name": PurePath(name).name}
        )
    raise FileProblem(
        _("Only CSV (.csv) and Excel (.xlsx) files can be imported, not “%(name)s”.")
        % {"name": PurePath(name).name}
    )


def read_table(upload, *, name: str | None = None, max_rows: int | None = None) -> Table:
    """Check and parse an uploaded CSV or XLSX file (see the module's docstring)."""
    max_rows = max_rows or MAX_ROWS
    if isinstance(upload, bytes):
        if len(upload) > MAX_FILE_BYTES:
            raise FileProblem(_too_big(len(upload), MAX_FILE_BYTES))
        data = upload
    else:
        data = read_upload(upload)
    name = name if name is not None else getattr(upload, "name", None)
    kind = detect_kind(data)
    check_name(name, kind)
    if kind == "xlsx":
        lines = _xlsx_lines(data)
    else:
        lines = _csv_lines(decode_text(data))
    headers = None
    table = None
    for line, cells in lines:
        cells = [unneutralize(cell) for cell in cells]
        while cells and not cells[-1]:
            cells.pop()
        if headers is None:
            if not cells:
                continue
            headers = [cell.strip().lower() for cell in cells]
            table = Table(kind=kind, headers=headers)
            continue
        if not any(cells):
            continue
        if len(table.rows) == max_rows:
            raise FileProblem(
                _(
                    "The file has more than %(max)s rows. Split it into files of at most "
                    "%(max)s rows."
                )
                % {"max": f"{max_rows:,}".replace(",", "\u202f")}
            )
        table.rows.append((line, cells))
    if table is None:
        raise FileProblem(_("The file is empty."))
    if not table.rows:
        raise FileProblem(
            _("The file has a header line but no data rows: there is nothing to import.")
        )
    return table


def _csv_lines(text: str):
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise FileProblem(
            _("Line %(line)s of the file cannot be read as CSV (%(reason)s).")
            % {"line": reader.line_num, "reason": error}
        ) from error


def _xlsx_lines(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileProblem(
            _("The Excel workbook cannot be read; it may be damaged or protected.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in values]
    finally:
        workbook.close()


def cell_text(value) -> str:
    """A spreadsheet cell as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# Writing -------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for streaming CSV)."""

    def write(self, value):
        return value


def csv_lines(headers, rows):
    """CSV text, one line at a time, UTF-8 BOM first (so that Excel reads the accents)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _csv_cell(value):
    value = neutralize(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    return value


def _local(value: datetime) -> datetime:
    """A naive local date and time (spreadsheets have no time zones)."""
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def xlsx_bytes(headers, rows, *, sheet_title: str = "data") -> bytes:
    """An XLSX workbook written in openpyxl's write-only mode (constant memory per row)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    value = neutralize(value)
    if isinstance(value, datetime):
        value = _local(value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, str):
        # Explicitly a string: openpyxl would otherwise read "=…" as a formula.
        cell = WriteOnlyCell(sheet, value=None)
        cell.value = value
        cell.data_type = "s"
        return cell
    return value
