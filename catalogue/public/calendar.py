"""The pipeline calendar: the milestones planned in the coming twelve months for the
public projects of a catalogue selection, by month, and the same as an iCalendar file.

A milestone is upcoming when it is planned (a planned date, no actual date) between
today and twelve months from now, and has not been marked met or missed.
"""

from datetime import date, timedelta
from itertools import groupby

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Milestone, MilestoneStatus

MONTHS = 12
# More than any catalogue plans in a year: the page and the feed stay bounded.
MAX_MILESTONES = 2_000


def horizon(today: date) -> date:
    """The same day twelve months after ``today`` (the 28th for a 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def upcoming(selection, today: date | None = None) -> list[Milestone]:
    """The upcoming milestones of the selection's projects, by date, with their project,
    municipality and governorate (one query)."""
    today = today or timezone.localdate()
    return list(
        Milestone.objects.filter(
            project__in=selection.filterset.qs.order_by().values("pk"),
            actual_date__isnull=True,
            planned_date__gte=today,
            planned_date__lte=horizon(today),
            status__in=[MilestoneStatus.SCHEDULED, MilestoneStatus.PARTIALLY_MET],
        )
        .select_related("project__municipality__governorate")
        .order_by("planned_date", "project__reference", "position", "id")[:MAX_MILESTONES]
    )


def by_month(milestones: list[Milestone]) -> list[tuple[date, list[Milestone]]]:
    """(first day of the month, its milestones) for each month that has some."""
    return [
        (month, list(rows))
        for month, rows in groupby(milestones, key=lambda m: m.planned_date.replace(day=1))
    ]


def ical(milestones: list[Milestone], *, name: str, absolute, host: str) -> bytes:
    """An iCalendar file (RFC 5545) with one all-day event per milestone.

    ``absolute`` makes a path absolute (``request.build_absolute_uri``); each event's UID
    is stable across versions of the file, so that a calendar updates it in place.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Tunisian Smart Cities//Pipeline calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().replace(microsecond=0)
    for milestone in milestones:
        project = milestone.project
        url = absolute(project.get_absolute_url())
        event = icalendar.Event()
        event.add("uid", f"milestone-{milestone.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", milestone.planned_date)
        event.add("dtend", milestone.planned_date + timedelta(days=1))
        event.add("summary", f"{project.reference} · {milestone.title}")
        event.add(
            "description",
            "\n".join(
                [
                    f"{milestone.get_milestone_type_display()}: {milestone.title}",
                    f"{project.title} ({project.municipality.name})",
                    url,
                ]
            ),
        )
        event.add("location", str(project.municipality.name))
        event.add("categories", [str(milestone.get_milestone_type_display())])
        event.add("url", url)
        event.add("status", "TENTATIVE")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if not milestones:
        calendar.add("x-wr-caldesc", _("No milestone planned in the coming twelve months."))
    return calendar.to_ical()
