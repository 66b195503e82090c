"""The client and the CAP reading at the requests boundary (``responses``): shapes NINA
might send that the stand-in does not, such as an Update under a new identifier."""

import pytest
import requests
import responses

from announcements.models import Announcement
from nina import cap
from nina.client import NinaClient, NinaError
from nina.tasks import run_poll

BASE = "https://nina.test/api31"
pytestmark = pytest.mark.django_db


def detail(identifier, headline, msg_type="Alert", references=None, areas=("Gemeinde Titz",)):
    data = {
        "identifier": identifier,
        "sender": "opendata@dwd.de",
        "sent": "2026-12-02T10:00:00+01:00",
        "status": "Actual",
        "msgType": msg_type,
        "scope": "Public",
        "info": [
            {"language": "en-GB", "headline": "English text", "severity": "Severe"},
            {
                "language": "de-DE",
                "headline": headline,
                "severity": "Severe",
                "description": "Orkanböen &amp; Starkregen",
                "expires": "2026-12-31T18:00:00+01:00",
                "area": [{"areaDesc": area, "geocode": []} for area in areas],
            },
        ],
    }
    if references:
        data["references"] = references
    return data


def item(identifier, version=1):
    return {"id": identifier, "payload": {"version": version, "data": {"provider": "DWD"}}}


@pytest.fixture
def nina_api(settings, warning_template):
    settings.NINA_ARS = "053580000000"
    settings.NINA_API_BASE_URL = BASE
    settings.NINA_AREA_PATTERN = "Titz"
    with responses.RequestsMock() as mocked:
        yield mocked


def test_an_update_under_a_new_identifier_names_the_old_one_in_references(nina_api):
    nina_api.get(f"{BASE}/dashboard/053580000000.json", json=[item("dwd.2.49.0.0.276.0.DWD.1")])
    nina_api.get(f"{BASE}/warnings/dwd.2.49.0.0.276.0.DWD.1.json", json=detail(
        "dwd.2.49.0.0.276.0.DWD.1", "Orkanböen"))  # fmt: skip
    run_poll()
    nina_api.replace(responses.GET, f"{BASE}/dashboard/053580000000.json", json=[
        item("dwd.2.49.0.0.276.0.DWD.2")])  # fmt: skip
    nina_api.get(f"{BASE}/warnings/dwd.2.49.0.0.276.0.DWD.2.json", json=detail(
        "dwd.2.49.0.0.276.0.DWD.2", "Orkanböen bis 130 km/h", "Update",
        "opendata@dwd.de,dwd.2.49.0.0.276.0.DWD.1,2026-12-02T10:00:00+01:00"))  # fmt: skip

    run_poll()

    (announcement,) = Announcement.objects.filter(nina_message__isnull=False)
    assert announcement.template_params[0] == "Orkanböen bis 130 km/h"  # the German info
    assert "Orkanböen & Starkregen" in announcement.template_params[1]


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("refused")},
        {"body": requests.ReadTimeout("slow")},
        {"status": 500, "json": {}},
        {"body": "<html>"},
        {"json": {"not": "a list"}},
    ],
)
def test_every_failure_is_a_german_nina_error(settings, answer):
    settings.NINA_API_BASE_URL = BASE
    with responses.RequestsMock() as mocked:  # at the adapter: urllib3's retries are not run
        mocked.get(f"{BASE}/dashboard/053580000000.json", **answer)
        with pytest.raises(NinaError, match="NINA"):
            NinaClient().dashboard("053580000000")


def test_unusable_items_are_skipped_not_fatal():
    assert cap.summary({"id": "mow.1"}) is None
    assert cap.summary({"id": "mow.1", "payload": {"version": "x"}}) is None
    assert cap.warning({"identifier": "mow.1", "info": []}, 1) is None
    assert cap.warning({"identifier": "mow.1", "info": [{"headline": "<br/>"}]}, 1) is None
    assert cap.clean_text("a<br/>b <b>c</b> &amp; d") == "a b c & d"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Mit &lt;b&gt;starken Kräften&lt;/b&gt; im Einsatz", "Mit starken Kräften im Einsatz"),
        ("Sturm&nbsp;&amp; Gewitter<br/>mit Hagel", "Sturm & Gewitter mit Hagel"),
        ("&lt;p&gt;Überflutung&lt;br/&gt;in Rödingen&lt;/p&gt;", "Überflutung in Rödingen"),
        ("Doppelt: &amp;lt;i&amp;gt;Gefahr&amp;lt;/i&amp;gt;", "Doppelt: Gefahr"),
        ("&Uuml;bung &ndash; <br>keine Gefahr", "Übung \u2013 keine Gefahr"),
        ("Pegel &lt; 2 m, Ufer &gt; 1 km", "Pegel < 2 m, Ufer > 1 km"),
    ],
)  # fmt: skip
def test_entities_are_decoded_before_tags_are_stripped(source, expected):
    assert cap.clean_text(source) == expected


def test_escaped_markup_never_reaches_the_draft(nina_api):
    escaped = detail("mow.DE-NW-DN-SE-1", "Großbrand in Titz")
    escaped["info"][1]["description"] = (
        "Es wird mit &lt;b&gt;starken Kräften&lt;/b&gt; gelöscht.<br/>Fenster &amp; Türen zu."
    )
    nina_api.get(f"{BASE}/dashboard/053580000000.json", json=[item("mow.DE-NW-DN-SE-1")])
    nina_api.get(f"{BASE}/warnings/mow.DE-NW-DN-SE-1.json", json=escaped)

    run_poll()

    (announcement,) = Announcement.objects.filter(nina_message__isnull=False)
    sent = " ".join(announcement.template_params) + announcement.body
    assert "<" not in sent and "&lt;" not in sent and "&amp;" not in sent
    assert "mit starken Kräften gelöscht. Fenster & Türen zu." in sent
