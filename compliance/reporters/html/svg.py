"""SVG plots drawn in Python: scales, a plot with lines, dots and bands, and the training entry's quality and convergence plots."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable, Sequence

from compliance.models.report import ResultRow, Subject
from compliance.reporters.html.base import _f, _finite, e
from compliance.reporters.view import (
    number,
    plain,
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
                return float(multiple * magnitude)
        return float(10 * magnitude)

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
