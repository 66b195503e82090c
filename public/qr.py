"""The QR code of the wa.me link, as an SVG file (segno: pure Python, no image library)."""

import io

import segno


def svg(link):
    """Black on white with the standard quiet zone, whatever the page's colour scheme:
    phone cameras read dark modules on a light ground. Scalable (a viewBox), so the same
    file is sharp on the screen and on a printed A4 poster."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(
        out, kind="svg", scale=10, border=4, dark="#000000", light="#ffffff", omitsize=True
    )
    return out.getvalue()
