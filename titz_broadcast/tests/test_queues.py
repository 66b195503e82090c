"""Every queue has a worker, and every task routes to one of them: a queue nobody consumes
silently swallows broadcasts."""

import re
from pathlib import Path

import pytest

from titz_broadcast import queues

ROOT = Path(__file__).resolve().parents[2]


def _app():
    from titz_broadcast.celery import app

    app.loader.import_default_modules()
    return app


def _routed(app, name, args=(), kwargs=None, options=None):
    """The queue Celery's router picks for a call, as when it publishes the message."""
    return app.amqp.router.route(options or {}, name, args, kwargs or {})["queue"].name


def _consumed_queues(text):
    return {q for match in re.findall(r"--queues[= ]([\w,]+)", text) for q in match.split(",")}


def test_every_queue_has_a_worker_in_the_procfile():
    assert set(queues.ALL) <= _consumed_queues((ROOT / "Procfile").read_text())


def test_every_queue_has_a_worker_in_docker_compose():
    assert set(queues.ALL) <= _consumed_queues((ROOT / "docker-compose.yml").read_text())


def test_every_periodic_task_exists_and_runs_on_a_consumed_queue(settings):
    app = _app()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        queue = _routed(app, entry["task"], options=entry.get("options"))
        assert queue in (None, *queues.ALL), (name, queue)


def test_every_registered_task_routes_to_a_consumed_queue():
    app = _app()
    for name in app.tasks:
        assert _routed(app, name) in queues.ALL, name


def test_every_project_task_is_routed_here_and_names_no_queue_itself():
    # A task of our own must be in the table (by its explicit, stable name), and its
    # decorator must not name a queue: that would silently override the router.
    app = _app()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == {*queues.ROUTES, queues.SEND_BATCH}
    for name in ours:
        assert getattr(app.tasks[name], "queue", None) is None, name


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "queue"),
    [
        ("announcements.tick", (), {}, queues.URGENT),
        ("announcements.send_batch", (1, 1, 100), {}, queues.DEFAULT),
        ("announcements.send_batch", (1, 1, 100, False), {}, queues.DEFAULT),
        ("announcements.send_batch", (1, 1, 100, True), {}, queues.URGENT),
        ("announcements.send_batch", (1, 1, 100), {"urgent": True}, queues.URGENT),
        ("announcements.send_batch", (1, 1, 100), {"urgent": False}, queues.DEFAULT),
        ("whatsapp.tasks.dispatch_due_events", (), {}, queues.URGENT),
        ("privacy.purge_store", ("consent_log",), {}, queues.DEFAULT),
        ("subscribers.tasks.send_reply", ("token", "body"), {}, queues.REPLIES),
    ],
)
def test_the_routing_table(name, args, kwargs, queue):
    from titz_broadcast.celery import app  # the router goes by name: no task imported

    assert _routed(app, name, args, kwargs) == queue


def _workers(text):
    """The ``--queues`` of each worker command line, as sets."""
    return [set(match.split(",")) for match in re.findall(r"--queues[= ]([\w,]+)", text)]


@pytest.mark.parametrize("name", ["Procfile", "docker-compose.yml"])
def test_the_urgent_queue_has_a_worker_that_consumes_nothing_else(name):
    """A slow NINA poll or a long broadcast can fill every other process: never this one."""
    workers = _workers((ROOT / name).read_text())
    assert {queues.URGENT} in workers
    assert all(worker == {queues.URGENT} for worker in workers if queues.URGENT in worker)


def test_every_task_has_a_soft_and_a_hard_time_limit():
    app = _app()
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, name
