"""Every request body the backends build is one Meta's OpenAPI schema accepts.

Sends to a phone number are checked against Meta's v23 schema; sends to a business-scoped
user id against the shape Meta documents on its "Business-scoped user IDs" page
(developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids,
2026: ``recipient`` names the BSUID instead of ``to``), which v23 predates
(``tests/fixtures/meta_schema.py`` says exactly what is added).
"""

import pytest

from tests.fixtures import meta_schema
from whatsapp import interactive
from whatsapp.backends import locmem
from whatsapp.outbound import TemplateHeader

pytestmark = pytest.mark.skipif(
    meta_schema.spec_path() is None,
    reason=f"Meta's {meta_schema.SPEC_NAME} is not beside the checkout (set META_OPENAPI_SPEC)",
)
NUMBER = "4915100000042"
BSUID = "DE.13491208655302741918"
PARENT_BSUID = "DE.ENT.11815799212886844830"


def every_kind_of_send(backend, to):
    """One of each request the project sends: replies, menus and broadcast templates."""
    rows = [("topic:1", "Baustellen", "Straßen und Sperrungen"), ("topics:all", "Alle", "")]
    backend.send_text(to, "Willkommen beim Infodienst der Gemeinde Titz.", callback_data="r:1")
    backend.send_text(to, "Mehr unter https://www.titz.de", preview_url=True)
    backend.send_interactive(to, interactive.list_message("Ihre Themen", "Themen", rows))
    backend.send_interactive(
        to, interactive.button_message("Willkommen!", [("menu:topics", "Themen")])
    )
    backend.send_template(to, "titz_info", "de", body_params=["Straße gesperrt"], callback_data="7")
    backend.send_template(
        to,
        "titz_bild",
        "de",
        body_params=["Dorffest"],
        header=TemplateHeader(type="image", media_id="1234567890"),
    )
    backend.send_template(
        to,
        "titz_pdf",
        "en",
        header=TemplateHeader(type="document", link="https://www.titz.de/a.pdf", filename="a.pdf"),
    )
    return [message["payload"] for message in locmem.outbox]


@pytest.fixture
def backend():
    locmem.reset()
    yield locmem.LocmemBackend()
    locmem.reset()


def test_sends_to_a_number_match_metas_v23_schema(backend):
    bodies = every_kind_of_send(backend, NUMBER)
    assert len(bodies) == 7
    for body in bodies:
        assert body["to"] == f"+{NUMBER}"
        assert "recipient" not in body
        assert meta_schema.problems(body) == [], body


@pytest.mark.parametrize("user_id", [BSUID, PARENT_BSUID])
def test_sends_to_a_bsuid_name_the_recipient_as_meta_documents(backend, user_id):
    bodies = every_kind_of_send(backend, user_id)
    assert len(bodies) == 7
    for body in bodies:
        assert body["recipient"] == user_id
        assert "to" not in body  # "to" would win over "recipient" at Meta
        assert meta_schema.problems(body) == [], body
        # v23 alone refuses them: it requires "to" and knows no "recipient".
        assert list(meta_schema.v23_validator().iter_errors(body))


def test_the_schema_check_refuses_what_meta_refuses(backend):
    [body] = [*every_kind_of_send(backend, NUMBER)[:1]]
    assert meta_schema.problems({**body, "colour": "blue"})
    assert meta_schema.problems({k: v for k, v in body.items() if k != "to"})
    assert meta_schema.problems({**body, "biz_opaque_callback_data": "x" * 513})
    assert meta_schema.problems({**body, "text": {"body": "Hallo", "links": True}})
    bsuid_send = {k: v for k, v in body.items() if k != "to"}
    assert meta_schema.problems({**bsuid_send, "recipient": "4915100000042"})
    assert meta_schema.problems({**bsuid_send, "recipient": "de.123"})
