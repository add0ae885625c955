"""Pages about the catalogue itself: its methodology and its data dictionary."""

from django.conf import settings
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from caravan.models import Dimension
from catalogue.caching import cache_public_page
from catalogue.models import ScreeningCriterion, Sector
from catalogue.outputs.exports import MAX_XLSX_ROWS
from catalogue.outputs.opendata import CODE_COLUMNS, CODES, FIELDS
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
from catalogue.selection.filters import FILTERS, SORTS

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
            catalogue_filters=FILTERS,
            sorts=[(key, label) for key, (label, _order) in SORTS.items()],
            **kwargs,
        )
