"""The officer's documents: live settings, every store, the last purge run, access by role,
and valid Markdown and ODT downloads."""

import io
import re
import zipfile

import pytest
from defusedxml import minidom
from django.core import checks
from django.template import engines

from privacy import stores
from privacy.documents import BY_SLUG, DOCUMENTS, blocks, from_html, markdown
from privacy.tasks import purge_store

pytestmark = pytest.mark.django_db
SLUGS = [entry.slug for entry in DOCUMENTS]


def _text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def auditor(client, pruefer):
    client.force_login(pruefer)
    return client


def test_the_loeschkonzept_shows_the_live_setting_and_changes_with_it(auditor, settings):
    settings.DELIVERY_RETENTION_DAYS = 30
    page = _text(auditor.get("/admin/datenschutz/loeschkonzept/").content.decode())
    assert "DELIVERY_RETENTION_DAYS = 30" in page and "30 Tage nach Ende des Versands" in page
    settings.DELIVERY_RETENTION_DAYS = 12
    page = _text(auditor.get("/admin/datenschutz/loeschkonzept/").content.decode())
    assert "DELIVERY_RETENTION_DAYS = 12" in page and "12 Tage nach Ende des Versands" in page
    assert "30 Tage nach Ende" not in page


@pytest.mark.parametrize("slug", ["verzeichnis", "loeschkonzept"])
def test_art30_and_loeschkonzept_list_every_store_with_its_rule(auditor, slug):
    page = _text(auditor.get(f"/admin/datenschutz/{slug}/").content.decode())
    for store in stores.STORES:
        assert str(store.name) in page, store.key
        assert _text(store.rule_text()) in page, store.key


def test_the_loeschkonzept_shows_the_last_purge_run(auditor):
    page = _text(auditor.get("/admin/datenschutz/loeschkonzept/").content.decode())
    assert "noch kein Löschlauf" in page
    purge_store("sessions")
    page = _text(auditor.get("/admin/datenschutz/loeschkonzept/").content.decode())
    row = page.split("Anmeldesitzungen", 1)[1].split("Anmeldeversuche", 1)[0]
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d Uhr: 0 gelöscht", row)


def test_the_controller_comes_from_the_settings_and_an_empty_one_is_marked_open(auditor, settings):
    settings.PRIVACY_CONTROLLER = "Gemeinde Musterstadt, Rathausplatz 1"
    settings.PRIVACY_DPO_CONTACT = ""
    page = _text(auditor.get("/admin/datenschutz/verzeichnis/").content.decode())
    assert "Gemeinde Musterstadt, Rathausplatz 1" in page
    assert "OFFEN: nicht eingetragen (PRIVACY_DPO_CONTACT)" in page
    assert "Meta Platforms Ireland" in page and "Data Privacy Framework" in page
    assert "„Stop“ meldet ab und löscht" in page and "„Auskunft“" in page


def test_the_tom_follow_the_configuration(auditor, settings):
    settings.AXES_FAILURE_LIMIT = 7
    settings.ALLOW_SELF_APPROVAL = False
    page = _text(auditor.get("/admin/datenschutz/tom/").content.decode())
    assert "nach 7 Fehlversuchen" in page and "Selbstfreigabe ausgeschlossen" in page
    assert "subscribers/crypto.py" in page and "Eigene WhatsApp-Nummer" in page
    settings.ALLOW_SELF_APPROVAL = True
    page = _text(auditor.get("/admin/datenschutz/tom/").content.decode())
    assert "OFFEN: Selbstfreigabe ist erlaubt" in page
    # OTP on for everyone, then narrowed to some groups (built directly: with OTP on, the
    # page itself first asks this test's login for its second factor).
    settings.OTP_REQUIRED, settings.OTP_REQUIRED_GROUPS = True, []
    assert "| für alle Beschäftigten |" in markdown.render(BY_SLUG["tom"].document())
    settings.OTP_REQUIRED_GROUPS = ["Freigabe"]
    assert "**OFFEN:** nicht für alle" in markdown.render(BY_SLUG["tom"].document())


def test_the_dsfa_check_answers_from_the_configuration_and_marks_open_points(auditor, settings):
    settings.DELIVERY_RETENTION_DAYS = 21
    page = _text(auditor.get("/admin/datenschutz/dsfa/").content.decode())
    assert "nur 21 Tage" in page and "Derzeit 0 Abonnenten" in page
    assert page.count("OFFEN:") >= 4 and "Erfüllt: 1 von 9 Kriterien; offen: 4" in page


@pytest.mark.parametrize("slug", SLUGS)
def test_markdown_download(auditor, slug):
    response = auditor.get(f"/admin/datenschutz/{slug}.md")
    assert response["Content-Type"].startswith("text/markdown")
    assert f'filename="{slug}.md"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith(f"# {BY_SLUG[slug].document().title}\n")
    # Every row of a table has as many cells as its header (escaped pipes are text).
    cells = None
    for line in text.splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        count = len(re.findall(r"(?<!\\)\|", line))
        cells = cells or count
        assert count == cells, line


@pytest.mark.parametrize("slug", SLUGS)
def test_odt_download_is_a_valid_opendocument(auditor, slug, settings):
    settings.CONSENT_LOG_RETENTION_DAYS = 999
    response = auditor.get(f"/admin/datenschutz/{slug}.odt")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.text"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist()[0] == "mimetype"
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    content = minidom.parseString(archive.read("content.xml"))
    minidom.parseString(archive.read("styles.xml"))
    minidom.parseString(archive.read("META-INF/manifest.xml"))
    text = " ".join(node.data for node in _text_nodes(content.documentElement) if node.data.strip())
    assert BY_SLUG[slug].document().title in text
    if slug == "loeschkonzept":
        assert "CONSENT_LOG_RETENTION_DAYS" in text and "= 999" in text


def _text_nodes(node):
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            yield child
        else:
            yield from _text_nodes(child)


def test_only_pruefung_and_superusers_see_the_documents(client, redakteur, superuser):
    client.force_login(redakteur)
    assert client.get("/admin/datenschutz/").status_code == 403
    assert client.get("/admin/datenschutz/tom.odt").status_code == 403
    client.force_login(superuser)
    index = client.get("/admin/datenschutz/")
    assert index.status_code == 200
    for entry in DOCUMENTS:
        assert entry.title in index.content.decode()
    assert client.get("/admin/datenschutz/unbekannt/").status_code == 404
    client.logout()
    assert client.get("/admin/datenschutz/tom/").status_code == 302  # to the login


def test_a_template_entry_is_read_back_into_blocks():
    """How the Art. 13 page of the sign-up is offered here: its HTML, read into blocks."""
    html = (
        engines["django"]
        .from_string(
            "<nav><p>Menü</p></nav><main><h1>Datenschutzhinweise</h1><h2>Wer</h2>"
            "<p>Die <a href='/x'>{{ name }}</a>, Datei <code>a.py</code>.</p>"
            "<ul><li>eins</li><li>zwei</li></ul><table><tr><th>A</th><th>B</th></tr>"
            "<tr><td>1</td><td>2</td></tr></table></main><footer><p>Fuß</p></footer>"
        )
        .render({"name": "Gemeinde"})
    )
    document = from_html.document("Art. 13", html)
    assert document.title == "Datenschutzhinweise"
    [section] = document.sections
    assert section.heading == "Wer"
    paragraph, items, table = section.blocks
    assert paragraph.parts == (
        blocks.Plain("Die "),
        blocks.Link("Gemeinde", "/x"),
        blocks.Plain(", Datei "),
        blocks.Code("a.py"),
        blocks.Plain("."),
    )
    assert [blocks.plain_text(item) for item in items.items] == ["eins", "zwei"]
    assert table.header == ["A", "B"]
    assert "Menü" not in markdown.render(document) and "Fuß" not in markdown.render(document)


def test_production_warns_while_the_controller_is_missing(settings):
    settings.DEBUG = False
    settings.PRIVACY_CONTROLLER = ""
    settings.MUNICIPALITY_NAME = "Gemeinde Titz"
    found = [m for m in checks.run_checks() if m.id == "privacy.W001"]
    named = {m.msg.split(" ")[0] for m in found}
    assert "PRIVACY_CONTROLLER" in named and "MUNICIPALITY_NAME" not in named
    assert all(m.level == checks.WARNING for m in found)
    settings.DEBUG = True
    assert not [m for m in checks.run_checks() if m.id == "privacy.W001"]


def test_the_art13_document_is_the_sign_up_pages_text(settings, client):
    """One Art. 13 text: the officer's document is the sign-up page's, with live values."""
    settings.PRIVACY_CONTROLLER = "Gemeinde Musterstadt, Rathausplatz 1"
    settings.CONSENT_LOG_RETENTION_DAYS = 400
    document = BY_SLUG["art13"].document()
    text = markdown.render(document)
    assert "Gemeinde Musterstadt, Rathausplatz 1" in text
    page = client.get("/").content.decode()
    assert "Gemeinde Musterstadt, Rathausplatz 1" in page
    for section in document.sections:
        assert section.heading in page


@pytest.mark.django_db
def test_tom_names_metas_storage_in_germany():
    """Issue 25: the number is registered with Meta's local storage in Germany (DE)."""
    text = markdown.render(BY_SLUG["tom"].document())
    assert "Speicherort bei Meta: Deutschland" in text and "`DE`" in text
