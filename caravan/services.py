"""Municipality eligibility reviews for the smart-cities programme (DOMAIN.md §6)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import PROGRAMME_GATES, ProgrammeDecision
from .models import Dimension, DimensionScore, MunicipalityReview


@transaction.atomic
def municipality_review_prepare(*, review: MunicipalityReview, user) -> MunicipalityReview:
    """Number a new review after the municipality's previous ones and add its six dimensions."""
    if not user.has_perm("caravan.add_municipalityreview"):
        raise PermissionDenied(_("You may not review municipalities."))
    last = MunicipalityReview.objects.filter(municipality=review.municipality).aggregate(
        Max("version")
    )["version__max"]
    review.version = (last or 0) + 1
    review.reviewer = user
    review.save()
    DimensionScore.objects.bulk_create(
        DimensionScore(review=review, dimension=dimension) for dimension in Dimension.objects.all()
    )
    return review


@transaction.atomic
def municipality_review_decide(*, review: MunicipalityReview, user, decision: str):
    """Record the programme decision; the latest decided review is the municipality's status."""
    if not user.has_perm("caravan.decide_municipalityreview"):
        raise PermissionDenied(_("You may not decide municipality reviews."))
    review = MunicipalityReview.objects.select_for_update().get(pk=review.pk)
    errors = []
    if review.decision:
        errors.append(_("This review is already decided; open a new review to change it."))
    if MunicipalityReview.objects.filter(
        municipality=review.municipality, version__gt=review.version
    ).exists():
        errors.append(_("A newer review supersedes this one; decide the newer review."))
    if decision not in ProgrammeDecision.values:
        errors.append(_("Choose a decision."))
    missing = [str(s.dimension) for s in review.dimension_scores.all() if s.band is None]
    if missing:
        errors.append(
            _("Band every dimension (missing: %(names)s).") % {"names": ", ".join(missing)}
        )
    if decision == ProgrammeDecision.ELIGIBLE and not review.gates_passed():
        failed = [
            str(label) for name, label in PROGRAMME_GATES.items() if not getattr(review, name)
        ]
        errors.append(
            _(
                "Eligible needs every programme gate (missing: %(gates)s); "
                "consider “conditionally eligible”."
            )
            % {"gates": ", ".join(failed)}
        )
    if not review.public_summary_fr.strip():
        errors.append(_("Write the public summary (in French at least)."))
    if errors:
        raise ValidationError(errors)
    review.decision = decision
    review.decided_by = user
    review.decided_at = timezone.now()
    review._history_user = user
    review.save()
    return review
