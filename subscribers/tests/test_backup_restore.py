"""A backup restores after losing the server: ``ops/backup.sh`` and ``ops/restore.sh``.

Real PostgreSQL databases of their own (``<test database>_backup_source`` and
``..._restored``), the scripts run as an operator runs them, and the restored database is
used by a fresh process: the consent log verifies, the broadcast reaches every subscriber
(their numbers decrypt with the keys kept apart), a resident's "Stop" finds them. A
restore with the wrong key is refused before anyone is sent to, and a database that is
not empty is never restored into.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.fixtures.processes import child_environment
from titz_broadcast import devenv

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
NUMBERS = ["4915100000301", "4915100000302", "4915100000303"]

SUBSCRIBE = textwrap.dedent(
    f"""
    import json
    from django.test import Client
    from django.test.utils import setup_test_environment
    from tests.fixtures import payloads
    from tests.fixtures.webhooks import sign

    setup_test_environment()
    client = Client()
    for number in {NUMBERS!r}:
        body = json.dumps(payloads.inbound_text_payload(number, "Start")).encode()
        answer = client.post("/whatsapp/webhook/", data=body, content_type="application/json",
                             HTTP_X_HUB_SIGNATURE_256=sign(body))
        assert answer.status_code == 200, answer.status_code
    """
)

USE_RESTORED = textwrap.dedent(
    f"""
    import json
    from django.test import Client
    from django.test.utils import setup_test_environment
    from announcements import tasks
    from announcements.models import Delivery
    from subscribers import checkpoints
    from subscribers.models import ConsentEvent, Subscriber
    from tests.fixtures import payloads
    from tests.fixtures.broadcasts import approved_announcement
    from tests.fixtures.webhooks import sign
    from whatsapp.backends import locmem

    setup_test_environment()
    assert checkpoints.verify_database().ok
    assert Subscriber.objects.count() == {len(NUMBERS)}
    announcement = approved_announcement()
    tasks.run_tick()
    sent = sorted(m["to"].lstrip("+") for m in locmem.outbox if m["type"] == "template")
    assert sent == {sorted(NUMBERS)!r}, sent
    assert Delivery.objects.filter(announcement=announcement, status="sent").count() == 3

    body = json.dumps(payloads.inbound_text_payload({NUMBERS[0]!r}, "Stop")).encode()
    answer = Client().post("/whatsapp/webhook/", data=body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=sign(body))
    assert answer.status_code == 200
    assert Subscriber.objects.count() == {len(NUMBERS) - 1}
    assert ConsentEvent.objects.filter(action="opt_out").count() == 1
    assert checkpoints.verify_database().ok
    print("restored database works")
    """
)


def _server_url():
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"


@pytest.fixture
def databases():
    """Two fresh databases named after the session's; dropped again afterwards."""
    base = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    names = [f"{base}_backup_source", f"{base}_restored"]
    server = _server_url()

    def recreate(drop_only=False):
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if not drop_only:
                    admin.execute(f'CREATE DATABASE "{name}"')

    recreate()
    yield [f"{server}/{name}" for name in names]
    recreate(drop_only=True)


def _environment(database_url, media_root, **values):
    """What the service runs with: dev.env's keys unless ``values`` replace them."""
    return child_environment(
        {
            "DJANGO_SETTINGS_MODULE": "titz_broadcast.settings",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media_root),
            "PYTHON": sys.executable,
            "WHATSAPP_BACKEND": "whatsapp.backends.locmem.LocmemBackend",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "WHATSAPP_STATUS_BATCH_SECONDS": "0",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **values,
        },
        defaults=devenv.values(),
    )


def _run(argv, env, check=True):
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{argv}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _manage(env, *args):
    return _run([sys.executable, "manage.py", *args], env)


def test_backup_restores_into_a_fresh_database_and_works(databases, tmp_path):
    source, restored = databases
    media = tmp_path / "media"
    (media / "announcements").mkdir(parents=True)
    (media / "announcements" / "plan.pdf").write_bytes(b"%PDF-1.4 Bauplan")
    source_env = _environment(source, media)
    _manage(source_env, "migrate", "--noinput", "-v", "0")
    _manage(source_env, "shell", "--no-imports", "-c", SUBSCRIBE)
    _run(["ops/backup.sh", str(tmp_path / "backup")], source_env)
    assert not (tmp_path / "backup" / "keys").exists()  # the keys are kept apart

    # Another machine: an empty database and media folder, the keys from the safe.
    new_media = tmp_path / "new-media"
    restored_env = _environment(restored, new_media)
    result = _run(["ops/restore.sh", str(tmp_path / "backup")], restored_env)
    assert "Schlüssel passen: 3 Abonnenten geprüft." in result.stdout
    assert (new_media / "announcements" / "plan.pdf").read_bytes() == b"%PDF-1.4 Bauplan"
    used = _manage(restored_env, "shell", "--no-imports", "-c", USE_RESTORED)
    assert "restored database works" in used.stdout

    # A second restore into the now used database is refused; nothing is touched.
    again = _run(["ops/restore.sh", str(tmp_path / "backup")], restored_env, check=False)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_restore_with_the_wrong_number_hash_key_is_refused(databases, tmp_path):
    source, restored = databases
    source_env = _environment(source, tmp_path / "media")
    _manage(source_env, "migrate", "--noinput", "-v", "0")
    _manage(source_env, "shell", "--no-imports", "-c", SUBSCRIBE)
    _run(["ops/backup.sh", str(tmp_path / "backup")], source_env)
    wrong = _environment(restored, tmp_path / "m2", NUMBER_HASH_KEY="not-the-key-of-this-backup")
    result = _run(["ops/restore.sh", str(tmp_path / "backup")], wrong, check=False)
    assert result.returncode != 0
    assert "NUMBER_HASH_KEY ist nicht der Schlüssel dieser Sicherung" in result.stderr
