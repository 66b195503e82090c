"""Announcements in every state the archive must tell apart, built as the engine leaves them."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from announcements.models import Announcement
from tests.fixtures.broadcasts import info_template
from whatsapp.backends import locmem

Status = Announcement.Status
_clock = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    locmem.reset()  # the test send's outbox


@pytest.fixture
def template(db):
    return info_template()


@pytest.fixture
def make_announcement(template):
    """``make_announcement(status, text=..., ...)``: each one started a minute after the last."""

    def make(status=Status.SENT, *, text="Die Hauptstraße ist gesperrt.", **fields):
        started = None
        if status not in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED):
            started = timezone.now() - timedelta(days=1) + timedelta(minutes=next(_clock))
        values = {
            "title": "Interner Titel Nr. 7",
            "body": text,
            "template": template,
            "template_params": [text],
            "status": status,
            "started_at": started,
            "finished_at": started,
        }
        values.update(fields)
        return Announcement.objects.create(**values)

    return make
