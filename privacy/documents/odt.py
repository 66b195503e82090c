"""A document as OpenDocument text (.odt), written with odfdo, for the officer's word processor.

Headings, paragraphs, bullet lists and tables with a bold header row; links stay links,
code names are set in a monospace font, open points in bold with "OFFEN:". odfdo (kept,
with regular releases) replaced odfpy, whose last release is from 2020.
"""

import io

from odfdo import (
    Cell,
    Document,
    Element,
    Header,
    Link,
    List,
    ListItem,
    Paragraph,
    Row,
    Span,
    Style,
    Table,
)

from . import blocks

MIMETYPE = "application/vnd.oasis.opendocument.text"
TITLE, SECTION, BOLD, CODE, CELL, BULLETS = (
    "Titel",
    "Abschnitt",
    "Fett",
    "Code",
    "Zelle",
    "Aufzaehlung",
)
_BULLETS = (
    f'<text:list-style style:name="{BULLETS}"><text:list-level-style-bullet text:level="1" '
    'text:bullet-char="•"><style:list-level-properties text:space-before="0.3cm" '
    'text:min-label-width="0.5cm"/></text:list-level-style-bullet></text:list-style>'
)


def _styles(doc):
    doc.insert_style(Style("paragraph", TITLE, area="text", size="18pt", bold=True))
    doc.insert_style(Style("paragraph", SECTION, area="text", size="14pt", bold=True))
    doc.insert_style(Style("text", BOLD, bold=True))
    doc.insert_style(Style("text", CODE, font_family="monospace"))
    cell = Style("table-cell", CELL, border="0.5pt solid #000000", padding="0.08cm")
    doc.insert_style(cell, automatic=True)
    doc.insert_style(Element.from_tag(_BULLETS), automatic=True)


def _paragraph(pieces, style=None):
    paragraph = Paragraph(style=style) if style else Paragraph()
    for piece in pieces:
        if piece.kind == "link":
            paragraph.append(Link(piece.href, text=piece.text))
        elif piece.kind == "code":
            paragraph.append(Span(piece.text, style=CODE))
        elif piece.kind == "open":
            paragraph.append(Span(f"OFFEN: {piece.text}", style=BOLD))
        else:
            paragraph.append(piece.text)
    return paragraph


def _heading(level, text, style):
    heading = Header(level, text)
    heading.set_attribute("text:style-name", style)
    return heading


def _cell(paragraph):
    cell = Cell(style=CELL)
    cell.set_attribute("office:value-type", "string")
    cell.append(paragraph)
    return cell


def _table(block, number):
    table = Table(f"Tabelle{number}")
    header = Row()
    for text in block.header:
        paragraph = Paragraph()
        paragraph.append(Span(text, style=BOLD))
        header.append(_cell(paragraph))
    table.append(header)
    for row in block.rows:
        line = Row()
        for pieces in row:
            line.append(_cell(_paragraph(pieces)))
        table.append(line)
    return table


def render(document: blocks.Document) -> bytes:
    doc = Document("text")
    _styles(doc)
    body = doc.body
    body.clear()
    body.append(_heading(1, document.title, TITLE))
    body.append(Paragraph(document.subtitle))
    tables = 0
    for section in document.sections:
        body.append(_heading(2, section.heading, SECTION))
        for block in section.blocks:
            if block.kind == "paragraph":
                body.append(_paragraph(block.parts))
            elif block.kind == "bullets":
                items = List(style=BULLETS)
                for item in block.items:
                    entry = ListItem()
                    entry.append(_paragraph(item))
                    items.append(entry)
                body.append(items)
            elif block.kind == "table":
                tables += 1
                body.append(_table(block, tables))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
