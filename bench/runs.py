"""The measurements themselves; each returns a dict of figures for the JSON report."""

import hashlib
import hmac
import http.client
import json
import multiprocessing
import statistics
import time

import requests
from django.conf import settings
from django.db import connection

from announcements.delivery_models import Delivery
from announcements.engine import dispatch
from announcements.engine.testing import approved_announcement, phone_number

from . import data
from . import env as benv

WAIT_LIMIT_SECONDS = 900


def _flush_redis(environment):
    import redis

    redis.Redis.from_url(environment["REDIS_URL"]).flushdb()


def _wait_until_done(announcement, expected, timeout=WAIT_LIMIT_SECONDS):
    deadline = time.monotonic() + timeout
    done = Delivery.objects.filter(announcement=announcement, status="sent")
    while time.monotonic() < deadline:
        if done.count() >= expected:
            return time.monotonic()
        time.sleep(0.05)
    raise TimeoutError(f"only {done.count()} of {expected} sent")


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
    with benv.workers(worker_env):
        announcement = approved_announcement()
        started_wall, started = time.time(), time.monotonic()
        dispatch.start_due_announcements()
        finished = _wait_until_done(announcement, count)
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


def _bare_client(url, count):
    session = requests.Session()
    target = f"{url}/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    headers = {"Authorization": "Bearer dev", "Content-Type": "application/json"}
    started = time.monotonic()
    for i in range(count):
        session.post(target, data=_template_body(phone_number(i)), headers=headers, timeout=10)
    return count / (time.monotonic() - started)


def throughput(environment, count):
    with benv.simulator(environment, sent_delay_ms=0) as url:
        bare = _bare_client(url, count)
        requests.post(url + "/_sim/reset", json={}, timeout=10)
        _, seconds = _broadcast(
            environment, url, count, 0, BROADCAST_BATCH_SIZE="200", BROADCAST_LANES="2"
        )
        accepted = requests.get(url + "/_sim/messages", timeout=60).json()
    engine = count / seconds
    return {
        "engine_msgs_per_s": round(engine, 1),
        "bare_client_msgs_per_s": round(bare, 1),
        "ratio": round(engine / bare, 2),
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


def _status_body(wamid, index, secret):
    status = {"id": wamid, "status": "delivered", "timestamp": str(1764403200 + index)}
    status["recipient_id"] = "4915100000000"
    change = {
        "field": "messages",
        "value": {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "1"},
            "statuses": [status],
        },
    }
    body = json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    ).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post_statuses(args):
    """One client process: keep-alive ``http.client``, bodies signed before the clock starts.

    ``requests`` costs about a millisecond of client CPU per POST, which on two cores would
    be taken from the server being measured.
    """
    port, secret, wamids = args
    requests_ = [_status_body(wamid, index, secret) for index, wamid in enumerate(wamids)]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies = []
    first = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    for body, signature in requests_:
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        started = time.perf_counter()
        conn.request("POST", "/whatsapp/webhook/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}")
    finished = time.perf_counter()
    conn.close()
    return first, finished, latencies


def webhooks(environment, count, clients=4):
    data.reset()
    data.copy_subscribers(count, reachable=False)
    announcement = approved_announcement()
    dispatch.start_due_announcements()  # fan-out; no worker runs, rows stay queued
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = 'sent', wamid = 'wamid.BENCH' || id "  # noqa: S608
            "WHERE announcement_id = %s",
            [announcement.pk],
        )
    wamids = list(
        Delivery.objects.filter(announcement=announcement).values_list("wamid", flat=True)
    )
    with benv.gunicorn(environment) as base:
        port = int(base.rsplit(":", 1)[1])
        parts = [(port, settings.WHATSAPP_APP_SECRET, wamids[i::clients]) for i in range(clients)]
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            results = pool.map(_post_statuses, parts)
    seconds = max(r[1] for r in results) - min(r[0] for r in results)
    print([(r[0], r[1]) for r in results], seconds)
    latencies = [ms for r in results for ms in r[2]]
    delivered = Delivery.objects.filter(announcement=announcement, status="delivered").count()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "webhook_statuses_per_s": round(delivered / seconds, 1),
        "webhook_p50_ms": round(cuts[49], 1),
        "webhook_p99_ms": round(cuts[98], 1),
        "webhook_statuses_posted": len(latencies),
        "webhook_deliveries_updated": delivered,
    }
