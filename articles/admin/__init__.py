"""The Django admin of the study domain, one module per area; importing the
package registers them all."""

from . import annotations, jobs, materials, reflections, search, sessions  # noqa: F401
