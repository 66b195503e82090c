"""``dev.env``: the embedded demo's and the tests' settings, kept out of ``settings.py``.

``settings.py`` has no development fallback for any secret; ``make run`` and the test
session load ``dev.env`` into the environment instead. The system checks read the same
file to refuse its published values whenever DEBUG is off, so the file is the one home
of every development default.
"""

import os
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "dev.env"


def values() -> dict[str, str]:
    """``NAME=value`` lines of ``dev.env`` (comments and blank lines skipped)."""
    result = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            result[name.strip()] = value.strip()
    return result


def apply(environ=os.environ) -> None:
    """Fill ``environ`` with ``dev.env``'s values where it has none of its own."""
    for name, value in values().items():
        environ.setdefault(name, value)


if __name__ == "__main__":
    # ``python -m titz_broadcast.devenv COMMAND ...``: run COMMAND with dev.env applied
    # (what ``make run`` does), without a shell parsing the values.
    import sys

    apply()
    os.execvp(sys.argv[1], sys.argv[1:])  # noqa: S606
