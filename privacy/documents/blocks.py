"""The few building blocks the documents are made of, and that every format renders.

A document is sections of paragraphs, lists and tables; a piece of text is plain, a link,
a code name (a file or setting, where a rule is enforced) or an open point the officer
must decide. ``html`` (a template), ``markdown`` and ``odt`` render the same tree, so the
printed page and the downloads never say different things.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plain:
    text: str
    kind = "plain"


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    kind = "link"


@dataclass(frozen=True)
class Code:
    text: str
    kind = "code"


@dataclass(frozen=True)
class Open:
    """An answer the configuration cannot give: the officer decides (marked in every format)."""

    text: str
    kind = "open"


def parts(*pieces) -> tuple:
    """Pieces of text as blocks: a ``str`` becomes ``Plain``, ``None`` is left out."""
    return tuple(
        Plain(str(piece)) if not hasattr(piece, "kind") else piece
        for piece in pieces
        if piece is not None
    )


@dataclass
class Paragraph:
    parts: tuple
    kind = "paragraph"


@dataclass
class Bullets:
    items: list  # of ``parts`` tuples
    kind = "bullets"


@dataclass
class Table:
    header: list  # of str
    rows: list  # of lists of ``parts`` tuples
    kind = "table"

    @property
    def labelled_rows(self):
        """Each row's cells with their column's header (a phone shows a row as a card)."""
        return [list(zip(self.header, row, strict=True)) for row in self.rows]


@dataclass
class Section:
    heading: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list = field(default_factory=list)


def paragraph(*pieces) -> Paragraph:
    return Paragraph(parts(*pieces))


def bullets(*items) -> Bullets:
    """Each item a ``str`` or a tuple of pieces."""
    return Bullets([parts(*item) if isinstance(item, tuple) else parts(item) for item in items])


def table(header, rows) -> Table:
    """``rows`` of cells, each cell a ``str``, a block or a tuple of pieces."""
    return Table(
        [str(cell) for cell in header],
        [
            [parts(*cell) if isinstance(cell, tuple) else parts(cell) for cell in row]
            for row in rows
        ],
    )


def plain_text(pieces) -> str:
    """The text of pieces without markup (for tests and file names)."""
    return "".join(piece.text for piece in pieces)
