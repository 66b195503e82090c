"""GET message_templates (Meta's cursor paging) and POST media (type and size checks)."""

from simulator import catalog


def get_all_pages(graph, url, params):
    names, pages = [], 0
    while url and pages < 20:
        answer = graph.session.get(
            url, params=params, headers={"Authorization": f"Bearer {graph.token}"}, timeout=5
        ).json()
        names += [template["name"] for template in answer["data"]]
        url, params, pages = answer.get("paging", {}).get("next"), None, pages + 1
    return names, pages


def test_templates_page_through_all(simulator, graph):
    url = graph.url(simulator.config.waba_id, "message_templates")
    names, pages = get_all_pages(graph, url, {"limit": 3})

    assert names == [template["name"] for template in catalog.TEMPLATES]
    assert pages == -(-len(catalog.TEMPLATES) // 3)


def test_template_shapes(simulator, graph):
    url = graph.url(simulator.config.waba_id, "message_templates")
    answer = graph.session.get(
        url, params={"limit": 100}, headers={"Authorization": f"Bearer {graph.token}"}, timeout=5
    ).json()

    assert "next" not in answer["paging"]
    by_name = {t["name"]: t for t in answer["data"]}
    statuses = {t["status"] for t in answer["data"]}
    assert {"APPROVED", "PENDING", "REJECTED"} <= statuses
    assert {t["category"] for t in answer["data"]} == {"UTILITY", "MARKETING"}
    formats = {c.get("format") for t in answer["data"] for c in t["components"]}
    assert {"IMAGE", "DOCUMENT", "TEXT"} <= formats
    body = next(c for c in by_name["titz_nachricht"]["components"] if c["type"] == "BODY")
    assert "{{1}}" in body["text"] and "{{2}}" in body["text"]
    assert by_name["titz_gewinnspiel"]["rejected_reason"] == "PROMOTIONAL"


def test_templates_filter_by_status(simulator, graph):
    url = graph.url(simulator.config.waba_id, "message_templates")
    answer = graph.session.get(
        url, params={"status": "pending"}, headers={"Authorization": f"Bearer {graph.token}"}
    ).json()
    assert [t["name"] for t in answer["data"]] == ["titz_abfuhr_erinnerung"]


def test_templates_need_token_and_the_right_waba(simulator, graph):
    url = graph.url(simulator.config.waba_id, "message_templates")
    assert graph.session.get(url).status_code == 401
    wrong = graph.url("123", "message_templates")
    response = graph.session.get(wrong, headers={"Authorization": f"Bearer {graph.token}"})
    assert response.json()["error"]["code"] == 100


def upload(graph, simulator, content, mime, product="whatsapp"):
    return graph.session.post(
        graph.url(simulator.config.phone_number_id, "media"),
        data={"messaging_product": product, "type": mime},
        files={"file": ("amtsblatt.pdf", content, mime)},
        headers={"Authorization": f"Bearer {graph.token}"},
        timeout=10,
    )


def test_media_upload_returns_an_id(simulator, graph):
    response = upload(graph, simulator, b"%PDF-1.4 Amtsblatt", "application/pdf")

    assert response.status_code == 200
    media_id = response.json()["id"]
    assert media_id.isdigit()
    assert simulator.stats()["counters"]["media_uploads"] == 1


def test_media_upload_checks(simulator, graph):
    assert upload(graph, simulator, b"x", "application/x-msdownload").json()["error"]["code"] == 100
    assert upload(graph, simulator, b"x", "application/pdf", product="").status_code == 400
    too_big = b"\xff" * (5 * 1024 * 1024 + 1)
    assert upload(graph, simulator, too_big, "image/jpeg").json()["error"]["code"] == 131053
    missing_file = graph.session.post(
        graph.url(simulator.config.phone_number_id, "media"),
        files={"messaging_product": (None, "whatsapp")},
        headers={"Authorization": f"Bearer {graph.token}"},
    )
    assert missing_file.json()["error"]["error_data"]["details"] == (
        "The parameter file is required."
    )
