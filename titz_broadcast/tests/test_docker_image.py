"""The documented ``docker compose up --build`` copies only what production runs (issue 27).

Without a ``.dockerignore`` the build context sent ``.env`` (every production secret) and
``var/`` into the image. The patterns are applied here as Docker applies them (Go's
``filepath.Match`` per path, ``**`` for any number of directories, ``!`` re-includes).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pattern(text):
    regex = ""
    for part in re.split(r"(\*\*/|\*|\?)", text.rstrip("/")):
        regex += {"**/": "(.*/)?", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return re.compile(regex + "(/.*)?$")


def ignored(path, rules):
    verdict = False
    for negate, pattern in rules:
        if pattern.match(path):
            verdict = not negate
    return verdict


def rules():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    lines = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [(line.startswith("!"), _pattern(line.lstrip("!"))) for line in lines]


def test_secrets_state_simulator_and_tests_stay_out_of_the_image():
    found = rules()
    for path in (
        ".env",
        "var/db.sqlite3",
        "var/media/x.pdf",
        "simulator/app.py",
        "tests/fixtures/payloads.py",
        "subscribers/tests/test_signed_checkpoints.py",
        "e2e/stack.py",
        "bench/__main__.py",
        "conftest.py",
        "Procfile",
        "requirements-dev.txt",
    ):
        assert ignored(path, found), path
    for path in (
        "manage.py",
        "requirements.txt",
        "dev.env",
        "subscribers/chain.py",
        "titz_broadcast/settings.py",
        "templates/admin/base_site.html",
        "locale/de/LC_MESSAGES/django.mo",
        "gunicorn.conf.py",
    ):
        assert not ignored(path, found), path


def test_the_image_installs_no_development_tool_and_checks_every_hash():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "requirements-dev" not in dockerfile
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("honcho", "pytest", "playwright", "ruff"):
        assert f"\n{tool}==" not in runtime, tool
