"""The pipeline calendar: upcoming milestones of the selected public projects by month,
and the same milestones as an iCalendar file that parses back."""

from datetime import date, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Milestone, MilestoneStatus, MilestoneType, Project
from catalogue.public.calendar import horizon
from catalogue.register.choices import Stage, Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def milestone(project, days, **kwargs):
    fields = {
        "milestone_type": MilestoneType.PROCUREMENT,
        "title_fr": f"Étape à J+{days}",
        "title_ar": f"مرحلة {days}",
        "planned_date": timezone.localdate() + timedelta(days=days),
        **kwargs,
    }
    return Milestone.objects.create(project=project, **fields)


@pytest.fixture
def milestones():
    """Milestones of two public projects and a draft, some outside the calendar."""
    Project.objects.update(status=Status.DRAFT)
    sfax = ProjectFactory(
        published=True,
        municipality=Municipality.objects.get(code="3411"),
        stage=Stage.PROCUREMENT,
    )
    gabes = ProjectFactory(published=True, stage=Stage.PLANNING)
    draft = ProjectFactory(stage=Stage.PLANNING)
    return {
        "soon": milestone(sfax, 10),
        "later": milestone(gabes, 200, milestone_type=MilestoneType.APPROVAL),
        "today": milestone(gabes, 0),
        "too_late": milestone(sfax, 400),
        "past": milestone(sfax, -5),
        "met": milestone(sfax, 20, actual_date=timezone.localdate(), status=MilestoneStatus.MET),
        "not_met": milestone(gabes, 30, status=MilestoneStatus.NOT_MET),
        "draft": milestone(draft, 15),
    }


def listed(response):
    return [m.pk for _month, rows in response.context["months"] for m in rows]


def test_the_calendar_lists_the_planned_milestones_of_the_coming_twelve_months(client, milestones):
    response = client.get("/fr/calendar/")
    assert response.status_code == 200
    expected = [milestones[name].pk for name in ("today", "soon", "later")]
    assert listed(response) == expected  # by date; nothing past, met, missed or draft
    months = [month for month, _rows in response.context["months"]]
    assert months == sorted(set(months)) and all(month.day == 1 for month in months)


def test_the_calendar_follows_the_catalogue_filters(client, milestones):
    response = client.get("/fr/calendar/?governorate=sfax")
    assert listed(response) == [milestones["soon"].pk]
    assert listed(client.get("/fr/calendar/?stage=planning")) == [
        milestones["today"].pk,
        milestones["later"].pk,
    ]


def test_bad_filters_are_ignored(client, milestones):
    response = client.get("/fr/calendar/?governorate=nowhere&investment_min=NaN")
    assert response.status_code == 200
    assert response.context["rejected"]
    assert len(listed(response)) == 3


def test_the_feed_parses_back_with_one_all_day_event_per_milestone(client, milestones):
    response = client.get("/fr/calendar.ics?governorate=sfax")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    soon = milestones["soon"]
    assert event.decoded("dtstart") == soon.planned_date
    assert event.decoded("dtend") == soon.planned_date + timedelta(days=1)
    assert soon.project.reference in str(event["summary"])
    assert str(event["url"]).endswith(soon.project.get_absolute_url())
    assert str(event["uid"]) == f"milestone-{soon.pk}@testserver"


def test_the_feed_is_in_the_page_language(client, milestones):
    feed = icalendar.Calendar.from_ical(client.get("/ar/calendar.ics").content)
    summaries = [str(event["summary"]) for event in feed.walk("VEVENT")]
    assert any("مرحلة" in summary for summary in summaries)


def test_an_empty_selection_gives_an_empty_but_valid_feed(client, milestones):
    response = client.get("/en/calendar.ics?q=nothing-matches-this")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    page = client.get("/en/calendar/?q=nothing-matches-this")
    assert page.status_code == 200 and listed(page) == []


def test_the_calendar_reads_in_arabic_and_english(client, milestones):
    for language in ("ar", "en"):
        assert client.get(f"/{language}/calendar/").status_code == 200


def test_the_horizon_is_twelve_months_even_from_a_29_february():
    assert horizon(date(2028, 2, 29)) == date(2029, 2, 28)
    assert horizon(date(2026, 12, 4)) == date(2027, 12, 4)


def test_the_calendar_runs_the_same_queries_for_few_and_many_milestones(client, milestones):
    with CaptureQueriesContext(connection) as few:
        client.get("/fr/calendar/")
    project = Project.objects.public().first()
    for days in range(1, 40):
        milestone(project, days)
    with CaptureQueriesContext(connection) as many:
        client.get("/fr/calendar/")
    assert len(many) == len(few)
