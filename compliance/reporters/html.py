"""A self-contained HTML page of one report, for the review committee.

One file: inline CSS, a little inline JavaScript (filters and sorting), and SVG
plots drawn here in Python. Nothing is fetched when the page is viewed: a
Content-Security-Policy allows only this page's own style and script (by hash),
and the only links that leave the page go to the rules' documentation. The page
is complete and readable with JavaScript off; the script only filters and sorts.

Everything from the report is escaped (``compliance.escape.html``: control and
bidirectional characters made visible, then ``html.escape``, workflow commands
broken): names, paths, messages and logged values may come from a hostile log.

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
import math
import posixpath
from collections.abc import Iterable, Sequence
from html import escape

from compliance.escape import html as html_text

from compliance.models.findings import Finding, Severity
from compliance.models.report import InferenceResultRow, Report, ResultRow, Subject
from compliance.reporters import below, omitted_sentences, setting_sentences
from compliance.reporters.markdown import (
    SEVERITIES,
    SEVERITY_LABEL,
    AuditLayout,
    EntryView,
    audit_layout,
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

# Run colours (one per log of an entry, cycling), chosen to stay apart on white.
PALETTE = (
    "#2f6db5",
    "#e07b24",
    "#3a9a5b",
    "#c23b4a",
    "#7b5cb8",
    "#8c6a3e",
    "#d463a8",
    "#6b7280",
    "#a8a21d",
    "#1aa3b5",
)


def e(value: object) -> str:
    """Escaped text from the report (control characters made visible first, workflow commands broken)."""
    return html_text(plain(value))


def _f(value: float) -> str:
    """A coordinate: fixed precision, so the same report gives the same bytes."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


# --------------------------------------------------------------------------- SVG helpers


def extent(values: Iterable[float | None], pad: float = 0.06) -> tuple[float, float]:
    """The range of the values, padded; never empty or zero-wide."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return (0.0, 1.0)
    lo, hi = min(finite), max(finite)
    if hi == lo:
        half = abs(lo) * 0.05 or 1.0
        return (lo - half, hi + half)
    margin = (hi - lo) * pad
    return (lo - margin, hi + margin)


class Scale:
    """A linear map from a data range onto a pixel range, with round-number ticks."""

    def __init__(self, domain: tuple[float, float], pixels: tuple[float, float]):
        self.lo, self.hi = domain
        self.start, self.end = pixels

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)

    def step(self, count: int = 6) -> float:
        raw = (self.hi - self.lo) / count
        magnitude = 10 ** math.floor(math.log10(raw))
        for multiple in (1, 2, 2.5, 5, 10):
            if multiple * magnitude >= raw:
                return multiple * magnitude
        return 10 * magnitude

    def ticks(self, count: int = 6) -> list[tuple[float, str]]:
        step = self.step(count)
        first = math.ceil(self.lo / step - 1e-9)
        out = []
        k = first
        while k * step <= self.hi + step * 1e-9:
            value = k * step
            out.append((value, tick_label(value, step)))
            k += 1
        return out


def tick_label(value: float, step: float) -> str:
    """Short axis labels: 150k, 1.2M, 3.5, 0.25."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if step >= size / 10 and abs(value) >= size:
            return f"{round(value / size, 6):g}{suffix}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else (1 if step % 1 else 0)
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


class Plot:
    """One SVG chart: a plot area with two axes, drawn in data coordinates.

    The drawing methods append SVG elements; ``render`` wraps them with the
    axes, ticks and labels. CSS classes (not inline styles) give the colours.
    """

    def __init__(
        self,
        x: tuple[float, float],
        y: tuple[float, float],
        *,
        width: int = 560,
        height: int = 300,
        margin: tuple[int, int, int, int] = (16, 20, 44, 60),  # top, right, bottom, left
    ):
        self.width, self.height = width, height
        top, right, bottom, left = margin
        self.box = (left, top, width - right, height - bottom)
        self.x = Scale(x, (left, width - right))
        self.y = Scale(y, (height - bottom, top))
        self.parts: list[str] = []

    @staticmethod
    def _title(label: str | None) -> str:
        return f"<title>{e(label)}</title>" if label else ""

    def line(
        self, points: Sequence[tuple[float, float]], cls: str, label: str | None = None
    ) -> None:
        if not points:
            return
        coords = " ".join(f"{_f(self.x(px))},{_f(self.y(py))}" for px, py in points)
        self.parts.append(
            f'<polyline class="{cls}" points="{coords}">{self._title(label)}</polyline>'
        )

    def dot(self, px: float, py: float, cls: str, label: str | None = None, r: float = 3.5) -> None:
        self.parts.append(
            f'<circle class="{cls}" cx="{_f(self.x(px))}" cy="{_f(self.y(py))}" r="{r}">{self._title(label)}</circle>'
        )

    def hline(
        self, value: float, cls: str, label: str | None = None, text: str | None = None
    ) -> None:
        left, top, right, _ = self.box
        y = _f(self.y(value))
        self.parts.append(
            f'<line class="{cls}" x1="{left}" x2="{right}" y1="{y}" y2="{y}">{self._title(label)}</line>'
        )
        if text:
            # On the left: training curves start far from their target and end near it.
            below = self.y(value) - top < 16
            ty = self.y(value) + (14 if below else -5)
            self.parts.append(
                f'<text class="{cls}-label" x="{left + 6}" y="{_f(ty)}">{e(text)}</text>'
            )

    def vline(self, value: float, cls: str, label: str | None = None) -> None:
        _, top, _, bottom = self.box
        x = _f(self.x(value))
        self.parts.append(
            f'<line class="{cls}" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}">{self._title(label)}</line>'
        )

    def xband(self, lo: float, hi: float, cls: str, label: str | None = None) -> None:
        _, top, _, bottom = self.box
        x0, x1 = sorted((self.x(lo), self.x(hi)))
        self.parts.append(
            f'<rect class="{cls}" x="{_f(x0)}" y="{top}" width="{_f(max(x1 - x0, 1.0))}" height="{bottom - top}">'
            f"{self._title(label)}</rect>"
        )

    def text(
        self, px: float, py: float, content: str, cls: str = "note", anchor: str = "start"
    ) -> None:
        self.parts.append(
            f'<text class="{cls}" x="{_f(self.x(px))}" y="{_f(self.y(py) + 4)}" text-anchor="{anchor}">{e(content)}</text>'
        )

    def render(
        self,
        title: str,
        x_label: str,
        y_label: str,
        *,
        kind: str,
        xticks: list[tuple[float, str]] | None = None,
        yticks: list[tuple[float, str]] | None = None,
    ) -> str:
        left, top, right, bottom = self.box
        out = [
            f'<svg class="plot" data-plot="{kind}" viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
            f'height="{self.height}" role="img" xmlns="http://www.w3.org/2000/svg">',
            f"<title>{e(title)}</title>",
            f'<rect class="frame" x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"/>',
        ]
        for value, label in xticks if xticks is not None else self.x.ticks():
            x = _f(self.x(value))
            out.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>')
            out.append(
                f'<text class="tick" x="{x}" y="{bottom + 15}" text-anchor="middle">{e(label)}</text>'
            )
        for value, label in yticks if yticks is not None else self.y.ticks():
            y = _f(self.y(value))
            out.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>')
            out.append(
                f'<text class="tick" x="{left - 6}" y="{_f(self.y(value) + 4)}" text-anchor="end">{e(label)}</text>'
            )
        out.extend(self.parts)
        out.append(
            f'<text class="axis" x="{_f((left + right) / 2)}" y="{self.height - 8}" text-anchor="middle">{e(x_label)}</text>'
        )
        out.append(
            f'<text class="axis" transform="translate(14 {_f((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">{e(y_label)}</text>'
        )
        out.append("</svg>")
        return "".join(out)


def legend(items: Iterable[tuple[str, str]]) -> str:
    """An HTML legend: (CSS class of the key, text)."""
    return (
        '<ul class="legend">'
        + "".join(f'<li><span class="key {cls}"></span>{e(text)}</li>' for cls, text in items)
        + "</ul>"
    )


# --------------------------------------------------------------------------- training plots


def _series(log: Subject) -> list[tuple[float, float]]:
    if log.quality is None:
        return []
    points = []
    for point in log.quality.points:
        if isinstance(point, (list, tuple)) and len(point) >= 2:
            px, py = _finite(point[0]), _finite(point[1])
            if px is not None and py is not None:
                points.append((px, py))
    return points


def quality_plot(title: str, logs: list[Subject]) -> str:
    """Each run's quality metric over training progress (one line per run), and the target."""
    series = [(log, _series(log)) for log in logs]
    series = [(log, pts) for log, pts in series if pts]
    if not series:
        return ""
    first = series[0][0].quality
    assert first is not None
    target = _finite(first.target)
    xs = [p[0] for _, pts in series for p in pts]
    ys = [p[1] for _, pts in series for p in pts] + ([target] if target is not None else [])
    plot = Plot(extent(xs, 0.03), extent(ys))
    if target is not None:
        better = {True: "lower is better", False: "higher is better"}.get(first.lower_is_better)  # type: ignore[arg-type]
        text = f"target {plain(first.target)}" + (f" ({better})" if better else "")
        plot.hline(target, "target", text, text)
    keys = []
    for i, (log, pts) in enumerate(series):
        name = posixpath.basename(log.path)
        colour = f"s{i % len(PALETTE)}"
        failed = "" if log.passed else " failed"
        plot.line(pts, f"run {colour}{failed}", f"{name}: {len(pts)} evaluations")
        converged = _finite(log.quality.converged_at) if log.quality else None
        hit = [p for p in pts if p[0] == converged]
        if hit:
            plot.dot(
                hit[-1][0],
                hit[-1][1],
                f"hit {colour}",
                f"{name} converged at {plain(converged)}",
                r=3,
            )
        keys.append((colour + failed, name + ("" if log.passed else " (fails)")))
    if target is not None:
        keys.append(("target", "quality target"))
    svg = plot.render(title, first.x_unit, first.metric, kind="quality")
    return _figure(
        svg, f"Quality per evaluation: {first.metric} against {first.x_unit}", legend(keys)
    )


def convergence_plot(row: ResultRow, logs: list[Subject]) -> str:
    """Each run's convergence point against the entry's mean and the RCP band."""
    points = [(log, _finite(log.quality.converged_at) if log.quality else None) for log in logs]
    if not any(v is not None for _, v in points):
        return ""
    rcp_mean, rcp_min, mean = (
        _finite(row.rcp_mean),
        _finite(row.rcp_min_mean),
        _finite(row.submission_mean),
    )
    xs = [v for _, v in points] + [rcp_mean, rcp_min, mean]
    lanes = len(points)
    height = max(180, 60 + 22 * lanes)
    plot = Plot(extent(xs), (-0.7, lanes - 0.3), height=height, margin=(16, 20, 44, 96))
    keys = []
    if rcp_mean is not None and rcp_min is not None:
        plot.xband(
            rcp_min, rcp_mean, "rcp-band", f"RCP band: {number(rcp_min)} .. {number(rcp_mean)}"
        )
        plot.vline(rcp_min, "rcp-min", f"fastest mean allowed {number(rcp_min)}")
        plot.vline(rcp_mean, "rcp-mean", f"RCP mean {number(rcp_mean)}")
        keys += [("rcp-band", "RCP band (fastest allowed .. RCP mean)"), ("rcp-mean", "RCP mean")]
    if mean is not None:
        ok = rcp_min is None or mean >= rcp_min
        cls = "sub-mean" + ("" if ok else " too-fast")
        plot.vline(mean, cls, f"submission mean {number(mean)}")
        keys.append((cls, f"submission mean {number(mean)}"))
    yticks = []
    lo = plot.x.lo
    for lane, (log, value) in enumerate(points):
        name = posixpath.basename(log.path)
        y = lanes - 1 - lane
        yticks.append((float(y), name))
        if value is None:
            plot.text(lo, y, "did not converge", "note")
        else:
            plot.dot(
                value,
                y,
                f"conv s{lane % len(PALETTE)}" + ("" if log.passed else " failed"),
                f"{name}: {plain(value)}",
            )
    unit = row.convergence_unit or (logs[0].quality.x_unit if logs and logs[0].quality else "")
    svg = plot.render(
        f"Convergence of the runs of {row.benchmark}", unit, "", kind="convergence", yticks=yticks
    )
    caption = "Convergence: each run's convergence point" + (
        " against the RCP band" if rcp_mean is not None else ""
    )
    return _figure(svg, caption, legend([("conv-key", "a run's convergence point"), *keys]))


def _figure(svg: str, caption: str, extra: str) -> str:
    return f'<figure class="chart"><figcaption>{e(caption)}</figcaption>{svg}{extra}</figure>'


# --------------------------------------------------------------------------- page parts


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
    logs = [s for s in report.subjects if s.kind in ("training_log", "loadgen_run")]
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


CSS = """
:root{--ink:#1c2330;--muted:#5d6776;--line:#dde2ea;--soft:#f5f7fa;--bg:#fff;--accent:#1f4f8f;
--err:#b42318;--err-bg:#fdecea;--warn:#9a5b00;--warn-bg:#fff4e0;--rev:#6a3fb5;--rev-bg:#f1ebfb;
--info:#1d5fa8;--info-bg:#e8f1fb;--ok:#17753a;--ok-bg:#e6f4ea;--waived:#5d6776;--waived-bg:#eef0f3}
*{box-sizing:border-box}
html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--soft)}
body{margin:0}
.wrap{max-width:1240px;margin:0 auto;padding:0 28px}
code,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.86em}
code{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
a{color:var(--accent)}
.muted{color:var(--muted)}
.small{font-size:.8em}
header.top{background:#172033;color:#eef2f8;padding:26px 0 22px}
header.top .eyebrow{margin:0;text-transform:uppercase;letter-spacing:.12em;font-size:.75rem;color:#9fb0c8}
header.top h1{margin:4px 0 14px;font-size:1.9rem;font-weight:650;display:flex;align-items:center;gap:14px}
header.top .muted{color:#9fb0c8}
header.top code{background:#243049;border-color:#33415e;color:#dfe7f3}
dl.meta{display:flex;flex-wrap:wrap;gap:8px 36px;margin:0}
dl.meta div{min-width:0}
dl.meta dt{font-size:.72rem;text-transform:uppercase;letter-spacing:.08em;color:#9fb0c8}
dl.meta dd{margin:0}
ul.notes{margin:14px 0 0;padding:10px 14px 10px 30px;background:#243049;border-radius:6px}
nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:5}
nav.toc .wrap{display:flex;gap:22px;flex-wrap:wrap;padding-top:10px;padding-bottom:10px}
nav.toc a{text-decoration:none;font-weight:550;font-size:.92rem}
main{padding:8px 0 40px}
section{margin-top:28px}
h2{font-size:1.3rem;margin:0 0 6px}
h2.orgname{font-size:1.15rem;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:1.1rem;margin:0}
h4{font-size:.95rem;margin:18px 0 8px}
p.lead{margin:0 0 12px;color:var(--muted)}
p.empty{color:var(--muted);font-style:italic}
p.path{margin:4px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-left:4px solid var(--line);border-radius:8px;padding:10px 14px}
.card .label{font-size:.75rem;text-transform:uppercase;letter-spacing:.07em;color:var(--muted)}
.card .value{font-size:1.6rem;font-weight:650;white-space:nowrap}.card .value.long{font-size:1.15rem;line-height:2.1rem}
.card .sub{font-size:.8rem;color:var(--muted)}
.card.good{border-left-color:var(--ok)}.card.bad{border-left-color:var(--err)}.card.bad .value{color:var(--err)}
.card.sev-error{border-left-color:var(--err)}.card.sev-error .value{color:var(--err)}
.card.sev-warning{border-left-color:var(--warn)}.card.sev-review{border-left-color:var(--rev)}.card.sev-review .value{color:var(--rev)}
.card.sev-info{border-left-color:var(--info)}.card.waived{border-left-color:var(--waived)}
.card.zero .value{color:#a2abb8}
.badge{display:inline-block;font-size:.72rem;font-weight:650;letter-spacing:.04em;border-radius:999px;padding:1px 9px;white-space:nowrap;vertical-align:middle;text-transform:uppercase}
.badge.big{font-size:.95rem;padding:3px 14px}
.badge.pass{background:var(--ok-bg);color:var(--ok)}.badge.fail{background:var(--err-bg);color:var(--err)}
.badge.sev-error{background:var(--err-bg);color:var(--err)}.badge.sev-warning{background:var(--warn-bg);color:var(--warn)}
.badge.sev-review{background:var(--rev-bg);color:var(--rev)}.badge.sev-info{background:var(--info-bg);color:var(--info)}
.badge.waived{background:var(--waived-bg);color:var(--waived)}
.rcp-ok{color:var(--ok);font-weight:600}.rcp-bad{color:var(--err);font-weight:600}.rcp-na{color:var(--muted)}
table.data td.rcp{min-width:12ch}table.data td.verdict{min-width:9ch}
table.data td.mono{overflow-wrap:anywhere;min-width:22ch}
.scroll{background:#fff}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table.data{border-collapse:collapse;width:100%;font-size:.88rem}
table.data th{text-align:left;font-size:.74rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);background:var(--soft);border-bottom:1px solid var(--line);padding:8px 10px;white-space:nowrap}
table.data td{padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
table.data tbody tr:last-child td{border-bottom:0}
table.data tbody tr:nth-child(even){background:#fafbfc}
table.data tr[hidden]{display:none}
table.compact td{padding:4px 10px}
.num{text-align:right;font-variant-numeric:tabular-nums}
table.data th.num{text-align:right}
table.findings{table-layout:fixed;min-width:1000px}
table.findings col.c-sev{width:150px}table.findings col.c-code{width:86px}table.findings col.c-where{width:190px}
table.findings col.c-seen{width:19%}table.findings col.c-req{width:19%}
table.findings td{overflow-wrap:anywhere}
table.compact{width:auto;min-width:640px}
.scroll.narrow{display:inline-block;max-width:100%;vertical-align:top}
th button{all:unset;cursor:pointer;display:inline-flex;gap:4px;align-items:center}
th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
th button::after{content:"\\2195";opacity:.35;font-size:.9em}
th[aria-sort=ascending] button::after{content:"\\2191";opacity:1}
th[aria-sort=descending] button::after{content:"\\2193";opacity:1}
.js-only{display:none}
html.js .js-only{display:flex}
.filters{flex-wrap:wrap;align-items:center;gap:10px 18px;margin:0 0 10px}
.filters label.search{display:flex;align-items:center;gap:8px;font-weight:600;font-size:.85rem}
.filters input[type=search]{font:inherit;font-weight:400;padding:6px 10px;border:1px solid #c4ccd8;border-radius:6px;min-width:300px}
.filters fieldset{border:0;margin:0;padding:0;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.filters legend{float:left;font-weight:600;font-size:.85rem;margin-right:4px}
.filters label.chk{font-size:.85rem;display:inline-flex;gap:4px;align-items:center;padding:2px 8px;border-radius:999px;background:var(--soft);border:1px solid var(--line)}
.filters .count{color:var(--muted);font-size:.85rem;margin-left:auto}
.finding{background:#fff;border:1px solid var(--line);border-left:4px solid var(--line);border-radius:8px;padding:10px 14px;margin:0 0 10px}
.finding.sev-error{border-left-color:var(--err)}.finding.sev-warning{border-left-color:var(--warn)}
.finding.sev-review{border-left-color:var(--rev)}.finding.sev-info{border-left-color:var(--info)}
.finding.is-waived{border-left-color:var(--waived);background:#fcfcfd}
.fhead{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.fhead .code{font-weight:700;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.9rem}
.fhead .fname{color:var(--muted);font-size:.88rem}
.fhead .loc{margin-left:auto;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.8rem;color:var(--muted)}
.finding p.msg{margin:6px 0 8px}
dl.evidence{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0;font-size:.86rem}
dl.evidence dt{color:var(--muted);font-weight:600}
dl.evidence dd{margin:0;min-width:0}
dd.kvs{display:flex;flex-wrap:wrap;gap:4px 14px}
.kv .k{color:var(--muted)}
article.entry{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:16px 0 22px;box-shadow:0 1px 2px rgba(20,30,50,.04)}
article.entry.bad{border-top:4px solid var(--err)}article.entry.ok{border-top:4px solid var(--ok)}
article.entry>header{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
article.entry>header h3 .on{color:var(--muted);font-weight:400}
dl.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 12px;padding:10px 14px;background:var(--soft);border-radius:8px}
dl.facts dt{font-size:.7rem;text-transform:uppercase;letter-spacing:.07em;color:var(--muted)}
dl.facts dd{margin:0;font-weight:550}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px;margin:6px 0 12px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figure.chart figcaption{font-size:.85rem;font-weight:600;margin-bottom:4px}
svg.plot{width:100%;height:auto;display:block}
svg.plot .frame{fill:#fff;stroke:#c9d0da}
svg.plot .grid{stroke:#edf0f4}
svg.plot .tick{font-size:10.5px;fill:#5d6776}
svg.plot .axis{font-size:11.5px;fill:#38404d;font-weight:600}
svg.plot .note{font-size:10.5px;fill:#9a5b00;font-style:italic}
svg.plot polyline.run{fill:none;stroke-width:1.6;stroke-linejoin:round;opacity:.9}
svg.plot polyline.run.failed{stroke-dasharray:5 3}
svg.plot circle.hit{stroke:#fff;stroke-width:1}
svg.plot line.target{stroke:#b42318;stroke-width:1.5;stroke-dasharray:7 4}
svg.plot .target-label{font-size:11px;fill:#b42318;font-weight:600}
svg.plot rect.rcp-band{fill:#1d5fa8;fill-opacity:.13}
svg.plot line.rcp-mean{stroke:#1d5fa8;stroke-width:1.5;stroke-dasharray:6 3}
svg.plot line.rcp-min{stroke:#1d5fa8;stroke-width:1}
svg.plot line.sub-mean{stroke:#17753a;stroke-width:2.2}
svg.plot line.sub-mean.too-fast{stroke:#b42318}
svg.plot circle.conv{stroke:#fff;stroke-width:1}
svg.plot circle.conv.failed{fill:#fff;stroke-width:2}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 14px;margin:6px 0 0;padding:0;font-size:.78rem;color:var(--muted)}
ul.legend li{display:inline-flex;align-items:center;gap:5px}
.key{display:inline-block;width:16px;height:3px;border-radius:2px;background:#888}
.key.failed{background-image:linear-gradient(90deg,transparent 60%,#fff 60%);background-size:6px 3px}
.key.target{background:repeating-linear-gradient(90deg,#b42318 0 6px,transparent 6px 9px)}
.key.rcp-band{height:10px;background:rgba(29,95,168,.18)}
.key.rcp-mean{background:repeating-linear-gradient(90deg,#1d5fa8 0 5px,transparent 5px 8px)}
.key.sub-mean{background:#17753a}.key.sub-mean.too-fast{background:#b42318}
.key.conv-key{width:8px;height:8px;border-radius:50%;background:#5d6776}
details.logs{margin:8px 0 4px}
details.logs summary{cursor:pointer;font-weight:600;font-size:.9rem;margin-bottom:6px}
ul.files{list-style:none;padding:0;margin:0 0 8px;font-size:.88rem}
ul.files li{margin:3px 0}
footer{color:var(--muted);font-size:.8rem;padding:20px 0 30px;border-top:1px solid var(--line)}
@media print{nav.toc,.js-only{display:none!important}html{background:#fff}article.entry{break-inside:avoid}}
"""

SCRIPT = """
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var raw = location.hash.indexOf("=") >= 0 ? location.hash.slice(1) : location.search.slice(1);
  var params = new URLSearchParams(raw);

  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var sort = cell.getAttribute("data-sort");
    return sort !== null ? sort : cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".tablebox"), function (box) {
    var table = box.querySelector("table");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
    var input = box.querySelector("input[type=search]");
    var checks = Array.prototype.slice.call(box.querySelectorAll("input[type=checkbox]"));
    var count = box.querySelector("[data-count]");

    function apply() {
      var terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var on = {};
      checks.forEach(function (c) { on[c.value] = c.checked; });
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
        var sev = row.getAttribute("data-severity");
        if (ok && sev !== null && on[sev] === false) ok = false;
        if (ok && row.getAttribute("data-waived") === "1" && on.waived === false) ok = false;
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " shown";
    }

    function sortBy(th, direction) {
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
      rows.slice().sort(function (a, b) {
        return direction * compare(key(a, index), key(b, index)) ||
          Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      }).forEach(function (row) { body.appendChild(row); });
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      if (!th.hasAttribute("data-key")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.title = "Sort by " + th.textContent;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(th, th.getAttribute("aria-sort") === "ascending" ? -1 : 1);
      });
    });

    var q = params.get(input.getAttribute("data-param"));
    if (q !== null) input.value = q;
    var sev = params.get("sev");
    if (sev !== null && checks.length) {
      var wanted = sev.toLowerCase().split(",");
      checks.forEach(function (c) { c.checked = wanted.indexOf(c.value) >= 0; });
    }
    var sort = params.get(box.getAttribute("data-sort-param"));
    if (sort) {
      var descending = sort.charAt(0) === "-";
      var th = table.tHead.querySelector('th[data-key="' + sort.replace(/^-/, "").replace(/[^a-z0-9_-]/gi, "") + '"]');
      if (th) sortBy(th, descending ? -1 : 1);
    }
    input.addEventListener("input", apply);
    checks.forEach(function (c) { c.addEventListener("change", apply); });
    apply();
  });
})();
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def render(report: Report) -> str:
    # Errors first, then warnings, review and info; waived ones after the open ones of their
    # severity; the report's order (subject, line) within each.
    import dataclasses

    ordered = sorted(report.findings, key=lambda f: (f.waived_by is not None, f.severity.rank))
    report = dataclasses.replace(report, findings=ordered)
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
