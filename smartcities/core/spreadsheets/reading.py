"""Reading the spreadsheets people upload: checks first, then the header and the rows."""

import csv
import io
import math
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

from .limits import (
    CONTROL_CHARACTERS,
    CSV_DELIMITERS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_LINE_FIELDS,
    MAX_FILE_BYTES,
    MAX_LINES,
    MAX_ROWS,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    OLE_MAGIC,
    UTF16_BOMS,
    ZIP_MAGIC,
    FileProblem,
    _bad_cell,
    _count,
    _damaged_workbook,
    _error_cell,
    _too_many_cells,
    _too_many_lines,
    _too_wide,
)
from .scan import EXCEL_ERRORS, WorkbookScan
from .writing import unneutralize


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
