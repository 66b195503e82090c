"""Upgrading to BSUID-first identity: subscribers of before keep working unchanged.

Rows written before the migration (number only, no BSUID) are found, sent to by number,
linked to their BSUID by the first message that names both, and stopped by BSUID alone.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from subscribers.crypto import encrypt_identity, hash_identity
from subscribers.models import ConsentEvent, Subscriber
from tests.fixtures import payloads

NUMBER = "4915119876500"
BSUID = "DE.7781234567890100000"
BEFORE = [("subscribers", "0011_english_msgids")]


def migrate(targets=None):
    """Migrate to ``targets``, or to today's schema (every app's latest) without them."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _current_afterwards():
    """Leave the database at the latest migrations: later transactional tests use it."""
    yield
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_from_before_is_linked_and_stopped_by_bsuid(webhook, outbox):
    old = migrate(BEFORE)
    old.get_model("subscribers", "Subscriber").objects.create(
        code="K-OLD001",
        number_hash=hash_identity(NUMBER),
        number_encrypted=encrypt_identity(NUMBER),
        consented_at=timezone.now(),
    )
    migrate()

    subscriber = Subscriber.objects.get()
    assert subscriber.recipient() == NUMBER
    webhook(payloads.text(NUMBER, "Start", user_id=BSUID))  # "already subscribed"
    assert [m["to"] for m in outbox] == [NUMBER]
    subscriber.refresh_from_db()
    assert subscriber.user_id_hash == hash_identity(BSUID)
    assert ConsentEvent.objects.get().action == ConsentEvent.Action.IDENTITY_LINKED
    webhook(payloads.text(None, "Stop", user_id=BSUID))
    assert not Subscriber.objects.exists()
    assert outbox[-1]["to"] == BSUID
