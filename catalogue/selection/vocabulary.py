"""The values the catalogue's reference-data filters accept, and their labels.

The governorate, municipality, sector, dimension and ministry filters take a slug or a
code in the query string and filter on the row's id: this table maps one to the other
and names each value in the active language.
"""

from django.utils.translation import get_language

from caravan.models import Dimension, Ministry
from catalogue.models import Sector
from municipalities.models import Governorate, Municipality
from smartcities.core.collation import active_language, sort_key

# The filters whose values are listed by name (the others by their display order).
NAME_ORDERED = ("governorate", "municipality", "ministry")


def localized(row: dict, prefix: str = "name") -> str:
    """The row's name in the active language, falling back to French."""
    return row.get(f"{prefix}_{get_language()}") or row[f"{prefix}_fr"]


class Vocabulary:
    """The values each filter accepts: id, key (slug or code) and names in each language.

    Reference data, read once and kept while the catalogue version is unchanged (see
    ``caching.versioned_in_process``); labels are worked out once per language.
    """

    def __init__(self):
        governorates = list(
            Governorate.objects.order_by("code_ins").values(
                "id", "slug", "name_fr", "name_ar", "name_en"
            )
        )
        governorate_by_id = {row["id"]: row for row in governorates}
        municipalities = list(
            Municipality.objects.order_by("governorate__code_ins", "name_fr").values(
                "id", "slug", "name_fr", "name_ar", "governorate_id"
            )
        )
        for row in municipalities:
            row["governorate"] = governorate_by_id[row["governorate_id"]]
        self.rows = {
            "governorate": [(row["slug"], row) for row in governorates],
            "municipality": [(row["slug"], row) for row in municipalities],
            "sector": [
                (row["code"], row)
                for row in Sector.objects.values("id", "code", "name_fr", "name_ar", "name_en")
            ],
            "dimension": [
                (row["code"], row)
                for row in Dimension.objects.values("id", "code", "name_fr", "name_ar", "name_en")
            ],
            "ministry": [
                (row["slug"], row)
                for row in Ministry.objects.values("id", "slug", "name_fr", "name_ar", "name_en")
            ],
        }
        self.ids = {name: {key: row["id"] for key, row in rows} for name, rows in self.rows.items()}
        self._labels: dict[tuple[str, str], list[tuple[str, str, str, int]]] = {}

    def labels(self, name: str) -> list[tuple[str, str, str, int]]:
        """(key, label, group label, id) of each value of ``name``, in the active language."""
        memo = (name, get_language())
        if memo not in self._labels:
            labels = [
                (
                    key,
                    localized(row),
                    localized(row["governorate"]) if "governorate" in row else "",
                    row["id"],
                )
                for key, row in self.rows[name]
            ]
            if name in NAME_ORDERED:
                # Places and ministries by name (municipalities grouped by governorate) in
                # the reader's alphabetical order; sectors and dimensions keep theirs.
                language = active_language()
                labels.sort(
                    key=lambda item: (sort_key(item[2], language), sort_key(item[1], language))
                )
            self._labels[memo] = labels
        return self._labels[memo]

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(key, label in the active language) for each value of the filter ``name``."""
        return [(key, label) for key, label, _group, _id in self.labels(name)]

    def id_for(self, name: str, key: str) -> int:
        return self.ids[name][key]

    def governorate_of(self) -> dict[int, int]:
        """Municipality id → its governorate's id."""
        return {row["id"]: row["governorate_id"] for _key, row in self.rows["municipality"]}
