"""The /_sim control API, the phone page, and the ``python -m simulator`` entry point."""

import subprocess
import sys
import time

import requests

from simulator.config import SimulatorConfig


def test_config_endpoint_rejects_unknown_and_bad_values(simulator):
    http = simulator.http
    response = http.post(simulator.base_url + "/_sim/config", json={"rate_limit_shar": 0.1})
    assert response.status_code == 400
    assert "rate_limit_shar" in response.json()["error"]
    response = http.post(simulator.base_url + "/_sim/config", json={"rate_limit_share": 2})
    assert response.status_code == 400
    assert simulator.configure(delay_ms=5)["delay_ms"] == 5
    assert http.get(simulator.base_url + "/_sim/config").json()["delay_ms"] == 5


def test_stats_count_accepted_messages_per_second(simulator, graph):
    for _ in range(5):
        graph.text("4915100000001")
    stats = simulator.stats()

    assert stats["counters"]["accepted"] == 5
    assert sum(bucket["count"] for bucket in stats["per_second"]) == 5
    assert stats["peak_per_second"] >= 1


def test_messages_filter_by_recipient(simulator, graph):
    graph.text("4915100000001")
    graph.text("4915100000002")
    assert [m["to"] for m in simulator.messages(to="4915100000002")] == ["4915100000002"]
    assert len(simulator.messages()) == 2


def test_phone_page_is_german_and_self_contained(simulator):
    response = simulator.http.get(simulator.base_url + "/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="de">' in page
    assert "Telefon-Simulator" in page
    assert "Nachricht schreiben" in page
    assert "http://" not in page and "https://" not in page  # no CDN, no external asset


def test_conversation_shows_both_directions(simulator, graph):
    simulator.inbound("4915100000001", "Start")
    graph.send(
        {
            "messaging_product": "whatsapp",
            "to": "4915100000001",
            "type": "template",
            "template": {
                "name": "titz_stoerung",
                "language": {"code": "de"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Wasserversorgung"},
                            {"type": "text", "text": "Ameln"},
                            {"type": "text", "text": "16 Uhr"},
                        ],
                    }
                ],
            },
        }
    )
    simulator.wait_for(lambda messages: messages[0]["status"] in ("delivered", "read"))

    chat = simulator.http.get(
        simulator.base_url + "/_sim/conversation", params={"number": "4915100000001"}
    ).json()

    assert [item["direction"] for item in chat] == ["out", "in"]
    assert chat[0]["text"] == "Start"
    assert chat[1]["text"].startswith(
        "Störung: Wasserversorgung. Betroffen: Ameln. Voraussichtliches Ende: 16 Uhr."
    )
    assert chat[1]["status"] in ("delivered", "read")


def test_config_from_environment():
    config = SimulatorConfig.from_env(
        {
            "WHATSAPP_APP_SECRET": "s3cret",
            "SIMULATOR_WEBHOOK_URL": "",
            "SIMULATOR_RATE_LIMIT_SHARE": "0.1",
            "SIMULATOR_UNDELIVERABLE": "+4915100000009, 4915100000008",
            "SIMULATOR_PAIR_LIMIT": "true",
        }
    )
    assert config.app_secret == "s3cret"
    assert config.webhook_url == ""
    assert config.rate_limit_share == 0.1
    assert config.undeliverable == ["4915100000009", "4915100000008"]
    assert config.pair_limit is True


def test_command_line_entry_point(free_port):
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(free_port), "--webhook-url", ""],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{free_port}/_sim/stats"
        deadline = time.monotonic() + 10
        while True:
            try:
                assert requests.get(url, timeout=1).json()["counters"] == {}
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=5)
