"""Reading one row of a projects file: each column's text turned into the model's values
(natural keys resolved from the importer's caches), and what it changes in a project.

``RowParser`` is a part of ``catalogue.intake.import_check.ProjectChecker``: it uses the
caches that the checker loads (municipalities, sectors, dimensions, ministries, stops).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from catalogue.models.pipeline import PaymentMechanism, ProjectType
from catalogue.register.choices import ContractModel, ContractSubtype, Initiation, Stage

TEXT_COLUMNS = (
    *(
        f"{name}_{lang}"
        for name in ("title", "summary", "description")
        for lang in ("fr", "ar", "en")
    ),
    "contact_name",
    "contact_email",
    "contact_phone",
    "purpose_fr",
    "purpose_ar",
    "purpose_en",
)
CHOICE_COLUMNS = {
    "stage": (Stage, ""),
    "contract_model": (ContractModel, ""),
    "contract_subtype": (ContractSubtype, ""),
    "initiation": (Initiation, ""),
    "project_type": (ProjectType, ""),
    "payment_mechanism": (PaymentMechanism, ""),
}
# The codes of each choice column, looked up once (an enum's ``values`` is rebuilt per use).
CHOICE_CODES = {column: frozenset(enum.values) for column, (enum, _d) in CHOICE_COLUMNS.items()}
DECIMAL_COLUMNS = ("investment_tnd", "land_area_ha", "latitude", "longitude")
INTEGER_COLUMNS = ("expected_jobs", "duration_years")
BOOLEAN_COLUMNS = ("featured", "is_demo")
DATE_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end")
TRUE_WORDS = frozenset({"yes", "oui", "true", "vrai", "1", "x", "نعم"})
FALSE_WORDS = frozenset({"no", "non", "false", "faux", "0", "", "لا"})
# Model field → column, for the model's validation messages.
FIELD_COLUMNS = {"stop": "caravan_edition", "lock_version": "edit_version"}
# Foreign keys are resolved from the caches: full_clean would check each one with a query.
RESOLVED_FOREIGN_KEYS = ["municipality", "stop", "sector", "submitted_by", "last_edited_by"]
FOREIGN_KEYS = ("municipality", "stop", "sector")
REMEMBERED_TEXT_LENGTH = 100  # longer valid texts are not remembered (see _full_clean)
# The many-to-many columns (codes separated by semicolons) and their through table's column.
LINK_COLUMNS = {
    "dimensions": "dimension_id",
    "ministries": "ministry_id",
    "policy_goals": "policygoal_id",
}
# Those whose links the project's history records keep (its ``m2m_fields``).
HISTORY_LINKS = ("dimensions", "ministries")


class RowParser:
    """The parsing half of the checker (see ``ProjectChecker``)."""

    def _parse(self, record, error, existing):
        """The model values and links of a row; ``failed``: fields whose cell is invalid."""
        values = {}
        links = {}
        failed = set()
        for column in self.columns:
            raw = record.get(column, "")
            if column in TEXT_COLUMNS:
                values[column] = raw.replace("\r\n", "\n")
            elif column == "municipality":
                municipality = self.municipalities.get(raw) or self.municipalities.get(raw.lower())
                if municipality is None:
                    failed.add("municipality")
                    error(
                        column,
                        _("No municipality has the code or slug “%(value)s”.") % {"value": raw}
                        if raw
                        else _("The municipality is required."),
                    )
                else:
                    values["municipality"] = municipality
            elif column == "sector":
                if not raw:
                    values["sector"] = None
                elif raw.lower() in self.sectors:
                    values["sector"] = self.sectors[raw.lower()]
                else:
                    failed.add("sector")
                    error(column, _("“%(value)s” is not a sector code.") % {"value": raw})
            elif column in LINK_COLUMNS:
                ids = self._parse_list(column, raw, error)
                if ids is None:
                    failed.add(column)
                else:
                    links[column] = ids
            elif column in CHOICE_COLUMNS:
                choices, default = CHOICE_COLUMNS[column]
                code = raw.lower()
                if not code:
                    values[column] = default
                elif code in CHOICE_CODES[column]:
                    values[column] = code
                else:
                    failed.add(column)
                    error(
                        column,
                        _("“%(value)s” is not one of the codes: %(codes)s.")
                        % {"value": raw, "codes": ", ".join(choices.values)},
                    )
            elif column in DECIMAL_COLUMNS:
                number = parse_decimal(raw)
                if number is False:
                    failed.add(column)
                    error(column, _("“%(value)s” is not a number.") % {"value": raw})
                else:
                    values[column] = number
            elif column in INTEGER_COLUMNS:
                number = parse_decimal(raw)
                if number is False or (number is not None and number != int(number)):
                    failed.add(column)
                    error(column, _("“%(value)s” is not a whole number.") % {"value": raw})
                else:
                    values[column] = None if number is None else int(number)
            elif column in DATE_COLUMNS:
                day = parse_day(raw)
                if day is False:
                    failed.add(column)
                    error(
                        column,
                        _("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": raw},
                    )
                else:
                    values[column] = day
            elif column in BOOLEAN_COLUMNS:
                word = raw.lower()
                if word in TRUE_WORDS or word in FALSE_WORDS:
                    values[column] = word in TRUE_WORDS
                else:
                    failed.add(column)
                    error(column, _("Write yes or no, not “%(value)s”.") % {"value": raw})
        if "caravan_edition" in self.columns:
            self._parse_stop(record.get("caravan_edition", ""), values, existing, error, failed)
        return values, links, failed

    def _parse_stop(self, raw, values, existing, error, failed):
        if not raw:
            values["stop"] = None
            return
        number = parse_decimal(raw)
        if number is False or number is None or number != int(number):
            failed.add("stop")
            error("caravan_edition", _("“%(value)s” is not a whole number.") % {"value": raw})
            return
        number = int(number)
        if number not in self.editions:
            failed.add("stop")
            error(
                "caravan_edition", _("There is no caravan edition %(number)s.") % {"number": number}
            )
            return
        municipality = values.get("municipality")
        if municipality is None and existing is not None and "municipality" not in failed:
            municipality = self.by_pk["municipality"][existing.municipality_id]
        if municipality is None:
            failed.add("stop")
            return
        stop = self.stops.get((number, municipality.pk))
        if stop is None:
            failed.add("stop")
            error(
                "caravan_edition",
                _("%(municipality)s was not a stop of caravan edition %(number)s.")
                % {"municipality": municipality.name_fr, "number": number},
            )
            return
        values["stop"] = stop

    def _parse_list(self, column, raw, error):
        lookup = getattr(self, column)
        ids = []
        unknown = []
        for item in raw.replace(",", ";").split(";"):
            item = item.strip()
            if not item:
                continue
            pk = lookup.get(item.lower())
            if pk is None:
                unknown.append(item)
            elif pk not in ids:
                ids.append(pk)
        if unknown:
            message = {
                "dimensions": _("Unknown dimension code(s): %(values)s."),
                "ministries": _("Unknown ministry acronym(s) or slug(s): %(values)s."),
                "policy_goals": _(
                    "Unknown policy goal(s): %(values)s. Write them as the export does, "
                    "e.g. SDG 11; U4SSC EN."
                ),
            }[column]
            error(column, message % {"values": ", ".join(unknown)})
            return None
        return sorted(ids)

    def _diff(self, existing, project, values, links):
        changes = []
        changed_fields = []
        for name, new in values.items():
            if name in FOREIGN_KEYS:
                old_id = getattr(existing, f"{name}_id")
                new_id = new.pk if new is not None else None
                if old_id != new_id:
                    changed_fields.append(name)
                    changes.append(
                        (
                            FIELD_COLUMNS.get(name, name),
                            self._label(name, old_id),
                            self._label(name, new_id),
                        )
                    )
                continue
            old = getattr(existing, name)
            if isinstance(old, str) and isinstance(new, str):
                same = old.replace("\r\n", "\n") == new
            else:
                same = old == new
            if not same:
                changed_fields.append(name)
                changes.append((FIELD_COLUMNS.get(name, name), _shown(old), _shown(new)))
        changed_links = {}
        for name, ids in links.items():
            old_ids = sorted(target for _link, target in self.links[name].get(existing.pk, []))
            if old_ids != ids:
                changed_links[name] = ids
                changes.append((name, self._list_label(name, old_ids), self._list_label(name, ids)))
        return changes, changed_fields, changed_links

    def _label(self, name, pk) -> str:
        if pk is None:
            return ""
        target = self.by_pk[name].get(pk)
        if target is None:
            return str(pk)
        if name == "stop":
            return str(target.edition.number)
        return target.code

    def _list_label(self, name, ids) -> str:
        return "; ".join(sorted(self.labels[name].get(pk, str(pk)) for pk in ids))


def parse_decimal(raw: str):
    """A number typed by a person: ``None`` when empty, ``False`` when not a number.

    Spaces (also non-breaking ones) may group thousands; a single comma is a decimal
    comma (1 500,5); anything else ambiguous (1,500,000 or 1.500,5) is refused.
    """
    text = "".join(raw.split()).replace("\u202f", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        if "." in text or text.count(",") > 1:
            return False
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    if not number.is_finite():
        return False
    return number


def parse_day(raw: str):
    """A date written YYYY-MM-DD: ``None`` when empty, ``False`` when not such a date. A
    spreadsheet date read as "2026-09-01 00:00:00" (midnight) counts as its day."""
    text = raw.strip()
    if not text:
        return None
    if text.endswith((" 00:00:00", "T00:00:00")):
        text = text[:-9]
    try:
        return date.fromisoformat(text) if len(text) == 10 else False
    except ValueError:
        return False


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"
