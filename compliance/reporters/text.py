"""Plain-text report for terminals and logs: grouped by file, one verdict each."""

from __future__ import annotations

from compliance.escape import text as safe  # every value from the input, as one inert line
from compliance.registry import DOCS_URL
from compliance.reporters import omitted_sentences, setting_sentences
from compliance.models.findings import Finding, Severity
from compliance.models.report import Report
from compliance.models.report import InferenceResultRow

_LABEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.REVIEW: "for the reviewer", Severity.INFO: "info"}


def _location(finding: Finding) -> str:
    loc = finding.location
    return safe(f"{loc.path}:{loc.line}" if loc.line is not None else loc.path)


def render(report: Report, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out: list[str] = []
    out.append(
        f"mlperf-audit {safe(report.tool.version)} · suite {safe(report.suite)} ({safe(report.suite_source)}) · "
        f"round {safe(report.round)} ({safe(report.round_source)})"
    )
    for note in report.notes:
        out.append(paint(f"note: {safe(note)}", "36"))
    for sentence in setting_sentences(report):
        out.append(paint(f"setting: {safe(sentence)}", "33"))
    out.append("")
    by_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    tree = bool(report.results) or any(s.kind == "tree" for s in report.subjects)
    for subject in report.subjects:
        findings = by_subject.get(subject.path, [])
        if tree and not findings:
            continue  # a whole submission: only what has something to say
        what = ", ".join(safe(x) for x in (subject.benchmark, subject.division) if x)
        out.append(paint("== " + safe(subject.path), "1") + (f"  ({what})" if what else ""))
        for f in findings:
            out.extend(_finding_lines(f, paint))
        verdict = paint("PASS", "32") if subject.passed else paint("FAIL", "31")
        records = f", {subject.records} records" if subject.kind == "training_log" else ""
        out.append(f"{verdict} {safe(subject.path)}: {subject.errors} error(s), {subject.warnings} warning(s){records}")
        out.append("")
    head, lines = omitted_sentences(report)
    if head:
        out.append(paint(safe(head), "1"))
        out.extend(f"    {safe(line)}" for line in lines)
        out.append("")
    if report.results:
        out.extend(_results_table(report, paint))
        out.append("")
    if report.findings or report.omitted:
        out.extend(_codes_table(report, paint))
        out.append("")
    totals = report.totals()
    errors, warnings, waived = totals["errors"], totals["warnings"], totals["waived"]
    verdict = paint("PASSED", "32;1") if report.passed else paint("FAILED", "31;1")
    if tree:
        entries = len(report.results)
        passed = sum(1 for row in report.results if row.passed)
        logs = [s for s in report.subjects if s.kind in ("training_log", "loadgen_run")]
        if report.results and isinstance(report.results[0], InferenceResultRow):
            counts = f"{passed} of {entries} scenario result(s) pass"
        else:
            counts = f"{passed} of {entries} entr{'y' if entries == 1 else 'ies'} pass, {len(logs)} logs"
    else:
        passed = sum(1 for s in report.subjects if s.passed)
        counts = f"{passed} of {len(report.subjects)} file(s) pass"
    tail = f", {waived} waived" if waived else ""
    out.append(f"{verdict}: {counts}; {errors} error(s), {warnings} warning(s){tail}.")
    if not report.passed:
        out.append("Run `mlperf-audit rule CODE` for what a rule checks and how to fix it.")
    return "\n".join(out) + "\n"


def _finding_lines(f: Finding, paint) -> list[str]:  # noqa: ANN001
    label = _LABEL[f.severity] if not f.waived_by else "waived"
    colour = {"error": "31", "warning": "33", "for the reviewer": "35", "info": "36", "waived": "90"}[label]
    tag = "" if label == "error" else f" [{label}]"
    lines = [f"{_location(f)}: {paint(f.code, colour)} {safe(f.message)}{tag}"]
    observed = f.evidence.get("observed")
    required = f.evidence.get("required")
    if observed is not None:
        lines.append(f"    seen:     {safe(observed)}")
    if required is not None:
        lines.append(f"    required: {safe(required)}")
    if f.waived_by:
        lines.append(f"    waived:   {safe(f.waived_by)}")
    elif f.fix:
        lines.append(f"    fix:      {safe(f.fix)}")
    return lines


def _codes_table(report: Report, paint) -> list[str]:  # noqa: ANN001
    """The summary: one line per rule code, with counts and where its docs are."""
    rows: dict[str, list] = {}
    column = {Severity.ERROR: 2, Severity.WARNING: 3, Severity.REVIEW: 4, Severity.INFO: 4}
    for f in report.findings:
        row = rows.setdefault(f.code, [f.code, f.name, 0, 0, 0, 0, f.url or ""])
        row[5 if f.waived_by else column[f.severity]] += 1
    for left in report.omitted:  # not listed, still counted
        row = rows.setdefault(left.code, [left.code, left.name, 0, 0, 0, 0, DOCS_URL.format(code=left.code)])
        row[5] += left.waived
        row[column[left.severity]] += left.count - left.waived
    header = ("code", "name", "errors", "warnings", "notes", "waived", "docs")
    table = [header] + [tuple(str(c) for c in row) for _, row in sorted(rows.items())]
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    lines = [paint("Summary", "1")]
    for r in table:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return lines


def _inference_rows(report: Report) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    header = ("division", "org", "system", "benchmark", "scenario", "result", "accuracy", "verdict")
    rows = []
    for row in report.results:
        value = f"{row.value:.6g} {row.unit or ''}".strip() if row.value is not None else "-"
        rows.append(
            (row.division, row.org, row.system, row.benchmark, row.scenario, value, row.accuracy or "-", "PASS" if row.passed else "FAIL")
        )
    return header, rows


def _results_table(report: Report, paint) -> list[str]:  # noqa: ANN001
    header = ("division", "org", "system", "benchmark", "score (min)", "runs", "dropped", "scaling", "RCP", "verdict")
    rows = []
    for row in report.results:
        if isinstance(row, InferenceResultRow):
            header, rows = _inference_rows(report)
            break
        rows.append(
            (
                row.division,
                row.org,
                row.system,
                row.benchmark + (f" ({row.scale})" if row.scale else ""),
                f"{row.score_minutes:.3f}" if row.score_minutes is not None else "-",
                str(row.runs),
                str(row.dropped),
                f"{row.scaling_factor:.4f}",
                row.rcp,
                "PASS" if row.passed else "FAIL",
            )
        )
    widths = [max(len(safe(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [paint("Results", "1"), "  ".join(h.ljust(w) for h, w in zip(header, widths))]
    for r in rows:
        cells = [safe(c).ljust(w) for c, w in zip(r, widths)]
        cells[-1] = paint(cells[-1], "32" if r[-1] == "PASS" else "31")
        lines.append("  ".join(cells))
    return lines
