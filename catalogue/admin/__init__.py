"""The catalogue's admin, one module per part of the register (imported to register them)."""

from . import projects, reference, reviews  # noqa: F401
from .projects import ProjectAdmin  # noqa: F401
