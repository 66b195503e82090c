"""English is the source language, German the default and a complete translation, and the
catalogs ship compiled.

The msgids are English, as translators expect, and German is what staff and residents see
by default: a missing German entry shows them English in the middle of a German page, and
our German must win over Django's own catalogs where they translate the same English text
("Delete", "Save"). The ``.mo`` files are committed (nothing compiles at install time), so
a forgotten ``compilemessages`` would ship stale text: the catalog tests below catch all
three. The resident-facing strings are complete in every offered language too
(``subscribers/tests/test_resident_catalogs.py``).
"""

import ast
import gettext
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from announcements.engine.planner import Wave, describe
from announcements.models import Announcement
from subscribers.models import ReplyText, Subscriber
from whatsapp.errors import explain

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
SOURCE_LANGUAGE = "en"
TRANSLATED = [code for code in LANGUAGE_CODES if code != SOURCE_LANGUAGE]
# Kept in step with ``make messages``: folders whose strings are not shipped.
EXTRACTION_IGNORES = [".venv", "var", "e2e", "bench"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}|<[^>]+>")


def read_po(path):
    """Entries of a ``.po`` file as dicts; obsolete (``#~``) entries are left out.

    Small on purpose: it reads what ``makemessages`` writes (msgctxt, msgid, msgid_plural,
    msgstr / msgstr[n], continuation lines, ``#,`` flags) and nothing more.
    """
    entries, entry, field = [], {"flags": set(), "msgstr": {}}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {"flags": set(), "msgstr": {}}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += ast.literal_eval(line)
            else:
                entry[field[0]] += ast.literal_eval(line)
        else:
            keyword, value = line.split(" ", 1)
            index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or index:
                field = ("msgstr", int(index.group(1)) if index else 0)
                entry["msgstr"][field[1]] = ast.literal_eval(value)
            else:
                field = (keyword, None)
                entry[keyword] = ast.literal_eval(value)
    return entries


def source_key(entry):
    return (entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))


def catalog_of(po_entries):
    """What ``msgfmt`` puts into the ``.mo`` for these entries, keyed as ``gettext`` keys it."""
    catalog = {}
    for entry in po_entries:
        if "fuzzy" in entry["flags"] or not any(entry["msgstr"].values()):
            continue
        msgid = entry["msgid"]
        if entry.get("msgctxt") is not None:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if entry.get("msgid_plural") is None:
            catalog[msgid] = entry["msgstr"][0]
        else:
            catalog.update({(msgid, n): text for n, text in entry["msgstr"].items()})
    return catalog


def po_path(code):
    return LOCALE_DIR / code / "LC_MESSAGES" / "django.po"


# --- Strings from several apps in both languages ------------------------------------


@pytest.mark.parametrize(
    ("text", "german", "english"),
    [
        (lambda: Announcement.Status.DRAFT.label, "Entwurf", "Draft"),
        (lambda: Announcement._meta.verbose_name, "Nachricht", "Message"),
        (lambda: Subscriber._meta.verbose_name_plural, "Abonnenten", "Subscribers"),
        (lambda: ReplyText.Key.HELP.label, "Hilfe", "Help"),
        (lambda: apps.get_app_config("audit").verbose_name, "Protokoll", "Audit log"),
        (
            lambda: explain(131047),
            "Mehr als 24 Stunden seit der letzten Nachricht dieser Person",
            "More than 24 hours since this person's last message",
        ),
        (
            lambda: explain(987654),
            "Unbekannter WhatsApp-Fehler (Code 987654).",
            "Unknown WhatsApp error (code 987654).",
        ),
    ],
    ids=["choice", "model", "model-plural", "reply-key", "app", "meta-error", "placeholder"],
)
def test_strings_follow_the_active_language(text, german, english):
    with translation.override("de"):
        assert str(text()).startswith(german)
    with translation.override("en"):
        assert str(text()).startswith(english)


def test_plural_forms_are_chosen_by_count():
    now = timezone.now()
    one, three = (
        [Wave(now, 1), Wave(now + timedelta(days=1), 1)],
        [Wave(now + timedelta(days=day), 1000) for day in range(4)],
    )
    with translation.override("en"):
        assert "1 recipient follows" in describe(one, now, limit=1)
        assert "3000 recipients follow" in describe(three, now, limit=1000)
    with translation.override("de"):
        assert "1 Empfänger folgt ab morgen" in describe(one, now, limit=1)
        assert "3000 Empfänger folgen ab morgen" in describe(three, now, limit=1000)


def test_our_german_wins_over_djangos_catalogs():
    """Under ``de`` every msgid comes back as our German (not Django's German for it)."""
    with translation.override("de"):
        changed = [
            entry["msgid"]
            for entry in read_po(po_path("de"))[1:]
            if (
                translation.ngettext(entry["msgid"], entry["msgid_plural"], 1)
                if entry.get("msgid_plural")
                else translation.gettext(entry["msgid"])
            )
            != entry["msgstr"][0]
        ]
    assert changed == []


# --- The language of served pages ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("request_language", "expected", "unexpected"),
    [
        ({}, ["Benutzername", "Anmelden"], ["Username"]),
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}, ["Username", "Log in"], ["Benutzername"]),
        ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, ["Benutzername"], ["Username"]),
        ({"cookie": "en"}, ["Username", "Log in"], ["Benutzername"]),
    ],
    ids=["default-german", "accept-language-en", "unsupported-falls-back", "cookie-en"],
)
def test_admin_login_page_language(client, request_language, expected, unexpected):
    headers = dict(request_language)
    if cookie := headers.pop("cookie", None):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/admin/login/", **headers)
    assert response.status_code == 200
    page = response.content.decode()
    for text in expected:
        assert text in page
    for text in unexpected:
        assert text not in page


@pytest.mark.django_db
def test_our_admin_templates_are_served_in_english(client, django_user_model):
    from staff import enrolment

    staff = django_user_model.objects.create_user("redaktion", is_staff=True)
    client.force_login(staff)
    code_page = client.get("/admin/2fa/einrichten/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Set-up code from your administrator" in code_page
    issued = enrolment.issue(staff, "admin")
    client.post("/admin/2fa/einrichten/", {"code": issued, "enrolment": "1"})
    german = client.get("/admin/2fa/einrichten/").content.decode()
    english = client.get("/admin/2fa/einrichten/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Scannen Sie in der App diesen QR-Code:" in german
    assert "Scan this QR code in the app:" in english
    assert "Six-digit code from the app" in english


# --- The catalogs themselves --------------------------------------------------------


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete(code):
    entries = read_po(po_path(code))
    header, messages = entries[0], entries[1:]
    assert "fuzzy" not in header["flags"]
    assert messages
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert untranslated == [], f"translate these in locale/{code}/LC_MESSAGES/django.po"
    assert fuzzy == [], "check these translations and remove their fuzzy flag"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code):
    broken = []
    for entry in read_po(po_path(code))[1:]:
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for n, text in entry["msgstr"].items():
            wanted = sorted(PLACEHOLDER.findall(sources[min(n, 1)]))
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                broken.append((entry["msgid"], text))
    assert broken == []


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_compiled_catalog_matches_its_po(code):
    """The committed ``.mo`` holds exactly what compiling the ``.po`` gives (header included,
    so even a fresh ``makemessages`` without ``compilemessages`` is noticed)."""
    po_entries = read_po(po_path(code))
    mo_path = po_path(code).with_suffix(".mo")
    assert mo_path.exists(), f"run: python manage.py compilemessages ({mo_path} is missing)"
    with mo_path.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    expected = catalog_of(po_entries)
    # msgfmt drops the extraction date from the header; it says nothing about the strings.
    for catalog in (compiled, expected):
        catalog[""] = re.sub(r"POT-Creation-Date: [^\n]*\n", "", catalog.get("", ""))
    assert compiled == expected, "run: python manage.py compilemessages"


def _copy_sources(target):
    """The project's translatable files, so extraction never writes next to the real ones."""

    def skipped(folder, names):
        return [
            name
            for name in names
            if name in {*EXTRACTION_IGNORES, "locale", "__pycache__"}
            or name.startswith(".")
            or (Path(folder, name).is_file() and not name.endswith((".py", ".html", ".txt")))
        ]

    shutil.copytree(settings.BASE_DIR, target, ignore=skipped)


def test_catalogs_hold_every_string_in_the_code(tmp_path, monkeypatch):
    """Extract the strings afresh from a copy and compare with the committed ``.po``: a new
    ``_("…")`` without ``makemessages`` would otherwise ship untranslated."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        pytest.skip("needs GNU gettext (xgettext, msguniq) to extract strings")
    sources, extracted_dir = tmp_path / "src", tmp_path / "src" / "locale"
    _copy_sources(sources)
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[str(extracted_dir)]):
        call_command("makemessages", locale=LANGUAGE_CODES, verbosity=0)
    for code in LANGUAGE_CODES:
        extracted_po = extracted_dir / code / "LC_MESSAGES" / "django.po"
        extracted = {source_key(e) for e in read_po(extracted_po)}
        committed = {source_key(e) for e in read_po(po_path(code))}
        assert sorted(extracted - committed, key=str) == [], "new strings: run make messages"
        assert sorted(committed - extracted, key=str) == [], "stale strings: run make messages"
