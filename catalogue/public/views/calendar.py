"""``/<lang>/calendar/``: the milestones planned in the coming twelve months for the
catalogue's selection (same query string as the catalogue), and ``calendar.ics``."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from catalogue.caching import cache_public_page, open_data
from catalogue.public.calendar import MAX_MILESTONES, by_month, horizon, ical, upcoming
from catalogue.selection import select


@method_decorator(cache_public_page, name="dispatch")
class CalendarView(TemplateView):
    """Upcoming milestones of the selected public projects, grouped by month."""

    template_name = "catalogue/calendar.html"

    def get_context_data(self, **kwargs):
        selection = select(self.request.GET)
        today = timezone.localdate()
        milestones = upcoming(selection, today)
        query = selection.query_string()
        return super().get_context_data(
            selection=selection,
            chips=selection.active_filters(),
            rejected=selection.rejected,
            months=by_month(milestones),
            count=len(milestones),
            truncated=len(milestones) >= MAX_MILESTONES,
            today=today,
            until=horizon(today),
            query=f"?{query}" if query else "",
            **kwargs,
        )


@open_data
@cache_public_page
def calendar_ics(request):
    """The same milestones as an iCalendar file, for a calendar application to follow."""
    selection = select(request.GET)
    name = _("Smart-city PPP projects: milestones")
    if selection.active:
        name = "{} ({})".format(name, ", ".join(value for _label, value in selection.described))
    content = ical(
        upcoming(selection),
        name=name,
        absolute=request.build_absolute_uri,
        host=request.get_host().split(":")[0] or "localhost",
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response
