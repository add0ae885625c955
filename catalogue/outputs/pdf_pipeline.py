"""The pipeline facts of a project sheet (``catalogue.outputs.pdf.project_facts``): its
purpose, type, periods, policy goals, timeline, funding, risks and linked projects, as
plain values in the active language (they are part of the sheet's cache key).

A sheet with milestones marks today on its timeline: it is rendered again, at most once
a day, when the day changes.
"""

from django.utils import formats, timezone

from catalogue.models import timeline


def _day(value) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _amount(value) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def pipeline_facts(project) -> dict:
    """What the sheet shows of the project's pipeline; loaded with
    ``catalogue.models.pipeline_prefetches`` (no query of its own)."""
    milestones = project.milestones.all()
    entries = []
    if milestones:
        for entry in timeline(milestones, timezone.localdate()):
            if "today" in entry:
                entries.append({"today": _day(entry["today"])})
                continue
            milestone = entry["milestone"]
            entries.append(
                {
                    "date": _day(milestone.date),
                    "title": str(milestone.title),
                    "type": str(milestone.get_milestone_type_display()),
                    "status": str(milestone.get_status_display()),
                    "past": entry["past"],
                }
            )
    return {
        "purpose": str(project.purpose),
        "type": str(project.get_project_type_display()) if project.project_type else "",
        "payment": (
            str(project.get_payment_mechanism_display()) if project.payment_mechanism else ""
        ),
        "planned": [_day(project.planned_start), _day(project.planned_end)],
        "actual": [_day(project.actual_start), _day(project.actual_end)],
        "goals": [f"{goal.label} · {goal.name}" for goal in project.policy_goals.all()],
        "timeline": entries,
        "funding": [
            {
                "source": line.source,
                "description": str(line.description),
                "amount": _amount(line.amount),
                "currency": line.currency,
                "period": [_day(line.period_start), _day(line.period_end)],
            }
            for line in project.funding_lines.all()
        ],
        "risks": [
            {"risk": str(risk.risk), "carried_by": str(risk.get_allocation_display())}
            for risk in project.risks.all()
        ],
        "links": [
            {
                "relation": str(link.get_relationship_display()),
                "reference": link.related.reference,
                "title": str(link.related.title),
            }
            for link in project.public_related_links
        ],
    }
