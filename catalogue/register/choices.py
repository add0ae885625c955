"""Codes used by the catalogue. The values are stable: they appear in URLs and exports."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContractModel(models.TextChoices):
    """The legal frame a project would be procured under.

    Empty when nobody stated it ("not stated"); "to be determined" is a statement that
    the authority has not chosen yet.
    """

    PPP_CONTRACT = "ppp", _("PPP contract (law 2015-49)")
    CONCESSION = "concession", _("Concession (law 2008-23)")
    PUBLIC_WORKS = "public_works", _("Public works")
    TO_BE_DETERMINED = "tbd", _("To be determined")


class ContractSubtype(models.TextChoices):
    """Common arrangements within a PPP contract or a concession."""

    BOT = "bot", _("BOT (build, operate, transfer)")
    BOO = "boo", _("BOO (build, own, operate)")
    ROT = "rot", _("ROT (rehabilitate, operate, transfer)")
    DBFO = "dbfo", _("DBFO / DBFM (design, build, finance, operate or maintain)")
    LEASE = "lease", _("Lease (affermage)")
    MANAGEMENT = "management", _("Management contract")


class Initiation(models.TextChoices):
    """Who proposed the project."""

    SOLICITED = "solicited", _("Solicited by the public authority")
    UNSOLICITED = "unsolicited", _("Unsolicited proposal (offre spontanée)")


class Stage(models.TextChoices):
    """Where the project stands in its life (GI Hub Global Infrastructure Pipeline).

    Empty when no source states it: shown as "not stated", never as a stage.
    """

    PROSPECTIVE = "prospective", pgettext_lazy("project stage", "Prospective")
    PLANNING = "planning", pgettext_lazy("project stage", "Detailed planning")
    ANNOUNCED = "announced", pgettext_lazy("project stage", "Announced")
    PROCUREMENT = "procurement", pgettext_lazy("project stage", "Under procurement")
    AWARDED = "awarded", pgettext_lazy("project stage", "Awarded")
    DELIVERY = "delivery", pgettext_lazy("project stage", "Under delivery")
    OPERATIONAL = "operational", pgettext_lazy("project stage", "Operational")

    @classmethod
    def position(cls, value) -> int:
        """1-based position of a stage on the seven-step track (0: not stated)."""
        return cls.values.index(value) + 1 if value in cls.values else 0


# OC4IDS projectStatus for each stage (a stage not stated gives no status).
STAGE_TO_OC4IDS_STATUS = {
    Stage.PROSPECTIVE: "identification",
    Stage.PLANNING: "preparation",
    Stage.ANNOUNCED: "preparation",
    Stage.PROCUREMENT: "implementation",
    Stage.AWARDED: "implementation",
    Stage.DELIVERY: "implementation",
    Stage.OPERATIONAL: "maintenance",
}


class Status(models.TextChoices):
    """The catalogue entry's internal workflow, separate from the project's stage."""

    DRAFT = "draft", pgettext_lazy("workflow status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("workflow status", "Submitted")
    IN_REVIEW = "in_review", pgettext_lazy("workflow status", "In review")
    ELIGIBLE = "eligible", pgettext_lazy("workflow status", "Eligible")
    NEEDS_INFORMATION = "needs_information", pgettext_lazy("workflow status", "Needs information")
    NOT_ELIGIBLE = "not_eligible", pgettext_lazy("workflow status", "Not eligible")
    PUBLISHED = "published", pgettext_lazy("workflow status", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("workflow status", "Withdrawn")


class DocumentType(models.TextChoices):
    """OC4IDS documentType codes that fit a catalogue entry in its early stages."""

    NEEDS_ASSESSMENT = "needsAssessment", _("Needs assessment")
    FEASIBILITY_STUDY = "feasibilityStudy", _("Feasibility study")
    MARKET_STUDIES = "marketStudies", _("Market studies")
    VALUE_FOR_MONEY = "valueForMoneyAnalysis", _("Value for money analysis")
    ENVIRONMENTAL_IMPACT = "environmentalImpact", _("Environmental impact")
    SOCIAL_IMPACT = "socialImpact", _("Social impact assessment")
    LAND_AND_SETTLEMENT = "landAndSettlementImpact", _("Land and settlement impact assessment")
    PROJECT_PLAN = "projectPlan", _("Project plan")
    PROJECT_SCOPE = "projectScope", _("Project scope")
    TECHNICAL_SPECIFICATIONS = "technicalSpecifications", _("Technical specifications")
    BIDDING_DOCUMENTS = "biddingDocuments", _("Bidding documents")
    MINUTES = "minutes", _("Minutes")
    ILLUSTRATION = "illustration", _("Illustrations")


class Screening(models.TextChoices):
    """A project's public screening status: its latest decision, or not screened yet.

    Kept on the project by the workflow service that records a decision.
    """

    NOT_SCREENED = "not_screened", _("Not yet screened")
    ELIGIBLE_PPP = "eligible_ppp", _("Eligible as a PPP contract")
    ELIGIBLE_CONCESSION = "eligible_concession", _("Eligible as a concession")
    PUBLIC_WORKS = "public_works", _("Better carried out as public works")
    NEEDS_INFORMATION = "needs_information", _("More information needed")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")


class SourceKind(models.TextChoices):
    """What kind of document a source is."""

    PRESS_ARTICLE = "press_article", _("Press article")
    OFFICIAL_TEXT = "official_text", _("Official text")
    MUNICIPAL_SUBMISSION = "municipal_submission", _("Municipal submission")
    MINISTRY_DECISION = "ministry_decision", _("Ministry decision")


class DatePrecision(models.TextChoices):
    """How much of a source's date is known (a press article may give only its month)."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Gate(models.TextChoices):
    """Pass/fail gates of a PPP screening (PPP Knowledge Lab, APMG); any failure ends it."""

    LEGAL_PERSON = (
        "g1",
        _("G1 · A legal public person, and a contract model that fits law 2015-49 or 2008-23"),
    )
    LEGAL_FRAMEWORK = "g2", _("G2 · The project fits the legal framework")
    LAND = "g3", _("G3 · The land or site is available")
    OUTPUTS = "g4", _("G4 · The outputs can be specified and measured")


class Decision(models.TextChoices):
    """The eligibility committee's decision on a project."""

    ELIGIBLE_PPP = "eligible_ppp", _("Eligible as a PPP contract")
    ELIGIBLE_CONCESSION = "eligible_concession", _("Eligible as a concession")
    PUBLIC_WORKS = "public_works", _("Better carried out as public works")
    NEEDS_INFORMATION = "needs_information", _("More information needed")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")


ELIGIBLE_DECISIONS = (Decision.ELIGIBLE_PPP, Decision.ELIGIBLE_CONCESSION)

# The project's workflow status once a decision is taken.
DECISION_TO_STATUS = {
    Decision.ELIGIBLE_PPP: Status.ELIGIBLE,
    Decision.ELIGIBLE_CONCESSION: Status.ELIGIBLE,
    Decision.PUBLIC_WORKS: Status.NOT_ELIGIBLE,
    Decision.NEEDS_INFORMATION: Status.NEEDS_INFORMATION,
    Decision.NOT_ELIGIBLE: Status.NOT_ELIGIBLE,
}

# Weighted score (0–100) bands for the proposed outcome, when every gate passes.
SCORE_ELIGIBLE = 60
SCORE_NEEDS_INFORMATION = 40
