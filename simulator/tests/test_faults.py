"""Fault injection: seeded shares of 130429 / 5xx, slow and timed-out answers, 131026, 131056."""

import time

import pytest
import requests

from tests.fixtures.simulator import running_simulator

from .graph import Graph


def error_codes(graph, count):
    codes = []
    for number in range(count):
        response = graph.text(f"49151{number:08d}")
        codes.append(response.json()["error"]["code"] if response.status_code != 200 else None)
    return codes


def test_rate_limit_share_is_seeded_and_close_to_the_share(simulator, graph):
    simulator.configure(rate_limit_share=0.25, seed=7)
    first = error_codes(graph, 400)
    simulator.configure(rate_limit_share=0.25, seed=7)
    second = error_codes(graph, 400)

    assert first == second
    assert set(first) == {None, 130429}
    assert 70 <= first.count(130429) <= 130
    assert len(simulator.messages()) == 2 * first.count(None)


def test_rate_limit_answer_is_http_429_with_metas_body(simulator, graph):
    simulator.configure(rate_limit_share=1.0)
    response = graph.text("4915100000001")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["message"] == "(#130429) Rate limit hit"
    assert error["error_data"]["details"] == "Cloud API message throughput has been reached."


@pytest.mark.parametrize(("code", "http_status"), [(131000, 500), (2, 503)])
def test_server_errors(simulator, graph, code, http_status):
    simulator.configure(server_error_share=1.0, server_error_code=code)
    response = graph.text("4915100000001")
    assert (response.status_code, response.json()["error"]["code"]) == (http_status, code)
    assert simulator.stats()["counters"][f"injected_{code}"] == 1


def test_mixed_shares_add_up(simulator, graph):
    simulator.configure(rate_limit_share=0.2, server_error_share=0.3, seed=1)
    codes = error_codes(graph, 300)
    assert 40 <= codes.count(130429) <= 80
    assert 65 <= codes.count(131000) <= 115


def test_delay_slows_every_answer(simulator, graph):
    simulator.configure(delay_ms=150)
    started = time.monotonic()
    assert graph.text("4915100000001").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_timeout_makes_the_client_give_up_but_the_message_is_accepted(simulator, graph):
    simulator.configure(timeout_share=1.0, timeout_seconds=0.5)
    with pytest.raises(requests.Timeout):
        graph.session.post(
            graph.url(simulator.config.phone_number_id, "messages"),
            json={"messaging_product": "whatsapp", "to": "4915100000001", "text": {"body": "x"}},
            headers={"Authorization": f"Bearer {graph.token}"},
            timeout=0.1,
        )
    messages = simulator.wait_for(lambda messages: len(messages) == 1, timeout=3)
    assert messages[0]["to"] == "4915100000001"


def test_undeliverable_sync_mode(simulator, graph):
    simulator.configure(undeliverable=["+4915100000009"], undeliverable_mode="sync")
    response = graph.text("4915100000009")
    assert response.json()["error"]["code"] == 131026
    assert graph.text("4915100000001").status_code == 200


def test_pair_limit_allows_a_burst_then_131056():
    with running_simulator(pair_limit=True, pair_limit_burst=3, pair_limit_interval_s=60) as sim:
        graph = Graph(sim)
        codes = [graph.text("4915100000001").status_code for _ in range(4)]
        other = graph.text("4915100000002")

    assert codes == [200, 200, 200, 400]
    assert other.status_code == 200


def test_reset_restores_the_startup_config(simulator, graph):
    simulator.configure(rate_limit_share=1.0)
    graph.text("4915100000001")
    simulator.reset()

    assert graph.text("4915100000001").status_code == 200
    assert len(simulator.messages()) == 1
    assert "injected_130429" not in simulator.stats()["counters"]
