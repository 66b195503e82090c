"""The staff fixtures are the announcements tests' (one user per role, announcements).

Imported rather than copied: the 2FA tests walk the same roles through the announcements
admin, and two copies of "a Freigabe user" would drift apart.
"""

from announcements.tests.conftest import (  # noqa: F401
    _isolated,
    freigeber,
    make_announcement,
    make_user,
    pruefer,
    redakteur,
    superuser,
    text_template,
    users,
)
