"""A forgotten variable in production fails closed: refused by a system check, never a
published development value (``dev.env``) and never DEBUG."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from announcements import checks as announcement_checks
from staff import checks as staff_checks
from staff.demo import DEMO_USERS
from subscribers.models import Subscriber
from tests.fixtures import payloads
from tests.fixtures.webhooks import signed_post
from titz_broadcast import devenv
from titz_broadcast.startup import refuse_misconfiguration
from whatsapp import checks as whatsapp_checks

ROOT = Path(__file__).resolve().parents[2]


def bare_environment(**extra):
    """The machine's environment without anything of ours (no dev.env, no .env values)."""
    names = set(devenv.values()) | {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    return {**env, "DJANGO_SETTINGS_MODULE": "titz_broadcast.settings", **extra}


def run_python(code, env):
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_debug_is_off_and_no_secret_has_a_default(tmp_path):
    # An empty .env beside a copy would be cleaner; the repository has none (.gitignore).
    assert not (ROOT / ".env").exists()
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, repr(s.WHATSAPP_APP_SECRET), repr(s.WHATSAPP_VERIFY_TOKEN), "
        "repr(s.WHATSAPP_ACCESS_TOKEN), repr(s.NUMBER_HASH_KEY), s.NUMBER_ENCRYPTION_KEYS, "
        "s.OTP_REQUIRED, s.SECURE_SSL_REDIRECT)"
    )
    result = run_python(code, bare_environment(VAR_DIR=str(tmp_path)))
    assert result.stdout.split() == ["False", "''", "''", "''", "''", "[]", "True", "True"]


def test_manage_check_refuses_a_production_without_its_variables(tmp_path):
    env = bare_environment(VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    for name in (*whatsapp_checks.REQUIRED, "SECRET_KEY", "NUMBER_HASH_KEY"):
        assert f"{name} is not set" in result.stderr, name


def test_published_development_credentials_are_refused_without_debug(settings):
    published = devenv.values()
    settings.DEBUG = False
    for name in whatsapp_checks.REQUIRED:
        setattr(settings, name, published[name])
    errors = whatsapp_checks.credentials_are_set(None)
    assert sorted(e.msg.split()[0] for e in errors) == sorted(whatsapp_checks.SECRETS)
    assert {e.id for e in errors} == {"whatsapp.E002"}
    settings.DEBUG = True
    assert whatsapp_checks.credentials_are_set(None) == []


@pytest.mark.django_db
def test_web_and_worker_processes_refuse_to_start_on_a_failed_check(settings):
    settings.DEBUG = False
    settings.WHATSAPP_APP_SECRET = devenv.values()["WHATSAPP_APP_SECRET"]
    with pytest.raises(ImproperlyConfigured, match="WHATSAPP_APP_SECRET"):
        refuse_misconfiguration()


@pytest.mark.django_db
def test_demo_logins_with_their_published_passwords_are_refused_without_debug(settings):
    user = get_user_model().objects.create_user("freigabe", password=DEMO_USERS["freigabe"][1])
    settings.DEBUG = False
    [error] = staff_checks.no_demo_logins_in_production(None, databases=["default"])
    assert error.id == "announcements.E002" and "freigabe" in error.msg
    user.set_password("a-new-password-of-the-office-2026")
    user.save()
    assert staff_checks.no_demo_logins_in_production(None, databases=["default"]) == []


def test_a_claim_grace_period_shorter_than_the_timeouts_is_refused(settings):
    settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT = 3.05, 15.0
    settings.BROADCAST_CLAIM_GRACE_SECONDS = 10
    [error] = announcement_checks.claim_grace_outlasts_requests(None)
    assert error.id == "announcements.E001"
    settings.BROADCAST_CLAIM_GRACE_SECONDS = 300
    assert announcement_checks.claim_grace_outlasts_requests(None) == []


@pytest.mark.django_db
def test_changes_for_another_business_number_are_ignored(client, caplog):
    payload = payloads.text("4915100000777", "Start")
    metadata = payload["entry"][0]["changes"][0]["value"]["metadata"]
    metadata["phone_number_id"] = "999999999999999"
    assert signed_post(client, payload).status_code == 200
    assert not Subscriber.objects.exists()
    assert "ignored a messages change for business number id '999999999999999'" in caplog.text
