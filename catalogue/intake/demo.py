"""Synthetic, clearly labelled demo projects for demonstrations and benchmarks.

``create_demo_projects`` backs ``manage.py seed_demo``. Every project it creates has
``is_demo=True``, a "[Démo]" / "[تجريبي]" / "[Demo]" prefix on its titles and a sentence
in its descriptions saying it is fictitious. The output depends only on the seed and on
the reference data; references continue the existing sequences, so running it again
never collides with real or earlier demo projects.

One module (some 570 lines) on purpose: the generator draws every field of a project from
one random stream, in an order that makes a seed reproduce the same catalogue; its texts in
three languages are data (``fixtures/demo/kinds.json``), its pipeline facts are drawn apart
(``demo_pipeline``).
"""

import functools
import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from caravan.models import Dimension, Ministry, Stop
from catalogue.intake.demo_pipeline import pipeline_rows
from catalogue.models import FundingLine, Milestone, Project, RiskAllocation, Sector
from catalogue.register.choices import ContractModel, Initiation, Stage, Status
from catalogue.register.search import normalize
from municipalities.models import Municipality

MAX_PROJECTS = 1_000_000
BATCH_SIZE = 2_000
MAX_SEQUENCE = 99_999  # the reference validator allows 3 to 5 digits

TITLE_PREFIX = {"fr": "[Démo] ", "ar": "[تجريبي] ", "en": "[Demo] "}

FIRST_DAY = (2020, 1, 1)
LAST_DAY = (2026, 12, 31)

REFERENCE = re.compile(r"^([A-Z]{3})-([0-9]{4})-([0-9]{3,5})$")

STAGE_WEIGHTS = {
    Stage.PROSPECTIVE: 34,
    Stage.PLANNING: 26,
    Stage.ANNOUNCED: 14,
    Stage.PROCUREMENT: 10,
    Stage.AWARDED: 7,
    Stage.DELIVERY: 6,
    Stage.OPERATIONAL: 3,
}
STATUS_WEIGHTS = {
    Status.PUBLISHED: 80,
    Status.DRAFT: 5,
    Status.SUBMITTED: 4,
    Status.IN_REVIEW: 3,
    Status.ELIGIBLE: 2.5,
    Status.NEEDS_INFORMATION: 2.5,
    Status.NOT_ELIGIBLE: 1.5,
    Status.WITHDRAWN: 1.5,
}
INITIATION_WEIGHTS = {Initiation.SOLICITED: 70, Initiation.UNSOLICITED: 15, "": 15}
DIMENSION_COUNT_WEIGHTS = {1: 40, 2: 40, 3: 20}
MINISTRY_COUNT_WEIGHTS = {0: 25, 1: 35, 2: 25, 3: 15}
UNKNOWN_SHARE = 0.10  # share of amounts (investment, land, jobs, duration) left empty
FEATURED_SHARE = 0.025  # of published projects, i.e. about 2 % of all
MAX_EDIT_DAYS = 400  # last update at most this long after creation
STOP_SHARE = 0.3  # of projects in a municipality the caravan visited

WITHDRAWN_REASONS = (
    "Le terrain pressenti n'est finalement pas disponible.",
    "Le conseil municipal a revu ses priorités d'investissement.",
    "Projet regroupé avec un projet intercommunal plus large.",
    "L'étude de faisabilité a conclu à un intérêt insuffisant pour le secteur privé.",
    "Retrait à la demande de la commune, dans l'attente du plan d'aménagement.",
)

# Governorates (INS codes) for kinds that only make sense in some regions.
OASIS = frozenset({"51", "61", "62", "63"})
COASTAL = frozenset({"11", "12", "13", "15", "17", "21", "22", "31", "32", "33", "34", "51", "52"})

SUBTYPE_PHRASE = {
    "fr": {
        "bot": ", sous forme de BOT",
        "boo": ", sous forme de BOO",
        "rot": ", sous forme de ROT",
        "dbfo": ", sous forme de DBFO",
        "lease": ", sous forme d'affermage",
        "management": ", sous forme de contrat de gestion",
    },
    "ar": {
        "bot": "، بصيغة BOT",
        "boo": "، بصيغة BOO",
        "rot": "، بصيغة ROT",
        "dbfo": "، بصيغة DBFO",
        "lease": "، بصيغة الإيجار",
        "management": "، بصيغة عقد التصرف",
    },
    "en": {
        "bot": ", structured as a BOT",
        "boo": ", structured as a BOO",
        "rot": ", structured as a ROT",
        "dbfo": ", structured as a DBFO",
        "lease": ", structured as a lease (affermage)",
        "management": ", structured as a management contract",
    },
}
CONTRACT_SENTENCE = {
    "fr": {
        ContractModel.PPP_CONTRACT: "Le montage envisagé est un contrat de partenariat "
        "public-privé (loi n° 2015-49){subtype}.",
        ContractModel.CONCESSION: "Le montage envisagé est une concession (loi n° 2008-23)"
        "{subtype}.",
        ContractModel.PUBLIC_WORKS: "Le projet serait réalisé en marché de travaux publics, "
        "l'exploitation pouvant être confiée à un opérateur privé.",
        ContractModel.TO_BE_DETERMINED: "Le montage contractuel sera arrêté à l'issue de "
        "l'étude de faisabilité.",
    },
    "ar": {
        ContractModel.PPP_CONTRACT: "يُقترح إنجاز المشروع في إطار عقد شراكة بين القطاعين "
        "العام والخاص (القانون عدد 49 لسنة 2015){subtype}.",
        ContractModel.CONCESSION: "يُقترح إنجاز المشروع في إطار لزمة (القانون عدد 23 لسنة "
        "2008){subtype}.",
        ContractModel.PUBLIC_WORKS: "يُقترح إنجاز المشروع في إطار صفقة أشغال عمومية، مع "
        "إمكانية إسناد الاستغلال إلى مشغّل خاص.",
        ContractModel.TO_BE_DETERMINED: "سيُحدَّد الإطار التعاقدي للمشروع إثر دراسة الجدوى.",
    },
    "en": {
        ContractModel.PPP_CONTRACT: "The intended arrangement is a PPP contract under law "
        "2015-49{subtype}.",
        ContractModel.CONCESSION: "The intended arrangement is a concession under law "
        "2008-23{subtype}.",
        ContractModel.PUBLIC_WORKS: "The project would be delivered as a public-works "
        "contract, with operation possibly entrusted to a private operator.",
        ContractModel.TO_BE_DETERMINED: "The contractual arrangement will be decided after "
        "the feasibility study.",
    },
}
# Only the French description names the programme: the descriptions are kept short, as
# every word of them goes into the search text and its trigram index.
PROGRAMME_SENTENCE_FR = (
    "Projet porté par la commune {of} (gouvernorat {gov_of}) dans le cadre du programme "
    "national des villes intelligentes et durables."
)
DISCLAIMER = {
    "fr": "Projet fictif généré automatiquement pour la démonstration du catalogue : il ne "
    "correspond à aucun projet réel.",
    "ar": "مشروع افتراضي أُنشئ آليًا لعرض الكتالوج، ولا يطابق أي مشروع حقيقي.",
    "en": "Fictitious project generated automatically to demonstrate the catalogue; it does "
    "not correspond to any real project.",
}


@dataclass(frozen=True)
class Kind:
    """A typical smart-city PPP project a municipality might put in the catalogue."""

    key: str
    sector: str  # OC4IDS code, see fixtures/programme/sectors.csv
    dimensions: tuple[str, ...]  # most relevant first
    ministries: tuple[str, ...]  # acronyms of likely partner ministries
    sizes: tuple[int, ...]  # typical values of {n} in the texts
    investment: tuple[int, int]  # TND; per unit of {n} when per_unit
    land: tuple[float, float] | None  # hectares; per unit of {n} when per_unit
    jobs: tuple[int, int]
    contracts: tuple[tuple[str, int], ...]  # ("model/subtype", weight)
    title_fr: str
    title_ar: str
    title_en: str
    summary_fr: str
    summary_ar: str
    summary_en: str
    per_unit: bool = False
    weight: int = 3
    regions: frozenset[str] | None = None  # governorate INS codes; None for anywhere


KINDS_FILE = settings.BASE_DIR / "fixtures" / "demo" / "kinds.json"


def _kind(row: dict) -> Kind:
    tuples = {"dimensions", "ministries", "sizes", "investment", "jobs"}
    values = {key: tuple(value) if key in tuples else value for key, value in row.items()}
    values["land"] = tuple(row["land"]) if row["land"] is not None else None
    values["contracts"] = tuple((code, weight) for code, weight in row["contracts"])
    values["regions"] = frozenset(row["regions"]) if row["regions"] is not None else None
    return Kind(**values)


# The kinds of project, with their texts in three languages: a data table, kept as data.
KINDS = tuple(_kind(row) for row in json.loads(KINDS_FILE.read_text("utf-8"))["kinds"])


def french_at(name: str) -> str:
    """The French "in" for a place name: à Sfax, au Kram, aux …, à l'Ariana."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    if name.startswith("L'"):
        return "à l'" + name[2:]
    return "à " + name


def french_of(name: str) -> str:
    """The French "of" for a place name: de Sfax, du Kram, des …, de l'Ariana, d'El Hamma."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith("L'"):
        return "de l'" + name[2:]
    if name[:1] in "AEIOUÂÉÈÊÎÏÔÛ":
        return "d'" + name
    return "de " + name


def reference_prefix(slug: str) -> str:
    """Three capital letters from a municipality's ASCII slug: "sfax" gives "SFA"."""
    letters = re.sub(r"[^A-Za-z]", "", slug).upper()
    return (letters + "XXX")[:3]


def round_amount(value: float) -> Decimal:
    """An amount in TND rounded like a planner would: to 1,000, 10,000 or 100,000."""
    step = 1_000 if value < 1_000_000 else 10_000 if value < 10_000_000 else 100_000
    return Decimal(max(step, round(value / step) * step))


def _number(value: int, lang: str) -> str:
    """A whole number written for a language: "2 500" (fr), "2,500" (en), "2500" (ar)."""
    if lang == "ar" or value < 1_000:
        return str(value)
    grouped = f"{value:,}"
    return grouped.replace(",", "\u202f") if lang == "fr" else grouped


def _cumulative(weights) -> list[float]:
    """Running totals of ``weights``, for ``random.choices(cum_weights=…)``."""
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


@dataclass
class Draft:
    """A drawn, unsaved demo project with what bulk_create cannot store on it."""

    project: Project
    prefix: str  # of the reference
    dimension_ids: list[int]
    ministry_ids: list[int]
    created_at: datetime
    updated_at: datetime
    search_words: str  # the project's search text (its reference is added last)


@dataclass
class _Place:
    """What the generator needs to know about a municipality."""

    id: int
    prefix: str
    governorate: str  # INS code
    texts: dict  # placeholders for the templates, per language
    stop_id: int | None
    search_words: str  # normalised names of the municipality and governorate


class DemoGenerator:
    """Draws demo projects one by one from a seeded random generator."""

    def __init__(self, seed: int):
        """Load the lookup tables once and prepare the weighted choices."""
        self.rng = random.Random(seed)
        municipalities = list(Municipality.objects.select_related("governorate").order_by("code"))
        if not municipalities:
            raise ValueError("No municipalities: run `manage.py load_reference_data` first.")
        stops = dict(
            Stop.objects.order_by("edition__number", "order").values_list("municipality_id", "id")
        )
        self.places = [self._place(municipality, stops) for municipality in municipalities]
        populations = [m.population_2020 or m.population_2014 or 5_000 for m in municipalities]
        self.place_weights = _cumulative(populations)

        self.sectors = {
            code: (pk, normalize(" ".join(name for name in names if name)))
            for code, pk, *names in Sector.objects.values_list(
                "code", "id", "name_fr", "name_ar", "name_en"
            )
        }
        self.dimensions = dict(Dimension.objects.values_list("code", "id"))
        self.ministries = dict(Ministry.objects.values_list("acronym", "id"))
        self.kinds_by_region = {}
        for code in sorted({place.governorate for place in self.places}):
            kinds = [k for k in KINDS if k.regions is None or code in k.regions]
            self.kinds_by_region[code] = (kinds, _cumulative(k.weight for k in kinds))
        self.kind_contracts = {
            kind.key: ([c for c, _ in kind.contracts], _cumulative(w for _, w in kind.contracts))
            for kind in KINDS
        }
        self.stages, self.stage_weights = list(STAGE_WEIGHTS), _cumulative(STAGE_WEIGHTS.values())
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = _cumulative(STATUS_WEIGHTS.values())
        self.initiations = list(INITIATION_WEIGHTS)
        self.initiation_weights = _cumulative(INITIATION_WEIGHTS.values())
        self.dimension_codes = sorted(self.dimensions)
        self.dimension_counts = list(DIMENSION_COUNT_WEIGHTS)
        self.dimension_count_weights = _cumulative(DIMENSION_COUNT_WEIGHTS.values())
        self.ministry_counts = list(MINISTRY_COUNT_WEIGHTS)
        self.ministry_count_weights = _cumulative(MINISTRY_COUNT_WEIGHTS.values())
        # Titles, summaries and sentences come back often: normalise each once (bounded).
        self.normalize = functools.lru_cache(maxsize=50_000)(normalize)

        zone = timezone.get_default_timezone()
        self.first = datetime(*FIRST_DAY, tzinfo=zone)
        today = timezone.localdate()
        # A whole day, so that the same seed gives the same dates all day long.
        self.last = min(
            datetime(*LAST_DAY, 23, 59, tzinfo=zone),
            datetime.combine(today, datetime.min.time(), tzinfo=zone),
        )
        if self.last <= self.first:
            self.last = self.first + timedelta(days=365)
        self.span = (self.last - self.first).total_seconds()

    @staticmethod
    def _place(municipality, stops) -> _Place:
        """The templates' placeholders and reference prefix of one municipality."""
        governorate = municipality.governorate
        name_fr, gov_fr = municipality.name_fr, governorate.name_fr
        return _Place(
            id=municipality.id,
            prefix=reference_prefix(municipality.slug),
            governorate=governorate.code_ins,
            stop_id=stops.get(municipality.id),
            search_words=normalize(
                " ".join(
                    name
                    for name in (
                        municipality.name_fr,
                        municipality.name_ar,
                        governorate.name_fr,
                        governorate.name_ar,
                        governorate.name_en,
                    )
                    if name
                )
            ),
            texts={
                "fr": {
                    "m": name_fr,
                    "at": french_at(name_fr),
                    "of": french_of(name_fr),
                    "gov": gov_fr,
                    "gov_of": french_of(gov_fr),
                },
                "ar": {"m": municipality.name_ar, "gov": governorate.name_ar},
                "en": {"m": name_fr, "gov": governorate.name_en or gov_fr},
            },
        )

    def draw(self) -> Draft:
        """One unsaved demo project (without its reference) and its links and dates."""
        rng = self.rng
        place = rng.choices(self.places, cum_weights=self.place_weights)[0]
        kinds, kind_weights = self.kinds_by_region[place.governorate]
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        size = rng.choice(kind.sizes)
        stage = rng.choices(self.stages, cum_weights=self.stage_weights)[0]
        status = rng.choices(self.statuses, cum_weights=self.status_weights)[0]

        contracts, contract_weights = self.kind_contracts[kind.key]
        contract = rng.choices(contracts, cum_weights=contract_weights)[0]
        if contract == "tbd" and Stage.position(stage) >= Stage.position(Stage.PROCUREMENT):
            contract = contracts[0]  # a project under procurement knows its contract model
        model, _, subtype = contract.partition("/")

        scale = size if kind.per_unit else 1
        investment = None
        if rng.random() >= UNKNOWN_SHARE:
            low, high = kind.investment
            investment = round_amount(scale * math.exp(rng.uniform(math.log(low), math.log(high))))
        land = None
        if kind.land is not None and rng.random() >= UNKNOWN_SHARE:
            area = scale * rng.uniform(*kind.land)
            land = Decimal(f"{max(area, 0.1):.1f}")
        jobs = None
        if rng.random() >= UNKNOWN_SHARE:
            jobs = rng.randint(*kind.jobs)
            if jobs > 50:
                jobs = round(jobs / 5) * 5
        duration = None
        if model in (ContractModel.PPP_CONTRACT, ContractModel.CONCESSION):
            if rng.random() >= UNKNOWN_SHARE:
                duration = rng.choice((10, 15, 20, 25, 30))

        created = self.first + timedelta(seconds=int(rng.random() * self.span))
        room = min(MAX_EDIT_DAYS * 86_400, (self.last - created).total_seconds())
        updated = created + timedelta(seconds=int(rng.random() * room))
        published_at = None
        if status == Status.PUBLISHED:
            published_at = created + (updated - created) * rng.random()
        reason = rng.choice(WITHDRAWN_REASONS) if status == Status.WITHDRAWN else ""
        featured = status == Status.PUBLISHED and rng.random() < FEATURED_SHARE
        stop_id = place.stop_id if place.stop_id and rng.random() < STOP_SHARE else None
        initiation = rng.choices(self.initiations, cum_weights=self.initiation_weights)[0]

        size_of_set = rng.choices(self.dimension_counts, cum_weights=self.dimension_count_weights)
        dimension_codes = list(kind.dimensions[: size_of_set[0]])
        if rng.random() < 0.15:  # now and then, a less obvious dimension
            dimension_codes[-1] = rng.choice(self.dimension_codes)
        dimension_ids = sorted(
            {self.dimensions[c] for c in dimension_codes if c in self.dimensions}
        )
        count = rng.choices(self.ministry_counts, cum_weights=self.ministry_count_weights)[0]
        acronyms = rng.sample(kind.ministries, min(count, len(kind.ministries)))
        ministry_ids = sorted(self.ministries[a] for a in acronyms if a in self.ministries)

        fields, descriptions = {}, []
        for lang in ("fr", "ar", "en"):
            values = {**place.texts[lang], "n": _number(size, lang)}
            summary = getattr(kind, f"summary_{lang}").format(**values)
            sentences = [
                CONTRACT_SENTENCE[lang][model].format(
                    subtype=SUBTYPE_PHRASE[lang].get(subtype, "")
                ),
                DISCLAIMER[lang],
            ]
            if lang == "fr":
                sentences.insert(0, PROGRAMME_SENTENCE_FR.format(**values))
            fields[f"title_{lang}"] = TITLE_PREFIX[lang] + getattr(kind, f"title_{lang}").format(
                **values
            )
            fields[f"summary_{lang}"] = summary
            fields[f"description_{lang}"] = " ".join(sentences)
            descriptions += sentences
        sector_id, sector_words = self.sectors.get(kind.sector, (None, ""))
        search_words = self._search_words(
            [
                fields[f"{name}_{lang}"]
                for name in ("title", "summary")
                for lang in ("fr", "ar", "en")
            ]
            + descriptions
            + [place.search_words, sector_words]
        )
        project = Project(
            municipality_id=place.id,
            stop_id=stop_id,
            sector_id=sector_id,
            contract_model=model,
            contract_subtype=subtype,
            initiation=initiation,
            stage=stage,
            investment_tnd=investment,
            land_area_ha=land,
            expected_jobs=jobs,
            duration_years=duration,
            status=status,
            published_at=published_at,
            withdrawn_reason=reason,
            featured=featured,
            is_demo=True,
            **fields,
        )
        return Draft(
            project, place.prefix, dimension_ids, ministry_ids, created, updated, search_words
        )

    def _search_words(self, texts: list[str]) -> str:
        """``normalize(" ".join(texts))``, built from cached normalised pieces."""
        # normalize() works character by character and folds any run of spaces and
        # punctuation into one space, so joining normalised pieces gives the same text as
        # Project.compose_search_text() (a test checks it), without redoing the frequent ones.
        return " ".join(filter(None, map(self.normalize, texts)))


def _next_sequences() -> dict[tuple[str, int], int]:
    """The last number used by existing references, per (prefix, year)."""
    last: dict[tuple[str, int], int] = {}
    for reference in Project.objects.values_list("reference", flat=True).iterator(10_000):
        match = REFERENCE.match(reference)
        if match:
            key = (match[1], int(match[2]))
            last[key] = max(last.get(key, 0), int(match[3]))
    return last


# Written after the insert: bulk_create sets the dates to "now" (auto_now_add, auto_now),
# and the search text, given once, is indexed once (PostgreSQL's trigram index is the
# costliest part of writing a project).
COMPLETED_FIELDS = ("created_at", "updated_at", "search_text")


def _complete(rows: list[tuple]) -> None:
    """Set ``COMPLETED_FIELDS`` of projects from (pk, *values) rows, by UPDATE … FROM VALUES."""
    # bulk_update() would do the same with a CASE per row, several times slower; this
    # statement runs on PostgreSQL and SQLite (3.33+) alike.
    meta = Project._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [meta.get_field(name) for name in COMPLETED_FIELDS]
    width = len(fields) + 1
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{position}"
        for position, field in enumerate(fields, start=2)
    )
    row_placeholder = "(" + ", ".join(["%s"] * width) + ")"
    chunk_size = max(1, (connection.features.max_query_params or 30_000) // width)
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        params = []
        for pk, *values in chunk:
            params.append(pk)
            params += [
                field.get_db_prep_value(value, connection)
                for field, value in zip(fields, values, strict=True)
            ]
        with connection.cursor() as cursor:
            # Table and column names come from the model and are quoted; values are
            # parameters.
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # nosec B608
                f"FROM (VALUES {', '.join([row_placeholder] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
                params,
            )


def create_demo_projects(*, count: int, seed: int = 0) -> int:
    """Create ``count`` demo projects drawn from ``random.Random(seed)``; return how many."""
    if not 1 <= count <= MAX_PROJECTS:
        raise ValueError(f"The number of projects must be between 1 and {MAX_PROJECTS:,}.")
    generator = DemoGenerator(seed)
    today = timezone.localdate()
    DimensionLink = Project.dimensions.through
    MinistryLink = Project.ministries.through
    with transaction.atomic():
        last = _next_sequences()
        for start in range(0, count, BATCH_SIZE):
            drafts = [generator.draw() for _ in range(min(BATCH_SIZE, count - start))]
            for draft in drafts:
                year = draft.created_at.year
                key = (draft.prefix, year)
                last[key] = last.get(key, 0) + 1
                if last[key] > MAX_SEQUENCE:
                    raise ValueError(f"No reference number left for {draft.prefix}-{year}.")
                reference = f"{draft.prefix}-{year}-{last[key]:03d}"
                draft.project.reference = reference
                draft.search_words = f"{normalize(reference)} {draft.search_words}"
            milestones, funding, risks = pipeline_rows(
                [draft.project for draft in drafts], seed=f"{seed}-{start}", today=today
            )
            Project.objects.bulk_create([draft.project for draft in drafts])
            Milestone.objects.bulk_create(milestones)
            FundingLine.objects.bulk_create(funding)
            RiskAllocation.objects.bulk_create(risks)
            _complete(
                [
                    (draft.project.pk, draft.created_at, draft.updated_at, draft.search_words)
                    for draft in drafts
                ]
            )
            DimensionLink.objects.bulk_create(
                DimensionLink(project_id=draft.project.pk, dimension_id=dimension_id)
                for draft in drafts
                for dimension_id in draft.dimension_ids
            )
            MinistryLink.objects.bulk_create(
                MinistryLink(project_id=draft.project.pk, ministry_id=ministry_id)
                for draft in drafts
                for ministry_id in draft.ministry_ids
            )
    return count
