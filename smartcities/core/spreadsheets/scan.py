"""A streaming scan of a workbook's XML before openpyxl parses it (expat, start tags only)."""

import posixpath
import xml.parsers.expat
import zipfile

from django.utils.translation import gettext as _
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries

from .limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_LINES,
    MAX_PART_ELEMENTS,
    MAX_SHARED_STRINGS,
    MAX_SHEET_ELEMENTS,
    FileProblem,
    _bad_cell,
    _count,
    _damaged_workbook,
    _error_cell,
    _too_wide,
)

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
