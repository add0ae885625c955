"""The pipeline facts of a project's OC4IDS record (``catalogue.outputs.oc4ids``).

- ``purpose`` (French), ``type`` (projectType), ``period`` (the planned start and end),
  ``completion.endDate`` (the actual end), ``implementationPeriod.startDate`` (the
  actual start);
- ``milestones``: id, title (French), type (milestoneType), dueDate (planned), dateMet
  (actual), status (milestoneStatus);
- the funding lines as one ``budget.budgetBreakdowns`` group; each funder is a party with
  the ``funder`` role and is the line's ``sourceParty``;
- ``relatedProjects``: the public projects linked, by their OC4IDS id (scheme ``oc4ids``)
  with the relation (relatedProject codelist, ``phase`` added to the open list);
- ``policyAlignment``: the frameworks (policyAlignment codelist: ``SDG``, ``nationalPlan``,
  and ``U4SSC`` added) and, in the description, the goals themselves;
- two fields of the catalogue's own: ``paymentMechanism`` (``user_fees``, ``availability``,
  ``mixed``) and ``riskAllocation`` (``id``, ``description``, ``allocation``: ``public``,
  ``private`` or ``shared``, after the OCDS for PPPs risk allocation).
"""

from django.utils.text import slugify


def _moment(day) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _period(start, end) -> dict:
    period = {}
    if start:
        period["startDate"] = _moment(start)
    if end:
        period["endDate"] = _moment(end)
    return period


def _milestone(milestone) -> dict:
    entry = {
        "id": str(milestone.pk),
        "title": milestone.title_fr,
        "type": milestone.milestone_type,
        "status": milestone.status,
    }
    if milestone.planned_date:
        entry["dueDate"] = _moment(milestone.planned_date)
    if milestone.actual_date:
        entry["dateMet"] = _moment(milestone.actual_date)
    return entry


def _funder_id(name: str) -> str:
    return f"funder-{slugify(name) or 'unnamed'}"


def add_pipeline(record: dict, project, *, project_id) -> None:
    """Add the pipeline facts of ``project`` (loaded with ``pipeline_prefetches``) to its
    ``record``; ``project_id(reference)`` is the OC4IDS id of a catalogue project."""
    if project.purpose_fr:
        record["purpose"] = project.purpose_fr
    if project.project_type:
        record["type"] = project.project_type
    if period := _period(project.planned_start, project.planned_end):
        record["period"] = period
    if project.actual_start:
        record["implementationPeriod"] = {"startDate": _moment(project.actual_start)}
    if project.actual_end:
        record["completion"] = {"endDate": _moment(project.actual_end)}
    if milestones := [_milestone(m) for m in project.milestones.all()]:
        record["milestones"] = milestones
    lines = list(project.funding_lines.all())
    if lines:
        breakdown = []
        for line in lines:
            entry = {
                "id": str(line.pk),
                "description": line.description_fr or line.source,
                "amount": {"amount": float(line.amount), "currency": line.currency},
                "sourceParty": {"id": _funder_id(line.source), "name": line.source},
            }
            if period := _period(line.period_start, line.period_end):
                entry["period"] = period
            breakdown.append(entry)
        record.setdefault("budget", {})["budgetBreakdowns"] = [
            {"id": "funding", "description": "Sources de financement", "budgetBreakdown": breakdown}
        ]
        funders = {_funder_id(line.source): line.source for line in lines}
        record["parties"] += [
            {"id": party_id, "name": name, "roles": ["funder"]}
            for party_id, name in funders.items()
        ]
    if links := project.public_related_links:
        record["relatedProjects"] = [
            {
                "id": str(link.pk),
                "scheme": "oc4ids",
                "identifier": project_id(link.related.reference),
                "relationship": link.relationship,
                "title": link.related.title_fr,
            }
            for link in links
        ]
    goals = list(project.policy_goals.all())
    if goals:
        record["policyAlignment"] = {
            "policies": list(dict.fromkeys(goal.framework for goal in goals)),
            "description": "; ".join(f"{goal.label} : {goal.name_fr}" for goal in goals),
        }
    if project.payment_mechanism:
        record["paymentMechanism"] = project.payment_mechanism
    if risks := list(project.risks.all()):
        record["riskAllocation"] = [
            {"id": str(risk.pk), "description": risk.risk_fr, "allocation": risk.allocation}
            for risk in risks
        ]
