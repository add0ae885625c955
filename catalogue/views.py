"""The public portal's pages. Every project shown starts from ``Project.objects.public()``."""

from django.db.models import Count, Prefetch, Sum
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from caravan.models import Edition, Ministry, Stop
from municipalities.models import Governorate, Municipality

from .choices import Stage
from .models import Project

PUBLIC = Project.objects.public_condition("projects__")


class HomeView(TemplateView):
    template_name = "catalogue/home.html"

    def get_context_data(self, **kwargs):
        public = Project.objects.public()
        figures = public.aggregate(
            projects=Count("id"),
            investment=Sum("investment_tnd"),
            municipalities=Count("municipality", distinct=True),
        )
        return super().get_context_data(
            figures=figures,
            stop_count=Stop.objects.count(),
            featured=public.for_lists().filter(featured=True)[:6],
            latest_edition=Edition.objects.latest_first().first(),
            **kwargs,
        )


class ProjectListView(ListView):
    template_name = "catalogue/project_list.html"
    context_object_name = "projects"
    paginate_by = 20

    def get_queryset(self):
        return Project.objects.public().for_lists().order_by("-updated_at", "reference")


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
            .prefetch_related("dimensions", "ministries", "images")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(stages=Stage.choices, **kwargs)


class MunicipalityListView(ListView):
    template_name = "catalogue/municipality_list.html"
    context_object_name = "municipalities"

    def get_queryset(self):
        return (
            Municipality.objects.for_lists()
            .annotate(project_count=Count("projects", filter=PUBLIC))
            .order_by("governorate__code_ins", "name_fr")
        )


class MunicipalityDetailView(DetailView):
    template_name = "catalogue/municipality_detail.html"
    context_object_name = "municipality"

    def get_queryset(self):
        return Municipality.objects.for_lists()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            projects=Project.objects.public().for_lists().filter(municipality=self.object),
            stops=self.object.caravan_stops.select_related("edition"),
            **kwargs,
        )


class GovernorateDetailView(DetailView):
    template_name = "catalogue/governorate_detail.html"
    context_object_name = "governorate"
    model = Governorate

    def get_context_data(self, **kwargs):
        municipalities = self.object.municipalities.annotate(
            project_count=Count("projects", filter=PUBLIC)
        ).order_by("name_fr")
        return super().get_context_data(
            municipalities=municipalities,
            projects=Project.objects.public()
            .for_lists()
            .filter(municipality__governorate=self.object),
            **kwargs,
        )


class EditionListView(ListView):
    template_name = "catalogue/edition_list.html"
    context_object_name = "editions"

    def get_queryset(self):
        return Edition.objects.latest_first().annotate(stop_count=Count("stops"))


class EditionDetailView(DetailView):
    template_name = "catalogue/edition_detail.html"
    context_object_name = "edition"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Edition.objects.prefetch_related(
                "ministries",
                Prefetch(
                    "stops",
                    queryset=Stop.objects.select_related("municipality__governorate").order_by(
                        "order"
                    ),
                ),
            ),
            number=self.kwargs["number"],
        )


class MinistryListView(ListView):
    template_name = "catalogue/ministry_list.html"
    context_object_name = "ministries"

    def get_queryset(self):
        return Ministry.objects.annotate(project_count=Count("projects", filter=PUBLIC))


class MinistryDetailView(DetailView):
    template_name = "catalogue/ministry_detail.html"
    context_object_name = "ministry"
    model = Ministry

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            projects=Project.objects.public().for_lists().filter(ministries=self.object),
            **kwargs,
        )
