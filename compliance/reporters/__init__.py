"""Reporters: pure functions ``render(report) -> str`` over one Report model.

Each format lives in its own module; ``REPORTERS`` maps a ``--format`` name to
it, so the CLI never needs to know a format's details.
"""

from __future__ import annotations

from importlib import import_module
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
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


def setting_sentences(report: Any) -> list[str]:
    """Each setting, waiver file or flag that changed the report, as one sentence (not escaped):
    ``mlperf-audit.toml: ignore = SEQ: 9 finding(s): 9 error(s) (SEQ004 x9) not reported``."""
    out = []
    for record in report.settings:
        tail = f" — {record.errors} error finding(s) not counted in the verdict" if record.errors else ""
        out.append(f"{record.source}: {record.setting}: {record.effect}{tail}")
    return out


MAX_OMITTED_SHOWN = 50  # groups of findings not listed that a report names one by one


def omitted_sentences(report: Any) -> tuple[str, list[str]]:
    """The findings a report does not list (the findings limit): a headline and one sentence per
    code and subject (at most ``MAX_OMITTED_SHOWN``, then how many more), not escaped."""
    if not report.omitted:
        return "", []
    from compliance.limits import reached

    total = sum(o.count for o in report.omitted)
    blocking = sum(o.blocking for o in report.omitted)
    head = (
        f"{total:,} more finding(s) are not listed ({blocking:,} errors among them); they count in every "
        f"verdict and total: {reached('findings')}"
    )
    lines = []
    for left in report.omitted[:MAX_OMITTED_SHOWN]:
        waived = f", {left.waived:,} waived" if left.waived else ""
        lines.append(f"{left.code} {left.name} ({left.severity.value}): {left.count:,} in {left.subject}{waived}")
    if len(report.omitted) > MAX_OMITTED_SHOWN:
        rest = report.omitted[MAX_OMITTED_SHOWN:]
        lines.append(f"and {sum(o.count for o in rest):,} more in {len(rest):,} other code/subject pair(s)")
    return head, lines


def renderer(name: str) -> Callable[..., str]:
    """The ``render`` function of a format."""
    module: Any = import_module(REPORTERS[name])
    return module.render
