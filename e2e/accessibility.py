"""axe-core in the page, as the journeys call it: ``violations(page)`` and ``crawl``.

axe-core runs inside Chromium (axe-playwright-python bundles it; nothing is downloaded),
so what it reports is what a screen-reader user would meet. On admin pages critical and
serious findings fail a test (the conftest fixture ``assert_accessible``); the public pages
and the officer's documents must have none of any impact (``impacts=ALL``).
"""

import re

from axe_playwright_python.sync_playwright import Axe

FAILING_IMPACTS = ("critical", "serious")
ALL = ("critical", "serious", "moderate", "minor")
_AXE = Axe()


def violations(page, impacts=FAILING_IMPACTS):
    """``[(rule, impact, [targets])]`` of the findings of ``impacts`` on ``page``."""
    found = _AXE.run(page).response["violations"]
    return [
        (v["id"], v["impact"], [" ".join(n["target"]) for n in v["nodes"]])
        for v in found
        if v["impact"] in impacts
    ]


# Links not to follow: leaving, destroying, downloads and binary answers.
SKIP = re.compile(r"logout|/delete/|jsi18n|/media/|/datei/|\.(csv|md|odt)$|/export/\?|/r/\d")


def shape(url):
    """Pages that differ only by an object's number look alike: visit one of each."""
    return re.sub(r"/\d+/", "/N/", url)


def crawl(page, start="/admin/", extra=(), limit=60):
    """Admin URLs reachable by links from ``start``, one per shape, in visiting order;
    the page is left on each in turn, so ``visit`` runs while it is shown."""
    seen_shapes, queue = set(), [start, *extra]
    while queue and len(seen_shapes) < limit:
        url = queue.pop(0)
        if shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url}: {response.status}"
        yield url
        for link in re.findall(r'href="(/admin/[^"#?]*)"', page.content()):
            if not SKIP.search(link) and shape(link) not in seen_shapes:
                queue.append(link)
