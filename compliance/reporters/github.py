"""GitHub Actions workflow commands: one annotation per finding, then one summary line.

``::error file=PATH,line=N,title=CODE name::message``. Warnings use
``::warning``; review and info findings, and waived findings of any
severity, use ``::notice`` (a waived one's message starts with ``waived: ``).
``file`` is always a file (the log, the system JSON): a finding about a folder
(an entry, a result) points at the first file of it the report knows, and its
message names the folder (``compliance.reporters.annotation_files``); the
report's notes (what could not be checked, how the round was found) are
``::notice`` lines.
Property values and messages are escaped as the Actions runner expects
(``compliance.escape.workflow_data``/``workflow_property``): control and
bidirectional characters are shown as escapes, a newline in a message can
never start a command of its own, and ``##[`` or a leading ``::`` from the
input is broken. The last line is a
plain summary. Nothing else is printed.
"""

from __future__ import annotations

from compliance.escape import workflow_data as escape_data, workflow_property as escape_property
from compliance.reporters import annotation_files, finding_details, omitted_sentences, setting_sentences
from compliance.models.findings import Finding, Severity
from compliance.models.report import Report
from compliance.wording import plural

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

_COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.REVIEW: "notice",
    Severity.INFO: "notice",
}

__all__ = ["command", "escape_data", "escape_property", "render"]


def _message(finding: Finding) -> str:
    head = finding.message
    if finding.waived_by is not None:
        head = f"waived: {head}"
    elif finding.severity is Severity.REVIEW:
        head = f"review: {head}"
    labels = {"seen": "seen", "required": "required", "waived": "waived by", "fix": "fix"}
    lines = [head] + [f"{labels[kind]}: {text}" for kind, text in finding_details(finding)]
    if finding.location.path != finding.subject:
        lines.append(f"subject: {finding.subject}")
    return "\n".join(lines)


def command(finding: Finding, locate: Callable[[Finding], tuple[str | None, int | None]] | None = None) -> str:
    """The workflow command for one finding (``locate``: ``annotation_files`` of its report)."""
    name = "notice" if finding.waived_by is not None else _COMMANDS[finding.severity]
    path, line = locate(finding) if locate else (finding.location.path, finding.location.line)
    props = [f"file={escape_property(path)}"] if path else []
    message = _message(finding)
    if path != finding.location.path:
        message += f"\nat: {finding.location.path}"
    if line is not None and line >= 1:
        props.append(f"line={line}")
    props.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
    return f"::{name} {','.join(props)}::{escape_data(message)}"


def _notice(kind: str, title: str, message: str) -> str:
    return f"::{kind} title={escape_property(title)}::{escape_data(message)}"


def render(report: Report) -> str:
    locate = annotation_files(report)
    lines = [command(f, locate) for f in report.findings]
    # the report's notes (how the suite and round were found, what could not be checked) ...
    lines.extend(_notice("notice", "mlperf-audit", note) for note in report.notes)
    # ... and what settings and waivers changed, and findings not listed: never silent
    for record, sentence in zip(report.settings, setting_sentences(report)):
        lines.append(_notice("warning" if record.errors else "notice", "mlperf-audit settings", sentence))
    head, omitted = omitted_sentences(report)
    if head:
        lines.append(_notice("warning", "mlperf-audit findings not listed", "\n".join([head, *omitted])))
    totals = report.totals()
    counts = [
        plural(totals["errors"], "error"),
        plural(totals["warnings"], "warning"),
        f"{totals['review']} review",
        f"{totals['info']} info",
        f"{totals['waived']} waived",
    ]
    verdict = "PASSED" if report.passed else "FAILED"
    subjects = len(report.subjects)
    lines.append(
        f"mlperf-audit {escape_data(report.tool.version)}: {verdict}: {', '.join(counts)}; "
        f"{plural(subjects, 'subject')} checked (suite {escape_data(report.suite)}, round {escape_data(report.round)})."
    )
    return "\n".join(lines) + "\n"
