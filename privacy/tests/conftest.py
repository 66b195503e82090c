"""Staff of each role (the announcements app's fixtures), media in a temp dir, locmem."""

import pytest

from announcements.tests.conftest import (  # noqa: F401  (fixtures)
    make_user,
    pruefer,
    redakteur,
    superuser,
)
from whatsapp.backends import locmem


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WHATSAPP_BACKEND = "whatsapp.backends.locmem.LocmemBackend"
    locmem.reset()
    yield
    locmem.reset()
