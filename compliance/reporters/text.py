"""Plain-text report for terminals and logs: grouped by file, one verdict each."""

from __future__ import annotations

from compliance.models.findings import Finding, Severity
from compliance.models.report import Report

_LABEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0, 32), 127) if chr(c) not in "\t"}


def safe(text: object) -> str:
    """Printable text: control characters from logs or file names are escaped, never sent to the terminal."""
    return str(text).translate(_CONTROL)


def _location(finding: Finding) -> str:
    loc = finding.location
    return safe(f"{loc.path}:{loc.line}" if loc.line is not None else loc.path)


def render(report: Report, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out: list[str] = []
    out.append(
        f"mlperf-audit {report.tool.version} · suite {report.suite} ({report.suite_source}) · "
        f"round {report.round} ({report.round_source})"
    )
    for note in report.notes:
        out.append(paint(f"note: {safe(note)}", "36"))
    out.append("")
    by_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    for subject in report.subjects:
        findings = by_subject.get(subject.path, [])
        what = ", ".join(safe(x) for x in (subject.benchmark, subject.division) if x)
        out.append(paint("== " + safe(subject.path), "1") + (f"  ({what})" if what else ""))
        for f in findings:
            label = _LABEL[f.severity] if not f.waived_by else "waived"
            colour = {"error": "31", "warning": "33", "info": "36", "waived": "90"}[label]
            tag = "" if label == "error" else f" [{label}]"
            out.append(f"{_location(f)}: {paint(f.code, colour)} {safe(f.message)}{tag}")
            observed = f.evidence.get("observed")
            required = f.evidence.get("required")
            if observed is not None:
                out.append(f"    seen:     {safe(observed)}")
            if required is not None:
                out.append(f"    required: {safe(required)}")
            if f.fix:
                out.append(f"    fix:      {safe(f.fix)}")
        verdict = paint("PASS", "32") if subject.passed else paint("FAIL", "31")
        out.append(
            f"{verdict} {safe(subject.path)}: {subject.errors} error(s), {subject.warnings} warning(s), "
            f"{subject.records} records"
        )
        out.append("")
    passed = sum(1 for s in report.subjects if s.passed)
    total = len(report.subjects)
    errors = sum(1 for f in report.findings if f.blocking)
    warnings = sum(1 for f in report.findings if f.severity is Severity.WARNING)
    verdict = paint("PASSED", "32;1") if report.passed else paint("FAILED", "31;1")
    out.append(f"{verdict}: {passed} of {total} file(s) pass; {errors} error(s), {warnings} warning(s).")
    if not report.passed:
        out.append("Run `mlperf-audit rule CODE` for what a rule checks and how to fix it.")
    return "\n".join(out) + "\n"
