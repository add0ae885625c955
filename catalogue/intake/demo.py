"""Synthetic, clearly labelled demo projects for demonstrations and benchmarks.

``create_demo_projects`` backs ``manage.py seed_demo``. Every project it creates has
``is_demo=True``, a "[Démo]" / "[تجريبي]" / "[Demo]" prefix on its titles and a sentence
in its descriptions saying it is fictitious. The output depends only on the seed and on
the reference data; references continue the existing sequences, so running it again
never collides with real or earlier demo projects.
"""

import functools
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from caravan.models import Dimension, Ministry, Stop
from catalogue.models import Project, Sector
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


# Placeholders: {n} size, {m} municipality name, {at} "à Sfax" / "au Kram",
# {of} "de Sfax" / "du Kram" / "d'Ariana", {gov} governorate name, {gov_of} "de Sfax".
KINDS = (
    Kind(
        key="solar_rooftop",
        sector="energy.solar",
        dimensions=("environment", "economy", "governance"),
        ministries=("ME", "MAL", "MDICI", "MF"),
        sizes=(1, 2, 3, 5),
        investment=(2_400_000, 3_300_000),
        per_unit=True,
        land=None,
        jobs=(8, 40),
        contracts=(("ppp/bot", 3), ("ppp/boo", 2), ("concession/bot", 2), ("tbd", 2)),
        weight=6,
        title_fr="Centrale photovoltaïque de {n} MW sur les toits des bâtiments municipaux {of}",
        title_ar="محطة فولطاضوئية بقدرة {n} ميغاواط على أسطح المباني البلدية في {m}",
        title_en="{n} MW rooftop solar plant on the municipal buildings of {m}",
        summary_fr="Installation d'une centrale photovoltaïque de {n} MW sur les toits des "
        "bâtiments municipaux {of}, pour couvrir une partie de la consommation électrique de "
        "la commune.",
        summary_ar="تركيز محطة فولطاضوئية بقدرة {n} ميغاواط على أسطح المباني البلدية في {m} "
        "لتغطية جزء من استهلاك البلدية من الكهرباء.",
        summary_en="Installation of a {n} MW photovoltaic plant on the roofs of the municipal "
        "buildings of {m}, covering part of the municipality's electricity use.",
    ),
    Kind(
        key="solar_farm",
        sector="energy.solar",
        dimensions=("environment", "economy"),
        ministries=("ME", "MDICI", "MF", "MAL"),
        sizes=(5, 10, 20, 50),
        investment=(2_200_000, 3_000_000),
        land=(1.6, 2.2),
        per_unit=True,
        jobs=(15, 80),
        contracts=(("ppp/boo", 3), ("ppp/bot", 3), ("concession/bot", 2)),
        weight=3,
        title_fr="Centrale solaire au sol de {n} MW {at}",
        title_ar="محطة شمسية أرضية بقدرة {n} ميغاواط في {m}",
        title_en="{n} MW ground-mounted solar plant in {m}",
        summary_fr="Construction d'une centrale photovoltaïque au sol de {n} MW sur un terrain "
        "communal {at}, raccordée au réseau de la STEG.",
        summary_ar="إنجاز محطة فولطاضوئية أرضية بقدرة {n} ميغاواط على أرض بلدية في {m}، "
        "مرتبطة بشبكة الشركة التونسية للكهرباء والغاز.",
        summary_en="Construction of a {n} MW ground-mounted photovoltaic plant on municipal "
        "land in {m}, connected to the STEG grid.",
    ),
    Kind(
        key="led_lighting",
        sector="energy",
        dimensions=("environment", "living", "governance"),
        ministries=("MAL", "ME", "MF"),
        sizes=(1_500, 3_000, 5_000, 8_000, 12_000),
        investment=(900, 1_400),
        per_unit=True,
        land=None,
        jobs=(5, 30),
        contracts=(("ppp/dbfo", 4), ("concession/management", 1), ("public_works", 2)),
        weight=6,
        title_fr="Éclairage public LED télégéré {at}",
        title_ar="إنارة عمومية ذكية بتقنية LED في {m}",
        title_en="Remote-managed LED street lighting in {m}",
        summary_fr="Remplacement de {n} points lumineux par des luminaires LED télégérés {at}, "
        "pour réduire d'environ 60 % la consommation d'énergie de l'éclairage public.",
        summary_ar="تعويض {n} نقطة إنارة بفوانيس LED يُتحكَّم فيها عن بعد في {m}، للتقليص "
        "بنحو 60 بالمائة من استهلاك الطاقة في الإنارة العمومية.",
        summary_en="Replacement of {n} street lights with remotely managed LED luminaires in "
        "{m}, cutting the energy used by public lighting by about 60%.",
    ),
    Kind(
        key="smart_parking",
        sector="transport.urban",
        dimensions=("mobility", "governance", "economy"),
        ministries=("MAL", "MT", "MTCEN"),
        sizes=(300, 600, 1_000, 1_500),
        investment=(800_000, 6_000_000),
        land=None,
        jobs=(10, 45),
        contracts=(("concession/management", 3), ("concession/bot", 2), ("ppp/dbfo", 1)),
        weight=5,
        title_fr="Stationnement intelligent en centre-ville {at}",
        title_ar="منظومة ذكية لوقوف السيارات بوسط مدينة {m}",
        title_en="Smart on-street parking in central {m}",
        summary_fr="Équipement de {n} places de stationnement en capteurs, horodateurs "
        "connectés et paiement par téléphone mobile dans le centre-ville {of}.",
        summary_ar="تجهيز {n} موقف للسيارات بأجهزة استشعار وعدادات متصلة ونظام دفع عبر الهاتف "
        "الجوال بوسط مدينة {m}.",
        summary_en="Fitting {n} parking spaces in central {m} with sensors, connected pay "
        "stations and mobile-phone payment.",
    ),
    Kind(
        key="parking_structure",
        sector="transport.urban",
        dimensions=("mobility", "economy"),
        ministries=("MAL", "MEHAT", "MT"),
        sizes=(250, 400, 600),
        investment=(25_000, 40_000),
        per_unit=True,
        land=(0.001, 0.002),
        jobs=(10, 35),
        contracts=(("concession/bot", 4), ("ppp/dbfo", 1)),
        weight=2,
        title_fr="Parking à étages de {n} places {at}",
        title_ar="مأوى سيارات متعدد الطوابق بطاقة {n} مكان في {m}",
        title_en="{n}-space multi-storey car park in {m}",
        summary_fr="Construction et exploitation d'un parking à étages de {n} places près du "
        "marché central {of}, avec guidage dynamique et paiement sans contact.",
        summary_ar="بناء واستغلال مأوى سيارات متعدد الطوابق بطاقة {n} مكان قرب السوق المركزية "
        "في {m}، مع توجيه آلي نحو الأماكن الشاغرة ودفع دون تلامس.",
        summary_en="Construction and operation of a {n}-space multi-storey car park near the "
        "central market of {m}, with dynamic guidance and contactless payment.",
    ),
    Kind(
        key="waste_sorting",
        sector="waterAndWaste",
        dimensions=("environment", "economy", "people"),
        ministries=("ME", "MAL", "MDICI"),
        sizes=(50, 100, 200, 300),
        investment=(3_000_000, 25_000_000),
        land=(2, 10),
        jobs=(30, 150),
        contracts=(("concession/boo", 2), ("concession/bot", 3), ("ppp/dbfo", 2), ("tbd", 1)),
        weight=6,
        title_fr="Centre de tri et de valorisation des déchets {of}",
        title_ar="مركز فرز وتثمين النفايات في {m}",
        title_en="Waste sorting and recovery centre in {m}",
        summary_fr="Création d'un centre de tri et de valorisation des déchets ménagers de {n} "
        "tonnes par jour, avec compostage de la fraction organique, au service de la commune "
        "{of} et des communes voisines.",
        summary_ar="إحداث مركز لفرز النفايات المنزلية وتثمينها بطاقة {n} طن يوميًا مع تحويل "
        "الجزء العضوي إلى سماد، لفائدة بلدية {m} والبلديات المجاورة.",
        summary_en="A {n}-tonne-a-day sorting and recovery centre for household waste, with "
        "composting of the organic fraction, serving {m} and neighbouring municipalities.",
    ),
    Kind(
        key="smart_waste_collection",
        sector="waterAndWaste",
        dimensions=("environment", "governance", "living"),
        ministries=("ME", "MAL", "MTCEN"),
        sizes=(100, 200, 400),
        investment=(1_000_000, 5_000_000),
        land=None,
        jobs=(10, 60),
        contracts=(("concession/management", 3), ("public_works", 2), ("ppp/dbfo", 1)),
        weight=4,
        title_fr="Collecte intelligente des déchets {at}",
        title_ar="جمع ذكي للنفايات في {m}",
        title_en="Smart waste collection in {m}",
        summary_fr="Installation de {n} conteneurs enterrés équipés de capteurs de remplissage "
        "et optimisation des tournées de collecte {at}.",
        summary_ar="تركيز {n} حاوية مطمورة مجهزة بأجهزة استشعار لمستوى الامتلاء وتحسين مسالك "
        "جمع النفايات في {m}.",
        summary_en="Installation of {n} underground bins with fill-level sensors and optimised "
        "collection rounds in {m}.",
    ),
    Kind(
        key="wastewater_reuse",
        sector="waterAndWaste",
        dimensions=("environment", "living", "economy"),
        ministries=("ME", "MEHAT", "MDICI"),
        sizes=(2_000, 5_000, 10_000, 20_000),
        investment=(4_000_000, 30_000_000),
        land=(1, 5),
        jobs=(10, 50),
        contracts=(("ppp/bot", 3), ("ppp/dbfo", 2), ("concession/bot", 2)),
        weight=3,
        title_fr="Réutilisation des eaux usées traitées {at}",
        title_ar="إعادة استعمال المياه المستعملة المعالجة في {m}",
        title_en="Treated wastewater reuse in {m}",
        summary_fr="Traitement tertiaire de {n} m³ par jour d'eaux usées, réutilisées pour "
        "l'arrosage des espaces verts et l'irrigation agricole {at}.",
        summary_ar="معالجة ثلاثية لـ{n} متر مكعب يوميًا من المياه المستعملة وإعادة استعمالها "
        "في ري المساحات الخضراء والأراضي الفلاحية في {m}.",
        summary_en="Tertiary treatment of {n} m³ a day of wastewater, reused to water green "
        "spaces and irrigate farmland in {m}.",
    ),
    Kind(
        key="desalination",
        sector="waterAndWaste",
        dimensions=("environment", "living"),
        ministries=("ME", "MDICI", "MF"),
        sizes=(5_000, 10_000, 25_000, 50_000),
        investment=(15_000_000, 150_000_000),
        land=(2, 8),
        jobs=(20, 80),
        contracts=(("ppp/bot", 4), ("ppp/dbfo", 2)),
        weight=2,
        title_fr="Station de dessalement {at}",
        title_ar="محطة لتحلية المياه في {m}",
        title_en="Desalination plant in {m}",
        summary_fr="Construction d'une station de dessalement par osmose inverse de {n} m³ par "
        "jour, alimentée en partie par l'énergie solaire, pour sécuriser l'alimentation en eau "
        "potable {of}.",
        summary_ar="إنجاز محطة لتحلية المياه بتقنية التناضح العكسي بطاقة {n} متر مكعب يوميًا، "
        "تُزوَّد جزئيًا بالطاقة الشمسية، لتأمين التزود بالماء الصالح للشرب في {m}.",
        summary_en="A {n} m³-a-day reverse-osmosis desalination plant, partly solar-powered, "
        "to secure the drinking-water supply of {m}.",
    ),
    Kind(
        key="bus_rapid_transit",
        sector="transport.urban",
        dimensions=("mobility", "environment", "living"),
        ministries=("MT", "MEHAT", "MF"),
        sizes=(6, 8, 12, 15),
        investment=(8_000_000, 15_000_000),
        per_unit=True,
        land=None,
        jobs=(80, 300),
        contracts=(("ppp/dbfo", 3), ("concession/bot", 2), ("tbd", 2)),
        weight=2,
        title_fr="Ligne de bus à haut niveau de service {at}",
        title_ar="خط حافلات ذات مستوى خدمات عالٍ في {m}",
        title_en="Bus rapid transit line in {m}",
        summary_fr="Réalisation d'une ligne de bus à haut niveau de service de {n} km en site "
        "propre, avec stations accessibles et billettique électronique {at}.",
        summary_ar="إنجاز خط حافلات ذات مستوى خدمات عالٍ بطول {n} كلم في مسلك خاص، مع محطات "
        "ميسّرة النفاذ وتذاكر إلكترونية في {m}.",
        summary_en="A {n} km bus rapid transit line on a dedicated lane, with accessible "
        "stations and electronic ticketing, in {m}.",
    ),
    Kind(
        key="bike_sharing",
        sector="transport.lowCarbon",
        dimensions=("mobility", "environment", "people"),
        ministries=("MT", "MAL", "ME"),
        sizes=(150, 300, 500),
        investment=(400_000, 3_000_000),
        land=None,
        jobs=(8, 30),
        contracts=(("concession/management", 3), ("concession/lease", 2), ("tbd", 1)),
        weight=3,
        title_fr="Vélos en libre-service {at}",
        title_ar="دراجات للاستعمال الحر في {m}",
        title_en="Bike sharing in {m}",
        summary_fr="Mise en service de {n} vélos en libre-service, dont un tiers à assistance "
        "électrique, sur des stations connectées {at}.",
        summary_ar="توفير {n} دراجة للاستعمال الحر، ثلثها بمساعدة كهربائية، موزعة على محطات "
        "متصلة في مختلف أحياء {m}.",
        summary_en="{n} shared bicycles, a third of them electric, docked at connected "
        "stations across {m}.",
    ),
    Kind(
        key="electric_buses",
        sector="transport.lowCarbon",
        dimensions=("mobility", "environment"),
        ministries=("MT", "ME", "MF"),
        sizes=(12, 20, 40),
        investment=(1_200_000, 1_800_000),
        per_unit=True,
        land=None,
        jobs=(30, 150),
        contracts=(("ppp/dbfo", 3), ("concession/management", 2)),
        weight=2,
        title_fr="Bus électriques pour le réseau urbain {of}",
        title_ar="حافلات كهربائية لشبكة النقل الحضري في {m}",
        title_en="Electric buses for the urban network of {m}",
        summary_fr="Acquisition et exploitation de {n} bus électriques, avec un dépôt de "
        "recharge alimenté par des panneaux solaires, pour le réseau urbain {of}.",
        summary_ar="اقتناء واستغلال {n} حافلة كهربائية مع مستودع شحن مزوّد بألواح شمسية لفائدة "
        "شبكة النقل الحضري في {m}.",
        summary_en="Purchase and operation of {n} electric buses, with a solar-powered "
        "charging depot, for the urban network of {m}.",
    ),
    Kind(
        key="public_wifi",
        sector="communications",
        dimensions=("people", "living", "economy"),
        ministries=("MTCEN", "MAL"),
        sizes=(20, 40, 80),
        investment=(300_000, 2_500_000),
        land=None,
        jobs=(3, 15),
        contracts=(("concession/boo", 3), ("concession/management", 2)),
        weight=4,
        title_fr="Wi-Fi public gratuit {at}",
        title_ar="شبكة Wi-Fi عمومية مجانية في {m}",
        title_en="Free public Wi-Fi in {m}",
        summary_fr="Couverture Wi-Fi gratuite de {n} places, jardins et bâtiments publics "
        "{of}, financée par un partenaire privé en contrepartie d'une concession d'affichage.",
        summary_ar="تغطية {n} ساحة وحديقة ومبنى عمومي في {m} بشبكة Wi-Fi مجانية، يموّلها شريك "
        "خاص مقابل لزمة إشهار.",
        summary_en="Free Wi-Fi in {n} squares, gardens and public buildings of {m}, funded by "
        "a private partner in exchange for an advertising concession.",
    ),
    Kind(
        key="fibre_network",
        sector="communications",
        dimensions=("economy", "people"),
        ministries=("MTCEN", "MDICI", "MAL"),
        sizes=(30, 60, 120),
        investment=(40_000, 70_000),
        per_unit=True,
        land=None,
        jobs=(10, 40),
        contracts=(("ppp/dbfo", 3), ("concession/bot", 2)),
        weight=2,
        title_fr="Réseau municipal de fibre optique {at}",
        title_ar="شبكة بلدية من الألياف البصرية في {m}",
        title_en="Municipal fibre-optic network in {m}",
        summary_fr="Déploiement de {n} km de fibre optique mutualisée, ouverte à tous les "
        "opérateurs, dans les zones d'activités et les quartiers {of}.",
        summary_ar="مدّ {n} كلم من الألياف البصرية المشتركة المفتوحة لكل المشغلين في المناطق "
        "الاقتصادية والأحياء السكنية في {m}.",
        summary_en="{n} km of shared fibre, open to every operator, across the business parks "
        "and neighbourhoods of {m}.",
    ),
    Kind(
        key="e_government",
        sector="governance",
        dimensions=("governance", "people"),
        ministries=("MAL", "MTCEN"),
        sizes=(12, 20, 30),
        investment=(500_000, 4_000_000),
        land=None,
        jobs=(5, 25),
        contracts=(("ppp/dbfo", 2), ("public_works", 2), ("tbd", 2)),
        weight=5,
        title_fr="Guichet unique numérique de la commune {of}",
        title_ar="شباك موحد رقمي لبلدية {m}",
        title_en="Digital one-stop shop for the municipality of {m}",
        summary_fr="Dématérialisation des démarches municipales (état civil, permis de bâtir, "
        "taxes locales) avec un guichet unique en ligne et {n} bornes de services {at}.",
        summary_ar="رقمنة الخدمات البلدية (الحالة المدنية ورخص البناء والجباية المحلية) عبر "
        "شباك موحد على الخط و{n} كشك خدمات في {m}.",
        summary_en="Online municipal services (civil registry, building permits, local taxes) "
        "through a one-stop portal and {n} self-service kiosks in {m}.",
    ),
    Kind(
        key="data_centre",
        sector="governance",
        dimensions=("governance", "economy"),
        ministries=("MTCEN", "MAL", "MF"),
        sizes=(20, 40, 80),
        investment=(3_000_000, 20_000_000),
        land=(0.2, 1),
        jobs=(10, 40),
        contracts=(("ppp/dbfo", 3), ("ppp/boo", 2)),
        weight=1,
        title_fr="Centre de données intercommunal {at}",
        title_ar="مركز بيانات بين البلديات في {m}",
        title_en="Inter-municipal data centre in {m}",
        summary_fr="Construction d'un centre de données de {n} baies, alimenté à l'énergie "
        "solaire, pour héberger les applications des communes du gouvernorat {gov_of}.",
        summary_ar="بناء مركز بيانات يضم {n} خزانة خوادم ويعمل بالطاقة الشمسية لاحتضان تطبيقات "
        "بلديات ولاية {gov}.",
        summary_en="A solar-powered data centre with {n} server racks, hosting the "
        "applications of the municipalities of {gov} governorate.",
    ),
    Kind(
        key="wholesale_market",
        sector="economy",
        dimensions=("economy", "governance", "environment"),
        ministries=("MDICI", "MAL", "MF"),
        sizes=(8_000, 15_000, 25_000),
        investment=(10_000_000, 60_000_000),
        land=(5, 20),
        jobs=(100, 600),
        contracts=(("concession/bot", 3), ("ppp/dbfo", 2), ("tbd", 1)),
        weight=2,
        title_fr="Nouveau marché de gros {of}",
        title_ar="سوق جملة جديدة في {m}",
        title_en="New wholesale market for {m}",
        summary_fr="Reconstruction du marché de gros {of} avec {n} m² de halles couvertes, des "
        "chambres froides, la traçabilité numérique des produits et l'affichage des prix en "
        "temps réel.",
        summary_ar="إعادة بناء سوق الجملة في {m} بمساحة مغطاة تبلغ {n} متر مربع، مع غرف تبريد "
        "وتتبّع رقمي للمنتوجات وإعلان الأسعار في الوقت الحقيقي.",
        summary_en="Rebuilding the wholesale market of {m} with {n} m² of covered halls, cold "
        "rooms, digital produce traceability and real-time price display.",
    ),
    Kind(
        key="municipal_market",
        sector="economy",
        dimensions=("economy", "living"),
        ministries=("MAL", "MDICI"),
        sizes=(80, 150, 250),
        investment=(1_500_000, 8_000_000),
        land=(0.3, 2),
        jobs=(20, 120),
        contracts=(("concession/rot", 3), ("concession/lease", 2), ("public_works", 1)),
        weight=3,
        title_fr="Réaménagement du marché municipal {of}",
        title_ar="تهيئة السوق البلدية في {m}",
        title_en="Refurbishment of the municipal market of {m}",
        summary_fr="Rénovation du marché municipal {of} : {n} étals modernisés, paiement "
        "électronique, tri des déchets et éclairage solaire.",
        summary_ar="تجديد السوق البلدية في {m}: {n} نقطة بيع عصرية ودفع إلكتروني وفرز للنفايات "
        "وإنارة بالطاقة الشمسية.",
        summary_en="Renovation of the municipal market of {m}: {n} modernised stalls, "
        "electronic payment, waste sorting and solar lighting.",
    ),
    Kind(
        key="slaughterhouse",
        sector="economy",
        dimensions=("economy", "environment", "living"),
        ministries=("MAL", "ME", "MDICI"),
        sizes=(2_000, 5_000, 10_000),
        investment=(4_000_000, 18_000_000),
        land=(1, 4),
        jobs=(25, 120),
        contracts=(("concession/rot", 3), ("concession/lease", 2), ("ppp/dbfo", 1)),
        weight=2,
        title_fr="Modernisation de l'abattoir municipal {of}",
        title_ar="تعصير المسلخ البلدي في {m}",
        title_en="Modernisation of the municipal slaughterhouse of {m}",
        summary_fr="Mise aux normes sanitaires de l'abattoir municipal {of}, d'une capacité de "
        "{n} tonnes par an, avec chaîne du froid et traitement des effluents.",
        summary_ar="ملاءمة المسلخ البلدي في {m} مع المعايير الصحية بطاقة {n} طن سنويًا، مع "
        "سلسلة تبريد ومعالجة للمياه المستعملة.",
        summary_en="Bringing the municipal slaughterhouse of {m} up to health standards, with "
        "a capacity of {n} tonnes a year, a cold chain and effluent treatment.",
    ),
    Kind(
        key="sports_complex",
        sector="cultureSportsAndRecreation",
        dimensions=("living", "people"),
        ministries=("MAL", "MEHAT", "MF"),
        sizes=(500, 1_000, 2_000),
        investment=(6_000_000, 30_000_000),
        land=(2, 8),
        jobs=(20, 80),
        contracts=(("ppp/dbfo", 3), ("concession/bot", 2), ("public_works", 1)),
        weight=3,
        title_fr="Complexe sportif municipal {of}",
        title_ar="مركب رياضي بلدي في {m}",
        title_en="Municipal sports complex in {m}",
        summary_fr="Construction d'un complexe sportif avec piscine couverte, salle omnisports "
        "de {n} places et terrains en gazon synthétique {at}.",
        summary_ar="بناء مركب رياضي يضم مسبحًا مغطى وقاعة متعددة الاختصاصات تتسع لـ{n} متفرج "
        "وملاعب بعشب اصطناعي في {m}.",
        summary_en="A sports complex with an indoor pool, a {n}-seat multi-sports hall and "
        "artificial-turf pitches in {m}.",
    ),
    Kind(
        key="cultural_centre",
        sector="cultureSportsAndRecreation",
        dimensions=("people", "living"),
        ministries=("MAL", "MTCEN", "MEHAT"),
        sizes=(200, 350, 600),
        investment=(3_000_000, 15_000_000),
        land=(0.5, 2),
        jobs=(15, 60),
        contracts=(("ppp/dbfo", 2), ("concession/management", 2), ("public_works", 2)),
        weight=3,
        title_fr="Centre culturel et médiathèque {of}",
        title_ar="مركز ثقافي ومكتبة وسائطية في {m}",
        title_en="Cultural centre and media library in {m}",
        summary_fr="Création d'un centre culturel avec médiathèque numérique, salle de "
        "spectacle de {n} places et ateliers pour les jeunes {at}.",
        summary_ar="إحداث مركز ثقافي يضم مكتبة وسائطية رقمية وقاعة عروض تتسع لـ{n} مقعد "
        "وورشات للشباب في {m}.",
        summary_en="A cultural centre with a digital media library, a {n}-seat performance "
        "hall and youth workshops in {m}.",
    ),
    Kind(
        key="heritage_trail",
        sector="cultureSportsAndRecreation",
        dimensions=("economy", "people", "living"),
        ministries=("MDICI", "MAL", "MTCEN"),
        sizes=(5, 10, 15, 25),
        investment=(800_000, 6_000_000),
        land=None,
        jobs=(15, 90),
        contracts=(("concession/management", 2), ("concession/lease", 2), ("tbd", 2)),
        weight=3,
        title_fr="Circuit touristique du patrimoine {of}",
        title_ar="مسلك سياحي للتراث في {m}",
        title_en="Heritage tourist trail in {m}",
        summary_fr="Aménagement d'un circuit de {n} km reliant les sites patrimoniaux et "
        "naturels {of}, avec signalétique connectée, application de visite et gîtes d'étape.",
        summary_ar="تهيئة مسلك بطول {n} كلم يربط المواقع التراثية والطبيعية في {m}، مع لافتات "
        "متصلة وتطبيق للزيارة ومحطات إيواء.",
        summary_en="A {n} km trail linking the heritage and natural sites of {m}, with "
        "connected signage, a visitor app and guesthouses along the way.",
    ),
    Kind(
        key="oasis_ecotourism",
        sector="cultureSportsAndRecreation",
        dimensions=("environment", "economy", "people"),
        ministries=("ME", "MDICI", "MAL"),
        sizes=(4, 8, 12, 20),
        investment=(1_000_000, 8_000_000),
        land=(5, 40),
        jobs=(20, 120),
        contracts=(("concession/lease", 2), ("concession/management", 2), ("tbd", 1)),
        weight=8,
        regions=OASIS,
        title_fr="Parcours écotouristique dans l'oasis {of}",
        title_ar="مسلك سياحي بيئي في واحة {m}",
        title_en="Oasis eco-tourism trail in {m}",
        summary_fr="Aménagement d'un parcours écotouristique de {n} km dans l'oasis {of}, avec "
        "irrigation goutte-à-goutte, maisons d'hôtes et visite guidée sur application mobile.",
        summary_ar="تهيئة مسلك سياحي بيئي بطول {n} كلم في واحة {m}، مع الري قطرة قطرة ودور "
        "ضيافة وزيارة موجّهة عبر تطبيق للهاتف الجوال.",
        summary_en="A {n} km eco-tourism trail through the oasis of {m}, with drip irrigation, "
        "guesthouses and an app-guided tour.",
    ),
    Kind(
        key="social_housing",
        sector="socialHousing",
        dimensions=("living", "people", "environment"),
        ministries=("MEHAT", "MAL", "MF"),
        sizes=(120, 200, 400),
        investment=(90_000, 140_000),
        per_unit=True,
        land=(0.02, 0.04),
        jobs=(40, 250),
        contracts=(("ppp/dbfo", 2), ("public_works", 3), ("tbd", 1)),
        weight=3,
        title_fr="Logements sociaux économes en énergie {at}",
        title_ar="مساكن اجتماعية مقتصدة في الطاقة في {m}",
        title_en="Energy-efficient social housing in {m}",
        summary_fr="Construction de {n} logements sociaux économes en énergie, avec "
        "chauffe-eau solaires et espaces verts partagés {at}.",
        summary_ar="بناء {n} مسكن اجتماعي مقتصد في استهلاك الطاقة، مع سخانات شمسية ومساحات "
        "خضراء مشتركة في {m}.",
        summary_en="Construction of {n} energy-efficient social homes with solar water heaters "
        "and shared green spaces in {m}.",
    ),
    Kind(
        key="flood_protection",
        sector="naturalResources.floodProtection",
        dimensions=("environment", "living", "governance"),
        ministries=("MEHAT", "ME", "MAL"),
        sizes=(5, 10, 20),
        investment=(5_000_000, 40_000_000),
        land=None,
        jobs=(30, 150),
        contracts=(("public_works", 4), ("ppp/dbfo", 1), ("tbd", 1)),
        weight=3,
        title_fr="Protection contre les inondations {at}",
        title_ar="حماية {m} من الفيضانات",
        title_en="Flood protection for {m}",
        summary_fr="Réalisation de {n} km de canaux d'évacuation des eaux pluviales et d'un "
        "système d'alerte précoce par capteurs pour les quartiers exposés {of}.",
        summary_ar="إنجاز {n} كلم من قنوات تصريف مياه الأمطار ونظام إنذار مبكر بأجهزة الاستشعار "
        "لحماية الأحياء المهددة في {m}.",
        summary_en="{n} km of storm-water channels and a sensor-based early-warning system for "
        "the flood-prone neighbourhoods of {m}.",
    ),
    Kind(
        key="coastal_protection",
        sector="naturalResources",
        dimensions=("environment", "living"),
        ministries=("ME", "MEHAT", "MF"),
        sizes=(2, 4, 8),
        investment=(8_000_000, 45_000_000),
        land=None,
        jobs=(20, 100),
        contracts=(("public_works", 4), ("ppp/dbfo", 1)),
        weight=3,
        regions=COASTAL,
        title_fr="Protection du littoral {of}",
        title_ar="حماية الشريط الساحلي في {m}",
        title_en="Coastal protection in {m}",
        summary_fr="Protection de {n} km de côte contre l'érosion par brise-lames et "
        "rechargement des plages, avec un suivi du trait de côte par capteurs {at}.",
        summary_ar="حماية {n} كلم من الشريط الساحلي من الانجراف بواسطة حواجز الأمواج وإعادة "
        "تغذية الشواطئ بالرمال، مع متابعة خط الساحل بأجهزة الاستشعار في {m}.",
        summary_en="Protecting {n} km of coastline against erosion with breakwaters and beach "
        "nourishment, with sensor-based shoreline monitoring in {m}.",
    ),
    Kind(
        key="business_park",
        sector="economy",
        dimensions=("economy", "environment"),
        ministries=("MDICI", "MEHAT", "MF"),
        sizes=(20, 40, 80),
        investment=(300_000, 600_000),
        land=(1, 1),
        per_unit=True,
        jobs=(200, 2_000),
        contracts=(("concession/bot", 3), ("ppp/dbfo", 2), ("tbd", 1)),
        weight=3,
        title_fr="Zone d'activités économiques {of}",
        title_ar="منطقة أنشطة اقتصادية في {m}",
        title_en="Business park in {m}",
        summary_fr="Aménagement d'une zone d'activités de {n} ha avec réseaux intelligents, "
        "centrale solaire mutualisée et guichet d'accueil des investisseurs {at}.",
        summary_ar="تهيئة منطقة أنشطة اقتصادية على مساحة {n} هكتار مع شبكات ذكية ومحطة شمسية "
        "مشتركة وشباك لاستقبال المستثمرين في {m}.",
        summary_en="Development of a {n} ha business park with smart utility networks, a "
        "shared solar plant and an investor service desk in {m}.",
    ),
    Kind(
        key="logistics_hub",
        sector="transport.road",
        dimensions=("economy", "mobility"),
        ministries=("MT", "MDICI", "MEHAT"),
        sizes=(10_000, 25_000, 50_000),
        investment=(15_000_000, 80_000_000),
        land=(10, 40),
        jobs=(80, 500),
        contracts=(("concession/bot", 3), ("ppp/boo", 2)),
        weight=2,
        title_fr="Plateforme logistique {of}",
        title_ar="منصة لوجستية في {m}",
        title_en="Logistics hub in {m}",
        summary_fr="Création d'une plateforme logistique avec {n} m² d'entrepôts, un parc pour "
        "poids lourds et le suivi numérique des flux de marchandises {at}.",
        summary_ar="إحداث منصة لوجستية تضم مخازن بمساحة {n} متر مربع ومأوى للشاحنات الثقيلة "
        "ومتابعة رقمية لحركة البضائع في {m}.",
        summary_en="A logistics hub with {n} m² of warehouses, a truck park and digital "
        "tracking of freight flows in {m}.",
    ),
    Kind(
        key="urban_park",
        sector="cultureSportsAndRecreation",
        dimensions=("environment", "living", "people"),
        ministries=("ME", "MAL", "MEHAT"),
        sizes=(5, 10, 20),
        investment=(150_000, 350_000),
        land=(1, 1),
        per_unit=True,
        jobs=(10, 50),
        contracts=(("concession/management", 2), ("public_works", 3), ("tbd", 1)),
        weight=4,
        title_fr="Parc urbain {of}",
        title_ar="منتزه حضري في {m}",
        title_en="Urban park in {m}",
        summary_fr="Aménagement d'un parc urbain de {n} ha avec arrosage intelligent aux eaux "
        "traitées, aires de jeux et parcours sportifs {at}.",
        summary_ar="تهيئة منتزه حضري على مساحة {n} هكتار مع ري ذكي بالمياه المعالجة وفضاءات "
        "للعب الأطفال ومسالك رياضية في {m}.",
        summary_en="A {n} ha urban park with smart irrigation using treated water, "
        "playgrounds and fitness trails in {m}.",
    ),
    Kind(
        key="traffic_management",
        sector="transport.urban",
        dimensions=("mobility", "governance", "environment"),
        ministries=("MT", "MAL", "MTCEN"),
        sizes=(20, 40, 80),
        investment=(2_000_000, 12_000_000),
        land=None,
        jobs=(10, 40),
        contracts=(("ppp/dbfo", 3), ("public_works", 2)),
        weight=2,
        title_fr="Gestion intelligente du trafic {at}",
        title_ar="تصرف ذكي في حركة المرور في {m}",
        title_en="Smart traffic management in {m}",
        summary_fr="Mise en place d'un centre de régulation du trafic pilotant {n} carrefours à "
        "feux adaptatifs et des caméras de comptage {at}.",
        summary_ar="إحداث مركز لتعديل حركة المرور يتحكم في {n} مفترقًا مجهزًا بإشارات ضوئية "
        "ذكية وكاميرات للعدّ في {m}.",
        summary_en="A traffic control centre running {n} junctions with adaptive signals and "
        "counting cameras in {m}.",
    ),
    Kind(
        key="biogas",
        sector="energy.biomass",
        dimensions=("environment", "economy"),
        ministries=("ME", "MAL", "MDICI"),
        sizes=(30, 60, 120),
        investment=(5_000_000, 30_000_000),
        land=(1, 4),
        jobs=(15, 60),
        contracts=(("concession/boo", 3), ("ppp/bot", 2)),
        weight=2,
        title_fr="Unité de méthanisation des déchets organiques {at}",
        title_ar="وحدة لإنتاج الغاز الحيوي في {m}",
        title_en="Biogas plant in {m}",
        summary_fr="Valorisation de {n} tonnes par jour de déchets organiques et de boues "
        "d'épuration en biogaz et en électricité {at}.",
        summary_ar="تثمين {n} طن يوميًا من النفايات العضوية وحمأة محطات التطهير لإنتاج الغاز "
        "الحيوي والكهرباء في {m}.",
        summary_en="Turning {n} tonnes a day of organic waste and sewage sludge into biogas "
        "and electricity in {m}.",
    ),
    Kind(
        key="digital_hub",
        sector="economy",
        dimensions=("economy", "people"),
        ministries=("MTCEN", "MDICI"),
        sizes=(1_500, 3_000, 6_000),
        investment=(2_000, 3_500),
        per_unit=True,
        land=(0.3, 1.5),
        jobs=(50, 400),
        contracts=(("ppp/dbfo", 2), ("concession/management", 2), ("tbd", 1)),
        weight=3,
        title_fr="Pôle numérique et incubateur de start-up {of}",
        title_ar="قطب رقمي وحاضنة مؤسسات في {m}",
        title_en="Digital hub and start-up incubator in {m}",
        summary_fr="Création d'un pôle numérique de {n} m² réunissant espace de coworking, "
        "incubateur de start-up et centre de formation aux métiers du numérique {at}.",
        summary_ar="إحداث قطب رقمي بمساحة {n} متر مربع يضم فضاء للعمل المشترك وحاضنة للمؤسسات "
        "الناشئة ومركزًا للتكوين في مهن الرقمية في {m}.",
        summary_en="A {n} m² digital hub bringing together co-working space, a start-up "
        "incubator and a digital-skills training centre in {m}.",
    ),
    Kind(
        key="bus_station",
        sector="transport.road",
        dimensions=("mobility", "economy", "living"),
        ministries=("MT", "MAL", "MEHAT"),
        sizes=(12, 20, 30),
        investment=(4_000_000, 20_000_000),
        land=(1, 4),
        jobs=(20, 100),
        contracts=(("concession/bot", 3), ("concession/rot", 2), ("public_works", 1)),
        weight=2,
        title_fr="Gare routière multimodale {of}",
        title_ar="محطة نقل برّي متعددة الوسائط في {m}",
        title_en="Multimodal bus station in {m}",
        summary_fr="Reconstruction de la gare routière {of} avec {n} quais, information des "
        "voyageurs en temps réel et espaces commerciaux.",
        summary_ar="إعادة بناء محطة النقل البري في {m} بـ{n} رصيفًا، مع إعلام المسافرين في "
        "الوقت الحقيقي وفضاءات تجارية.",
        summary_en="Rebuilding the bus station of {m} with {n} bays, real-time passenger "
        "information and retail space.",
    ),
)


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
            Project.objects.bulk_create([draft.project for draft in drafts])
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
