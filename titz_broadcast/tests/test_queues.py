"""Every queue has a worker: a queue nobody consumes silently swallows broadcasts."""

import re
from pathlib import Path

from titz_broadcast import queues

ROOT = Path(__file__).resolve().parents[2]


def _consumed_queues(text):
    return {q for match in re.findall(r"--queues[= ]([\w,]+)", text) for q in match.split(",")}


def test_every_queue_has_a_worker_in_the_procfile():
    assert set(queues.ALL) <= _consumed_queues((ROOT / "Procfile").read_text())


def test_every_queue_has_a_worker_in_docker_compose():
    assert set(queues.ALL) <= _consumed_queues((ROOT / "docker-compose.yml").read_text())


def test_every_periodic_task_exists_and_runs_on_a_consumed_queue(settings):
    from titz_broadcast.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        queue = entry.get("options", {}).get("queue") or app.tasks[entry["task"]].queue
        assert queue in (None, *queues.ALL), (name, queue)
