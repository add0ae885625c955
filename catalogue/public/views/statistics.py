"""``/<lang>/statistics/``: the catalogue's statistics for the same query string as the
catalogue, each chart with its table and its CSV file."""

from django.http import Http404, HttpResponse
from django.utils import formats
from django.utils.decorators import method_decorator
from django.utils.translation import get_language_bidi
from django.views.generic import TemplateView

from catalogue.caching import cache_public_page
from catalogue.outputs.exports import export_filename
from catalogue.public.charts import bar_chart, movement_chart
from catalogue.public.statistics import CHART_NAMES, statistics_of
from catalogue.selection import select
from smartcities.core.spreadsheets import CSV_CONTENT_TYPE, csv_lines


def _count(value) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def _share(value: float) -> str:
    return formats.number_format(round(100 * value), use_l10n=True) + "\u202f%"


@method_decorator(cache_public_page, name="dispatch")
class StatisticsView(TemplateView):
    """Projects and investment per governorate, sector, stage, contract model, screening
    status and year, and the pipeline's movement, for the catalogue's selection."""

    template_name = "catalogue/statistics.html"

    def get_context_data(self, **kwargs):
        selection = select(self.request.GET)
        statistics = statistics_of(selection)
        rtl = get_language_bidi()
        charts = [
            {
                "chart": chart,
                "svg": bar_chart(chart, rtl=rtl, format_count=_count, format_share=_share),
            }
            for chart in statistics.charts
        ]
        query = selection.query_string()
        return super().get_context_data(
            selection=selection,
            statistics=statistics,
            charts=charts,
            movement=statistics.movement,
            movement_svg=movement_chart(statistics.movement, rtl=rtl, format_count=_count),
            chips=selection.active_filters(),
            rejected=selection.rejected,
            query=f"?{query}" if query else "",
            **kwargs,
        )


@cache_public_page
def statistics_csv(request, chart):
    """One chart's table as a CSV file: the same rows, in the page's language."""
    if chart not in CHART_NAMES:
        raise Http404
    shown = statistics_of(select(request.GET)).chart(chart)
    response = HttpResponse(
        "".join(csv_lines(shown.headers(), shown.rows())), content_type=CSV_CONTENT_TYPE
    )
    filename = export_filename(f"statistics-{chart}", "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
