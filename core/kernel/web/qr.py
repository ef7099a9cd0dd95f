"""QR codes for printed instructions: the client scans the feedback link instead of typing it."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(data: str, title: str) -> Markup:
    """An inline SVG (no script, no external file: allowed by the pages' CSP), titled for screen readers."""
    code = segno.make(data, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, scale=3, border=2, title=title, svgclass="qr")
    return Markup(out.getvalue().decode("utf-8"))  # noqa: S704  (segno escapes the title; the rest is generated)
