"""Every text a resident can get exists in every offered language (``replies.RESIDENT_STRINGS``).

A missing entry would answer a resident who chose Українська in German; a lost
placeholder would send "{code}" instead of their Kennziffer; a forgotten
``compilemessages`` would ship the old text.
"""

import gettext

import pytest
from django.utils import translation

from subscribers import languages, replies
from titz_broadcast.tests.test_i18n import PLACEHOLDER, catalog_of, po_path, read_po
from whatsapp import interactive

# English is the source language (the msgids); German, the default, is checked with the
# whole catalog by titz_broadcast/tests/test_i18n.py.
SOURCE = "en"
TRANSLATED = [code for code in languages.offered() if code not in (languages.DEFAULT, SOURCE)]


def test_the_default_set_offers_the_six_languages():
    assert languages.offered() == ["de", "en", "tr", "uk", "ar", "ru"]
    assert languages.is_rtl("ar") and not languages.is_rtl("tr")


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_resident_string_is_translated_with_its_placeholders(code):
    entries = {entry["msgid"]: entry for entry in read_po(po_path(code))[1:]}
    problems = []
    for msgid in replies.RESIDENT_STRINGS:
        entry = entries.get(msgid)
        if entry is None or not entry["msgstr"].get(0) or "fuzzy" in entry["flags"]:
            problems.append(("untranslated", msgid))
            continue
        text = entry["msgstr"][0]
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(msgid)):
            problems.append(("placeholders", msgid))
    assert problems == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_resident_catalog_matches_its_po(code):
    with po_path(code).with_suffix(".mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    expected = catalog_of(read_po(po_path(code)))
    for msgid in replies.RESIDENT_STRINGS:
        assert compiled.get(msgid) == expected.get(msgid), "run compilemessages"


@pytest.mark.parametrize("code", TRANSLATED)
def test_labels_fit_whatsapps_buttons_and_rows(code):
    with translation.override(code):
        assert len(replies.label("choose_topics", code)) <= interactive.BUTTON_TEXT_MAX
        assert len(replies.label("choose_language", code)) <= interactive.BUTTON_TEXT_MAX
        assert len(replies.label("all_topics", code)) <= interactive.ROW_TITLE_MAX
        assert len(replies.label("topics_section", code)) <= interactive.SECTION_TITLE_MAX
        assert len(replies.label("all_topics_description", code)) <= 72


@pytest.mark.django_db
@pytest.mark.parametrize("code", TRANSLATED)
def test_rendered_replies_are_in_the_language_not_german(code):
    for key in replies.DEFAULTS:
        text = replies.render(
            key,
            code,
            code="K-ABC123",
            topics="Abfall",
            topic_example="Abfall",
            facts="-",
            minutes=10,
            hours=24,
        )
        assert text != replies.render(
            key, "de", code="K-ABC123", topics="Abfall", minutes=10, hours=24
        )
        assert "{" not in text, (code, key)
