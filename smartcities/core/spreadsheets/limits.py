"""Limits on uploaded spreadsheets, and the refusal every check raises (``FileProblem``)."""

import re

from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

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


class FileProblem(Exception):
    """The file cannot be imported; ``message`` says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _damaged_workbook() -> str:
    return _("The Excel workbook cannot be read; it may be damaged or protected.")


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
