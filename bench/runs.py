"""The measurements themselves; each returns a dict of figures for the JSON report."""

import json
import multiprocessing
import socket
import statistics
import time
from typing import NamedTuple

import requests
from django.conf import settings

from announcements import tasks
from announcements.engine import scheduler
from announcements.models import Delivery
from tests.fixtures import payloads
from tests.fixtures.broadcasts import approved_announcement, phone_number
from tests.fixtures.webhooks import sign
from whatsapp.backends.locmem import meta_shaped_wamid
from whatsapp.ids import message_key

from . import data
from . import env as benv

WAIT_LIMIT_SECONDS = 900
REQUESTS_PER_CONNECTION = 100
ENGINE_WORKERS = 2  # Celery processes that send (and lanes), matched by the bare clients


def _flush_redis(environment):
    import redis

    redis.Redis.from_url(environment["REDIS_URL"]).flushdb()


def _wait_until(announcement, status, expected, timeout=WAIT_LIMIT_SECONDS):
    """Poll until ``expected`` deliveries have ``status``; returns that moment (perf_counter)."""
    deadline = time.perf_counter() + timeout
    done = Delivery.objects.filter(announcement=announcement, status=status)
    while time.perf_counter() < deadline:
        if done.count() >= expected:
            return time.perf_counter()
        time.sleep(0.02)
    raise TimeoutError(f"only {done.count()} of {expected} deliveries {status}")


def _broadcast(environment, url, count, rate, **extra):
    """Send one broadcast to ``count`` subscribers through real workers; returns timings."""
    data.reset()
    _flush_redis(environment)
    data.copy_subscribers(count, reachable=True)
    worker_env = {
        **environment,
        "WHATSAPP_API_BASE_URL": url,
        "WHATSAPP_MESSAGES_PER_SECOND": str(rate),
        **extra,
    }
    with benv.workers(worker_env, concurrency=ENGINE_WORKERS):
        announcement = approved_announcement()
        started_wall, started = time.time(), time.perf_counter()
        tasks.run_tick()  # starts it and hands its lanes to the workers, as beat would
        finished = _wait_until(announcement, "sent", count)
    return started_wall, finished - started


def _template_body(to):
    return json.dumps(
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+" + to,
            "type": "template",
            "template": {
                "name": "titz_info",
                "language": {"code": "de"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Test"}]}],
            },
            "biz_opaque_callback_data": "1",
        }
    ).encode()


def _bare_client(args):
    """The yardstick: one process posting in a loop, configured like the engine's session
    (``trust_env`` off, which alone doubles a plain ``requests`` loop's rate). Returns
    when it started and ended (``perf_counter``: comparable across processes)."""
    url, first, count = args
    session = requests.Session()
    session.trust_env = False
    target = f"{url}/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    headers = {"Authorization": "Bearer dev", "Content-Type": "application/json"}
    bodies = [_template_body(phone_number(i)) for i in range(first, first + count)]
    started = time.perf_counter()
    for body in bodies:
        session.post(target, data=body, headers=headers, timeout=10)
    return started, time.perf_counter()


def _bare_clients(url, count, processes):
    """``processes`` bare clients at once, each its share of ``count``: messages/s."""
    share = count // processes
    parts = [(url, i * share, share) for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        spans = pool.map(_bare_client, parts)
    return share * processes / (max(end for _, end in spans) - min(s for s, _ in spans))


def _around(measure_yardstick, measure):
    """The yardstick measured before and after ``measure``: (before, after, result).

    The machine's speed drifts within minutes (other tenants): the mean of both sides is
    the yardstick at the moment of the measure, and after/before says how far it moved
    meanwhile (printed as ``<name>_baseline_drift``; far from 1.0, run again).
    """
    before = measure_yardstick()
    result = measure()
    return before, measure_yardstick(), result


def throughput(environment, count):
    with benv.simulator(environment, sent_delay_ms=0) as url:
        bare_one = _bare_clients(url, count // ENGINE_WORKERS, 1)

        def broadcast():
            requests.post(url + "/_sim/reset", json={}, timeout=10)
            _, seconds = _broadcast(
                environment,
                url,
                count,
                0,
                BROADCAST_BATCH_SIZE="200",
                BROADCAST_LANES=str(ENGINE_WORKERS),
            )
            return seconds, requests.get(url + "/_sim/messages", timeout=60).json()

        before, after, (seconds, accepted) = _around(
            lambda: _bare_clients(url, count, ENGINE_WORKERS), broadcast
        )
    engine, bare = count / seconds, (before + after) / 2
    return {
        "engine_msgs_per_s": round(engine, 1),
        "engine_msgs_per_s_baseline": round(bare, 1),
        "engine_msgs_per_s_ratio": round(engine / bare, 2),
        "engine_msgs_per_s_baseline_drift": round(after / before, 2),
        "engine_workers": ENGINE_WORKERS,
        "bare_client_msgs_per_s": round(bare_one, 1),
        "ratio": round(engine / bare_one, 2),
        "throughput_messages": count,
        "throughput_accepted_at_simulator": len(accepted),
        "throughput_duplicates": len(accepted) - len({m["to"] for m in accepted}),
    }


def throttled(environment, count, rate=80):
    with benv.simulator(environment) as url:
        started_wall, _ = _broadcast(environment, url, count, rate)
        accepted = sorted(
            m["accepted_at"] for m in requests.get(url + "/_sim/messages", timeout=60).json()
        )
    worst, lo = 0, 0
    for hi, at in enumerate(accepted):
        while at - accepted[lo] >= 1.0:
            lo += 1
        worst = max(worst, hi - lo + 1)
    return {
        "throttled_max_in_any_second": worst,
        f"throttled_seconds_{count}": round(accepted[-1] - started_wall, 2),
        "throttled_ideal_seconds": round(count / rate, 2),
        "throttled_accepted_at_simulator": len(accepted),
    }


def _status_body(wamids, index, secret):
    """One signed POST of "delivered" statuses, built by the tests' webhook builder.

    Each carries Meta's ``pricing`` object, as every delivered template does since July
    2025: the engine records the billed messages in the same batch.
    """
    statuses = [
        payloads.status_entry(
            wamid,
            "delivered",
            payloads.DEFAULT_NUMBER,
            timestamp=1764403200 + index,
            pricing="utility",
        )
        for wamid in wamids
    ]
    body = json.dumps(payloads.statuses_payload(statuses)).encode()
    return body, sign(body, secret)


def _signed_request(body, signature, port):
    """The whole HTTP/1.1 request as bytes, built before the clock starts."""
    head = (
        f"POST /whatsapp/webhook/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Hub-Signature-256: {signature}\r\n\r\n"
    )
    return head.encode() + body


def _read_response(sock, buffer):
    """Read one response from a keep-alive connection; returns (status, rest of buffer)."""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    while len(buffer) < length:
        buffer += sock.recv(65536)
    return int(lines[0].split()[1]), buffer[length:]


def _post_statuses(args):
    """One client process: keep-alive sockets, requests built and signed in advance.

    The client shares the two cores with the server it measures, so it does as little as
    it can: ``requests`` cost about a millisecond of CPU per POST, ``http.client`` about a
    fifth of that (its header parsing), a prepared request on a raw socket far less. It
    opens a new connection every ``REQUESTS_PER_CONNECTION`` POSTs, as Meta's senders
    do over time: with eight connections held for the whole run, the kernel's first
    split of them between the two web processes decided the result (940 to 1,800/s).
    """
    port, secret, wamids, per_post = args
    prepared = [
        _signed_request(*_status_body(wamids[i : i + per_post], i, secret), port)
        for i in range(0, len(wamids), per_post)
    ]
    latencies = []
    first = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    for start in range(0, len(prepared), REQUESTS_PER_CONNECTION):
        buffer = b""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            for request in prepared[start : start + REQUESTS_PER_CONNECTION]:
                started = time.perf_counter()
                sock.sendall(request)
                status, buffer = _read_response(sock, buffer)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise RuntimeError(f"webhook answered {status}")
    return first, time.perf_counter(), latencies


def _drive(port, secret, wamids, clients, per_post):
    """Post every status from ``clients`` processes; returns (first, last, latencies)."""
    parts = [(port, secret, wamids[i::clients], per_post) for i in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_post_statuses, parts)
    first, last = min(r[0] for r in results), max(r[1] for r in results)
    return first, last, [ms for r in results for ms in r[2]]


def webhooks(environment, count, clients=8, per_post=1, app=None):
    """Status webhooks through gunicorn: ``per_post`` statuses in each signed POST.

    One per POST is the worst case and the headline figure; Meta batches up to 1,000 per
    POST when there are many, which the second figure shows at 50. The rate counts from
    the first POST until the last delivery shows "delivered": the web processes store the
    statuses, a Celery worker applies them, as deployed. ``app`` picks the WSGI
    application (default: the ``webhooks`` process).

    The single-status run is measured next to its yardstick in the same run: the same
    POSTs, from the same clients, to a bare Django view behind the same gunicorn
    configuration that checks the signature and parses the JSON (``bench.bare_webhook``),
    once before and once after (``_around``).
    """
    data.reset()
    _flush_redis(environment)
    data.copy_subscribers(count, reachable=False)
    announcement = approved_announcement()
    scheduler.start_due_announcements()  # fan-out only: no lanes, rows stay queued
    # As after a send: each row holds the keyed hash of its Meta-shaped id (the number of
    # one fictitious resident), the webhooks bring the ids themselves.
    pks = Delivery.objects.filter(announcement=announcement).values_list("pk", flat=True)
    wamids = {pk: meta_shaped_wamid("4915100000000") for pk in pks}
    Delivery.objects.bulk_update(
        [Delivery(pk=pk, status="sent", wamid_hash=message_key(w)) for pk, w in wamids.items()],
        ["status", "wamid_hash"],
        batch_size=2000,
    )
    wamids = list(wamids.values())
    secret = settings.WHATSAPP_APP_SECRET
    served = {"app": app} if app else {}

    def measure():
        with (
            benv.workers(environment, concurrency=1),
            benv.gunicorn(environment, **served) as base,
        ):
            port = int(base.rsplit(":", 1)[1])
            first, last_post, latencies = _drive(port, secret, wamids, clients, per_post)
            return first, last_post, latencies, _wait_until(announcement, "delivered", len(wamids))

    yardstick = per_post == 1 and not app
    if yardstick:
        before, after, measured = _around(
            lambda: _bare_webhook(environment, secret, wamids, clients), measure
        )
    else:
        measured = measure()
    first, last_post, latencies, applied = measured
    cuts = statistics.quantiles(latencies, n=100)
    prefix = "webhook" if per_post == 1 else f"webhook_batched_{per_post}"
    if app:
        prefix += "_" + app.split(":")[0].rsplit(".", 1)[-1]
    posts_per_s = len(latencies) / (last_post - first)
    figures = {
        f"{prefix}_statuses_per_s": round(len(wamids) / (applied - first), 1),
        f"{prefix}_posts_per_s": round(posts_per_s, 1),
        f"{prefix}_p50_ms": round(cuts[49], 1),
        f"{prefix}_p99_ms": round(cuts[98], 1),
        f"{prefix}_posts": len(latencies),
        f"{prefix}_applied_after_last_post_s": round(applied - last_post, 2),
    }
    if yardstick:
        baseline = (before.posts_per_s + after.posts_per_s) / 2
        figures[f"{prefix}_posts_per_s_baseline"] = round(baseline, 1)
        figures[f"{prefix}_posts_per_s_ratio"] = round(posts_per_s / baseline, 2)
        figures[f"{prefix}_posts_per_s_baseline_drift"] = round(
            after.posts_per_s / before.posts_per_s, 2
        )
        figures[f"{prefix}_p99_ms_baseline"] = round((before.p99_ms + after.p99_ms) / 2, 1)
    return figures


class _BareWebhook(NamedTuple):
    """What the same POSTs got from ``bench.bare_webhook``."""

    posts_per_s: float
    p99_ms: float


def _bare_webhook(environment, secret, wamids, clients):
    """The same single-status POSTs against ``bench.bare_webhook`` (no storage, no apps)."""
    bare_env = {**environment, "DJANGO_SETTINGS_MODULE": "bench.bare_webhook"}
    with benv.gunicorn(bare_env, app="bench.bare_webhook:application") as base:
        port = int(base.rsplit(":", 1)[1])
        first, last, latencies = _drive(port, secret, wamids, clients, per_post=1)
    return _BareWebhook(len(latencies) / (last - first), statistics.quantiles(latencies, n=100)[98])
