"""The documents the data-protection officer asks for, generated from the running system.

``DOCUMENTS`` is the registry: each entry names a builder returning a ``blocks.Document``
(rendered as a printable page, Markdown and ODT by ``views``). An entry may instead name
a template and its context: that page's HTML is read back into blocks (``from_html``), so
a text that already exists for residents, the Art. 13 information of the sign-up page, is
offered here as it is and never written twice.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from . import blocks, from_html


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    build: str = ""  # dotted ``build() -> blocks.Document``
    template: str = ""  # or a template and a dotted ``context() -> dict`` for it
    context: str = ""

    def document(self) -> blocks.Document:
        if self.build:
            return import_string(self.build)()
        context = import_string(self.context)() if self.context else {}
        return from_html.document(self.title, render_to_string(self.template, context))


DOCUMENTS = [
    Entry(
        "verzeichnis",
        "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)",
        build="privacy.documents.art30.build",
    ),
    Entry(
        "art13",
        "Informationen nach Art. 13 DSGVO",
        template="public/art13.html",
        context="public.art13.template_context",
    ),
    Entry("loeschkonzept", "Löschkonzept", build="privacy.documents.deletion.build"),
    Entry(
        "tom",
        "Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
        build="privacy.documents.tom.build",
    ),
    Entry(
        "dsfa",
        "Schwellwertprüfung Datenschutz-Folgenabschätzung (Art. 35 DSGVO)",
        build="privacy.documents.dsfa.build",
    ),
]

BY_SLUG = {entry.slug: entry for entry in DOCUMENTS}
