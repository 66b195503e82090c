"""An upgrade from an earlier schema keeps everything: migrate a database the old code made.

There is no tagged release yet, so the earlier schema is ``OLD_COMMIT`` (1 December 2026:
engine, consent chain and event store in place; many migrations of every app since). Its
tree is extracted with ``git archive`` (no checkout) and run as a process of its own: it
migrates a fresh database and fills it through its own webhook and engine, as real use
would: residents send "Start" (one "Stop"), a broadcast is sent, and statuses arrive.
Then today's code migrates the same database and must find the same subscribers, the
consent chain verifying, the same deliveries and statistics, and still work: the new
code sends to the old subscribers and a resident's "Stop" finds them.

SQLite by default; with ``DATABASE_URL`` on PostgreSQL a database of its own there.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from tests.fixtures.processes import child_environment
from titz_broadcast import devenv

ROOT = Path(__file__).resolve().parents[2]
OLD_COMMIT = "52dce599cb3bb8a38c5b9ecc1b98875e624980ce"
NUMBERS = ["4915100000401", "4915100000402", "4915100000403", "4915100000404"]

POST = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from tests.fixtures import payloads
from tests.fixtures.webhooks import sign

setup_test_environment()
client = Client()


def post(payload):
    body = json.dumps(payload).encode()
    answer = client.post("/whatsapp/webhook/", data=body, content_type="application/json",
                         HTTP_X_HUB_SIGNATURE_256=sign(body))
    assert answer.status_code == 200, answer.status_code
"""

SUMMARY = """
from announcements import stats
from announcements.models import Announcement, Delivery
from subscribers.models import ConsentEvent, Subscriber


def summary():
    first = Announcement.objects.order_by("pk").first()
    return {
        "subscribers": sorted(Subscriber.objects.values_list("code", flat=True)),
        "consent": list(ConsentEvent.objects.order_by("pk").values_list("action", "hash")),
        "deliveries": sorted(Delivery.objects.values_list("subscriber_id", "status")),
        "announcement": first.status,
        "statistics": {k: v for k, v in stats.delivery_counts(first).items()},
    }
"""

OLD_USE = (
    POST
    + SUMMARY
    + textwrap.dedent(
        f"""
    from announcements import tasks
    from tests.fixtures.broadcasts import approved_announcement
    from whatsapp.backends import locmem

    for number in {NUMBERS!r}:
        post(payloads.inbound_text_payload(number, "Start"))
    post(payloads.inbound_text_payload({NUMBERS[-1]!r}, "Stop"))
    approved_announcement()
    tasks.run_tick()
    sent = [m for m in locmem.outbox if m["type"] == "template"]
    assert len(sent) == {len(NUMBERS) - 1}, len(sent)
    for index, message in enumerate(sent):
        to = message["to"].lstrip("+")
        post(payloads.status_payload(message["wamid"], "delivered", to, message["callback_data"]))
        if index == 0:
            post(payloads.status_payload(message["wamid"], "read", to, message["callback_data"]))
    print("SUMMARY", json.dumps(summary(), default=str))
    """
    )
)

NEW_USE = (
    POST
    + SUMMARY
    + textwrap.dedent(
        f"""
    from announcements import tasks
    from subscribers import checkpoints
    from tests.fixtures.broadcasts import approved_announcement
    from whatsapp.backends import locmem

    print("SUMMARY", json.dumps(summary(), default=str))
    assert checkpoints.verify_database().ok, str(checkpoints.verify_database())
    second = approved_announcement(title="Nach dem Update")
    tasks.run_tick()
    sent = sorted(m["to"].lstrip("+") for m in locmem.outbox if m["type"] == "template")
    assert sent == {sorted(NUMBERS[:-1])!r}, sent
    post(payloads.inbound_text_payload({NUMBERS[0]!r}, "Stop"))
    assert Subscriber.objects.count() == {len(NUMBERS) - 2}
    assert checkpoints.nightly_check().ok  # and the old log can be signed
    print("NEW CODE WORKS")
    """
    )
)


def _database(tmp_path):
    """A fresh database for the upgrade: PostgreSQL when the session has one, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp_path / 'upgrade.sqlite3'}", lambda: None
    import psycopg

    name = settings.DATABASES["default"]["NAME"].removeprefix("test_") + "_upgrade"
    server = url.rsplit("/", 1)[0]

    def recreate(drop_only=False):
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                admin.execute(f'CREATE DATABASE "{name}"')

    recreate()
    return f"{server}/{name}", lambda: recreate(drop_only=True)


def _old_tree(target):
    if shutil.which("git") is None:
        pytest.skip("needs git to extract the earlier release")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", OLD_COMMIT],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode:
        pytest.skip(f"commit {OLD_COMMIT[:7]} not in this clone (a shallow checkout?)")
    target.mkdir()
    (target / "old.tar").write_bytes(archive.stdout)
    with tarfile.open(target / "old.tar") as tar:
        tar.extractall(target, filter="data")
    return target


def _run(cwd, env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"{cwd} {args[0]}:\n{result.stdout[-3000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def _summary(output):
    line = next(line for line in output.splitlines() if line.startswith("SUMMARY "))
    return json.loads(line.removeprefix("SUMMARY "))


def test_a_database_of_the_earlier_schema_migrates_with_nothing_lost(tmp_path):
    old = _old_tree(tmp_path / "old")
    url, drop = _database(tmp_path)
    env = child_environment(
        {
            "DJANGO_SETTINGS_MODULE": "titz_broadcast.settings",
            "DATABASE_URL": url,
            "VAR_DIR": str(tmp_path / "var"),
            "WHATSAPP_BACKEND": "whatsapp.backends.locmem.LocmemBackend",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "WHATSAPP_STATUS_BATCH_SECONDS": "0",
        },
        defaults=devenv.values(),
    )
    try:
        _run(old, env, "migrate", "--noinput", "-v", "0")
        before = _summary(_run(old, env, "shell", "--no-imports", "-c", OLD_USE))
        assert len(before["subscribers"]) == len(NUMBERS) - 1
        assert before["announcement"] == "sent"
        assert [action for action, _hash in before["consent"]].count("opt_out") == 1

        _run(ROOT, env, "migrate", "--noinput", "-v", "0")
        output = _run(ROOT, env, "shell", "--no-imports", "-c", NEW_USE)
        after = _summary(output)
        assert after["subscribers"] == before["subscribers"]
        assert after["consent"] == before["consent"]
        assert after["deliveries"] == before["deliveries"]
        assert after["announcement"] == before["announcement"]
        for name, value in before["statistics"].items():
            assert after["statistics"].get(name) == value, name
        assert "NEW CODE WORKS" in output
    finally:
        drop()
