"""Reading spreadsheets people upload, and writing spreadsheets people open.

Shared by the three apps (it sits in the project package so that the dependencies still
point one way: municipalities ← caravan ← catalogue).

- ``read_table`` checks an uploaded file before anything parses it: its size, its real type
  (an XLSX is a ZIP holding ``[Content_Types].xml``; a CSV is UTF-8 text, with or without
  BOM), its uncompressed size (zip bombs), its encoding and its number of rows; then it
  returns the header and the data rows with their line numbers as a spreadsheet shows
  them (the header is line 1). Every refusal is a ``FileProblem`` with a message in plain
  words, in the active language.
- A workbook's XML is scanned first with a streaming parser (``WorkbookScan``, C expat,
  callbacks on element starts only), stopping at the first limit passed: the lines and
  cells of the first sheet, declared (``<dimension>``) and actual, the texts of the shared
  string table, the elements of every other part, no DTD. Only then does openpyxl parse
  it, in read-only mode, its declared dimensions dropped (openpyxl pads every row to
  them); a cell openpyxl cannot read, an error value or a formula without its saved
  result is refused naming the sheet and the cell.
- ``neutralize`` guards every exported text cell against spreadsheet formula injection
  (OWASP "CSV injection"): a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading apostrophe. Numbers are never text, so a negative number
  stays a number. ``unneutralize`` undoes it on import, so that an export imports back
  unchanged.
"""

import csv
import io
import math
import posixpath
import re
import xml.parsers.expat
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

from django.utils.translation import gettext as _
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries

MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_ROWS = 20_000
MAX_XLSX_UNCOMPRESSED_BYTES = 160 * 1024 * 1024
MAX_XLSX_ENTRIES = 1_000
# What a sheet may span (blank lines and empty cells included), read or declared: the
# data rows' limit (MAX_ROWS) and room for blank lines; MAX_CELLS cells counting each row
# up to its last cell (20,000 rows of 50 columns); values in MAX_COLUMNS columns at most.
MAX_LINES = 30_000
MAX_CELLS = 1_000_000
MAX_COLUMNS = 100
# A workbook's XML parts: different texts in its shared string table (openpyxl reads
# each into memory first: ~10 µs a text), elements of any part other than the sheet and
# that table (styles, workbook, relationships… ~250 times what Excel writes), elements of
# the sheet (a cell is 2 or 3) and separators on one CSV line.
MAX_SHARED_STRINGS = 500_000
MAX_PART_ELEMENTS = 250_000
MAX_SHEET_ELEMENTS = 4 * MAX_CELLS
MAX_CSV_LINE_FIELDS = 16_384

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
    cells_read = 0
    with closing(lines):
        for line, cells in lines:
            # A workbook was scanned for these before openpyxl read it; a CSV is checked here.
            if line > MAX_LINES:
                raise FileProblem(_too_many_lines())
            cells_read += len(cells)
            if cells_read > MAX_CELLS:
                raise FileProblem(_too_many_cells())
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise FileProblem(_too_wide(line, len(cells)))
            cells = [unneutralize(cell) for cell in cells]
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
                    % {"max": _count(max_rows)}
                )
            table.rows.append((line, cells))
    if table is None:
        raise FileProblem(_("The file is empty."))
    if not table.rows:
        raise FileProblem(
            _("The file has a header line but no data rows: there is nothing to import.")
        )
    return table


def _count(number: int) -> str:
    """A limit as people read it: 20 000 (narrow spaces group thousands in every language).
    Line numbers are never written this way (“line 1501”)."""
    return f"{number:,}".replace(",", "\u202f")


def _too_many_lines() -> str:
    return _(
        "The file goes on past line %(max)s (blank lines included): at most %(max)s lines "
        "can be read. Delete the blank lines or split the file into smaller files."
    ) % {"max": _count(MAX_LINES)}


def _too_many_cells() -> str:
    return _(
        "The file holds more than %(max)s cells (each line counted up to its last cell, "
        "empty ones included). Delete the columns and rows you do not import, or split the "
        "file into smaller files."
    ) % {"max": _count(MAX_CELLS)}


def _too_wide(line: int, width: int) -> str:
    return _(
        "Line %(line)s has a value in column %(column)s (cell %(cell)s): at most %(max)s "
        "columns can be read. Delete the columns you do not import."
    ) % {
        "line": line,
        "column": width,
        "cell": f"{get_column_letter(min(width, 18_278))}{line}",
        "max": MAX_COLUMNS,
    }


def _csv_lines(text: str):
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)

    def physical_lines():
        # csv.reader would build a list of every field of a line before any check: a
        # line of millions of separators is refused first.
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            if line.count(delimiter) >= MAX_CSV_LINE_FIELDS:
                raise FileProblem(_too_wide(number, MAX_CSV_LINE_FIELDS))
            yield line

    reader = csv.reader(physical_lines(), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise FileProblem(
            _("Line %(line)s of the file cannot be read as CSV (%(reason)s).")
            % {"line": reader.line_num, "reason": error}
        ) from error


def _damaged_workbook() -> str:
    return _("The Excel workbook cannot be read; it may be damaged or protected.")


def _xlsx_lines(data: bytes):
    """The first sheet's lines, as text, once ``WorkbookScan`` found them within limits."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            WorkbookScan(archive).run()
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception as error:  # openpyxl, zipfile and zlib raise many kinds for a damaged file
        raise FileProblem(_damaged_workbook()) from error
    try:
        if not workbook.worksheets:
            raise FileProblem(_("The file is empty."))
        sheet = workbook.worksheets[0]
        # Checked by the scan; openpyxl would pad every row to them, and stop at a
        # dimension that says less than the sheet holds.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows, None)
            except Exception as error:  # a cell whose value does not match its type…
                raise FileProblem(_unreadable(sheet, after=number)) from error
            if values is None:
                return
            number += 1
            yield (
                number,
                [
                    _sheet_cell_text(value, sheet.title, number, index)
                    for index, value in enumerate(values)
                ],
            )
    finally:
        workbook.close()


def _sheet_cell_text(value, sheet: str, line: int, index: int) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise FileProblem(_bad_cell(sheet, f"{get_column_letter(index + 1)}{line}"))
    if isinstance(value, str) and value in EXCEL_ERRORS:
        # An error cell, or a date openpyxl could not read (it gives "#VALUE!").
        raise FileProblem(_error_cell(sheet, f"{get_column_letter(index + 1)}{line}"))
    return cell_text(value)


def _bad_cell(sheet: str, cell: str) -> str:
    return _(
        "Cell %(cell)s of the sheet “%(sheet)s” cannot be read: it is damaged, or its value "
        "does not match its type. Type the value again in your spreadsheet program, save "
        "the workbook and import it again."
    ) % {"cell": cell, "sheet": sheet}


def _error_cell(sheet: str, cell: str) -> str:
    return _(
        "Cell %(cell)s of the sheet “%(sheet)s” shows an error (such as #VALUE!, #N/A or "
        "#DIV/0!) instead of a value. Correct or empty it, save the workbook and import it "
        "again."
    ) % {"cell": cell, "sheet": sheet}


def _unreadable(sheet, *, after: int) -> str:
    """Why openpyxl failed in ``sheet``: the cell if it can be found, else the line."""
    cell = _failing_cell(sheet)
    if cell:
        return _bad_cell(sheet.title, cell)
    return _(
        "The sheet “%(sheet)s” cannot be read after line %(line)s: the file is damaged. "
        "Open it in your spreadsheet program, save it again and import it again."
    ) % {"sheet": sheet.title, "line": after}


class _CellFailed(Exception):
    def __init__(self, cell: str):
        super().__init__(cell)
        self.cell = cell


def _failing_cell(sheet) -> str | None:
    """The coordinate of the first cell of ``sheet`` that openpyxl cannot read, or None.

    openpyxl's error does not say which cell failed: the sheet is parsed again with its
    own parser, whose ``parse_cell`` is wrapped to name it. This leans on openpyxl's
    internals (3.1), so any surprise here only loses the cell's name from the message.
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        class LocatingParser(WorkSheetParser):
            def parse_cell(self, element):
                try:
                    return super().parse_cell(element)
                except Exception as error:
                    cell = element.get("r") or (
                        f"{get_column_letter(max(self.col_counter, 1))}{self.row_counter}"
                    )
                    raise _CellFailed(cell) from error

        workbook = sheet.parent
        with sheet._get_source() as source:
            parser = LocatingParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for _row in parser.parse():
                pass
    except _CellFailed as failed:
        return failed.cell
    except Exception:  # the message then names the line instead
        return None
    return None


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
        if value.time() == time.min:  # a date (spreadsheets store dates as date-times)
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# Scanning a workbook's XML -----------------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Element names as expat gives them with namespace_separator=" ".
_ROW, _CELL, _FORMULA = f"{MAIN_NS} row", f"{MAIN_NS} c", f"{MAIN_NS} f"
_VALUE, _INLINE = f"{MAIN_NS} v", f"{MAIN_NS} is"
_DIMENSION, _SHEET_DATA = f"{MAIN_NS} dimension", f"{MAIN_NS} sheetData"
_WORKSHEET, _SHARED_STRINGS, _STRING = f"{MAIN_NS} worksheet", f"{MAIN_NS} sst", f"{MAIN_NS} si"
_SHEET = f"{MAIN_NS} sheet"
_RELATIONSHIP = f"{PACKAGE_RELATIONSHIPS_NS} Relationship"
_RELATIONSHIP_ID = f"{RELATIONSHIPS_NS} id"
MAX_EXCEL_COLUMN = 16_384  # XFD
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
SCANNED_SUFFIXES = (".xml", ".rels", ".vml")


class _EndOfPart(Exception):
    """What follows in this part is not read by openpyxl (another sheet's cells)."""


class WorkbookScan:
    """A streaming look at a workbook's XML before openpyxl builds anything from it.

    openpyxl reads the shared strings, the styles and the workbook when it opens a file,
    then the first sheet's cells as they are asked for; in read-only mode it pads each
    row to the sheet's declared dimensions. Each part is parsed here by expat with a
    callback on element starts only, refused at the first limit passed (a DTD, too many
    elements, shared strings, lines or cells, a far-away or declared-far-away cell, an
    error cell or a formula without its result), so that a file of a few kilobytes
    cannot keep a worker busy. The first sheet is found as openpyxl finds it: the
    workbook's first ``<sheet>``, through the workbook's relationships.
    """

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = [
            info.filename
            for info in archive.infolist()
            if info.filename.lower().endswith(SCANNED_SUFFIXES)
        ]
        self.relationships = {}  # rels part → {id: (type, target)}
        self.sheets = []  # (name, relationship id), in the workbook's order
        self.first_sheet = None  # (part, name)

    def run(self) -> None:
        scanned = set()
        workbook = self._target("_rels/.rels", "", "/officeDocument")
        for name in ("_rels/.rels", workbook, self._rels_of(workbook)):
            if name in self.names and name not in scanned:
                self._scan(name)
                scanned.add(name)
        self._find_first_sheet(workbook)
        for name in self.names:
            if name not in scanned:
                self._scan(name)

    # Parts and relationships ---------------------------------------------------------

    @staticmethod
    def _rels_of(part: str | None) -> str | None:
        if not part:
            return None
        folder, _sep, base = part.rpartition("/")
        return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"

    def _target(self, rels: str, folder: str, type_suffix: str, rel_id: str | None = None):
        if rels not in self.relationships and rels in self.names:
            self._scan(rels)
        for key, (kind, target) in self.relationships.get(rels, {}).items():
            if (rel_id is None or key == rel_id) and kind.endswith(type_suffix):
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join(folder, target))
        return None

    def _find_first_sheet(self, workbook: str | None) -> None:
        """The first ``<sheet>`` of the workbook that is a worksheet (not a chart)."""
        if not workbook:
            return
        folder = workbook.rpartition("/")[0]
        for sheet_name, rel_id in self.sheets:
            part = self._target(self._rels_of(workbook), folder, "/worksheet", rel_id)
            if part:
                self.first_sheet = (part, sheet_name)
                return

    # The scan of one part ------------------------------------------------------------

    def _scan(self, name: str) -> None:
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        part = _PartScan(self, name, parser)
        parser.StartElementHandler = part.start
        parser.StartDoctypeDeclHandler = part.doctype
        parser.EntityDeclHandler = part.doctype
        try:
            with self.archive.open(name) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _EndOfPart:
            pass
        except xml.parsers.expat.ExpatError as error:
            raise FileProblem(_damaged_workbook()) from error
        part.finish()


class _PartScan:
    """The counts of one part (see ``WorkbookScan``)."""

    def __init__(self, scan: WorkbookScan, name: str, parser):
        self.scan = scan
        self.name = name
        self.parser = parser
        self.elements = 0
        self.limit = MAX_PART_ELEMENTS
        self.strings = 0
        self.sheet = ""  # the sheet's name, for messages
        self.line = self.column = self.width = self.cells = 0
        self.cell = None  # the coordinate of the cell being read, and its line
        self.cell_line = 0
        self.formula = self.value = False

    def doctype(self, *args):
        # Spreadsheet XML never has one; entities are how "billion laughs" files inflate.
        raise FileProblem(_damaged_workbook())

    def start(self, tag, attrs):
        """The first element says what the part is."""
        self.parser.StartElementHandler = self.count
        first = self.scan.first_sheet
        if tag == _WORKSHEET and (first is None or first[0] == self.name):
            self.sheet = first[1] if first else ""
            self.limit = MAX_SHEET_ELEMENTS
            self.parser.StartElementHandler = self.sheet_element
        elif tag == _WORKSHEET:
            self.parser.StartElementHandler = self.other_sheet_element
        elif tag == _SHARED_STRINGS:
            self.limit = MAX_SHEET_ELEMENTS
            self.parser.StartElementHandler = self.shared_string
        self.parser.StartElementHandler(tag, attrs)

    def _too_complex(self):
        raise FileProblem(
            _(
                "The workbook is too complex to be read: its part “%(part)s” holds more than "
                "%(max)s elements. Copy the data into a new workbook, save it and import it "
                "again."
            )
            % {"part": self.name, "max": _count(self.limit)}
        )

    def count(self, tag, attrs):
        self.elements += 1
        if self.elements > self.limit:
            self._too_complex()
        if tag == _RELATIONSHIP:
            relationships = self.scan.relationships.setdefault(self.name, {})
            relationships[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))
        elif tag == _SHEET:
            self.scan.sheets.append((attrs.get("name", ""), attrs.get(_RELATIONSHIP_ID, "")))

    def other_sheet_element(self, tag, attrs):
        # openpyxl reads another sheet only up to its dimension.
        if tag == _SHEET_DATA:
            raise _EndOfPart
        self.count(tag, attrs)

    def shared_string(self, tag, attrs):
        self.elements += 1
        if self.elements > self.limit:
            self._too_complex()
        if tag == _STRING:
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise FileProblem(
                    _(
                        "The workbook holds more than %(max)s different texts; it cannot be "
                        "read. Split it into smaller files."
                    )
                    % {"max": _count(MAX_SHARED_STRINGS)}
                )

    def sheet_element(self, tag, attrs):
        self.elements += 1
        if self.elements > self.limit:
            self._too_complex()
        if tag == _CELL:
            self._end_cell()
            reference = attrs.get("r")
            if reference:
                try:
                    line, self.column = coordinate_to_tuple(reference)
                except ValueError:
                    raise FileProblem(_bad_cell(self.sheet, reference)) from None
            else:
                line, self.column = self.line, self.column + 1
            self.cell = f"{get_column_letter(min(self.column, 18_278))}{line}"
            self.cell_line = line
            if line > MAX_LINES:
                raise FileProblem(self._far(self.cell))
            if self.column > MAX_EXCEL_COLUMN or line < 1:
                raise FileProblem(_bad_cell(self.sheet, reference or self.cell))
            if self.column > self.width:
                self.width = self.column
                if self.cells + self.width > MAX_CELLS:
                    raise FileProblem(self._cells_message())
            if attrs.get("t") == "e":
                raise FileProblem(_error_cell(self.sheet, self.cell))
            self.formula = self.value = False
        elif tag == _VALUE or tag == _INLINE:
            self.value = True
        elif tag == _FORMULA:
            self.formula = True
        elif tag == _ROW:
            self._end_cell()
            self.cells += self.width
            self.width = self.column = 0
            number = attrs.get("r")
            try:
                self.line = int(float(number)) if number else self.line + 1
            except (ValueError, OverflowError):
                raise FileProblem(_damaged_workbook()) from None
            if self.line > MAX_LINES:
                raise FileProblem(self._far(f"A{self.line}"))
        elif tag == _DIMENSION:
            self._check_dimension(attrs.get("ref", ""))

    def _end_cell(self):
        if self.cell and self.value and self.column > MAX_COLUMNS:
            raise FileProblem(_too_wide(self.cell_line, self.column))
        if self.cell and self.formula and not self.value:
            raise FileProblem(
                _(
                    "Cell %(cell)s of the sheet “%(sheet)s” holds a formula whose result was "
                    "not saved in the file. Open the workbook in your spreadsheet program and "
                    "save it (or type the value instead of the formula), then import it again."
                )
                % {"cell": self.cell, "sheet": self.sheet}
            )
        self.cell = None

    def _check_dimension(self, ref: str):
        try:
            min_column, min_line, max_column, max_line = range_boundaries(ref)
        except (ValueError, TypeError):
            raise FileProblem(_damaged_workbook()) from None
        lines = max_line or min_line or 1
        columns = max_column or min_column or 1
        if lines > MAX_LINES or lines * columns > MAX_CELLS:
            raise FileProblem(
                _(
                    "The sheet “%(sheet)s” says it spans %(range)s (%(lines)s lines × "
                    "%(columns)s columns): at most %(max_lines)s lines and %(max_cells)s cells "
                    "can be read. Delete the rows and columns below and beside your data (or "
                    "copy the data into a new workbook), save it and import it again."
                )
                % {
                    "sheet": self.sheet,
                    "range": ref,
                    "lines": _count(lines),
                    "columns": _count(columns),
                    "max_lines": _count(MAX_LINES),
                    "max_cells": _count(MAX_CELLS),
                }
            )

    def _far(self, cell: str) -> str:
        return _(
            "The sheet “%(sheet)s” has a cell on line %(line)s (%(cell)s): at most %(max)s "
            "lines can be read. Delete the rows below your data, save the workbook and import "
            "it again."
        ) % {"sheet": self.sheet, "line": max(self.line, 1), "cell": cell, "max": _count(MAX_LINES)}

    def _cells_message(self) -> str:
        return _(
            "The sheet “%(sheet)s” holds more than %(max)s cells (each line counted up to its "
            "last cell, empty ones included; the last one counted is %(cell)s). Delete the "
            "columns and rows you do not import, save the workbook and import it again."
        ) % {"sheet": self.sheet, "max": _count(MAX_CELLS), "cell": self.cell}

    def finish(self):
        if self.parser.StartElementHandler == self.sheet_element:
            self._end_cell()


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


def xlsx_bytes(headers, rows, *, sheet_title: str = "data", extra_sheets=()) -> bytes:
    """An XLSX workbook written in openpyxl's write-only mode (constant memory per row).

    ``extra_sheets``: (title, rows) of further sheets after the data, without a header
    row (e.g. a public export's "about" sheet: licence, source, date).
    """
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
    for title, extra_rows in extra_sheets:
        extra = workbook.create_sheet(title=title[:31])
        for row in extra_rows:
            extra.append([_xlsx_cell(extra, value) for value in row])
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
