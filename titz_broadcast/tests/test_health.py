import pytest

from tests.fixtures.processes import free_port
from titz_broadcast.celery import app as celery_app


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test, then restore it."""
    original = celery_app.conf.broker_url, celery_app.conf.broker_transport

    def set_url(url, transport=None):
        celery_app.conf.broker_url = url
        celery_app.conf.broker_transport = transport  # the embedded one overrides the URL

    yield set_url
    set_url(*original)


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, broker_url):
    broker_url(f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] is False
    assert response.json()["database"] is True


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_with_the_real_redis_broker(client, broker_url, settings):
    import os

    broker_url(os.environ["REDIS_URL"])
    assert client.get("/healthz").status_code == 200
