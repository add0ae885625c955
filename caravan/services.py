"""Municipality eligibility reviews for the smart-cities programme.

See docs/domain.md#municipality-eligibility-review. The review is one of the shared review
machine's (``smartcities.core.reviews``): the same gates as rows, the same dated, final
decision, the same decide skeleton as the project screening.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from smartcities.core.reviews import review_record_decision

from .choices import ProgrammeGate
from .models import Dimension, DimensionScore, MunicipalityReview, MunicipalityReviewGate


@transaction.atomic
def municipality_review_prepare(*, review: MunicipalityReview, user) -> MunicipalityReview:
    """Number a new review after the municipality's previous ones, with its five gates
    (not checked yet) and its six dimensions (not banded yet)."""
    if not user.has_perm("caravan.add_municipalityreview"):
        raise PermissionDenied(_("You may not review municipalities."))
    review.check_independence(user)
    last = MunicipalityReview.objects.filter(municipality=review.municipality).aggregate(
        Max("version")
    )["version__max"]
    review.version = (last or 0) + 1
    review.reviewer = user
    review._history_user = user
    review.save()
    # With their first history record, so that the first edit shows the values before it.
    bulk_create_with_history(
        [MunicipalityReviewGate(review=review, gate=gate) for gate in ProgrammeGate.values],
        MunicipalityReviewGate,
        default_user=user,
    )
    bulk_create_with_history(
        [
            DimensionScore(review=review, dimension=dimension)
            for dimension in Dimension.objects.all()
        ],
        DimensionScore,
        default_user=user,
    )
    return review


@transaction.atomic
def municipality_review_decide(*, review: MunicipalityReview, user, decision: str):
    """Record the programme decision; the latest decided review is the municipality's status.

    "Eligible" needs every gate passed; a failed gate allows "conditionally eligible" or
    "not eligible". Every gate is checked and every dimension banded first.
    """
    return review_record_decision(review=review, user=user, decision=decision)
