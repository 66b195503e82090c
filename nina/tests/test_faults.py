"""A slow, hanging, huge or redirecting NINA: the poll gives up in time, counts it, and an
urgent warning goes out meanwhile. Against the simulator's NINA stand-in on loopback."""

import threading
import time

import pytest

from announcements import services, tasks
from nina import health
from nina.client import NinaClient, NinaError
from nina.tasks import run_poll
from tests.fixtures.broadcasts import approved_announcement, make_subscribers
from whatsapp import ratelimit
from whatsapp.backends import locmem

pytestmark = pytest.mark.django_db(transaction=True)
DASHBOARD = "053580000000"


def failing_polls_show_the_disturbance(message):
    for _ in range(health.FAILURES_SHOWN):
        run_poll()
    assert health.disturbed_since() is not None
    assert message in health.current().last_error


def test_a_trickling_nina_is_given_up_at_the_deadline(authority, warning_template, settings):
    settings.NINA_TOTAL_TIMEOUT = 1.0
    settings.NINA_READ_TIMEOUT = 2.0  # every byte arrives within the read timeout
    authority.warn("Großbrand")
    authority.mode("trickle", delay_s=0.2)

    started = time.monotonic()
    with pytest.raises(NinaError, match="antwortet nicht rechtzeitig"):
        NinaClient().dashboard(DASHBOARD)
    assert time.monotonic() - started < 2.0

    failing_polls_show_the_disturbance("antwortet nicht rechtzeitig")


def test_a_hanging_nina_does_not_answer_in_time_rather_than_being_unreachable(
    authority, warning_template, settings
):
    settings.NINA_READ_TIMEOUT = 0.3
    authority.mode("hang")

    started = time.monotonic()
    with pytest.raises(NinaError) as raised:
        NinaClient().dashboard(DASHBOARD)
    assert str(raised.value) == "NINA antwortet nicht rechtzeitig."
    assert time.monotonic() - started < 1.5  # not retried
    assert authority.mode("hang")["requests_seen"] == 1

    failing_polls_show_the_disturbance("antwortet nicht rechtzeitig")


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_huge_answer_is_refused_without_reading_it_whole(
    authority, warning_template, settings, declare_length
):
    settings.NINA_MAX_BYTES = 1024 * 1024
    authority.mode("huge", size_mb=20, declare_length=declare_length)

    with pytest.raises(NinaError, match="zu groß"):
        NinaClient().dashboard(DASHBOARD)

    failing_polls_show_the_disturbance("zu groß")


def test_a_redirect_to_another_host_is_not_followed(authority, warning_template):
    authority.mode("redirect")  # to localhost: the same server under another host name

    with pytest.raises(NinaError, match="andere Adresse"):
        NinaClient().dashboard(DASHBOARD)
    assert authority.mode("redirect")["requests_seen"] == 1  # the target was never asked

    failing_polls_show_the_disturbance("andere Adresse")


def test_deeply_nested_json_is_a_counted_failure_not_a_crash(authority, warning_template):
    authority.mode("deep")

    failing_polls_show_the_disturbance("keine lesbaren Daten")


def test_an_urgent_warning_goes_out_on_time_while_nina_hangs(authority, warning_template, settings):
    """The poll hangs on NINA in its own thread (as on the default worker); the urgent
    broadcast is started and delivered meanwhile. The delay is printed for the notes."""
    from titz_broadcast.celery import app

    settings.NINA_READ_TIMEOUT = 5.0
    settings.NINA_TOTAL_TIMEOUT = 5.0
    make_subscribers(3)
    authority.mode("hang")
    poller = threading.Thread(target=run_poll, name="nina-poll")
    poller.start()
    try:
        time.sleep(0.3)  # the poll is waiting on NINA now
        assert poller.is_alive()
        approved = time.monotonic()
        warning = approved_announcement(urgent=True, title="Unwetter")
        previous, app.conf.task_always_eager = app.conf.task_always_eager, True
        try:
            ratelimit.pair_gate.cache_clear()
            tasks.run_tick()
        finally:
            app.conf.task_always_eager = previous
        delay = time.monotonic() - approved
        warning.refresh_from_db()
        assert warning.status == services.Status.SENT
        assert len(locmem.outbox) == 3
        assert poller.is_alive()  # NINA still hangs
        assert delay < 2.0
        print(f"urgent warning delivered {delay:.3f} s after approval while NINA hangs")
    finally:
        authority.mode("ok")  # releases the hanging answer
        poller.join(10)
    assert not poller.is_alive()
