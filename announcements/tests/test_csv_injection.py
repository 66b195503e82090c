"""The delivery report CSV cannot carry a spreadsheet formula (error titles come from Meta)."""

import csv
import io

import pytest

from announcements import stats
from announcements.models import Announcement, Delivery

pytestmark = pytest.mark.django_db


def test_delivery_report_escapes_formula_cells(make_announcement):
    announcement = make_announcement(status=Announcement.Status.PARTLY_FAILED)
    Delivery.objects.create(
        announcement=announcement,
        subscriber_code="K-1",
        status="failed",
        error_code=131026,
        error_title='=HYPERLINK("http://evil.example","Fehler")',
    )
    stream = io.StringIO()
    stats.write_csv(announcement, stream)
    stream.seek(0)
    _header, row = csv.reader(stream, delimiter=";")
    assert row[:4] == ["K-1", "failed", "131026", '\'=HYPERLINK("http://evil.example","Fehler")']
