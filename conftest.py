"""Test-session setup shared by every app (environment defaults: ``pytest_plugin.py``).

Shared fixtures and builders live in ``tests/fixtures/``, out of the production packages;
``pytest_plugins`` below makes their fixtures (``simulator``, ``received``, ``webhook``)
available to every app's tests, as a conftest of each app would.

Tests marked ``postgres``, ``redis`` or
``e2e`` need those real services (or Chromium); they skip locally when it is missing, and
with ``REQUIRE_SERVICES=1`` (``.ci/run`` sets it) any such skip fails the run: a missing
service in CI is an error, not a skip.
"""

import os

import pytest
from django.utils import translation

pytest_plugins = ["tests.fixtures.webhooks", "tests.fixtures.simulator"]
SERVICE_MARKERS = ("postgres", "redis", "e2e")
_skipped_services = []


def _service_missing(marker):
    if marker == "postgres":
        return not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    if marker == "redis":
        return not os.environ.get("REDIS_URL", "").startswith("redis")
    return False


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language.

    A request activates its language in the test's thread and leaves it there (in a server
    the next request sets its own); without this, an English request leaks into the next
    test, and into code run after the response, such as a status dispatch on commit.
    """
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_status_intake():
    """Statuses a test left in Redis's intake list must not reach the next test's database."""
    if url := os.environ.get("REDIS_URL"):
        import redis

        from whatsapp import intake

        with redis.Redis.from_url(url) as client:
            client.delete(intake.KEY, intake.LOCK_KEY)


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("postgres", "redis"):
            if item.get_closest_marker(marker) and _service_missing(marker):
                variable = "DATABASE_URL" if marker == "postgres" else "REDIS_URL"
                item.add_marker(pytest.mark.skip(reason=f"needs {marker}: set {variable}"))


def pytest_runtest_logreport(report):
    if report.skipped and any(m in report.keywords for m in SERVICE_MARKERS):
        _skipped_services.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("REQUIRE_SERVICES") == "1" and _skipped_services:
        print(f"\nREQUIRE_SERVICES=1 but {len(_skipped_services)} service test(s) skipped:")
        for nodeid in _skipped_services[:20]:
            print(f"  {nodeid}")
        session.exitstatus = 1
