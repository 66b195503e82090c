"""Every action code that code records reads in German in the log (no
``announcement.approve`` for staff), and the admin shows the words."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

import audit
from announcements.services import ACTIONS
from audit import actions
from audit.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "migrations", "e2e", "bench", "var"}


def recorded_actions():
    """The action argument of every ``audit.record``/``record`` call in the product."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func, "value", None)
            if name != "record" or (owner is not None and getattr(owner, "id", "") != "audit"):
                continue
            action = node.args[1]
            if isinstance(action, ast.Constant):
                found.add(action.value)
            elif isinstance(action, ast.JoinedStr):
                prefix = "".join(
                    part.value for part in action.values if isinstance(part, ast.Constant)
                )
                assert prefix == "announcement.", f"{path}: unforeseen f-string action"
                found |= {f"announcement.{key}" for key in ACTIONS}
    return found


def test_every_recorded_action_has_german_words():
    found = recorded_actions()
    assert {"login", "announcement.approve", "consent_log_verified"} <= found
    missing = sorted(found - set(actions.LABELS))
    assert not missing, f"audit actions without German words in audit/actions.py: {missing}"


@pytest.mark.django_db
def test_the_log_lists_and_filters_in_words(admin_client):
    user = get_user_model().objects.create_user("freigabe", is_staff=True)
    audit.record(user, "announcement.approve", "Straßensperrung", status_from="submitted")
    page = admin_client.get("/admin/audit/auditentry/").content.decode()
    assert "Nachricht freigegeben" in page
    assert ">announcement.approve<" not in page
    entry = AuditEntry.objects.get(action="announcement.approve")
    detail = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()
    assert "Status vorher: submitted" in detail and "status_from" not in detail
