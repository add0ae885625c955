"""Models of the catalogue app, one module per part of the register."""

from .projects import (
    TEXT_FIELDS,
    Project,
    ProjectDocument,
    ProjectDocumentQuerySet,
    ProjectImage,
    ProjectQuerySet,
    ProjectTransition,
    project_reference,
    verification_cutoff,
)
from .reference import LANGUAGES, Sector, Source
from .reviews import (
    ProjectReview,
    ProjectReviewQuerySet,
    ReviewGate,
    ReviewScore,
    ScreeningCriterion,
)

__all__ = [
    "LANGUAGES",
    "TEXT_FIELDS",
    "Project",
    "ProjectDocument",
    "ProjectDocumentQuerySet",
    "ProjectImage",
    "ProjectQuerySet",
    "ProjectReview",
    "ProjectReviewQuerySet",
    "ProjectTransition",
    "ReviewGate",
    "ReviewScore",
    "ScreeningCriterion",
    "Sector",
    "Source",
    "project_reference",
    "verification_cutoff",
]
