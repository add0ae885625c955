"""The review machine shared by the project screening and the municipality review.

A review judges one subject (a project, a municipality). Reviews of a subject are
numbered (``version``); a new one supersedes the older ones, which stay visible. A review
records its pass/fail gates as rows (an ``AbstractReviewGate`` each), scores its subject
on the app's own scale, and ends with a decision that is final: a decision has a date and
a date a decision (a constraint on both tables).

A concrete review sets ``subject_field`` (the foreign key to its subject), overrides
``decision`` with its choices, and may refine the hooks (``lock_subject``,
``is_independent_of``, ``subject_errors``, ``before_decision``, ``failed_gate_error``).
``review_record_decision`` is the decide service's skeleton; each app's service wraps it
with what the decision changes beyond the review (a project moves in its workflow).

This module is part of the foundation: it imports no app.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcities.core.fields import translated


class ReviewQuerySet(models.QuerySet):
    """Reads shared by every review: decided or not, current per subject."""

    def decided(self):
        """Reviews with a decision."""
        return self.exclude(decision="")

    def undecided(self):
        """Reviews still open: no decision yet."""
        return self.filter(decision="")

    def for_subject(self, subject):
        """The reviews of one subject (a project, a municipality)."""
        return self.filter(**{self.model.subject_field: subject})

    def current_for(self, subject):
        """The subject's current outcome: its latest decided review, or None."""
        return self.decided().for_subject(subject).order_by("-version").first()

    def latest_per_subject(self):
        """Only the newest review (highest version) of each subject, decided or not."""
        key = f"{self.model.subject_field}_id"
        newer = self.model._default_manager.filter(
            **{key: OuterRef(key), "version__gt": OuterRef("version")}
        )
        return self.filter(~Exists(newer))


class AbstractReview(models.Model):
    """A versioned review of one subject, closed by a final, dated decision."""

    #: Name of the foreign key to the reviewed subject.
    subject_field = ""
    #: Decisions allowed while a gate fails (the others need every gate passed).
    decisions_if_a_gate_fails: tuple = ()
    #: Refusal shown to a user without the decide permission.
    decide_refused = _("You may not decide this review.")
    #: Refusal shown to a reviewer who is not independent of the subject.
    independence_refused = _("You are too close to this subject to review it.")

    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("reviewer"),
        editable=False,
    )
    created_at = models.DateTimeField(_("opened on"), auto_now_add=True)
    # Overridden by each review with its own choices.
    decision = models.CharField(_("decision"), max_length=30, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True, editable=False)
    public_summary = translated(
        models.TextField(
            _("public summary"),
            blank=True,
            help_text=_("Shown on the public page once the review is decided."),
        ),
        required=(),
    )
    internal_notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="%(app_label)s_%(class)s_decision_dated",
                violation_error_message=_("A decision has a date, and a date a decision."),
            ),
        ]

    @property
    def subject(self):
        return getattr(self, self.subject_field)

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    def newer_reviews(self):
        """The reviews of the same subject that supersede this one."""
        key = f"{self.subject_field}_id"
        return type(self)._default_manager.filter(
            **{key: getattr(self, key), "version__gt": self.version}
        )

    # Gates ---------------------------------------------------------------------------

    def gates_passed(self) -> bool:
        """Whether every gate was checked and passes."""
        return all(gate.passed is True for gate in self.gates.all())

    def failed_gates(self) -> list:
        return [gate for gate in self.gates.all() if gate.passed is False]

    def gate_errors(self, decision) -> list[str]:
        """Why the gates do not allow ``decision``: unchecked, uncommented, or failed."""
        errors = []
        gates = list(self.gates.all())
        for gate in gates:
            if gate.passed is None:
                errors.append(
                    gettext("Say whether gate “%(gate)s” passes.") % {"gate": gate.short_name}
                )
            if gate.comment_required and not gate.comment.strip():
                errors.append(
                    gettext("Gate “%(gate)s” needs a comment.") % {"gate": gate.short_name}
                )
        failed = [gate for gate in gates if gate.passed is False]
        if failed and decision not in self.decisions_if_a_gate_fails:
            errors.append(self.failed_gate_error(failed))
        return errors

    def failed_gate_error(self, failed) -> str:
        allowed = ", ".join(str(self.decision_label(d)) for d in self.decisions_if_a_gate_fails)
        return gettext("A failed gate allows only: %(decisions)s.") % {"decisions": allowed}

    # Deciding ------------------------------------------------------------------------

    def decision_label(self, value) -> str:
        return dict(self._meta.get_field("decision").flatchoices).get(value, value)

    def lock_subject(self) -> None:
        """Lock what the decision changes besides the review (nothing by default)."""

    def is_independent_of(self, user) -> bool:
        """Whether ``user`` stands apart enough from the subject to review it."""
        return True

    def check_independence(self, user) -> None:
        """Refuse a reviewer too close to the subject (a superuser always may)."""
        if not user.is_superuser and not self.is_independent_of(user):
            raise PermissionDenied(self.independence_refused)

    def subject_errors(self, decision) -> list[str]:
        """What else the subject needs before ``decision`` (scores, status…)."""
        return []

    def decision_errors(self, decision) -> list[str]:
        """Every reason why ``decision`` cannot be recorded now; empty if it can."""
        errors = []
        if self.is_decided:
            errors.append(
                gettext("This review is already decided; open a new review to change it.")
            )
        if self.newer_reviews().exists():
            errors.append(gettext("A newer review supersedes this one; decide the newer review."))
        if decision not in {
            value for value, _label in self._meta.get_field("decision").flatchoices
        }:
            errors.append(gettext("Choose a decision."))
        errors += self.gate_errors(decision)
        errors += self.subject_errors(decision)
        if not self.public_summary_fr.strip():
            errors.append(gettext("Write the public summary (in French at least)."))
        return errors

    def before_decision(self) -> None:
        """Last figures to store with the decision (a score)."""


class AbstractReviewGate(models.Model):
    """One pass/fail gate of a review: passes, fails, or not checked yet; with a comment.

    A concrete gate adds ``review`` (a foreign key with ``related_name="gates"``) and
    overrides ``gate`` with its choices.
    """

    #: Whether deciding needs a comment on this gate.
    comment_required = True

    gate = models.CharField(_("gate"), max_length=30)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["review", "gate"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self):
        return str(self.get_gate_display())

    @property
    def short_name(self) -> str:
        return str(self.get_gate_display())


def review_lock_undecided(*, review):
    """The review's current row, locked until the end of the caller's transaction, if it
    is still undecided; a decided review is refused (a decision is final).

    Whoever changes a review takes this lock first and then reads the review: two
    reviewers saving or deciding it at the same moment take turns, and the second is told
    that the first decided it, instead of writing their stale copy over it.
    """
    current = type(review)._default_manager.select_for_update().get(pk=review.pk)
    if current.is_decided:
        decider = current.decided_by
        raise ValidationError(
            gettext(
                "This review was decided meanwhile by %(user)s (%(decision)s); your changes "
                "were not saved."
            )
            % {
                "user": (decider.get_full_name() or decider.get_username()) if decider else "—",
                "decision": current.decision_label(current.decision),
            }
        )
    return current


@transaction.atomic
def review_record_decision(*, review, user, decision: str):
    """Decide a review: the permission, a lock on the review (and on its subject), the
    reviewer's independence, every check, then the decision with its date and author,
    recorded in the review's history under the user's name.

    Returns the locked, decided review; refusals raise and change nothing.
    """
    opts = review._meta
    if not user.has_perm(f"{opts.app_label}.decide_{opts.model_name}"):
        raise PermissionDenied(review.decide_refused)
    review = type(review)._default_manager.select_for_update().get(pk=review.pk)
    review.lock_subject()
    review.check_independence(user)
    errors = review.decision_errors(decision)
    if errors:
        raise ValidationError(errors)
    review.before_decision()
    review.decision = decision
    review.decided_by = user
    review.decided_at = timezone.now()
    review._history_user = user
    review.save()
    return review
