"""Markdown audit record for the review committee.

One document per ``check``: the header (tool, suite, round, rulebook
fingerprint, notes), a summary, the results table, what is left for the
reviewer, the waivers, then every organisation's entries with their verdict,
score, runs, RCP figures and the evidence of each finding. Log findings are
listed under the entry their log belongs to. An inference report has one entry
per scenario result (metric, value, accuracy) instead.

Everything taken from the report (names, paths, messages, logged values) is
escaped: it may come from a hostile log and must not become Markdown or HTML.
The output is deterministic: the same report always gives the same bytes.

The grouping by organisation and entry (``audit_layout``) and the wording of
numbers and evidence are the report view in ``compliance.reporters.view``,
shared with the HTML reporter.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from compliance.escape import html as html_text
from compliance.models.findings import Finding, Severity
from compliance.models.report import InferenceResultRow, Report, ResultRow
from compliance.models.roles import RUN_ROLES
from compliance.reporters import omitted_sentences, setting_sentences, view
from compliance.wording import plural

_PUNCT = re.compile(r"([\\`*\[\]<>~&#!])")


_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md(value: object) -> str:
    """Text from the report as inline Markdown prose: nothing in it is markup.

    Newlines become ``<br>``; ``|`` is left to :func:`cell` (only tables need it).
    """
    text = _PUNCT.sub(r"\\\1", view.plain(value))
    text = _UNDERSCORE.sub(r"\\_", text)
    return text.replace("\t", " ").replace("\n", "<br>")


def code(value: object) -> str:
    """Text from the report as a code span (or several, one per line)."""
    text = view.plain(value).replace("\t", " ")
    if text == "":
        return "*(empty)*"
    spans = []
    for part in text.split("\n"):
        if part == "":
            continue
        longest = max((len(run) for run in re.findall(r"`+", part)), default=0)
        fence = "`" * (longest + 1)
        pad = (
            part.startswith("`")
            or part.endswith("`")
            or (part[0] == " " and part[-1] == " " and part.strip() != "")
        )
        if "##[" in part:  # a workflow command's prefix: an HTML code span, where it can be broken
            spans.append(f"<code>{html_text(part)}</code>")
            continue
        spans.append(f"{fence} {part} {fence}" if pad else f"{fence}{part}{fence}")
    return "<br>".join(spans) if spans else "*(empty)*"


def cell(markdown: str) -> str:
    """A finished inline Markdown fragment made safe for one table cell."""
    return markdown.replace("\r", " ").replace("\n", "<br>").replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return out


# --------------------------------------------------------------------------- the document


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _entry_title(row: ResultRow | InferenceResultRow) -> str:
    return f"{view.entry_name(row)} on {row.system}"


def _score(row: ResultRow) -> str:
    return f"{row.score_minutes:.3f}" if row.score_minutes is not None else "-"


def _rcp_line(row: ResultRow) -> str:
    parts = [f"**{md(row.rcp)}**"]
    unit = f" {md(row.convergence_unit)}" if row.convergence_unit else ""
    if row.submission_mean is not None:
        parts.append(f"submission mean {view.number(row.submission_mean)}{unit}")
    if row.rcp_mean is not None:
        parts.append(f"RCP mean {view.number(row.rcp_mean)}{unit}")
    if row.rcp_min_mean is not None:
        parts.append(f"fastest mean allowed {view.number(row.rcp_min_mean)}{unit}")
    if row.rcp_norm_factor is not None:
        parts.append(f"normalisation factor {row.rcp_norm_factor:.4f}")
    return ", ".join(parts)


def _finding_block(f: Finding, indent: str = "") -> list[str]:
    label = view.SEVERITY_LABEL[f.severity] + (", waived" if f.waived_by else "")
    out = [f"{indent}- **{md(f.code)}** {md(f.name)} ({label}): {md(f.message)}"]
    sub = indent + "  "
    out.append(f"{sub}- location: {code(view.location_text(f))}")
    if "observed" in f.evidence:
        out.append(f"{sub}- seen: {code(f.evidence['observed'])}")
    if "required" in f.evidence:
        out.append(f"{sub}- required: {code(f.evidence['required'])}")
    extra = view.other_evidence(f.evidence)
    if extra:
        out.append(f"{sub}- evidence: " + ", ".join(f"{md(k)} {code(v)}" for k, v in extra))
    if f.waived_by:
        approver, reason = view.split_waiver(f.waived_by)
        out.append(f"{sub}- waived by {md(approver) or '*(no approver)*'}: {md(reason)}")
    elif f.fix:
        out.append(f"{sub}- fix: {md(f.fix)}")
    url = view.rule_url(f.code)
    out.append(f"{sub}- rule: [{f.code}]({url})" if url else f"{sub}- rule: {md(f.code)}")
    return out


def _findings_under(title: str, findings: list[Finding]) -> list[str]:
    if not findings:
        return []
    return [title, "", *[line for f in findings for line in _finding_block(f)], ""]


def _facts(row: ResultRow | InferenceResultRow) -> list[str]:
    if isinstance(row, InferenceResultRow):
        out = [
            f"- metric: {code(row.metric) if row.metric else '-'}",
            f"- result: {md(view.result_text(row))}",
            f"- accuracy: {md(row.accuracy) if row.accuracy else '-'}",
        ]
        if row.model_folder and row.model_folder != row.benchmark:
            out.append(f"- model folder: {code(row.model_folder)}")
        if row.system_type:
            out.append(f"- system type: {md(row.system_type)}")
        return out
    return [
        f"- score: {_score(row)} minutes (scaling factor {row.scaling_factor:.4f})",
        f"- runs: {row.runs}, dropped: {row.dropped}",
        f"- RCP: {_rcp_line(row)}",
    ]


def _entry(entry: view.EntryView) -> list[str]:
    row = entry.row
    out = [f"### {md(_entry_title(row))}: {verdict(row.passed)}", ""]
    out.append(f"- path: {code(row.path)}")
    out.append(f"- verdict: **{verdict(row.passed)}**")
    out.extend(_facts(row))
    out.append("")
    if entry.logs:
        rows = []
        for log in entry.logs:
            q = log.quality
            evals = str(len(q.points)) if q else "-"
            converged = view.number(q.converged_at) if q and q.converged_at is not None else "-"
            own = entry.log_findings.get(log.path, [])
            rows.append(
                [
                    code(posixpath.basename(log.path)),
                    verdict(log.passed),
                    str(log.records),
                    evals,
                    converged,
                    str(len(own)),
                ]
            )
        unit = entry.logs[0].quality.x_unit if entry.logs[0].quality else "progress"
        out.extend(
            table(
                [
                    "log",
                    "verdict",
                    "records",
                    "evaluations",
                    f"converged at ({md(unit)})",
                    "findings",
                ],
                rows,
            )
        )
        out.append("")
    if not entry.all_findings:
        out.extend(["No findings.", ""])
        return out
    out.extend(_findings_under("Entry findings:", entry.findings))
    for log in entry.logs:
        out.extend(
            _findings_under(f"Findings in {code(log.path)}:", entry.log_findings.get(log.path, []))
        )
    return out


def _inference_results(
    results: list[InferenceResultRow], verdict_cell: Callable[[InferenceResultRow], str]
) -> list[str]:
    rows = [
        [
            md(r.division),
            md(r.org),
            md(r.system),
            md(r.benchmark),
            md(r.scenario),
            md(view.result_text(r)),
            md(r.accuracy) if r.accuracy else "-",
            verdict_cell(r),
        ]
        for r in results
    ]
    header = ["division", "org", "system", "benchmark", "scenario", "result", "accuracy", "verdict"]
    return table(header, rows)


def render(report: Report) -> str:
    layout = view.audit_layout(report)
    counts = view.severity_counts(report)
    out = ["# MLPerf compliance audit record", ""]
    out.extend(
        table(
            ["field", "value"],
            [
                ["tool", f"{md(report.tool.name)} {md(report.tool.version)}"],
                ["suite", f"{md(report.suite)} ({md(report.suite_source)})"],
                ["round", f"{md(report.round)} ({md(report.round_source)})"],
                [
                    "rulebook sha256",
                    code(report.rulebook_sha256) if report.rulebook_sha256 else "-",
                ],
                ["verdict", "**PASSED**" if report.passed else "**FAILED**"],
            ],
        )
    )
    out.append("")
    if report.notes:
        out.append("Notes:")
        out.append("")
        out.extend(f"- {md(note)}" for note in report.notes)
    else:
        out.append("Notes: none.")
    out.append("")
    if report.settings:  # what settings, waivers and flags changed: never silent
        out.extend(["Settings and waivers:", "", *(f"- {md(sentence)}" for sentence in setting_sentences(report)), ""])
    head, lines = omitted_sentences(report)
    if head:
        out.extend([f"Findings not listed: {md(head)}", "", *(f"- {md(line)}" for line in lines), ""])

    out.extend(["## Summary", ""])
    logs = [s for s in report.subjects if s.kind in RUN_ROLES]
    if report.results:
        passing = sum(1 for r in report.results if r.passed)
        what = "scenario results" if view.is_inference(report) else "entries"
        out.append(
            f"- {what}: {len(report.results)}, {passing} passing, {len(report.results) - passing} failing"
        )
    if not view.is_inference(report):
        out.append(
            f"- logs: {len(logs)}, {sum(1 for s in logs if s.passed)} passing, {sum(1 for s in logs if not s.passed)} failing"
        )
    waived = sum(w for _, w in counts.values())
    total = len(report.findings) + sum(o.count for o in report.omitted)
    out.append(f"- findings: {total}, of which {waived} waived")
    out.append("")
    out.extend(
        table(
            ["severity", "open", "waived"],
            [[view.SEVERITY_LABEL[s], str(counts[s][0]), str(counts[s][1])] for s in view.SEVERITIES],
        )
    )
    out.append("")

    if report.results:
        out.extend(["## Results", ""])
        waived_in = {
            id(e.row): sum(1 for f in e.all_findings if f.waived_by) for e in layout.entries()
        }

        def verdict_cell(r: ResultRow | InferenceResultRow) -> str:
            count = waived_in.get(id(r))
            return f"**{verdict(r.passed)}**" + (f" ({count} waived)" if count else "")

        if view.is_inference(report):
            out.extend(_inference_results(report.results, verdict_cell))  # type: ignore[arg-type]
        else:
            rows = [
                [
                    md(r.division),
                    md(r.org),
                    md(r.system),
                    md(view.entry_name(r)),
                    _score(r),
                    str(r.runs),
                    str(r.dropped),
                    f"{r.scaling_factor:.4f}",
                    md(r.rcp),
                    verdict_cell(r),
                ]
                for r in report.results
                if isinstance(r, ResultRow)
            ]
            out.extend(
                table(
                    [
                        "division",
                        "org",
                        "system",
                        "benchmark",
                        "score (min)",
                        "runs",
                        "dropped",
                        "scaling",
                        "RCP",
                        "verdict",
                    ],
                    rows,
                )
            )
        out.append("")

    review = [f for f in report.findings if f.severity is Severity.REVIEW]
    out.extend(["## For the reviewer", ""])
    if review:
        out.append("What a machine cannot decide; each item needs a reviewer's judgement.")
        out.append("")
        for f in review:
            out.extend(_finding_block(f))
    else:
        out.append("Nothing.")
    out.append("")

    waivers = [f for f in report.findings if f.waived_by]
    out.extend(["## Waivers", ""])
    if waivers:
        rows = []
        for f in waivers:
            approver, reason = view.split_waiver(f.waived_by or "")
            rows.append([md(f.code), code(view.location_text(f)), md(approver) or "-", md(reason)])
        out.extend(table(["code", "location", "approver", "reason"], rows))
    else:
        out.append("None.")
    out.append("")

    if layout.general:
        out.extend(["## Whole-check findings", ""])
        for f in layout.general:
            out.extend(_finding_block(f))
        out.append("")

    for org in layout.orgs:
        out.extend([f"## {md(org.division)}/{md(org.org)}", ""])
        if org.root:
            out.extend([f"Folder: {code(org.root)}", ""])
        for subject in org.subjects:
            own = org.findings.get(subject.path, [])
            out.append(
                f"- {md(subject.kind)} {code(subject.path)}: {verdict(subject.passed)}, {plural(len(own), 'finding')}"
            )
        if org.subjects:
            out.append("")
        for path, findings in org.findings.items():
            out.extend(_findings_under(f"Findings in {code(path)}:", findings))
        for entry in org.entries:
            out.extend(_entry(entry))

    if layout.others:
        out.extend(["## Files", ""])
        for subject in layout.others:
            what = ", ".join(md(x) for x in (subject.benchmark, subject.division) if x)
            title = f"### {md(subject.path)}: {verdict(subject.passed)}"
            out.extend([title, ""])
            if what:
                out.extend([f"- {what}, {subject.records} records", ""])
            findings = layout.other_findings.get(subject.path, [])
            if findings:
                out.extend(line for f in findings for line in _finding_block(f))
            else:
                out.append("No findings.")
            out.append("")

    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
