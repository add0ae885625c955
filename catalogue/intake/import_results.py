"""What an import did or would do: each line's outcome and the errors, kept as JSON for a
background import (``ImportResult.as_dict`` / ``StoredImportResult``)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass
class RowError:
    """Why a line cannot be imported. ``line`` is None for a problem of the whole file."""

    line: int | None
    column: str
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        if self.column:
            return _("Line %(line)s, column “%(column)s”: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class RowOutcome:
    """What the import does (or would do) with one line."""

    line: int
    reference: str
    action: str  # "create", "update" or "skip"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, old, new
    published: bool = False  # an update of a project the public sees now


@dataclass
class ImportResult:
    dry_run: bool
    file_name: str = ""
    total_rows: int = 0
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    # Each reference of the file: its project's edit version when checked, None if new.
    versions: dict[str, int | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def skipped(self) -> int:
        return self.count("skip")

    @property
    def error_lines(self) -> int:
        return len({error.line for error in self.errors})

    def summary(self) -> str:
        if not self.ok:
            errors, lines = len(self.errors), self.error_lines
            return _(
                "Nothing was imported: %(errors)s on %(lines)s. Correct the file and import "
                "it again."
            ) % {
                "errors": ngettext("%(count)s error", "%(count)s errors", errors)
                % {"count": errors},
                "lines": ngettext("%(count)s line", "%(count)s lines", lines) % {"count": lines},
            }
        # Each count its own plural (French participles agree with it too).
        values = {
            "updated": ngettext("%(count)s updated", "%(count)s updated", self.updated)
            % {"count": self.updated},
            "skipped": ngettext(
                "%(count)s left unchanged", "%(count)s left unchanged", self.skipped
            )
            % {"count": self.skipped},
        }
        if self.dry_run:
            values["created"] = ngettext(
                "%(count)s project would be created",
                "%(count)s projects would be created",
                self.created,
            ) % {"count": self.created}
            return _(
                "Check passed, nothing written yet: %(created)s, %(updated)s, %(skipped)s."
            ) % (values)
        values["created"] = ngettext(
            "%(count)s project created (as a draft)",
            "%(count)s projects created (as drafts)",
            self.created,
        ) % {"count": self.created}
        return _("Import done: %(created)s, %(updated)s, %(skipped)s.") % values

    def as_dict(self, *, max_rows: int = 100, max_errors: int = 500) -> dict:
        """The result as JSON data (a background task's return value): counts, the first
        rows of each kind and the first errors."""
        return {
            "dry_run": self.dry_run,
            "file_name": self.file_name,
            "total_rows": self.total_rows,
            "seconds": self.seconds,
            "counts": {"create": self.created, "update": self.updated, "skip": self.skipped},
            "rows": [
                [row.line, row.reference, row.action, row.changes, row.published]
                for action in ("create", "update")
                for row in [r for r in self.rows if r.action == action][:max_rows]
            ],
            "errors": [[e.line, e.column, e.message] for e in self.errors[:max_errors]],
            "error_count": len(self.errors),
            "error_lines": self.error_lines,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        """A result read back from ``as_dict`` (counts kept, rows and errors as stored)."""
        return StoredImportResult(data)


class StoredImportResult(ImportResult):
    """An ``ImportResult`` rebuilt from JSON: the counts are the stored ones."""

    def __init__(self, data: dict):
        super().__init__(
            dry_run=data["dry_run"],
            file_name=data["file_name"],
            total_rows=data["total_rows"],
            rows=[RowOutcome(*row) for row in data["rows"]],
            errors=[RowError(*error) for error in data["errors"]],
            seconds=data["seconds"],
        )
        self.counts = data["counts"]
        self.error_count = data["error_count"]
        self.stored_error_lines = data["error_lines"]

    @property
    def ok(self) -> bool:
        return not self.error_count

    def count(self, action: str) -> int:
        return self.counts[action]

    @property
    def error_lines(self) -> int:
        return self.stored_error_lines
