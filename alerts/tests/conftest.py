"""The staff fixtures are the announcements tests' (one user per role): imported, not copied."""

from announcements.tests.conftest import (  # noqa: F401
    _isolated,
    freigeber,
    freigeber2,
    make_user,
    redakteur,
    superuser,
)
