"""Comparing reports: ``--baseline`` (only new findings fail) and ``mlperf-audit diff``.

Two findings are "the same" when their code, location path, location key and
subject agree. Line numbers and message text are left out on purpose: adding a
record to a log moves every later line, and a message may quote a value that
changed, but neither makes an old finding new. Paths are compared normalised
(``./closed/x`` is ``closed/x``). Matching counts: a baseline with one SEQ005
on a log absorbs one SEQ005 there, and a second one is new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.models.findings import Finding
from compliance.models.report import Report
from compliance.models.roles import SubjectRole
from compliance.records import replace

Key = tuple[str, str, str | None, str]
ROW_KEY = ("division", "org", "system", "benchmark", "scale", "scenario")  # training rows have no scenario, inference rows no scale
ROW_FIELDS = ("passed", "score_minutes", "rcp", "runs", "dropped", "scaling_factor")


class ReportFileError(ValueError):
    """A file that should be an mlperf-audit JSON report is not one (a usage error)."""


def _norm(path: str, root: str | None = None) -> str:
    """Paths compared as the submission names them, whatever the tree was called in each run
    (``compliance.scope.submission_path``)."""
    from compliance.scope import submission_path

    return submission_path(path, root) if path else path


def tree_root(subjects: Iterable[Any]) -> str | None:
    """The checked tree's path in a report (its subjects, models or JSON), if it checked one."""
    for subject in subjects:
        kind, path = (subject.get("kind"), subject.get("path")) if isinstance(subject, Mapping) else (subject.kind, subject.path)
        if kind == SubjectRole.TREE:
            return path
    return None


def finding_key(finding: Finding | Mapping[str, Any], root: str | None = None) -> Key:
    """What identifies a finding across runs: code, location path and key, subject."""
    if isinstance(finding, Finding):
        return (finding.code, _norm(finding.location.path, root), finding.location.key, _norm(finding.subject, root))
    from compliance.registry import resolve_code

    location = finding["location"]  # an earlier report may name a code that was renamed since
    return (resolve_code(finding["code"]), _norm(location["path"], root), location.get("key"), _norm(finding["subject"], root))


def load_report(path: str) -> dict[str, Any]:
    """Read an mlperf-audit JSON report (``--format json``) and check its shape."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except OSError as err:
        raise ReportFileError(f"cannot read the report {path}: {err.strerror or err}") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise ReportFileError(f"{path} is not JSON ({err}); use a report written by --format json") from err
    problem = _shape_problem(data)
    if problem:
        raise ReportFileError(f"{path} is not an mlperf-audit JSON report: {problem}")
    report: dict[str, Any] = data
    return report


def _shape_problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "the top level is not an object"
    tool = data.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "mlperf-audit":
        return "no tool.name 'mlperf-audit'"
    if not isinstance(data.get("passed"), bool):
        return "no boolean 'passed'"
    for name in ("findings", "subjects"):
        if not isinstance(data.get(name), list):
            return f"no list of {name}"
    if not isinstance(data.get("results", []), list):
        return "'results' is not a list"
    for number, finding in enumerate(data["findings"], 1):
        if not isinstance(finding, dict):
            return f"finding {number} is not an object"
        location = finding.get("location")
        if not all(isinstance(finding.get(f), str) for f in ("code", "subject", "severity", "message")):
            return f"finding {number} lacks code, subject, severity or message"
        if not isinstance(location, dict) or not isinstance(location.get("path"), str):
            return f"finding {number} has no location path"
        if location.get("key") is not None and not isinstance(location.get("key"), str):
            return f"finding {number} has a location key that is not a string"
    for number, subject in enumerate(data["subjects"], 1):
        if not isinstance(subject, dict) or not isinstance(subject.get("path"), str) or not isinstance(subject.get("passed"), bool):
            return f"subject {number} lacks path or passed"
    for number, row in enumerate(data.get("results", []), 1):
        if not isinstance(row, dict) or not all(isinstance(row.get(f), str) for f in ("division", "org", "system", "benchmark", "path")):
            return f"results row {number} lacks division, org, system, benchmark or path"
    return None


# -- --baseline ---------------------------------------------------------------------


def apply_baseline(report: Report, baseline: Mapping[str, Any], label: str) -> int:
    """Mark the findings the baseline already has as waived by ``baseline: <label>``.

    Findings already waived (by a waiver, --rcp-bypass, olympic scoring) are
    left as they are. Returns how many findings were marked. The caller
    recomputes the verdicts.
    """
    from compliance.registry import resolve_code

    old_root = tree_root(s for s in baseline["subjects"] if isinstance(s, Mapping))
    known = Counter(finding_key(f, old_root) for f in baseline["findings"])
    # findings the baseline counted but did not list (past its findings limit): by code and subject
    unlisted: Counter[tuple[str, str]] = Counter()
    for left in baseline.get("omitted", []) or []:
        if isinstance(left, Mapping) and isinstance(left.get("code"), str) and isinstance(left.get("subject"), str):
            count = left.get("count")
            unlisted[(resolve_code(left["code"]), _norm(left["subject"], old_root))] += count if isinstance(count, int) and count > 0 else 0
    root = tree_root(report.subjects)
    marked = 0
    out = []
    for finding in report.findings:
        if finding.waived_by is None:
            key = finding_key(finding, root)
            also = (finding.code, _norm(finding.subject, root))
            if known[key] > 0:
                known[key] -= 1
            elif unlisted[also] > 0:
                unlisted[also] -= 1
            else:
                out.append(finding)
                continue
            finding = replace(finding, waived_by=f"baseline: {label}")
            marked += 1
        out.append(finding)
    report.findings = out
    return marked


# -- diff -----------------------------------------------------------------------------


def _unmatched(findings: Iterable[Mapping[str, Any]], others: Iterable[Mapping[str, Any]], roots: tuple[str | None, str | None]) -> list[Mapping[str, Any]]:
    """The findings that have no counterpart among ``others`` (counting duplicates); ``roots``:
    the trees the two reports checked."""
    pool = Counter(finding_key(f, roots[1]) for f in others)
    left = []
    for finding in findings:
        key = finding_key(finding, roots[0])
        if pool[key] > 0:
            pool[key] -= 1
        else:
            left.append(finding)
    return left


def _verdict(passed: object) -> str | None:
    return None if passed is None else ("pass" if passed else "fail")


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any], old_label: str, new_label: str) -> dict[str, Any]:
    """What changed from ``old`` to ``new``: findings, subject verdicts, results rows."""
    old_root, new_root = tree_root(old["subjects"]), tree_root(new["subjects"])
    new_findings = _unmatched(new["findings"], old["findings"], (new_root, old_root))
    resolved = _unmatched(old["findings"], new["findings"], (old_root, new_root))

    old_subjects = {_norm(s["path"], old_root): s["passed"] for s in old["subjects"]}
    new_subjects = {_norm(s["path"], new_root): s["passed"] for s in new["subjects"]}
    subjects = []
    for path in [*new_subjects, *(p for p in old_subjects if p not in new_subjects)]:
        before, after = _verdict(old_subjects.get(path)), _verdict(new_subjects.get(path))
        if before != after:
            subjects.append({"path": path, "old": before, "new": after})

    def row_key(row: Mapping[str, Any]) -> tuple[object, ...]:
        return tuple(row.get(f) for f in ROW_KEY)

    old_rows = {row_key(r): r for r in old.get("results", [])}
    new_rows = {row_key(r): r for r in new.get("results", [])}
    results = []
    for key in [*new_rows, *(k for k in old_rows if k not in new_rows)]:
        before, after = old_rows.get(key), new_rows.get(key)
        if before is None or after is None:
            changes = {"present": {"old": before is not None, "new": after is not None}}
        else:
            changes = {
                f: {"old": before.get(f), "new": after.get(f)} for f in ROW_FIELDS if before.get(f) != after.get(f)
            }
        if changes:
            row = after or before
            assert row is not None
            results.append({**{f: row.get(f) for f in ROW_KEY}, "path": row.get("path"), "changes": changes})

    new_errors = sum(1 for f in new_findings if f["severity"] == "error" and not f.get("waived_by"))
    return {
        "old": old_label,
        "new": new_label,
        "passed": {"old": old["passed"], "new": new["passed"]},
        "new_findings": list(new_findings),
        "resolved_findings": list(resolved),
        "subjects": subjects,
        "results": results,
        "summary": {
            "new": len(new_findings),
            "new_errors": new_errors,
            "resolved": len(resolved),
            "subjects_changed": len(subjects),
            "results_changed": len(results),
        },
    }


def diff_exit_code(diff: Mapping[str, Any]) -> int:
    """1 when the new report has new error findings (not waived), else 0."""
    return 1 if diff["summary"]["new_errors"] else 0


def render_diff_json(diff: Mapping[str, Any]) -> str:
    import orjson

    from compliance.escape import json_output

    body: bytes = orjson.dumps(diff, option=orjson.OPT_INDENT_2)
    return json_output(body.decode()) + "\n"  # controls and '##[' from the reports as \u escapes


def render_diff_text(diff: Mapping[str, Any], color: bool = False) -> str:
    from compliance.escape import text as safe

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    def finding_line(sign: str, f: Mapping[str, Any]) -> str:
        loc = f["location"]
        where = f"{loc['path']}:{loc['line']}" if loc.get("line") is not None else loc["path"]
        # as every text format: the severity in words before the code (``waived`` and by whom after)
        word = ("waived " if f.get("waived_by") else "") + safe(f["severity"])
        tail = f" [waived: {safe(f['waived_by'])}]" if f.get("waived_by") else ""
        return f"  {sign} {safe(where)}: {word} {safe(f['code'])} {safe(f['message'])}{tail}"

    def verdict(passed: bool) -> str:
        return "PASSED" if passed else "FAILED"

    out = [f"mlperf-audit diff {safe(diff['old'])} -> {safe(diff['new'])}"]
    out.append(f"overall: {verdict(diff['passed']['old'])} -> {verdict(diff['passed']['new'])}")
    out.append("")
    out.append(f"new findings ({len(diff['new_findings'])}):")
    out.extend(paint(finding_line("+", f), "31") for f in diff["new_findings"])
    out.append(f"resolved findings ({len(diff['resolved_findings'])}):")
    out.extend(paint(finding_line("-", f), "32") for f in diff["resolved_findings"])
    out.append(f"verdicts changed ({len(diff['subjects'])}):")
    for s in diff["subjects"]:
        out.append(f"  ~ {safe(s['path'])}: {(s['old'] or 'absent').upper()} -> {(s['new'] or 'absent').upper()}")
    out.append(f"results rows changed ({len(diff['results'])}):")
    for row in diff["results"]:
        name = "/".join(str(row[f]) for f in ROW_KEY if row.get(f))
        parts = []
        for field_name, change in row["changes"].items():
            before, after = change["old"], change["new"]
            if field_name in ("passed", "present"):
                words = ("PASS", "FAIL") if field_name == "passed" else ("present", "absent")
                before = words[0] if before else words[1]
                after = words[0] if after else words[1]
            parts.append(f"{field_name} {before} -> {after}")
        out.append(f"  ~ {safe(name)}: {safe('; '.join(parts))}")
    s = diff["summary"]
    out.append("")
    out.append(
        f"{s['new']} new finding(s) ({s['new_errors']} error(s)), {s['resolved']} resolved, "
        f"{s['subjects_changed']} verdict(s) changed, {s['results_changed']} results row(s) changed."
    )
    return "\n".join(out) + "\n"
