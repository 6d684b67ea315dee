"""Escaping and number formatting shared by the HTML page's sections and plots."""

from __future__ import annotations

import math

from compliance.escape import html as html_text
from compliance.reporters.view import (
    plain,
)


def e(value: object) -> str:
    """Escaped text from the report (control characters made visible first, workflow commands broken)."""
    return html_text(plain(value))


def _f(value: float) -> str:
    """A coordinate: fixed precision, so the same report gives the same bytes."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


# --------------------------------------------------------------------------- SVG helpers
