"""Writing spreadsheets people open: CSV lines and XLSX workbooks, formula-injection proof."""

import csv
import io
from datetime import datetime

from .limits import FORMULA_TRIGGERS


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
