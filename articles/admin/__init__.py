"""The Django admin of the study domain, one module per area; importing the
package registers them all."""

from . import (  # noqa: F401
    annotations,
    jobs,
    leave,
    materials,
    notifications,
    reflections,
    search,
    sessions,
)
