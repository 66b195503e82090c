"""Consent log CSV cells cannot run as spreadsheet formulas, and the export still verifies."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from subscribers import chain, export
from subscribers.models import ConsentEvent
from titz_broadcast import csvsafe

pytestmark = pytest.mark.django_db

HOSTILE = {
    "keyword": '=HYPERLINK("http://evil.example","x")',
    "actor": "@sachbearbeiter",
    "source": "+keyword",
    "message_id": "-1",
}


def log_hostile_values(**overrides):
    chain.append(
        ConsentEvent.Action.OPT_OUT,
        occurred_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        subscriber_code="K-000001",
        **{**HOSTILE, **overrides},
    )
    chain.append(
        ConsentEvent.Action.OPT_IN,
        occurred_at=datetime(2026, 11, 1, 9, 1, tzinfo=UTC),
        subscriber_code="K-000002",
        keyword="'quoted",
        actor="\tTab",
    )


def exported(fmt="csv"):
    stream = io.StringIO()
    stream.writelines(export.lines(fmt))
    stream.seek(0)
    return stream


def csv_rows(stream):
    """The CSV rows as written, keyed by field name (the file's columns are German)."""
    lines = [line for line in stream.read().splitlines() if not line.startswith("#")]
    stream.seek(0)
    fields = {german: name for name, german in export.GERMAN_COLUMNS.items()}
    return [{fields[k]: v for k, v in row.items()} for row in csv.DictReader(lines)]


def legacy_csv(fmt, escape):
    """An export as formats 1 and 2 wrote it: the hashed fields under their own names."""
    stream = io.StringIO()
    meta = {**export.header(None, None), "format": fmt}
    stream.write(f"# {fmt}\n# meta: {json.dumps(meta)}\n")
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(export.COLUMNS)
    for row in chain.database_rows():
        row["details"] = json.dumps(row["details"], sort_keys=True, separators=(",", ":"))
        writer.writerow([escape(row[name]) for name in export.COLUMNS])
    stream.seek(0)
    return stream


def test_cells_beginning_with_formula_characters_are_escaped():
    log_hostile_values()
    first, second = csv_rows(exported())
    for name, value in HOSTILE.items():
        assert first[name] == "'" + value
    assert second["keyword"] == "''quoted"  # so that un-escaping is unambiguous
    assert second["actor"] == "'\tTab"
    assert first["subscriber_code"] == "K-000001"  # harmless cells are untouched
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in (first, second)
        for cell in row.values()
    )


def test_the_escaped_export_verifies_and_reads_back_the_original_values(tmp_path):
    log_hostile_values()
    stream = exported()
    assert export.verify_stream(stream).ok
    stream.seek(0)
    meta, rows = export.read(stream)
    first, second = rows
    assert meta["format"] == export.FORMAT
    assert {name: first[name] for name in HOSTILE} == HOSTILE
    assert (second["keyword"], second["actor"]) == ("'quoted", "\tTab")
    assert "dieses eine ' vor dem Hashen entfernen" in meta["verify"]

    path = tmp_path / "einwilligungen.csv"
    path.write_text(exported().read(), encoding="utf-8")
    out = io.StringIO()
    call_command("verify_consent_log", str(path), stdout=out)
    assert out.getvalue().startswith("In Ordnung: 2 Einträge geprüft")


def test_an_escaped_cell_that_was_tampered_with_breaks_the_chain():
    log_hostile_values()
    text = exported().read().replace("'@sachbearbeiter", "'@chef")
    assert not export.verify_stream(io.StringIO(text)).ok


def test_jsonl_is_not_escaped_and_verifies():
    log_hostile_values()
    stream = exported("jsonl")
    assert HOSTILE["keyword"].replace('"', '\\"') in stream.read()
    stream.seek(0)
    assert export.verify_stream(stream).ok


def test_a_format_1_export_without_escaping_still_verifies():
    log_hostile_values()
    stream = legacy_csv("titz-consent-log/1", lambda value: value)
    assert "'quoted" in stream.read() and "''quoted" not in stream.getvalue()
    stream.seek(0)
    assert export.verify_stream(stream).ok


def test_a_format_2_export_with_english_columns_still_verifies():
    log_hostile_values()
    stream = legacy_csv("titz-consent-log/2", csvsafe.escape)
    assert "''quoted" in stream.read()
    stream.seek(0)
    assert export.verify_stream(stream).ok
    tampered = stream.getvalue().replace("K-000002", "K-000003")
    verdict = export.verify_stream(io.StringIO(tampered))
    assert (verdict.ok, verdict.broken_seq) == (False, 2)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'x", "''", "x", ""])
def test_escaping_is_reversible(value):
    assert csvsafe.unescape(csvsafe.escape(value)) == value
