from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorBand(models.IntegerChoices):
    """U4SSC banding of a dimension's core indicators against their targets."""

    # xgettext:no-python-format
    BELOW_33 = 1, _("Below 33 % of target")
    # xgettext:no-python-format
    FROM_33 = 2, _("33–66 % of target")
    # xgettext:no-python-format
    FROM_66 = 3, _("66–95 % of target")
    # xgettext:no-python-format
    ABOVE_95 = 4, _("95 % of target or more")


class ProgrammeDecision(models.TextChoices):
    """Whether a municipality joins the national smart and sustainable cities programme."""

    ELIGIBLE = "eligible", _("Eligible")
    CONDITIONAL = "conditional", _("Conditionally eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")


# The programme gates suggested by the caravan (DOMAIN.md §6), as review field names.
PROGRAMME_GATES = {
    "gate_application": _("Application complete"),
    "gate_council": _("Council commitment (deliberation)"),
    "gate_perimeter": _("A designated smart perimeter"),
    "gate_participation": _("A participatory process (the Gabès model)"),
    "gate_candidate_project": _("At least one candidate project"),
}
