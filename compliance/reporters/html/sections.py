"""The page's sections: header, summary cards, results, review list, findings table, waivers, per-entry details, navigation."""

from __future__ import annotations

import math
import posixpath
from html import escape

from compliance.escape import html as html_text
from compliance.models.findings import Finding, Severity
from compliance.models.report import InferenceResultRow, Report, ResultRow
from compliance.models.roles import RUN_ROLES
from compliance.reporters import below, omitted_sentences, setting_sentences
from compliance.reporters.html.base import e
from compliance.reporters.html.svg import PALETTE, convergence_plot, quality_plot
from compliance.reporters.view import (
    SEVERITIES,
    SEVERITY_LABEL,
    AuditLayout,
    EntryView,
    entry_name,
    is_inference,
    location_text,
    number,
    other_evidence,
    plain,
    result_text,
    rule_url,
    severity_counts,
    split_waiver,
)


def _badge(text: str, cls: str) -> str:
    return f'<span class="badge {cls}">{e(text)}</span>'


def _verdict(passed: bool) -> str:
    return _badge("PASS", "pass") if passed else _badge("FAIL", "fail")


def _sev_badge(f: Finding) -> str:
    badge = _badge(SEVERITY_LABEL[f.severity], f"sev-{f.severity.value}")
    return badge + (" " + _badge("waived", "waived") if f.waived_by else "")


def _code_link(code: str) -> str:
    url = rule_url(code)
    if url is None:
        return f'<span class="code">{e(code)}</span>'
    return (
        f'<a class="code" href="{escape(url, quote=True)}" title="rule documentation">{e(code)}</a>'
    )


def _value(value: object) -> str:
    text = plain(value)
    return "<em>(empty)</em>" if text == "" else f"<code>{html_text(text)}</code>"


def _short(path: str, root: str | None) -> str:
    if root and path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return path


def _finding_card(f: Finding, root: str | None = None) -> str:
    loc = f.location
    inner = root is not None and loc.path.startswith(root + "/")
    where = (
        _short(loc.path, root) + (f":{loc.line}" if loc.line is not None else "") if inner else ""
    )
    classes = f"finding sev-{f.severity.value}" + (" is-waived" if f.waived_by else "")
    out = [
        f'<div class="{classes}">',
        f'<div class="fhead">{_sev_badge(f)} {_code_link(f.code)} <span class="fname">{e(f.name)}</span>'
        + (f'<span class="loc">{e(where)}</span>' if where else "")
        + "</div>",
        f'<p class="msg">{e(f.message)}</p>',
        '<dl class="evidence">',
        f"<dt>location</dt><dd><code>{e(location_text(f))}</code></dd>",
    ]
    if "observed" in f.evidence:
        out.append(f"<dt>seen</dt><dd>{_value(f.evidence['observed'])}</dd>")
    if "required" in f.evidence:
        out.append(f"<dt>required</dt><dd>{_value(f.evidence['required'])}</dd>")
    extra = other_evidence(f.evidence)
    if extra:
        cells = "".join(
            f'<span class="kv"><span class="k">{e(k)}</span> {_value(v)}</span>' for k, v in extra
        )
        out.append(f'<dt>evidence</dt><dd class="kvs">{cells}</dd>')
    if f.waived_by:
        approver, reason = split_waiver(f.waived_by)
        out.append(
            f"<dt>waived</dt><dd>by <strong>{e(approver) or '(no approver)'}</strong>: {e(reason)}</dd>"
        )
    if f.fix:
        out.append(f"<dt>fix</dt><dd>{e(f.fix)}</dd>")
    out.append("</dl></div>")
    return "".join(out)


def _header(report: Report) -> str:
    verdict = _badge("PASSED", "pass big") if report.passed else _badge("FAILED", "fail big")
    meta = [
        ("tool", f"{e(report.tool.name)} {e(report.tool.version)}"),
        ("suite", f"{e(report.suite)} <span class='muted'>({e(report.suite_source)})</span>"),
        ("round", f"{e(report.round)} <span class='muted'>({e(report.round_source)})</span>"),
        ("rulebook sha256", f"<code class='hash'>{e(report.rulebook_sha256) or '-'}</code>"),
    ]
    out = [
        '<header class="top"><div class="wrap">',
        '<p class="eyebrow">MLPerf compliance audit</p>',
        f"<h1>{e(report.suite.capitalize())} round {e(report.round)} {verdict}</h1>",
        '<dl class="meta">'
        + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in meta)
        + "</dl>",
    ]
    if report.notes:
        out.append(
            '<ul class="notes">' + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>"
        )
    if report.settings:  # what settings, waivers and flags changed: never silent
        out.append(
            '<ul class="notes"><li><strong>Settings and waivers</strong></li>'
            + "".join(f"<li>{e(sentence)}</li>" for sentence in setting_sentences(report))
            + "</ul>"
        )
    head, lines = omitted_sentences(report)
    if head:
        out.append(
            f'<ul class="notes"><li><strong>Findings not listed</strong>: {e(head)}</li>'
            + "".join(f"<li>{e(line)}</li>" for line in lines)
            + "</ul>"
        )
    out.append("</div></header>")
    return "".join(out)


def _summary(report: Report) -> str:
    counts = severity_counts(report)
    logs = [s for s in report.subjects if s.kind in RUN_ROLES]
    cards = []
    if report.results:
        passing = sum(1 for r in report.results if r.passed)
        failing = len(report.results) - passing
        cards.append(
            (
                "scenario results" if is_inference(report) else "entries",
                f"{passing:,} / {len(report.results):,}",
                "passing",
                "bad" if failing else "good",
            )
        )
    failing_logs = sum(1 for s in logs if not s.passed)
    if not is_inference(report):
        cards.append(
            (
                "logs",
                f"{len(logs) - failing_logs:,} / {len(logs):,}",
                "passing",
                "bad" if failing_logs else "good",
            )
        )
    # One kind of count per card: results or logs passing, then findings by severity (open ones;
    # each finding is counted once: a waived one only under "waived").
    for sev in SEVERITIES:
        open_, _ = counts[sev]
        cards.append((SEVERITY_LABEL[sev], f"{open_:,}", "findings", f"sev-{sev.value}" if open_ else "zero"))
    waived_total = sum(w for _, w in counts.values())
    cards.append(("waived", f"{waived_total:,}", "findings", "waived" if waived_total else "zero"))
    body = "".join(
        f'<div class="card {cls}"><div class="label">{e(label)}</div><div class="value{" long" if len(value) > 9 else ""}">{e(value)}</div>'
        f'<div class="sub">{e(sub)}</div></div>'
        for label, value, sub, cls in cards
    )
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{body}</div></section>'


def _filter_bar(prefix: str, placeholder: str, checks: list[tuple[str, str]] | None, q: str) -> str:
    out = [
        f'<div class="filters js-only" role="search"><label class="search"><span>Filter</span>'
        f'<input type="search" id="{prefix}-q" data-param="{q}" placeholder="{e(placeholder)}"></label>'
    ]
    if checks:
        out.append('<fieldset class="sevs"><legend>Show</legend>')
        for value, text in checks:
            out.append(
                f'<label class="chk sev-{value}"><input type="checkbox" value="{value}" checked> {e(text)}</label>'
            )
        out.append("</fieldset>")
    out.append('<span class="count" data-count aria-live="polite"></span></div>')
    return "".join(out)


def _th(label: str, key: str, numeric: bool = False) -> str:
    return f'<th data-key="{key}"{" class=num" if numeric else ""}>{e(label)}</th>'


def _inference_results(
    results: list[InferenceResultRow], anchors: dict[int, str], waived_count: dict[int, int]
) -> tuple[str, list[str]]:
    head = "".join(
        [
            _th("division", "division"),
            _th("org", "org"),
            _th("system", "system"),
            _th("benchmark", "benchmark"),
            _th("scenario", "scenario"),
            _th("result", "result", True),
            _th("accuracy", "accuracy"),
            _th("verdict", "verdict"),
        ]
    )
    rows = []
    for r in results:
        sort_value = (
            f"{r.value:.6f}" if r.value is not None and math.isfinite(r.value) else "-Infinity"
        )
        count = waived_count.get(id(r), 0)
        waived = f' <span class="badge waived">{count} waived</span>' if count else ""
        rows.append(
            f'<tr data-verdict="{"pass" if r.passed else "fail"}">'
            f"<td>{e(r.division)}</td><td>{e(r.org)}</td><td class='mono'>{e(r.system)}</td>"
            f'<td><a href="#{anchors[id(r)]}">{e(r.benchmark)}</a></td><td>{e(r.scenario)}</td>'
            f'<td class="num" data-sort="{sort_value}">{e(result_text(r))}</td>'
            f"<td>{e(r.accuracy or '-')}</td>"
            f'<td class="verdict" data-sort="{0 if r.passed else 1}">{_verdict(r.passed)}{waived}</td></tr>'
        )
    return head, rows


def _results(report: Report, layout: AuditLayout) -> str:
    if not report.results:
        return ""
    anchors = {id(entry.row): entry.anchor for entry in layout.entries()}
    waived_count = {
        id(entry.row): sum(1 for f in entry.all_findings if f.waived_by)
        for entry in layout.entries()
    }
    if is_inference(report):
        head, rows = _inference_results(report.results, anchors, waived_count)  # type: ignore[arg-type]
        return _results_section(
            head,
            rows,
            "One row per scenario result: the LoadGen metric with its unit, the accuracy against its target, and the verdict.",
            "division, org, system, benchmark, scenario, verdict…",
        )
    head = "".join(
        [
            _th("division", "division"),
            _th("org", "org"),
            _th("system", "system"),
            _th("benchmark", "benchmark"),
            _th("score (min)", "score", True),
            _th("runs", "runs", True),
            _th("dropped", "dropped", True),
            _th("scaling", "scaling", True),
            _th("RCP", "rcp"),
            _th("verdict", "verdict"),
        ]
    )
    rows = []
    for r in report.results:
        assert isinstance(r, ResultRow)
        score = f"{r.score_minutes:.3f}" if r.score_minutes is not None else "-"
        sort_score = f"{r.score_minutes:.6f}" if r.score_minutes is not None else "Infinity"
        bench = r.benchmark + (f" ({r.scale})" if r.scale else "")
        count = waived_count.get(id(r), 0)
        waived = f' <span class="badge waived">{count} waived</span>' if count else ""
        rcp_cls = "rcp-" + (
            "ok" if r.rcp.startswith("pass") else "na" if r.rcp in ("n/a", "") else "bad"
        )
        rows.append(
            f'<tr data-verdict="{"pass" if r.passed else "fail"}">'
            f"<td>{e(r.division)}</td><td>{e(r.org)}</td><td class='mono'>{e(r.system)}</td>"
            f'<td><a href="#{anchors[id(r)]}">{e(bench)}</a></td>'
            f'<td class="num" data-sort="{sort_score}">{score}</td><td class="num">{r.runs}</td>'
            f'<td class="num">{r.dropped}</td><td class="num">{r.scaling_factor:.4f}</td>'
            f'<td class="rcp"><span class="{rcp_cls}">{e(r.rcp)}</span></td>'
            f'<td class="verdict" data-sort="{0 if r.passed else 1}">{_verdict(r.passed)}{waived}</td></tr>'
        )
    return _results_section(
        head,
        rows,
        "One row per benchmark entry: the olympic-mean score with scaling applied, and the entry's verdict.",
        "division, org, system, benchmark, verdict…",
    )


def _results_section(head: str, rows: list[str], lead: str, placeholder: str) -> str:
    return (
        f'<section id="results"><h2>Results</h2><p class="lead">{lead}</p>'
        '<div class="tablebox" data-table="results" data-sort-param="rsort">'
        + _filter_bar("results", placeholder, None, "rq")
        + f'<div class="scroll"><table class="data sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        "</div></section>"
    )


def _placement(layout: AuditLayout) -> dict[int, tuple[str, str]]:
    """For each finding (by identity): the anchor and label of the entry or organisation it is listed under."""
    places: dict[int, tuple[str, str]] = {}
    for org in layout.orgs:
        label = f"{org.division}/{org.org}"
        for findings in org.findings.values():
            places.update((id(f), (org.anchor, label)) for f in findings)
        for entry in org.entries:
            row = entry.row
            name = entry_name(row) if isinstance(row, InferenceResultRow) else row.benchmark
            places.update((id(f), (entry.anchor, f"{label} · {name}")) for f in entry.all_findings)
    return places


def _findings_table(report: Report, layout: AuditLayout) -> str:
    checks = [(s.value, SEVERITY_LABEL[s]) for s in SEVERITIES] + [("waived", "waived")]
    head = "".join(
        [
            _th("severity", "severity"),
            _th("code", "code"),
            _th("where", "where"),
            _th("message", "message"),
            _th("seen", "seen"),
            _th("required", "required"),
        ]
    )
    places = _placement(layout)
    entries = layout.entries()
    cols = (
        "<colgroup>"
        + "".join(f'<col class="c-{c}">' for c in ("sev", "code", "where", "msg", "seen", "req"))
        + "</colgroup>"
    )
    rows = []
    for f in report.findings:
        anchor, label = places.get(id(f), ("", ""))
        loc = f.location
        file_ = posixpath.basename(loc.path) + (f":{loc.line}" if loc.line is not None else "")
        if anchor:
            where = f'<a href="#{anchor}">{e(label)}</a>'
            if not any(loc.path == e_.row.path for e_ in entries):
                where += (
                    f'<br><span class="mono small" title="{e(location_text(f))}">{e(file_)}</span>'
                )
        else:
            where = f'<span class="mono small">{e(location_text(f))}</span>'
        # The "where" column names the entry: paths inside it are named from it.
        folder = f.subject if anchor and f.subject != report.subjects[0].path else None
        seen = _value(below(plain(f.evidence["observed"]), folder)) if "observed" in f.evidence else ""
        required = _value(below(plain(f.evidence["required"]), folder)) if "required" in f.evidence else ""
        rows.append(
            f'<tr data-severity="{f.severity.value}" data-waived="{1 if f.waived_by else 0}">'
            f'<td data-sort="{f.severity.rank}{1 if f.waived_by else 0}">{_sev_badge(f)}</td>'
            f"<td>{_code_link(f.code)}</td><td>{where}</td><td>{e(below(f.message, folder))}</td>"
            f'<td class="ev">{seen}</td><td class="ev">{required}</td></tr>'
        )
    if not rows:
        body = '<p class="empty">No findings.</p>'
    else:
        body = (
            '<div class="tablebox" data-table="findings" data-sort-param="sort">'
            + _filter_bar("findings", "code, message, file, value…", checks, "q")
            + f'<div class="scroll"><table class="data sortable findings">{cols}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div></div>"
        )
    return (
        '<section id="findings"><h2>Findings</h2>'
        '<p class="lead">Every finding of the check. Waived findings stay listed; the evidence and the fix are in each entry below.</p>'
        + body
        + "</section>"
    )


def _review(report: Report, layout: AuditLayout) -> str:
    items = [f for f in report.findings if f.severity is Severity.REVIEW]
    body = (
        "".join(_finding_card(f) for f in items)
        if items
        else '<p class="empty">Nothing to review.</p>'
    )
    return (
        '<section id="review"><h2>Review</h2>'
        '<p class="lead">What a machine cannot decide: each item needs a reviewer\'s judgement. '
        "These never fail the check.</p>" + body + "</section>"
    )


def _waivers(report: Report, layout: AuditLayout) -> str:
    waived = [f for f in report.findings if f.waived_by]
    if not waived:
        return '<section id="waivers"><h2>Waivers</h2><p class="empty">No finding is waived.</p></section>'
    places = _placement(layout)
    rows = []
    for f in waived:
        approver, reason = split_waiver(f.waived_by or "")
        anchor, label = places.get(id(f), ("", ""))
        where = (
            f'<a href="#{anchor}">{e(label)}</a>'
            if anchor
            else f"<code>{e(location_text(f))}</code>"
        )
        rows.append(
            f"<tr><td>{_code_link(f.code)}</td><td>{where}</td><td>{e(approver) or '-'}</td><td>{e(reason)}</td></tr>"
        )
    return (
        '<section id="waivers"><h2>Waivers</h2><div class="scroll"><table class="data">'
        "<thead><tr><th>code</th><th>where</th><th>approver</th><th>reason</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _inference_facts(row: InferenceResultRow) -> list[tuple[str, str]]:
    facts = [
        ("verdict", _verdict(row.passed)),
        ("metric", f"<code>{e(row.metric)}</code>" if row.metric else "-"),
        ("result", e(result_text(row))),
        ("accuracy", e(row.accuracy) if row.accuracy else "-"),
    ]
    if row.model_folder and row.model_folder != row.benchmark:
        facts.append(("model folder", f"<code>{e(row.model_folder)}</code>"))
    if row.system_type:
        facts.append(("system type", e(row.system_type)))
    return facts


def _training_facts(row: ResultRow) -> list[tuple[str, str]]:
    unit = f" {e(row.convergence_unit)}" if row.convergence_unit else ""
    facts = [
        ("verdict", _verdict(row.passed)),
        ("score", f"{row.score_minutes:.3f} min" if row.score_minutes is not None else "no score"),
        ("runs", f"{row.runs} <span class='muted'>({row.dropped} dropped)</span>"),
        ("scaling factor", f"{row.scaling_factor:.4f}"),
        ("RCP", f"<strong>{e(row.rcp)}</strong>"),
    ]
    if row.submission_mean is not None:
        facts.append(("submission mean", f"{number(row.submission_mean)}{unit}"))
    if row.rcp_mean is not None:
        facts.append(("RCP mean", f"{number(row.rcp_mean)}{unit}"))
    if row.rcp_min_mean is not None:
        facts.append(("fastest mean allowed", f"{number(row.rcp_min_mean)}{unit}"))
    if row.rcp_norm_factor is not None:
        facts.append(("normalisation", f"{row.rcp_norm_factor:.4f}"))
    return facts


def _entry(entry: EntryView, org_label: str) -> str:
    row = entry.row
    facts = _inference_facts(row) if isinstance(row, InferenceResultRow) else _training_facts(row)
    title = entry_name(row)
    out = [
        f'<article class="entry {"ok" if row.passed else "bad"}" id="{entry.anchor}">',
        f'<header><h3>{e(title)} <span class="on">on</span> <span class="mono">{e(row.system)}</span></h3>'
        f'<span class="muted">{e(org_label)}</span> {_verdict(row.passed)}</header>',
        f'<p class="path"><code>{e(row.path)}</code></p>',
        '<dl class="facts">'
        + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
        + "</dl>",
    ]
    plots = []
    if not isinstance(row, InferenceResultRow):
        plots = [
            quality_plot(f"{row.benchmark}: quality per run", entry.logs),
            convergence_plot(row, entry.logs),
        ]
    plots = [p for p in plots if p]
    if plots:
        out.append('<div class="plots">' + "".join(plots) + "</div>")
    if entry.logs:
        x_unit = entry.logs[0].quality.x_unit if entry.logs[0].quality else "progress"
        rows = []
        for log in entry.logs:
            q = log.quality
            own = entry.log_findings.get(log.path, [])
            rows.append(
                f"<tr><td class='mono'>{e(posixpath.basename(log.path))}</td><td>{_verdict(log.passed)}</td>"
                f"<td class='num'>{log.records}</td><td class='num'>{len(q.points) if q else '-'}</td>"
                f"<td class='num'>{number(q.converged_at) if q and q.converged_at is not None else '-'}</td>"
                f"<td class='num'>{len(own)}</td></tr>"
            )
        out.append(
            f'<details class="logs" open><summary>Logs ({len(entry.logs)})</summary><div class="scroll narrow"><table class="data compact">'
            f"<thead><tr><th>log</th><th>verdict</th><th class='num'>records</th><th class='num'>evaluations</th>"
            f"<th class='num'>converged at ({e(x_unit)})</th><th class='num'>findings</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div></details>"
        )
    if not entry.all_findings:
        out.append('<p class="empty">No findings.</p>')
    if entry.findings:
        out.append(
            "<h4>Entry findings</h4>" + "".join(_finding_card(f, row.path) for f in entry.findings)
        )
    for log in entry.logs:
        own = entry.log_findings.get(log.path, [])
        if own:
            out.append(f"<h4>In <code>{e(posixpath.basename(log.path))}</code></h4>")
            out.append("".join(_finding_card(f, row.path) for f in own))
    out.append("</article>")
    return "".join(out)


def _details(report: Report, layout: AuditLayout) -> str:
    out = []
    if layout.general:
        out.append(
            '<section id="general"><h2>Whole-check findings</h2>'
            + "".join(_finding_card(f) for f in layout.general)
            + "</section>"
        )
    if layout.orgs:
        out.append('<section id="entries"><h2>Entries</h2>')
        for org in layout.orgs:
            label = f"{org.division}/{org.org}"
            out.append(
                f'<section class="org" id="{org.anchor}"><h2 class="orgname">{e(label)}</h2>'
            )
            if org.root:
                out.append(f'<p class="path">folder <code>{e(org.root)}</code></p>')
            if org.subjects:
                items = "".join(
                    f"<li>{_verdict(s.passed)} <span class='muted'>{e(s.kind)}</span> <code>{e(s.path)}</code></li>"
                    for s in org.subjects
                )
                out.append(f'<ul class="files">{items}</ul>')
            for path, findings in org.findings.items():
                out.append(
                    f"<h4>In <code>{e(path)}</code></h4>"
                    + "".join(_finding_card(f) for f in findings)
                )
            out.extend(_entry(entry, label) for entry in org.entries)
            out.append("</section>")
        out.append("</section>")
    if layout.others:
        out.append('<section id="files"><h2>Files</h2>')
        for subject in layout.others:
            what = ", ".join(plain(x) for x in (subject.benchmark, subject.division) if x)
            out.append(
                f'<article class="entry {"ok" if subject.passed else "bad"}"><header><h3 class="mono">{e(subject.path)}</h3>'
                f'<span class="muted">{e(what)}</span> {_verdict(subject.passed)}</header>'
                f'<p class="muted">{subject.records} records, {subject.errors} error(s), {subject.warnings} warning(s)</p>'
            )
            plot = quality_plot(f"{subject.benchmark or subject.path}: quality", [subject])
            if plot:
                out.append(f'<div class="plots">{plot}</div>')
            findings = layout.other_findings.get(subject.path, [])
            out.append(
                "".join(_finding_card(f) for f in findings) or '<p class="empty">No findings.</p>'
            )
            out.append("</article>")
        out.append("</section>")
    return "".join(out)


def _nav(report: Report, layout: AuditLayout) -> str:
    links = [("summary", "Summary")]
    if report.results:
        links.append(("results", "Results"))
    review = sum(1 for f in report.findings if f.severity is Severity.REVIEW)
    links += [
        ("review", f"Review ({review})"),
        ("findings", f"Findings ({len(report.findings)})"),
        ("waivers", "Waivers"),
    ]
    if layout.general:
        links.append(("general", "Whole check"))
    if layout.orgs:
        links.append(("entries", "Entries"))
    if layout.others:
        links.append(("files", "Files"))
    return (
        '<nav class="toc"><div class="wrap">'
        + "".join(f'<a href="#{a}">{e(t)}</a>' for a, t in links)
        + "</div></nav>"
    )


# --------------------------------------------------------------------------- page


def _palette_css() -> str:
    rules = []
    for i, colour in enumerate(PALETTE):
        rules.append(
            f"svg.plot .s{i}{{stroke:{colour}}}svg.plot circle.s{i}{{fill:{colour}}}"
            f"svg.plot circle.failed.s{i}{{fill:#fff;stroke:{colour}}}.key.s{i}{{background-color:{colour}}}"
        )
    return "".join(rules)
