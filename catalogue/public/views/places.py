"""Pages of places and programmes: municipalities, governorates, caravan editions and
partner ministries, each with a sample of its public projects."""

from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import DetailView, ListView

from caravan.models import Edition, Ministry, MunicipalityReview, Stop
from catalogue.caching import cache_public_page, versioned
from catalogue.models import Project
from catalogue.public.maps import point_map
from catalogue.register.search import normalize, search_terms
from municipalities.models import Governorate, Municipality
from smartcities.core.collation import active_language, collated, sort_key, sorted_by_name

PUBLIC = Project.objects.public_condition("projects__")
SAMPLE_SIZE = 12


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


@method_decorator(cache_public_page, name="dispatch")
class MunicipalityListView(ListView):
    template_name = "catalogue/municipality_list.html"
    context_object_name = "municipalities"

    def get_queryset(self):
        # Grouped by governorate, both in the reader's alphabetical order (collation).
        language = active_language()
        municipalities = sorted(
            Municipality.objects.for_lists(),
            key=lambda m: (sort_key(m.governorate.name, language), sort_key(m.name, language)),
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
        municipalities = sorted_by_name(governorate.municipalities.all(), key=lambda m: m.name)
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
        # the ministries keep the display order staff give them, then their names in the
        # reader's alphabetical order (collation).
        return Ministry.objects.annotate(project_count=Count("projects", filter=PUBLIC)).order_by(
            "display_order", collated("name"), "slug"
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
