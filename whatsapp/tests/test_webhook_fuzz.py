"""Whatever a correctly signed body contains, the webhook answers 2xx or 4xx, never 5xx."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.webhooks import signed_post

from .conftest import load

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["object", "entry", "changes", "field", "value", "messages", "statuses", "contacts"]
KEYS += ["from", "from_user_id", "id", "timestamp", "type", "text", "body", "errors", "code"]
KEYS += ["recipient_id", "user_preferences", "wa_id", "user_id", "status", "interactive"]
BASES = ["inbound_text", "inbound_button_reply", "status_failed_131047", "user_preferences_stop"]


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes(client, body):
    assert signed_post(client, body).status_code < 500


@FUZZ
@given(value=json_values)
def test_random_json(client, value):
    assert signed_post(client, json.dumps(value).encode()).status_code < 500


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*prefix, index))


@FUZZ
@given(data=st.data())
def test_mutated_real_payloads(client, data):
    # Replace or delete one node anywhere in a valid payload, or add an odd key.
    payload = copy.deepcopy(load(data.draw(st.sampled_from(BASES))))
    path = data.draw(st.sampled_from(list(_paths(payload))[1:]))
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(KEYS))] = data.draw(json_values)
    else:
        parent[path[-1]] = data.draw(json_values)
    assert signed_post(client, payload).status_code < 500


def test_deeply_nested_json_is_a_400(client):
    body = b"[" * 100_000 + b"]" * 100_000
    assert signed_post(client, body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b"{}",
        b'{"entry": "x"}',
        b'{"entry": [1]}',
        b"\xff\xfe",
        b"{",
        # A NUL in an id would be refused by PostgreSQL: it must be a 400, not a 503.
        b'{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":'
        b'"100000000000001"},"statuses":[{"id":"w\\u0000",'
        b'"status":"sent","timestamp":"1","recipient_id":"4915100000001"}]}}]}]}',
    ],
)
def test_malformed_bodies_are_400(client, body):
    response = signed_post(client, body)
    assert response.status_code == 400
    assert b"malformed" in response.content
