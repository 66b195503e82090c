"""The NINA stand-in over loopback, an approved warning template and staff to notify."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from announcements.models import MessageTemplate
from whatsapp.backends import locmem


class Authority:
    """Plays the authority through the simulator's NINA control API."""

    def __init__(self, simulator):
        self.sim = simulator

    def warn(self, headline="Großbrand in Titz", **fields):
        data = {"headline": headline, "areas": ["Gemeinde Titz"], **fields}
        return self.sim._call("POST", "/_sim/nina/warnings", json=data)["id"]

    def update(self, identifier, **fields):
        return self.sim._call("POST", "/_sim/nina/update", json={"id": identifier, **fields})

    def cancel(self, identifier, **fields):
        return self.sim._call("POST", "/_sim/nina/cancel", json={"id": identifier, **fields})

    def mode(self, mode, **fields):
        return self.sim._call("POST", "/_sim/nina/mode", json={"mode": mode, **fields})


@pytest.fixture
def authority(simulator, settings):
    settings.NINA_ARS = "053580000000"
    settings.NINA_API_BASE_URL = simulator.base_url
    settings.NINA_AREA_PATTERN = "Titz"
    settings.NINA_GEOCODES = []
    settings.NINA_AUTO_SEND_SEVERITIES = []
    settings.NINA_MIN_SEVERITY = "Minor"
    settings.NINA_READ_TIMEOUT = 2.0
    settings.WHATSAPP_BACKEND = "whatsapp.backends.locmem.LocmemBackend"
    settings.REDIS_URL = ""
    settings.WHATSAPP_MESSAGES_PER_SECOND = 0
    locmem.reset()
    yield Authority(simulator)
    locmem.reset()


@pytest.fixture
def warning_template(db):
    return MessageTemplate.objects.create(
        name="titz_warnung",
        language="de",
        category="UTILITY",
        status="APPROVED",
        header_type="TEXT",
        body="Warnung für Titz: *{{1}}*\n\n{{2}}",
        param_count=2,
    )


@pytest.fixture
def staff(db):
    def make(username, group, email):
        user = get_user_model().objects.create_user(username, email=email, password="pw-2026!x")
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=group))
        return get_user_model().objects.get(pk=user.pk)

    return {
        "freigabe": make("clara", "Freigabe", "clara@gemeinde.example"),
        "redaktion": make("anna", "Redaktion", "anna@gemeinde.example"),
    }
