"""Reporters: pure functions ``render(report) -> str`` over one Report model.

Each format lives in its own module; ``REPORTERS`` maps a ``--format`` name to
it, so the CLI never needs to know a format's details.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

REPORTERS: dict[str, str] = {
    "text": "compliance.reporters.text",
    "json": "compliance.reporters.json",
    "csv": "compliance.reporters.csv",
    "junit": "compliance.reporters.junit",
    "sarif": "compliance.reporters.sarif",
    "github": "compliance.reporters.github",
    "markdown": "compliance.reporters.markdown",
    "html": "compliance.reporters.html",
}

EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "csv": "csv",
    "junit": "xml",
    "sarif": "sarif",
    "github": "txt",
    "markdown": "md",
    "html": "html",
}


def finding_details(finding: Any) -> list[tuple[str, str]]:
    """A finding's evidence lines, in the order every reporter shows them:
    ("seen", ..), ("required", ..), then ("waived", approver: reason) or ("fix", ..)."""
    out: list[tuple[str, str]] = []
    for kind in ("observed", "required"):
        value = finding.evidence.get(kind)
        if value is not None:
            out.append(("seen" if kind == "observed" else "required", str(value)))
    if finding.waived_by is not None:
        out.append(("waived", finding.waived_by))
    elif finding.fix:
        out.append(("fix", finding.fix))
    return out


def renderer(name: str) -> Callable[..., str]:
    """The ``render`` function of a format."""
    module: Any = import_module(REPORTERS[name])
    return module.render
