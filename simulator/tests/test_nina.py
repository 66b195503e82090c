"""The NINA stand-in: the documented shapes, the control API and its failure modes."""

import requests


def control(sim, action, **data):
    return requests.post(f"{sim.base_url}/_sim/nina/{action}", json=data, timeout=5)


def test_a_warning_appears_on_any_district_dashboard_and_in_detail(simulator):
    identifier = control(simulator, "warnings", headline="Hochwasser", provider="LHP").json()["id"]
    assert identifier.startswith("lhp.")

    (item,) = requests.get(f"{simulator.base_url}/dashboard/053580000000.json", timeout=5).json()
    assert item["id"] == identifier and item["payload"]["version"] == 1
    assert item["payload"]["data"]["provider"] == "LHP"
    assert item["payload"]["data"]["msgType"] == "Alert"
    detail = requests.get(f"{simulator.base_url}/warnings/{identifier}.json", timeout=5).json()
    assert detail["identifier"] == identifier and detail["info"][0]["headline"] == "Hochwasser"

    control(simulator, "cancel", id=identifier)
    (item,) = requests.get(f"{simulator.base_url}/dashboard/053580000000.json", timeout=5).json()
    assert item["payload"]["version"] == 2 and item["payload"]["data"]["msgType"] == "Cancel"


def test_bad_control_calls_are_refused_and_reset_clears(simulator):
    assert control(simulator, "warnings", headline="x", provider="FAX").status_code == 400
    assert control(simulator, "warnings", provider="DWD").status_code == 400
    assert control(simulator, "update", id="mow.unknown").status_code == 400
    assert control(simulator, "mode", mode="broken").status_code == 400
    assert requests.get(f"{simulator.base_url}/warnings/mow.x.json", timeout=5).status_code == 404

    control(simulator, "warnings", headline="Brand")
    control(simulator, "mode", mode="garbage")
    simulator.reset()
    assert requests.get(f"{simulator.base_url}/dashboard/053580000000.json", timeout=5).json() == []


def test_failure_modes(simulator):
    control(simulator, "mode", mode="fail")
    assert (
        requests.get(f"{simulator.base_url}/dashboard/053580000000.json", timeout=5).status_code
        == 503
    )
    control(simulator, "mode", mode="garbage")
    response = requests.get(f"{simulator.base_url}/dashboard/053580000000.json", timeout=5)
    assert response.status_code == 200 and response.text.startswith("<html>")
