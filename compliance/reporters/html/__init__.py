"""A self-contained HTML page of one report, for the review committee.

One file: inline CSS, a little inline JavaScript (filters and sorting), and SVG
plots drawn here in Python. Nothing is fetched when the page is viewed: a
Content-Security-Policy allows only this page's own style and script (by hash),
and the only links that leave the page go to the rules' documentation. The page
is complete and readable with JavaScript off; the script only filters and sorts.

Everything from the report is escaped (``compliance.escape.html``: control and
bidirectional characters made visible, then ``html.escape``, workflow commands
broken): names, paths, messages and logged values may come from a hostile log.

The page is a package: ``sections.py`` builds each part of the page, ``svg.py``
the plots, ``base.py`` escaping and numbers; the stylesheet and the script are
files in ``assets/`` (read once; the page inlines them, with their hashes in
the Content-Security-Policy).

The plots are built from a few small helpers (``Scale``, ``Plot``): a training
entry gets its runs' quality curves against the target and its convergence
points against the RCP band. An inference latency plot (measured percentiles
against the bound, per scenario) fits the same helpers: a ``Plot`` with the
percentiles as ``xticks``, ``line``/``dot`` for the measurements and ``hline``
for the bound. Inference reports (one entry per scenario result) get no plot.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from compliance.models.report import Report
from compliance.reporters.html.base import e
from compliance.reporters.html.sections import (
    _details,
    _findings_table,
    _header,
    _nav,
    _palette_css,
    _results,
    _review,
    _summary,
    _waivers,
)
from compliance.reporters.html.svg import (  # noqa: F401  (the plot helpers, for tests and other reports)
    PALETTE,
    Plot,
    Scale,
    extent,
    tick_label,
)
from compliance.reporters.view import audit_layout

_ASSETS = Path(__file__).resolve().parent / "assets"
CSS = (_ASSETS / "report.css").read_text(encoding="utf-8")
SCRIPT = (_ASSETS / "report.js").read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def render(report: Report) -> str:
    # Errors first, then warnings, review and info; waived ones after the open ones of their
    # severity; the report's order (subject, line) within each.
    from compliance.records import replace

    ordered = sorted(report.findings, key=lambda f: (f.waived_by is not None, f.severity.rank))
    report = replace(report, findings=ordered)
    layout = audit_layout(report)
    css = CSS + _palette_css() + "\n"
    policy = (
        f"default-src 'none'; style-src '{_hash(css)}'; script-src '{_hash(SCRIPT)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    title = f"MLPerf {report.suite} {report.round} audit: {'PASSED' if report.passed else 'FAILED'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="{e(report.tool.name)} {e(report.tool.version)}">',
        f"<title>{e(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        _header(report),
        _nav(report, layout),
        '<main class="wrap">',
        _summary(report),
        _results(report, layout),
        _review(report, layout),
        _findings_table(report, layout),
        _waivers(report, layout),
        _details(report, layout),
        "</main>",
        f'<footer><div class="wrap">Made by {e(report.tool.name)} {e(report.tool.version)}. This page is one self-contained '
        "file: it loads nothing from the network. Filtering and sorting need JavaScript; everything else reads without it. "
        "Add <code>#q=TEXT&amp;sev=error,warning</code> to the address to open it filtered.</div></footer>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
