"""The public archive with 10,000 sent messages: ``/archiv/`` next to its bare query.

In-process through Django's test client (URL routing, every middleware, the template,
the conditional-GET hashing), so the figure is the server's work without the network.
The bare query is the same SQL the page runs (``public.archive``), fetched with a plain
cursor: the difference is what Django and the template add. Also the last page (a deep
OFFSET) and a category filter, each on its partial index.
"""

import statistics
import time
from datetime import timedelta

REQUESTS = 400
WARMUP = 20


def _fill(count):
    """``count`` archived messages, plus a tenth that the archive must skip."""
    from django.db import connection
    from django.utils import timezone

    from announcements.models import Announcement, MessageTemplate

    from . import data

    data.reset()
    template, _ = MessageTemplate.objects.get_or_create(
        name="bench_archive",
        language="de",
        defaults={"status": "APPROVED", "body": "Titz informiert: {{1}}", "param_count": 1},
    )
    categories = ["news", "announcement", "warning"]
    now = timezone.now()
    rows = []
    for i in range(count + count // 10):
        text = f"Nachricht {i}: Die *Hauptstraße* ist ab Montag gesperrt. Umleitung über _Ring_."
        skipped = i >= count
        started = now - timedelta(minutes=10 * i)
        rows.append(
            Announcement(
                title=f"intern {i}",
                body=text,
                category=categories[i % 3],
                urgent=i % 30 == 2,
                template=template,
                template_params=[text],
                status="cancelled" if skipped and i % 2 else "sent",
                in_archive=not (skipped and not i % 2),
                started_at=started,
                finished_at=started,
            )
        )
    Announcement.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(call, requests):
    for _ in range(WARMUP):
        call()
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    # CPU time of this process too: on a shared machine the wall clock includes waiting
    # for a core, which the page's own cost does not.
    return {
        "median_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
    }


def run(environment, count, requests=REQUESTS):
    from django.db import connection
    from django.test import Client

    from public import archive

    _fill(count)
    client = Client(HTTP_HOST="127.0.0.1")

    def page(query):
        def get():
            response = client.get("/archiv/" + query)
            assert response.status_code == 200, response.status_code

        return get

    def bare(archive_filter, number):
        start = (number - 1) * archive.PAGE_SIZE
        rows = archive_filter.apply(archive._rows())[start : start + archive.PAGE_SIZE + 1]
        sql, params = rows.query.sql_with_params()

        def fetch():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                assert len(cursor.fetchall()) == archive.PAGE_SIZE + 1

        return fetch

    last_page = count // archive.PAGE_SIZE
    warnings = archive.Filter(category="warning")
    # Each read path next to the bare query of the same rows, as flat keys like the other
    # benchmarks: ``archive_page_1_median_ms`` and ``archive_page_1_median_ms_baseline``.
    measured = {
        "page_1": (page(""), bare(archive.Filter(), 1), requests),
        "warnings_page_1": (page("?kategorie=warnungen"), bare(warnings, 1), requests),
        "last_page": (
            page(f"?seite={last_page - 1}"),
            bare(archive.Filter(), last_page - 1),
            requests // 4,
        ),
    }
    results = {"archive_messages": count}
    for name, (product, baseline, times) in measured.items():
        mine, yardstick = _timed(product, times), _timed(baseline, times)
        for figure in ("median_ms", "p99_ms"):
            key = f"archive_{name}_{figure}"
            results[key] = mine[figure]
            results[f"{key}_baseline"] = yardstick[figure]
        results[f"archive_{name}_cpu_median_ms"] = mine["cpu_median_ms"]
    return results
