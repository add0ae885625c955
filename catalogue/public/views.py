"""The public portal's pages. Every project shown starts from ``Project.objects.public()``."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, ListView, TemplateView

from caravan.models import Dimension, Edition, Ministry, MunicipalityReview, Stop
from catalogue.models import Project, ProjectReview, ScreeningCriterion, Sector
from catalogue.outputs.exports import MAX_XLSX_ROWS
from catalogue.outputs.opendata import CODE_COLUMNS, CODES, FIELDS
from catalogue.public.caching import cache_public_page, versioned
from catalogue.public.changelog import public_changes
from catalogue.public.filters import (
    MAX_PER_PAGE,
    SORTS,
    ProjectFilterSet,
    parse_per_page,
    parse_sort,
)
from catalogue.public.linked_data import catalogue_dataset, project_dataset
from catalogue.public.maps import governorate_map, point_map
from catalogue.register.choices import (
    SCORE_ELIGIBLE,
    SCORE_NEEDS_INFORMATION,
    ContractModel,
    ContractSubtype,
    Gate,
    Initiation,
    Screening,
    SourceKind,
    Stage,
)
from catalogue.register.search import normalize, search_terms
from municipalities.models import Governorate, Municipality

PUBLIC = Project.objects.public_condition("projects__")
RELATED_PROJECTS = 4
SAMPLE_SIZE = 12
FEATURED = 6

# What each stage means, after the Global Infrastructure Hub's pipeline (methodology page).
STAGE_DEFINITIONS = {
    Stage.PROSPECTIVE: gettext_lazy(
        "The project has been identified as a need or an idea, but is not yet formally "
        "planned or funded."
    ),
    Stage.PLANNING: gettext_lazy(
        "The project is being prepared in detail: studies, design, and the choice of how "
        "it will be procured and funded."
    ),
    Stage.ANNOUNCED: gettext_lazy(
        "The public authority has officially announced the project, but has not yet "
        "launched the call for a partner."
    ),
    Stage.PROCUREMENT: gettext_lazy(
        "The call for tenders or the competition to choose the private partner is open "
        "or being evaluated."
    ),
    Stage.AWARDED: gettext_lazy(
        "The contract has been awarded to a private partner; its signature and financing "
        "are being completed."
    ),
    Stage.DELIVERY: gettext_lazy("The works are under way, or the service is being set up."),
    Stage.OPERATIONAL: gettext_lazy("The infrastructure is built and the service is running."),
}


class CountedPaginator(Paginator):
    """A paginator told its number of items (already counted with the facets)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # fills Paginator.count, a cached property


def governorate_counts() -> dict[int, int]:
    """Published projects per governorate id."""
    return dict(
        Project.objects.public()
        .order_by()
        .values_list("municipality__governorate_id")
        .annotate(n=Count("*"))
    )


def municipality_counts() -> dict[int, int]:
    """Published projects per municipality id."""
    return dict(
        Project.objects.public().order_by().values_list("municipality_id").annotate(n=Count("*"))
    )


def project_sample(projects, **catalogue_filters) -> dict:
    """The latest public projects of a selection, their number and a link to all of them."""
    public = projects.public()
    return {
        "projects": public.for_lists().order_by("-updated_at")[:SAMPLE_SIZE],
        "project_count": public.count(),
        "catalogue_url": reverse("catalogue:project_list") + "?" + urlencode(catalogue_filters),
    }


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
        filterset = ProjectFilterSet(params, queryset=Project.objects.public())
        sort = parse_sort(params.get("sort"))
        per_page = parse_per_page(params.get("per_page"))
        facets = filterset.facets()
        ids = filterset.ordered_ids(sort)
        if ids is None:
            queryset = filterset.qs.for_lists().order_by(*SORTS[sort][1]())
            paginator = CountedPaginator(queryset, per_page, count=filterset.total)
            page = self._page(paginator, params.get("page"))
            projects = page.object_list
        else:  # a text search: the page's ids are known in order
            paginator = Paginator(ids, per_page)
            page = self._page(paginator, params.get("page"))
            rows = filterset.queryset.for_lists().in_bulk(page.object_list)
            projects = [rows[pk] for pk in page.object_list if pk in rows]
        return super().get_context_data(
            filterset=filterset,
            facets={facet.name: facet for facet in facets},
            chips=self._chips(filterset),
            rejected=filterset.rejected,
            query=filterset.active.get("q", ""),
            sort=sort,
            sorts=[(key, label) for key, (label, _order) in SORTS.items()],
            per_page=per_page,
            per_page_choices=sorted({10, 20, 50, MAX_PER_PAGE, per_page}),
            paginator=paginator,
            page_obj=page,
            projects=projects,
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

    def _query(self, exclude=(), **changes) -> str:
        """The current query string without ``exclude``d keys (and empty values)."""
        pairs = [
            (key, value)
            for key, values in self.request.GET.lists()
            if key not in exclude and key not in changes
            for value in values[-1:]
            if value != ""
        ]
        pairs += [(key, value) for key, value in changes.items()]
        return urlencode(pairs)

    def _chips(self, filterset):
        """One removable chip per active filter."""
        return [
            {
                "label": label,
                "value": value,
                "remove_url": "?" + self._query(exclude={name, "page"}),
            }
            for name, (label, value) in zip(filterset.active, filterset.describe(), strict=True)
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
            .prefetch_related("dimensions", "ministries", "images", "documents", "sources")
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
            map=point_map([(*point, project.title, "")] if point else []),
            json_ld=project_dataset(project, absolute=self.request.build_absolute_uri),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class MunicipalityListView(ListView):
    template_name = "catalogue/municipality_list.html"
    context_object_name = "municipalities"

    def get_queryset(self):
        municipalities = list(
            Municipality.objects.for_lists().order_by("governorate__code_ins", "name_fr")
        )
        counts = versioned("municipality_counts", (), municipality_counts)
        for municipality in municipalities:
            municipality.project_count = counts.get(municipality.id, 0)
        terms = search_terms(self.request.GET.get("q", ""))
        if not terms:
            return municipalities
        # 350 rows: matching in Python keeps the search accent-insensitive on every database.
        return [
            m
            for m in municipalities
            if all(
                term
                in normalize(
                    f"{m.code} {m.name_fr} {m.name_ar} {m.governorate.name_fr} "
                    f"{m.governorate.name_ar}"
                )
                for term in terms
            )
        ]

    def get_context_data(self, **kwargs):
        query = "".join(c for c in self.request.GET.get("q", "") if c.isprintable())[:100]
        return super().get_context_data(query=query, **kwargs)


@method_decorator(cache_public_page, name="dispatch")
class MunicipalityDetailView(DetailView):
    template_name = "catalogue/municipality_detail.html"
    context_object_name = "municipality"

    def get_queryset(self):
        return Municipality.objects.for_lists()

    def get_context_data(self, **kwargs):
        municipality = self.object
        return super().get_context_data(
            **project_sample(
                Project.objects.filter(municipality=municipality), municipality=municipality.slug
            ),
            stops=municipality.caravan_stops.select_related("edition"),
            sources=list(municipality.sources.all()),
            programme_status=MunicipalityReview.objects.current_for(municipality),
            map=point_map([(municipality.latitude, municipality.longitude, municipality.name, "")]),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class GovernorateDetailView(DetailView):
    template_name = "catalogue/governorate_detail.html"
    context_object_name = "governorate"
    model = Governorate

    def get_context_data(self, **kwargs):
        governorate = self.object
        municipalities = list(governorate.municipalities.order_by("name_fr"))
        counts = versioned("municipality_counts", (), municipality_counts)
        for municipality in municipalities:
            municipality.project_count = counts.get(municipality.id, 0)
        return super().get_context_data(
            municipalities=municipalities,
            stops=Stop.objects.filter(municipality__governorate=governorate)
            .select_related("edition", "municipality")
            .order_by("-edition__number", "order"),
            map=point_map(
                [(m.latitude, m.longitude, m.name, m.get_absolute_url()) for m in municipalities]
            ),
            **project_sample(
                Project.objects.filter(municipality__governorate=governorate),
                governorate=governorate.slug,
            ),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class EditionListView(ListView):
    template_name = "catalogue/edition_list.html"
    context_object_name = "editions"

    def get_queryset(self):
        return Edition.objects.latest_first().annotate(stop_count=Count("stops"))


@method_decorator(cache_public_page, name="dispatch")
class EditionDetailView(DetailView):
    template_name = "catalogue/edition_detail.html"
    context_object_name = "edition"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Edition.objects.prefetch_related(
                "ministries",
                "sources",
                "reference_experiences__municipality",
                Prefetch(
                    "stops",
                    queryset=Stop.objects.select_related("municipality__governorate").order_by(
                        "order"
                    ),
                ),
            ),
            number=self.kwargs["number"],
        )

    def get_context_data(self, **kwargs):
        stops = list(self.object.stops.all())
        return super().get_context_data(
            stops=stops,
            map=point_map(
                [
                    (
                        stop.municipality.latitude,
                        stop.municipality.longitude,
                        stop.municipality.name,
                        stop.municipality.get_absolute_url(),
                    )
                    for stop in stops
                ]
            ),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class MinistryListView(ListView):
    template_name = "catalogue/ministry_list.html"
    context_object_name = "ministries"

    def get_queryset(self):
        # An aggregate drops the model's ordering (GROUP BY): ask for it again, so that
        # the ministries keep their display order.
        return Ministry.objects.annotate(project_count=Count("projects", filter=PUBLIC)).order_by(
            *Ministry._meta.ordering
        )


@method_decorator(cache_public_page, name="dispatch")
class MinistryDetailView(DetailView):
    template_name = "catalogue/ministry_detail.html"
    context_object_name = "ministry"
    model = Ministry

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **project_sample(
                Project.objects.filter(ministries=self.object), ministry=self.object.slug
            ),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class MethodologyView(TemplateView):
    """``/<lang>/methodology/``: what the stages, the screening and the record's dates
    mean, where the data comes from and under which licence.

    The criteria and their weights are read from the database (the committee may change
    them); a change raises the catalogue version, so the cached page is never stale.
    """

    template_name = "catalogue/methodology.html"

    def get_context_data(self, **kwargs):
        criteria = list(ScreeningCriterion.objects.filter(is_active=True))
        total_weight = sum(criterion.weight for criterion in criteria)
        for criterion in criteria:
            criterion.share = 100 * criterion.weight / total_weight
        return super().get_context_data(
            stages=[(label, STAGE_DEFINITIONS[value]) for value, label in Stage.choices],
            gates=Gate.labels,
            criteria=criteria,
            total_weight=total_weight,
            score_eligible=SCORE_ELIGIBLE,
            score_needs_information=SCORE_NEEDS_INFORMATION,
            verification_days=settings.VERIFICATION_INTERVAL_DAYS,
            source_kinds=SourceKind.labels,
            catalogue_address=self.request.build_absolute_uri(reverse("catalogue:project_list")),
            **kwargs,
        )


@method_decorator(cache_public_page, name="dispatch")
class DataDictionaryView(TemplateView):
    """``/<lang>/data/``: the open data the portal publishes (files, feeds, records,
    catalogues), how the files are written, and what each field and code means."""

    template_name = "catalogue/data_dictionary.html"

    def get_context_data(self, **kwargs):
        codes = [
            (_("Stage"), "stage", Stage.choices),
            (_("Contract model"), "contract_model", ContractModel.choices),
            (_("Contract sub-type"), "contract_subtype", ContractSubtype.choices),
            (_("Initiation"), "initiation", Initiation.choices),
            (_("Screening"), "screening", Screening.choices),
        ]
        return super().get_context_data(
            fields=FIELDS,
            code_columns=CODE_COLUMNS,
            codes=codes,
            codes_switch=CODES,
            sectors=Sector.objects.order_by("display_order", "code"),
            dimensions=Dimension.objects.order_by("display_order", "code"),
            max_xlsx_rows=MAX_XLSX_ROWS,
            **kwargs,
        )
