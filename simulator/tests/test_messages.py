"""POST /messages: accepted shapes, recorded messages and Meta's synchronous errors."""

import pytest


def template(name, *params, language="de", header=None, to="+49 151 00000001"):
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
    if header:
        components.insert(0, {"type": "header", "parameters": [header]})
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }


def test_text_is_accepted_and_recorded(simulator, graph):
    response = graph.text("+49 151 00000001", "Hallo Titz", biz_opaque_callback_data="delivery:7")

    assert response.status_code == 200
    answer = response.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "+49 151 00000001", "wa_id": "4915100000001"}]
    wamid = answer["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    [recorded] = simulator.messages(to="4915100000001")
    assert recorded["id"] == wamid
    assert recorded["type"] == "text"
    assert recorded["text"] == "Hallo Titz"
    assert recorded["callback_data"] == "delivery:7"
    assert recorded["accepted_at"] > 0


def test_every_message_gets_its_own_wamid(graph):
    ids = {graph.text("4915100000001").json()["messages"][0]["id"] for _ in range(50)}
    assert len(ids) == 50


def test_template_parameters_are_recorded_and_rendered(simulator, graph):
    body = template("titz_nachricht", "Straßensperrung", "Die L 12 ist gesperrt.")
    response = graph.send(body)

    assert response.status_code == 200
    assert response.json()["messages"][0]["message_status"] == "accepted"
    [recorded] = simulator.messages()
    assert recorded["template"]["name"] == "titz_nachricht"
    assert recorded["template"]["params"] == ["Straßensperrung", "Die L 12 ist gesperrt."]
    assert "*Straßensperrung*\n\nDie L 12 ist gesperrt." in recorded["rendered"]
    assert recorded["category"] == "utility"


def test_template_with_image_header(simulator, graph):
    header = {"type": "image", "image": {"id": "1234567890"}}
    response = graph.send(template("titz_veranstaltung", "Dorffest", "Samstag", header=header))

    assert response.status_code == 200
    [recorded] = simulator.messages()
    assert recorded["template"]["header"] == header
    assert recorded["category"] == "marketing"


def test_bsuid_recipient_answers_with_user_id(simulator, graph):
    body = {
        "messaging_product": "whatsapp",
        "recipient": "DE.13491208655302741918",
        "type": "text",
        "text": {"body": "Hallo"},
    }
    answer = graph.send(body).json()

    assert answer["contacts"] == [
        {"input": "DE.13491208655302741918", "user_id": "DE.13491208655302741918"}
    ]
    [recorded] = simulator.messages(to="DE.13491208655302741918")
    assert recorded["to"] is None
    assert recorded["user_id"] == "DE.13491208655302741918"


def test_to_wins_over_recipient(graph):
    body = {
        "messaging_product": "whatsapp",
        "to": "4915100000001",
        "recipient": "DE.1349",
        "text": {"body": "Hallo"},
    }
    assert graph.send(body).json()["contacts"] == [
        {"input": "4915100000001", "wa_id": "4915100000001"}
    ]


@pytest.mark.parametrize(
    ("kind", "media"),
    [("image", {"id": "4490709327384033"}), ("document", {"link": "https://x/a.pdf"})],
)
def test_media_messages(simulator, graph, kind, media):
    body = {"messaging_product": "whatsapp", "to": "4915100000001", "type": kind, kind: media}
    assert graph.send(body).status_code == 200
    assert simulator.messages()[0]["media"]["kind"] == kind


def test_mark_as_read(graph):
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    assert graph.send(body).json() == {"success": True}


def test_missing_token_is_error_190(simulator, graph):
    body = {"messaging_product": "whatsapp", "to": "4915100000001", "text": {"body": "x"}}
    response = graph.send(body, token="")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 190
    assert simulator.messages() == []


def test_wrong_token_is_error_190(graph):
    body = {"messaging_product": "whatsapp", "to": "4915100000001", "text": {"body": "x"}}
    response = graph.send(body, token="not-the-token")
    assert (response.status_code, response.json()["error"]["code"]) == (401, 190)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"to": "4915100000001", "text": {"body": "x"}}, "messaging_product"),
        ({"messaging_product": "whatsapp", "text": {"body": "x"}}, "to"),
        ({"messaging_product": "whatsapp", "to": "4915100000001", "text": {}}, "text['body']"),
        ({"messaging_product": "whatsapp", "to": "abc", "text": {"body": "x"}}, "to"),
        ({"messaging_product": "whatsapp", "to": "4915100000001", "type": "sticker"}, "type"),
        (
            {"messaging_product": "whatsapp", "to": "4915100000001", "text": {"body": "x" * 4097}},
            "4096",
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": "4915100000001",
                "text": {"body": "x"},
                "biz_opaque_callback_data": "x" * 513,
            },
            "biz_opaque_callback_data",
        ),
    ],
)
def test_bad_bodies_are_error_100(simulator, graph, body, details):
    response = graph.send(body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert details in error["error_data"]["details"]
    assert error["fbtrace_id"]
    assert simulator.messages() == []


def test_invalid_json_is_error_100(simulator, graph):
    url = graph.url(simulator.config.phone_number_id, "messages")
    response = graph.session.post(
        url, data=b"{nope", headers={"Authorization": f"Bearer {graph.token}"}, timeout=5
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


def test_unknown_phone_number_id(graph):
    body = {"messaging_product": "whatsapp", "to": "4915100000001", "text": {"body": "x"}}
    response = graph.send(body, phone_number_id="999")
    assert response.json()["error"]["code"] == 100
    assert "999" in response.json()["error"]["error_data"]["details"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (template("gibt_es_nicht", "a"), 132001),
        (template("titz_nachricht", "a", "b", language="en_US"), 132001),
        (template("titz_abfuhr_erinnerung", "Titz", "Papier"), 132001),  # PENDING
        (template("titz_gewinnspiel", "Preis"), 132001),  # REJECTED
        (template("titz_nachricht", "nur einer"), 132000),
        (template("titz_veranstaltung", "Dorffest", "Samstag"), 132012),  # image missing
    ],
)
def test_template_errors(simulator, graph, body, code):
    response = graph.send(body)
    assert response.json()["error"]["code"] == code
    assert simulator.messages() == []


def test_lenient_templates_accept_unknown_names(simulator, graph):
    simulator.configure(strict_templates=False)
    assert graph.send(template("eigene_vorlage", "a")).status_code == 200
