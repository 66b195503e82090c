"""From heading and paragraphs to a template: what fits, what not, and Meta's limits."""

import copy

import pytest

from announcements import composer, template_rules, template_set, templating
from announcements.models import MessageTemplate
from announcements.template_sync import sync_templates
from whatsapp.backends import locmem
from whatsapp.backends.base import template_info

THREE = "Erster Absatz mit *fett*.\n\nZweiter Absatz.\n\n\n- Punkt eins"


@pytest.fixture
def composer_set(db):
    """The shipped set, mirrored the way production gets it: listed by Meta, synced."""
    for number, definition in enumerate(template_set.for_settings()):
        locmem.templates.append(template_info({**definition, "status": "APPROVED", "id": number}))
    sync_templates()
    return list(MessageTemplate.objects.all())


def by_name(templates, name):
    return next(t for t in templates if t.name == name and t.language == "de")


def test_every_template_of_the_set_passes_metas_review_rules():
    for definition in template_set.for_settings():
        assert template_rules.problems(definition) == [], definition["name"]
    assert len(template_set.for_settings()) == 6 * 3 * template_set.MAX_PARAGRAPHS  # 6 languages


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["components"][0].update(text="{{1}} und noch viele weitere Worte hier"),
            "starts",
        ),
        (lambda d: d["components"][0].update(text="Viele Worte stehen hier vor *{{1}}*."), "ends"),
        (lambda d: d["components"][0].update(text="Kurz: {{1}} und {{2}} dann."), "too many"),
        (lambda d: d["components"][0].update(text="x" * 1025), "1025 characters"),
        (lambda d: d["components"][-1].update(text="f" * 61), "footer over 60"),
        (
            lambda d: d["components"].insert(
                0, {"type": "HEADER", "format": "TEXT", "text": "h" * 61}
            ),
            "header text over 60",
        ),
        (
            lambda d: d["components"].append(
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "b" * 26}]}
            ),
            "over 25",
        ),
    ],
)
def test_rule_check_finds_what_meta_rejects(change, problem):
    definition = copy.deepcopy(template_set.definition("", 1, "de", "Gemeinde Musterdorf"))
    change(definition)
    assert any(problem in found for found in template_rules.problems(definition))


def test_layout_reads_heading_and_paragraph_slots(composer_set):
    slots = composer.layout(by_name(composer_set, "titz_meldung_bild_3"))
    assert slots == composer.Layout(heading=1, paragraphs=(2, 3, 4))
    inline = MessageTemplate(body="Störung: {{1}}. Betroffen: {{2}}.", name="x")
    assert composer.layout(inline) is None  # would glue text into a sentence


def test_paragraphs_fit_into_their_own_slots(composer_set):
    result = composer.pick(composer_set, "image", " Dorffest  am Samstag ", THREE)
    assert result.fits, result.problems
    assert result.template.name == "titz_meldung_bild_3"
    assert result.params == [
        "Dorffest am Samstag",
        "Erster Absatz mit *fett*.",
        "Zweiter Absatz.",
        "• Punkt eins",  # a list of its own (a blank line above), its bullet the phone's
    ]
    assert all("\n" not in param and "\t" not in param for param in result.params)
    assert result.counter() == f"3 von höchstens 5 Absätzen · noch {result.chars_left} Zeichen frei"


def test_whitespace_meta_refuses_is_evened_out(composer_set):
    result = composer.pick(composer_set, "", "Titel", "A\tB" + " " * 9 + "C")
    assert result.params[1] == "A B    C"


def test_too_many_paragraphs_says_how_many_fit(composer_set):
    text = "\n".join(f"Absatz {n}" for n in range(1, 8))
    result = composer.pick(composer_set, "", "Titel", text)
    assert not result.fits
    assert result.problems == ["Der Text hat 7 Absätze; höchstens 5 passen. Bitte kürzen."]


def test_a_chosen_template_needs_its_number_of_paragraphs(composer_set):
    result = composer.compose(by_name(composer_set, "titz_meldung_3"), "Titel", "Nur einer.")
    assert result.problems == [
        "Die Vorlage „Meldung mit Überschrift und 3 Absätzen · Deutsch“ braucht genau 3 Absätze; "
        "der Text hat 1."
    ]


def test_heading_is_required_and_limited_to_60(composer_set):
    missing = composer.pick(composer_set, "", "", "Text.")
    assert "Bitte geben Sie eine Überschrift an" in missing.problems[0]
    long = composer.pick(composer_set, "", "Ü" * 61, "Text.")
    assert long.problems == ["Die Überschrift hat 61 Zeichen; höchstens 60 passen. Bitte kürzen."]
    assert composer.pick(composer_set, "", "Ü" * 60, "Text.").fits


def test_filled_body_is_held_to_1024_characters(composer_set):
    template = by_name(composer_set, "titz_meldung_1")
    fixed = len(templating.render_body(template.body, ["T", ""]))
    exact = composer.compose(template, "T", "x" * (1024 - fixed))
    assert exact.fits and exact.chars_left == 0
    over = composer.compose(template, "T", "x" * (1025 - fixed))
    assert over.problems == [
        "Die Nachricht hat 1025 Zeichen; höchstens 1024 passen. Bitte kürzen Sie den Text um "
        "1 Zeichen."
    ]
    assert "1 Zeichen zu viel" in over.counter()


def test_limit_per_slot_for_a_body_only_template():
    body_only = MessageTemplate(name="lang", body="Hinweis:\n\n{{1}}\n\nEnde", param_count=1)
    assert composer.body_limit(body_only) == 32768
    with_footer = MessageTemplate(name="kurz", body=body_only.body, footer="Fuß", param_count=1)
    assert composer.body_limit(with_footer) == 1024
    result = composer.compose(with_footer, "", "y" * 1100)
    over = 1100 + len("Hinweis:\n\n\n\nEnde") - 1024
    assert result.problems == [
        f"Die Nachricht hat {1024 + over} Zeichen; höchstens 1024 passen. Bitte kürzen Sie "
        f"den Text um {over} Zeichen."
    ]
    assert result.counter().endswith(f"{over} Zeichen zu viel")


def test_no_template_for_a_pdf_says_so(composer_set):
    only_text = [t for t in composer_set if t.header_type == ""]
    result = composer.pick(only_text, "document", "Titel", "Text")
    assert result.template is None
    assert "keine freigegebene Vorlage mit PDF" in result.problems[0]


def test_sync_stores_readable_names_footer_and_german_labels(composer_set):
    template = by_name(composer_set, "titz_meldung_pdf_2")
    assert template.display_name == "Meldung mit PDF, Überschrift und 2 Absätzen"
    assert template.label == "Meldung mit PDF, Überschrift und 2 Absätzen · Deutsch"
    assert template.footer == "Abmelden mit „Stop“"
    assert template.get_status_display() == "freigegeben"
    assert template.get_category_display() == "Service"
    marketing = MessageTemplate(name="hello_world", language="en_US", category="MARKETING")
    assert marketing.get_category_display() == "Werbung"
    assert marketing.label == "hello_world · Englisch (USA)"


LIST = "Bitte mitbringen:\n- Ausweis\n* Foto\n• Formular"


def test_a_short_list_is_rendered_inside_its_paragraph(composer_set):
    """Three paragraphs and a three-item list: four slots, every line in the message."""
    text = f"Erster Absatz.\n\nZweiter Absatz.\n\nDritter Absatz.\n\n{LIST}"
    result = composer.pick(composer_set, "", "Bürgerbüro", text)
    assert result.fits, result.problems
    assert result.template.name == "titz_meldung_4"
    assert result.params[-1] == "Bitte mitbringen: • Ausweis • Foto • Formular"
    sent = templating.render_body(result.template.body, result.params)
    for word in ("Erster", "Zweiter", "Dritter", "Ausweis", "Foto", "Formular"):
        assert word in sent
    # A numbered list after a blank line is a paragraph of its own; *bold* is no bullet.
    numbered = composer.split_paragraphs("*Wichtig* heute.\n\n1. Anmelden\n2) Zahlen")
    assert numbered == ["*Wichtig* heute.", "1. Anmelden 2) Zahlen"]


def test_lines_without_a_slot_are_refused_and_counted(composer_set):
    """Six paragraphs for at most five slots: no line is dropped, the text is refused,
    and the length counts the sixth paragraph too."""
    text = "\n\n".join(f"Absatz {n}" for n in range(1, 7))
    result = composer.pick(composer_set, "", "Titel", text)
    assert not result.complete and not result.fits
    assert result.problems == ["Der Text hat 6 Absätze; höchstens 5 passen. Bitte kürzen."]
    five = composer.pick(composer_set, "", "Titel", text.rsplit("\n\n", 1)[0])
    assert five.complete
    assert result.length == five.length + len("\n\nAbsatz 6")


def test_counter_and_error_say_the_same_number_for_one_long_paragraph(composer_set):
    template = by_name(composer_set, "titz_meldung_1")
    result = composer.compose(template, "Titel", "z" * 1400)
    over = -result.chars_left
    assert over == result.length - 1024 > 0
    assert result.problems == [
        f"Die Nachricht hat {result.length} Zeichen; höchstens 1024 passen. Bitte kürzen Sie "
        f"den Text um {over} Zeichen."
    ]
    assert result.counter().endswith(f"{over} Zeichen zu viel")


def test_a_long_heading_is_said_while_typing_and_with_too_many_paragraphs(composer_set):
    result = composer.pick(composer_set, "", "H" * 65, "Text.")
    assert result.counter().startswith("Überschrift 65 von höchstens 60 Zeichen, bitte kürzen")
    assert result.heading_problems == result.problems
    seven = "\n".join(f"Absatz {n}" for n in range(1, 8))
    crowded = composer.pick(composer_set, "", "H" * 65, seven)
    assert "Die Überschrift hat 65 Zeichen; höchstens 60 passen. Bitte kürzen." in (
        crowded.problems
    )
    assert composer.pick(composer_set, "", "H" * 60, "Text.").counter().startswith("1 von")
