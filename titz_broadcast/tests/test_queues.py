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
