"""A document as Markdown (CommonMark with GitHub tables), for the officer's own files."""

from . import blocks


def _inline(pieces) -> str:
    out = []
    for piece in pieces:
        text = _escape(piece.text)
        if piece.kind == "link":
            out.append(f"[{text}]({piece.href})")
        elif piece.kind == "code":
            out.append(f"`{piece.text}`")
        elif piece.kind == "open":
            out.append(f"**OFFEN:** {text}")
        else:
            out.append(text)
    return "".join(out)


def _escape(text: str) -> str:
    # Table cells must not split on a pipe; nothing else of ours is Markdown syntax.
    return text.replace("|", "\\|").replace("\n", " ")


def render(document: blocks.Document) -> str:
    lines = [f"# {document.title}", "", document.subtitle, ""]
    for section in document.sections:
        lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            if block.kind == "paragraph":
                lines += [_inline(block.parts), ""]
            elif block.kind == "bullets":
                lines += [f"- {_inline(item)}" for item in block.items] + [""]
            elif block.kind == "table":
                lines.append("| " + " | ".join(_escape(cell) for cell in block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += [
                    "| " + " | ".join(_inline(cell) for cell in row) + " |" for row in block.rows
                ]
                lines.append("")
    return "\n".join(lines)
