"""Models of the catalogue app, one module per part of the register."""

from .pipeline import (
    FundingLine,
    Milestone,
    MilestoneStatus,
    MilestoneType,
    PaymentMechanism,
    PolicyFramework,
    PolicyGoal,
    ProjectType,
    RelatedProject,
    Relationship,
    RiskAllocation,
    RiskBearer,
    pipeline_prefetches,
    timeline,
)
from .project_parts import (
    ProjectDocument,
    ProjectDocumentQuerySet,
    ProjectImage,
    ProjectTransition,
)
from .projects import (
    TEXT_FIELDS,
    Project,
    ProjectQuerySet,
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
    "FundingLine",
    "Milestone",
    "MilestoneStatus",
    "MilestoneType",
    "PaymentMechanism",
    "PolicyFramework",
    "PolicyGoal",
    "ProjectType",
    "RelatedProject",
    "Relationship",
    "RiskAllocation",
    "RiskBearer",
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
    "pipeline_prefetches",
    "project_reference",
    "timeline",
    "verification_cutoff",
]
