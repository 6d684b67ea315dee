"""The report as people read it, shared by the Markdown and HTML reporters: entries grouped by organisation, severity counts, evidence and numbers in words."""

from __future__ import annotations

import math
import posixpath

from compliance.escape import visible
from compliance.models.findings import Finding, Scalar, Severity
from compliance.models.report import InferenceResultRow, Report, ResultRow, Subject
from compliance.models.roles import SubjectRole
from compliance.records import field, recordclass
from compliance.registry import CODE_PATTERN, DOCS_URL
from compliance.reporters import figure, human

SEVERITY_LABEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.REVIEW: "review",
    Severity.INFO: "info",
}


SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.REVIEW, Severity.INFO)


# Evidence keys shown on their own line; the rest go to "other evidence".
SHOWN_EVIDENCE = ("observed", "required")


# --------------------------------------------------------------------------- grouping


@recordclass
class EntryView:
    """One benchmark entry (a results row; a scenario result for inference) with its logs and findings."""

    row: ResultRow | InferenceResultRow
    anchor: str
    result_set: Subject | None = None
    logs: list[Subject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the entry as a whole
    log_findings: dict[str, list[Finding]] = field(default_factory=dict)  # log path -> its findings

    @property
    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for log in self.logs:
            out.extend(self.log_findings.get(log.path, []))
        return out


@recordclass
class OrgView:
    """One submitter in one division: ``<division>/<org>``."""

    division: str
    org: str
    root: str
    anchor: str
    entries: list[EntryView] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)  # system descriptions and other files
    findings: dict[str, list[Finding]] = field(
        default_factory=dict
    )  # path -> findings outside any entry


@recordclass
class AuditLayout:
    orgs: list[OrgView] = field(default_factory=list)
    others: list[Subject] = field(default_factory=list)  # files in no organisation (single logs)
    other_findings: dict[str, list[Finding]] = field(default_factory=dict)
    general: list[Finding] = field(
        default_factory=list
    )  # about the whole check (tree, waiver file)

    def entries(self) -> list[EntryView]:
        return [entry for org in self.orgs for entry in org.entries]


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _org_root(row: ResultRow | InferenceResultRow) -> str:
    if "/results/" in row.path:
        return row.path.rsplit("/results/", 1)[0]
    if row.path.startswith("results/"):
        return ""
    return posixpath.dirname(posixpath.dirname(posixpath.dirname(row.path)))


def audit_layout(report: Report) -> AuditLayout:
    """Group subjects and findings by organisation and entry, keeping the report's order."""
    layout = AuditLayout()
    orgs: dict[tuple[str, str, str], OrgView] = {}
    entries: list[EntryView] = []
    for row in report.results:
        key = (row.division, row.org, _org_root(row))
        if key not in orgs:
            orgs[key] = OrgView(row.division, row.org, key[2], f"org-{len(orgs) + 1}")
            layout.orgs.append(orgs[key])
        entry = EntryView(row, f"entry-{len(entries) + 1}")
        entries.append(entry)
        orgs[key].entries.append(entry)

    # A finding about a result (its subject is the entry's folder) belongs to that entry wherever it
    # is located: inference findings may point into <org>/compliance/... or <org>/measurements/....
    by_path: dict[str, EntryView] = {}
    for entry in entries:
        by_path.setdefault(entry.row.path, entry)

    def entry_of(path: str) -> EntryView | None:
        if path in by_path:
            return by_path[path]
        best = None
        for entry in entries:
            if _inside(path, entry.row.path) and (
                best is None or len(entry.row.path) > len(best.row.path)
            ):
                best = entry
        return best

    def org_of(path: str) -> OrgView | None:
        best = None
        for org in layout.orgs:
            if (
                org.root
                and _inside(path, org.root)
                and (best is None or len(org.root) > len(best.root))
            ):
                best = org
        return best

    kinds = {s.path: s for s in report.subjects}
    for subject in report.subjects:
        found = entry_of(subject.path)
        if found is not None:
            if subject.path == found.row.path:
                found.result_set = subject
            else:
                found.logs.append(subject)
            continue
        if subject.kind == SubjectRole.TREE:
            continue
        org = org_of(subject.path)
        (org.subjects if org is not None else layout.others).append(subject)

    for finding in report.findings:
        places = [finding.subject, finding.location.path]
        found = next((e for e in map(entry_of, places) if e is not None), None)
        if found is not None:
            log = next((p for p in places if any(p == s.path for s in found.logs)), None)
            if log is not None:
                found.log_findings.setdefault(log, []).append(finding)
            else:
                found.findings.append(finding)
            continue
        org = next((o for o in map(org_of, places) if o is not None), None)
        if org is not None:
            path = finding.subject if org_of(finding.subject) is org else finding.location.path
            org.findings.setdefault(path, []).append(finding)
            continue
        about = kinds.get(finding.subject)
        if about is not None and about.kind != SubjectRole.TREE and about in layout.others:
            layout.other_findings.setdefault(about.path, []).append(finding)
        else:
            layout.general.append(finding)
    return layout


def split_waiver(waived_by: str) -> tuple[str, str]:
    """``"approver: reason"`` (as the waiver code writes it) -> (approver, reason)."""
    approver, sep, reason = waived_by.partition(": ")
    return (approver, reason) if sep else ("", waived_by)


def severity_counts(report: Report) -> dict[Severity, tuple[int, int]]:
    """Per severity: (open findings, waived findings), those not listed (the findings limit) included."""
    counts = {s: [0, 0] for s in SEVERITIES}
    for f in report.findings:
        counts[f.severity][1 if f.waived_by else 0] += 1
    for left in report.omitted:
        counts[left.severity][0] += left.count - left.waived
        counts[left.severity][1] += left.waived
    return {s: (c[0], c[1]) for s, c in counts.items()}


def plain(value: object) -> str:
    """A value as text: the way it was logged, control and bidirectional characters made visible
    (``compliance.escape.visible``; line breaks and tabs stay, for the caller to place)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "-"  # never "null" or "None" for people
    elif isinstance(value, float):
        text = human(value) if math.isfinite(value) else str(value)
    else:
        text = human(value)
    return visible(text, keep_lines=True)


def number(value: float | None, digits: int | None = None) -> str:
    """A figure for people (``compliance.reporters.figure``); ``digits`` fixes the decimals."""
    if digits is not None and value is not None and math.isfinite(value):
        return f"{value:,.{digits}f}"
    return figure(value)


def location_text(finding: Finding) -> str:
    loc = finding.location
    text = loc.path + (f":{loc.line}" if loc.line is not None else "")
    return text + (f" ({loc.key})" if loc.key else "")


def rule_url(code_: str) -> str | None:
    """The rule's documentation page; only for well-formed codes (never a URL taken from the report)."""
    return DOCS_URL.format(code=code_) if CODE_PATTERN.match(code_) else None


def other_evidence(evidence: dict[str, Scalar]) -> list[tuple[str, Scalar]]:
    return [(k, v) for k, v in evidence.items() if k not in SHOWN_EVIDENCE]


# --------------------------------------------------------------------------- Markdown escaping


def is_inference(report: Report) -> bool:
    """An inference report: its results are scenario results (a report never mixes the two kinds)."""
    return bool(report.results) and isinstance(report.results[0], InferenceResultRow)


def entry_name(row: ResultRow | InferenceResultRow) -> str:
    """The benchmark (and its scale), or for inference the model and scenario."""
    if isinstance(row, InferenceResultRow):
        return f"{row.benchmark} {row.scenario}"
    return row.benchmark + (f" ({row.scale})" if row.scale else "")


def result_text(row: InferenceResultRow) -> str:
    """A scenario result's value as LoadGen reported it, with its unit."""
    if row.value is None:
        return "-" + power_text(row)
    return (f"{number(row.value)} {plain(row.unit)}" if row.unit else number(row.value)) + power_text(row)


def power_text(row: InferenceResultRow) -> str:
    """A power result's power metric, to follow its performance value ('' without one)."""
    if row.power_value is None:
        return ""
    return f"; power {number(row.power_value)} {plain(row.power_unit or '')}".rstrip()
