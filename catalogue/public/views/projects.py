"""The catalogue's own pages: the home page, the catalogue (list) and a project's page.
Every project shown starts from ``Project.objects.public()``."""

from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from caravan.models import Edition, Stop
from catalogue.caching import cache_public_page, versioned
from catalogue.models import Project, ProjectReview, Sector, pipeline_prefetches, timeline
from catalogue.public.changelog import public_changes
from catalogue.public.linked_data import catalogue_dataset, project_dataset
from catalogue.public.maps import governorate_map, point_map
from catalogue.register.choices import Screening, Stage
from catalogue.selection import select
from catalogue.selection.filters import MAX_PER_PAGE, SORTS, parse_per_page
from municipalities.models import Governorate

RELATED_PROJECTS = 4
FEATURED = 6


def governorate_counts() -> dict[int, int]:
    """Published projects per governorate id."""
    return dict(
        Project.objects.public()
        .order_by()
        .values_list("municipality__governorate_id")
        .annotate(n=Count("*"))
    )


def catalogue_figures() -> dict:
    """The home page's aggregates over the public catalogue, in numbers and ids only.

    They scan every public project, so they are computed once per catalogue version (see
    ``versioned``) and shared by every language; names are read per request.
    """
    public = Project.objects.public()
    return {
        "figures": public.aggregate(
            projects=Count("*"),
            screened=Count("pk", filter=~Q(screening=Screening.NOT_SCREENED)),
            investment=Sum("investment_tnd"),
            municipalities=Count("municipality", distinct=True),
        ),
        "stop_count": Stop.objects.count(),
        "sectors": dict(public.order_by().values_list("sector_id").annotate(n=Count("*"))),
        "stages": dict(public.order_by().values_list("stage").annotate(n=Count("*"))),
        "governorates": governorate_counts(),
        "featured": list(
            public.filter(featured=True)
            .order_by("-updated_at", "-id")
            .values_list("pk", flat=True)[:FEATURED]
        ),
    }


@method_decorator(cache_public_page, name="dispatch")
class HomeView(TemplateView):
    template_name = "catalogue/home.html"

    def get_context_data(self, **kwargs):
        numbers = versioned("home", (), catalogue_figures)
        by_sector = sorted(
            (s for s in Sector.objects.all() if numbers["sectors"].get(s.id)),
            key=lambda s: (-numbers["sectors"][s.id], s.display_order, s.code),
        )
        for sector in by_sector:
            sector.n = numbers["sectors"][sector.id]
        # Projects whose sources state no sector or no stage get a bar of their own, so
        # that each chart adds up to the published projects.
        sector_not_stated = numbers["sectors"].get(None, 0)
        by_stage = [(label, numbers["stages"].get(value, 0)) for value, label in Stage.choices]
        stage_not_stated = numbers["stages"].get("", 0)
        featured = {
            p.pk: p for p in Project.objects.public().for_lists().filter(pk__in=numbers["featured"])
        }
        return super().get_context_data(
            figures=numbers["figures"],
            stop_count=numbers["stop_count"],
            by_sector=by_sector,
            sector_not_stated=sector_not_stated,
            sector_max=max([sector_not_stated, *(s.n for s in by_sector)]),
            by_stage=by_stage,
            stage_not_stated=stage_not_stated,
            stage_max=max([stage_not_stated, *(n for _label, n in by_stage)]),
            featured=[featured[pk] for pk in numbers["featured"] if pk in featured],
            latest_edition=Edition.objects.latest_first()
            .annotate(stop_count=Count("stops"))
            .first(),
            map=governorate_map(Governorate.objects.all(), numbers["governorates"]),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class ProjectListView(TemplateView):
    """The catalogue: filters, facet counts, sorting and pagination, all in the query string."""

    template_name = "catalogue/project_list.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        selection = select(params)
        per_page = parse_per_page(params.get("per_page"))
        facets = selection.facets
        paginator = selection.paginator(per_page)
        page = self._page(paginator, params.get("page"))
        return super().get_context_data(
            selection=selection,
            facets=facets.by_name,
            chips=self._chips(selection),
            rejected=selection.rejected,
            query=selection.active.get("q", ""),
            investment_min=selection.active.get("investment_min"),
            investment_max=selection.active.get("investment_max"),
            sort=selection.sort,
            sorts=[(key, label) for key, (label, _order) in SORTS.items()],
            per_page=per_page,
            per_page_choices=sorted({10, 20, 50, MAX_PER_PAGE, per_page}),
            paginator=paginator,
            page_obj=page,
            projects=page.object_list,
            query_without_page=self._query(exclude={"page"}),
            json_ld=catalogue_dataset(absolute=self.request.build_absolute_uri),
            **kwargs,
        )

    def _page(self, paginator, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if number < 1 or number > paginator.num_pages:
            if number == 1:
                return paginator.page(1)
            raise Http404(_("This page of the catalogue does not exist."))
        return paginator.page(number)

    def _query(self, exclude=()) -> str:
        """The current query string without ``exclude``d keys (and empty values)."""
        pairs = [
            (key, value)
            for key, values in self.request.GET.lists()
            if key not in exclude
            for value in values[-1:]
            if value != ""
        ]
        return urlencode(pairs)

    def _chips(self, selection):
        """One removable chip per active filter."""
        return [
            {**active, "remove_url": "?" + self._query(exclude={active["name"], "page"})}
            for active in selection.active_filters()
        ]


@method_decorator(cache_public_page, name="dispatch")
class ProjectDetailView(DetailView):
    template_name = "catalogue/project_detail.html"
    context_object_name = "project"
    slug_field = "reference"
    slug_url_kwarg = "reference"

    def get_queryset(self):
        return (
            Project.objects.public()
            .for_lists()
            .select_related("stop__edition")
            .prefetch_related(
                "dimensions", "ministries", "images", "documents", "sources", *pipeline_prefetches()
            )
        )

    def get_context_data(self, **kwargs):
        project = self.object
        point = project.point
        same_place_or_sector = Q(municipality_id=project.municipality_id)
        if project.sector_id:
            same_place_or_sector |= Q(sector_id=project.sector_id)
        related = (
            Project.objects.public()
            .for_lists()
            .filter(same_place_or_sector)
            .exclude(pk=project.pk)
            .order_by("-updated_at")[:RELATED_PROJECTS]
        )
        return super().get_context_data(
            stages=Stage.choices,
            outcome=ProjectReview.objects.outcome_for(project),
            documents=[d for d in project.documents.all() if d.is_public],
            sources=project.sources.all(),
            changes=public_changes(project),
            related=related,
            timeline=timeline(project.milestones.all()) if project.milestones.all() else [],
            map=point_map([(*point, project.title, "")] if point else []),
            json_ld=project_dataset(project, absolute=self.request.build_absolute_uri),
            **kwargs,
        )
