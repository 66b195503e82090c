import pytest

from announcements import templating
from announcements.models import MessageTemplate


def template(param_count=1, header_type="", body="{{1}}"):
    return MessageTemplate(
        name="t",
        language="de",
        status="APPROVED",
        param_count=param_count,
        header_type=header_type,
        body=body,
    )


def test_placeholder_count_counts_distinct_numbers():
    assert templating.placeholder_count("{{1}} und {{2}}, wieder {{1}}") == 2
    assert templating.placeholder_count("ohne") == 0


def test_valid_params_have_no_errors():
    assert templating.validate_params(template(1), ["Alles gut   hier"]) == []


def test_param_count_mismatch():
    [error] = templating.validate_params(template(2), ["nur einer"])
    assert "hat 2 Textstellen, ausgefüllt sind 1" in error and "Parameter" not in error


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_param(value):
    [error] = templating.validate_params(template(1), [value])
    assert "Textstelle 1 ist leer" in error


@pytest.mark.parametrize("value", ["Zeile 1\nZeile 2", "a\r\nb", "Spalte\tzwei"])
def test_newline_or_tab(value):
    [error] = templating.validate_params(template(1), [value])
    assert "Zeilenumbruch oder Tabulator" in error


def test_more_than_four_spaces():
    assert templating.validate_params(template(1), ["vier    ok"]) == []
    [error] = templating.validate_params(template(1), ["fünf     zu viel"])
    assert "mehr als 4 Leerzeichen" in error


def test_length_limit_depends_on_header():
    with_header = template(1, header_type="IMAGE")
    assert templating.validate_params(with_header, ["x" * 1024]) == []
    [error] = templating.validate_params(with_header, ["x" * 1025])
    assert "1025 Zeichen" in error and "höchstens 1024" in error
    assert templating.validate_params(template(1), ["x" * 32768]) == []
    [error] = templating.validate_params(template(1), ["x" * 32769])
    assert "höchstens 32768" in error


def test_render_body_replaces_placeholders():
    assert templating.render_body("*{{1}}*\n\n{{2}}", ["T", "Text"]) == "*T*\n\nText"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*fett*", "<strong>fett</strong>"),
        ("_kursiv_", "<em>kursiv</em>"),
        ("~durch~", "<del>durch</del>"),
        ("```code```", "<code>code</code>"),
        ("eins\nzwei", "eins<br>zwei"),
        ("*fett* und _kursiv_", "<strong>fett</strong> und <em>kursiv</em>"),
        ("2*3*4", "2*3*4"),
        ("* nicht fett *", "* nicht fett *"),
        ("datei_name_x", "datei_name_x"),
        ("<b>Hallo</b>", "&lt;b&gt;Hallo&lt;/b&gt;"),
        ("*<script>*", "<strong>&lt;script&gt;</strong>"),
    ],
)
def test_whatsapp_to_html(text, html):
    assert templating.whatsapp_to_html(text) == html
