"""The CSV export speaks German (columns, words, Berlin time) and stays exact: every
readable cell is covered by the hash, so rewording or re-timing a row is found."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from subscribers import chain, consent_words, export
from subscribers.models import ConsentEvent

pytestmark = pytest.mark.django_db

WINTER = datetime(2026, 1, 15, 8, 30, 5, 123456, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def logged():
    chain.append(
        ConsentEvent.Action.OPT_IN,
        occurred_at=WINTER,
        subscriber_code="K-000001",
        source="keyword",
        keyword="start",
    )
    chain.append(
        ConsentEvent.Action.OPT_OUT,
        occurred_at=SUMMER,
        subscriber_code="K-000001",
        source="admin",
        actor="pruefung",
    )


def rows(text):
    return list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))


def test_columns_values_and_times_are_german_and_local(logged):
    text = "".join(export.lines("csv"))
    columns, first, second = rows(text)
    assert columns[:6] == ["Nr.", "Zeitpunkt", "Vorgang", "Weg", "Kennziffer", "Stichwort"]
    assert not {"seq", "occurred_at", "action", "source", "keyword"} & set(columns)
    named = [dict(zip(columns, row, strict=True)) for row in (first, second)]
    assert named[0]["Zeitpunkt"] == "2026-01-15T09:30:05.123456+01:00"
    assert named[1]["Zeitpunkt"] == "2026-07-01T14:00:00.000000+02:00"
    assert (named[0]["Vorgang"], named[0]["Weg"]) == ("Anmeldung", "per WhatsApp-Nachricht")
    assert (named[1]["Vorgang"], named[1]["Weg"]) == ("Abmeldung", "durch die Verwaltung")
    assert "opt_in" not in text.split("# meta:")[-1].split("\n", 1)[1]
    assert export.verify_stream(io.StringIO(text)).ok
    assert text.startswith("# titz-consent-log/4\n")


def test_jsonl_keeps_the_hashed_fields_and_verifies(logged):
    text = "".join(export.lines("jsonl"))
    assert '"action":"opt_in"' in text and '"occurred_at":"2026-01-15T08:30:05.123456Z"' in text
    assert export.verify_stream(io.StringIO(text)).ok


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (",Anmeldung,", ",Abmeldung,"),
        (",per WhatsApp-Nachricht,", ",keyword,"),  # the code behind the word
        ("2026-01-15T09:30:05.123456+01:00", "2026-01-15T08:30:05.123456+00:00"),  # same instant
        ("2026-01-15T09:30:05.123456+01:00", "2026-01-15T09:31:05.123456+01:00"),
        (",start,", ",anmelden,"),
    ],
    ids=["action", "source-code", "time-rewritten", "time-changed", "keyword"],
)
def test_a_reworded_or_retimed_row_is_found(logged, old, new):
    text = "".join(export.lines("csv"))
    assert old in text
    verdict = export.verify_stream(io.StringIO(text.replace(old, new, 1)))
    assert (verdict.ok, verdict.broken_seq, verdict.line) == (False, 1, 5)


def test_the_words_are_a_one_to_one_table_and_cover_every_source():
    for name, words in export.GERMAN_VALUES.items():
        assert len(set(words.values())) == len(words), name
        assert not set(words.values()) & set(words), name
    assert set(export.GERMAN_VALUES["action"]) == set(ConsentEvent.Action.values)
    assert set(export.GERMAN_VALUES["source"]) == set(consent_words.SOURCES)


def visible(html):
    """What a person reads: the text, without tags and the URLs inside them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_admin_reads_the_log_in_words(admin_client, logged):
    page = visible(admin_client.get("/admin/subscribers/consentevent/").content.decode())
    assert "Anmeldung per WhatsApp" in page
    assert "Abmeldung durch die Verwaltung" in page
    for technical in ("opt_in", "opt_out", "keyword", "#1 "):
        assert technical not in page, technical
    event = ConsentEvent.objects.get(seq=1)
    detail = admin_client.get(f"/admin/subscribers/consentevent/{event.pk}/change/")
    html = visible(detail.content.decode())
    assert "Nr. 1: Anmeldung K-000001" in html and "per WhatsApp-Nachricht" in html
    assert "opt_in" not in html and "keyword" not in html
