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


class ProgrammeGate(models.TextChoices):
    """The programme gates suggested by the caravan, checked on every municipality review.

    See docs/domain.md#municipality-eligibility-review.
    """

    APPLICATION = "application", _("Application complete")
    COUNCIL = "council", _("Council commitment (deliberation)")
    PERIMETER = "perimeter", _("A designated smart perimeter")
    PARTICIPATION = "participation", _("A participatory process (the Gabès model)")
    CANDIDATE_PROJECT = "candidate_project", _("At least one candidate project")
