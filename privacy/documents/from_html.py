"""Read a page's HTML back into blocks, for documents that exist as a template already.

Only what such a text uses: headings (``h1``-``h3``), paragraphs, lists, tables, links and
``code``. The page's ``<main>`` is read when it has one, so navigation and footer stay out.
Standard library ``html.parser``: the input is our own template, not outside HTML.
"""

from html.parser import HTMLParser

from . import blocks

BLOCK_TAGS = {"p", "li", "td", "th"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections = []
        self.title = ""
        self._in_main = None  # None: the page has no <main> (yet), read everything
        self._heading = None
        self._pieces = None
        self._href = None
        self._code = False
        self._list = None
        self._table = None
        self._row = None

    def _reading(self):
        return self._in_main is not False

    def _section(self):
        if not self.sections:
            self.sections.append(blocks.Section(""))
        return self.sections[-1]

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self._in_main = True
            self.sections, self.title = [], ""
        if not self._reading():
            return
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag in BLOCK_TAGS:
            self._pieces = []
        elif tag == "a":
            self._href = dict(attrs).get("href", "")
        elif tag == "code":
            self._code = True
        elif tag in ("ul", "ol"):
            self._list = []
        elif tag == "table":
            self._table = []
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        if not self._reading() and tag != "main":
            return
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if tag == "h1" and not self.title:
                self.title = text
            else:
                self.sections.append(blocks.Section(text))
            self._heading = None
        elif tag in BLOCK_TAGS and self._pieces is not None:
            pieces = tuple(self._pieces)
            if tag == "li" and self._list is not None:
                self._list.append(pieces)
            elif tag in ("td", "th") and self._row is not None:
                self._row.append(pieces)
            elif pieces:
                self._section().blocks.append(blocks.Paragraph(pieces))
            self._pieces = None
        elif tag == "a":
            self._href = None
        elif tag == "code":
            self._code = False
        elif tag in ("ul", "ol") and self._list is not None:
            self._section().blocks.append(blocks.Bullets(self._list))
            self._list = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table:
            header, *rows = self._table
            self._section().blocks.append(
                blocks.Table([blocks.plain_text(cell) for cell in header], rows)
            )
            self._table = None

    def handle_data(self, data):
        if not self._reading():
            return
        if self._heading is not None:
            self._heading.append(data)
            return
        if self._pieces is None:
            return
        text = " ".join(data.split())
        if not text:
            return
        if self._pieces and data[:1].isspace():
            text = " " + text
        if data[-1:].isspace():
            text += " "
        if self._href is not None:
            self._pieces.append(blocks.Link(text.strip(), self._href))
        elif self._code:
            self._pieces.append(blocks.Code(text.strip()))
        else:
            self._pieces.append(blocks.Plain(text))


def document(title: str, html: str) -> blocks.Document:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return blocks.Document(reader.title or title, "", reader.sections)
