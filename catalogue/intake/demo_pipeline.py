"""Pipeline facts of demo projects (``catalogue.intake.demo``): a share of them get a
type, a payment mechanism, planned dates, milestones, funding lines and risks, so that
pages, sheets, exports and benchmarks show them.

Drawn from their own ``random.Random`` (seeded from the demo's seed): the projects drawn
for a seed stay the same as before these facts existed. Written with ``bulk_create``.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from catalogue.models import (
    FundingLine,
    Milestone,
    MilestoneStatus,
    MilestoneType,
    PaymentMechanism,
    ProjectType,
    RiskAllocation,
    RiskBearer,
)
from catalogue.register.choices import Stage

SHARE = 0.4  # of demo projects past the prospective stage
# (type, French, Arabic, English title, days after the planned start)
MILESTONES = (
    (MilestoneType.PRE_PROCUREMENT, "Étude de faisabilité", "دراسة الجدوى", "Feasibility study", 0),
    (MilestoneType.APPROVAL, "Délibération du conseil municipal", "مداولة المجلس البلدي",
     "Municipal council resolution", 120),
    (MilestoneType.PROCUREMENT, "Appel à manifestation d’intérêt", "طلب إبداء الاهتمام",
     "Call for expressions of interest", 300),
    (MilestoneType.CONTRACT_CLOSE, "Signature du contrat", "إمضاء العقد", "Contract signature",
     540),
    (MilestoneType.DELIVERY, "Mise en service", "دخول حيز الاستغلال", "Commissioning", 900),
)  # fmt: skip
RISKS = (
    ("Risque de construction", "مخاطر البناء", "Construction risk", RiskBearer.PRIVATE),
    ("Risque de demande", "مخاطر الطلب", "Demand risk", RiskBearer.SHARED),
    ("Risque foncier", "المخاطر العقارية", "Land risk", RiskBearer.PUBLIC),
)
PUBLIC_FUNDERS = ("Budget municipal", "Caisse des prêts et de soutien des collectivités locales")
PRIVATE_FUNDER = "Partenaire privé"


def pipeline_rows(projects, *, seed: str, today: date):
    """Set the pipeline fields of a share of ``projects`` (not saved yet) and return their
    (milestones, funding lines, risks), to bulk_create once the projects are."""
    rng = random.Random(f"pipeline-{seed}")
    milestones, funding, risks = [], [], []
    for project in projects:
        position = Stage.position(project.stage)
        if position < 2 or rng.random() >= SHARE:
            continue
        start = today - timedelta(days=rng.randint(60, 900))
        project.project_type = rng.choice(ProjectType.values)
        project.payment_mechanism = rng.choice(PaymentMechanism.values)
        project.planned_start = start
        project.planned_end = start + timedelta(days=900 + 365 * rng.randint(0, 3))
        project.purpose_fr = "Améliorer le service rendu aux habitants à un coût maîtrisé."
        project.purpose_ar = "تحسين الخدمة المقدمة للمتساكنين بكلفة متحكم فيها."
        project.purpose_en = "Improve the service to residents at a controlled cost."
        for order, (kind, fr, ar, en, days) in enumerate(MILESTONES):
            planned = start + timedelta(days=days + rng.randint(-20, 20))
            done = planned <= today and order < position
            milestones.append(
                Milestone(
                    project=project,
                    position=order,
                    milestone_type=kind,
                    title_fr=fr,
                    title_ar=ar,
                    title_en=en,
                    planned_date=planned,
                    actual_date=(
                        min(today, max(start, planned + timedelta(days=rng.randint(0, 40))))
                        if done
                        else None
                    ),
                    status=MilestoneStatus.MET if done else MilestoneStatus.SCHEDULED,
                )
            )
        total = project.investment_tnd or Decimal(rng.randint(1, 50) * 100_000)
        public_share = Decimal(rng.choice((20, 30, 40))) / 100
        for order, (source, share) in enumerate(
            ((rng.choice(PUBLIC_FUNDERS), public_share), (PRIVATE_FUNDER, 1 - public_share))
        ):
            funding.append(
                FundingLine(
                    project=project,
                    position=order,
                    source=source,
                    amount=(total * share).quantize(Decimal(1)),
                    currency="TND",
                    period_start=start,
                    period_end=project.planned_end,
                )
            )
        for order, (fr, ar, en, bearer) in enumerate(RISKS):
            risks.append(
                RiskAllocation(
                    project=project,
                    position=order,
                    risk_fr=fr,
                    risk_ar=ar,
                    risk_en=en,
                    allocation=bearer,
                )
            )
    return milestones, funding, risks
