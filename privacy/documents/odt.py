"""A document as OpenDocument text (.odt), written with odfpy, for the officer's word processor.

Headings, paragraphs, bullet lists and tables with a bold header row; links stay links,
code names are set in a monospace font, open points in bold with "OFFEN:".
"""

import io

from odf.opendocument import OpenDocumentText
from odf.style import ListLevelProperties, Style, TableCellProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import A, H, List, ListItem, ListLevelStyleBullet, ListStyle, P, Span

from . import blocks

MIMETYPE = "application/vnd.oasis.opendocument.text"


class _Styles:
    def __init__(self, doc):
        self.h1 = self._add(doc, "Titel", "paragraph", fontsize="18pt", fontweight="bold")
        self.h2 = self._add(doc, "Abschnitt", "paragraph", fontsize="14pt", fontweight="bold")
        self.bold = self._add(doc, "Fett", "text", fontweight="bold")
        self.code = self._add(doc, "Code", "text", fontfamily="monospace")
        self.cell = Style(name="Zelle", family="table-cell")
        self.cell.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.08cm"))
        doc.automaticstyles.addElement(self.cell)
        self.bullets = ListStyle(name="Aufzaehlung")
        level = ListLevelStyleBullet(level=1, bulletchar="•")
        level.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.5cm"))
        self.bullets.addElement(level)
        doc.automaticstyles.addElement(self.bullets)

    @staticmethod
    def _add(doc, name, family, **text):
        style = Style(name=name, family=family)
        style.addElement(TextProperties(**text))
        doc.styles.addElement(style)
        return style


def _paragraph(pieces, styles, stylename=None):
    paragraph = P(stylename=stylename) if stylename else P()
    for piece in pieces:
        if piece.kind == "link":
            paragraph.addElement(A(href=piece.href, text=piece.text))
        elif piece.kind == "code":
            paragraph.addElement(Span(stylename=styles.code, text=piece.text))
        elif piece.kind == "open":
            paragraph.addElement(Span(stylename=styles.bold, text=f"OFFEN: {piece.text}"))
        else:
            paragraph.addText(piece.text)
    return paragraph


def _table(block, styles, number):
    table = Table(name=f"Tabelle{number}")
    table.addElement(TableColumn(numbercolumnsrepeated=len(block.header)))
    header = TableRow()
    for text in block.header:
        cell = TableCell(valuetype="string", stylename=styles.cell)
        cell.addElement(P(stylename=styles.bold, text=text))
        header.addElement(cell)
    table.addElement(header)
    for row in block.rows:
        line = TableRow()
        for pieces in row:
            cell = TableCell(valuetype="string", stylename=styles.cell)
            cell.addElement(_paragraph(pieces, styles))
            line.addElement(cell)
        table.addElement(line)
    return table


def render(document: blocks.Document) -> bytes:
    doc = OpenDocumentText()
    styles = _Styles(doc)
    body = doc.text
    body.addElement(H(outlinelevel=1, stylename=styles.h1, text=document.title))
    body.addElement(P(text=document.subtitle))
    tables = 0
    for section in document.sections:
        body.addElement(H(outlinelevel=2, stylename=styles.h2, text=section.heading))
        for block in section.blocks:
            if block.kind == "paragraph":
                body.addElement(_paragraph(block.parts, styles))
            elif block.kind == "bullets":
                items = List(stylename=styles.bullets)
                for item in block.items:
                    entry = ListItem()
                    entry.addElement(_paragraph(item, styles))
                    items.addElement(entry)
                body.addElement(items)
            elif block.kind == "table":
                tables += 1
                body.addElement(_table(block, styles, tables))
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()
