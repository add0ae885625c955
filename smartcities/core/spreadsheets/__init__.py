"""Reading spreadsheets people upload, and writing spreadsheets people open.

Shared by the three apps; part of the foundation, it imports none of them. One module a
job: ``limits`` (the limits and ``FileProblem``), ``scan`` (the workbook's XML, before
openpyxl), ``reading`` (``read_table``) and ``writing`` (CSV and XLSX out).

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

from .limits import (
    CSV_CONTENT_TYPE,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_LINES,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    XLSX_CONTENT_TYPE,
    FileProblem,
)
from .reading import Table, cell_text, check_name, decode_text, detect_kind, read_table, read_upload
from .scan import WorkbookScan
from .writing import csv_lines, neutralize, unneutralize, xlsx_bytes

__all__ = [
    "CSV_CONTENT_TYPE",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_LINES",
    "MAX_ROWS",
    "MAX_SHARED_STRINGS",
    "XLSX_CONTENT_TYPE",
    "FileProblem",
    "Table",
    "WorkbookScan",
    "cell_text",
    "check_name",
    "csv_lines",
    "decode_text",
    "detect_kind",
    "neutralize",
    "read_table",
    "read_upload",
    "unneutralize",
    "xlsx_bytes",
]
