"""TWN: the measured windows (EEMBC) or trials (MLCommons runner) of a Tiny performance or energy run."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.tiny import ModeFolder, Reading, Window, median
from compliance.registry import checker, define
from compliance.rules.tiny.context import RESULT_SUBJECT, SUITES, TinyResultContext

TWN001 = define(
    "TWN001",
    "tiny-window-too-short",
    Severity.ERROR,
    "A measured window ran less than 10 seconds or 10 inferences, or the runner marked it invalid.",
    """
## What it checks
Every performance window and energy window (MLCommons runner: trial) in a
`results.txt` (or the runner's `results.json`): its runtime must be at least
the round's minimum (10 s) and it must count at least 10 inferences; an
EEMBC `e-[...]` message under a window marks it invalid whatever its numbers.

## Why it matters
The rules have the benchmark run by the runner, and both runners call a
shorter window invalid: the EEMBC EnergyRunner prints "The run must take at
least 10 seconds and 10 iterations to be valid", the MLCommons runner prints
"Runtime requirements have been met" only above 10 s. A short window's
timer resolution and start-up cost distort the throughput and energy. The
official checker reads only the median line and publishes such results.

## Example
`ulp-mlperf: e-[The run must take at least 10 seconds and 10 iterations to be valid]`
after a window of 2.963 s.

## How to fix
Raise the runner's inference count for the benchmark until every window runs
10 s or more, and rerun.

## Rule reference
MLPerf Tiny rules, "Benchmark Runner"; the EEMBC EnergyRunner's validity
message; mlcommons/tiny benchmark/runner main.py and script.py (error 2).
""",
    suites=SUITES,
)

TWN002 = define(
    "TWN002",
    "tiny-window-count",
    Severity.ERROR,
    "A performance or energy run does not have the runner's number of windows (5).",
    """
## What it checks
That a performance run (and an energy run's energy windows) has exactly the
round's number of windows: 5 (the streaming wakeword energy run: 1 trial).
Windows printed twice identically are counted once (TWN004).

## Why it matters
The result is the median of the windows; the runners always measure five.
Another count means an edited or incomplete run, and a median of four is
not the runner's median.

## Example
An `energy/results.txt` with the energy windows 2, 4, 6 and 8 only.

## How to fix
Submit the whole output of one complete runner session.

## Rule reference
The EEMBC EnergyRunner's five windows; mlcommons/tiny benchmark/runner
script.py ("loop count must be 5", error 1) and main.py (`req_cycles`).
""",
    suites=SUITES,
)

TWN003 = define(
    "TWN003",
    "tiny-median-mismatch",
    Severity.ERROR,
    "The median a results file states is not the median of its windows.",
    """
## What it checks
That `Median throughput is N inf./sec.` (performance) and `Median energy cost
is N uJ/inf.` (energy) equal the median of the windows' throughputs or
energies per inference, to the printed precision.

## Why it matters
The median is the published score; the runner computes it from the windows
it prints. A median that the windows do not give was edited or belongs to
another run. The official checker never recomputes it.

## Example
Windows of 62.6, 62.6, 62.6, 62.6, 62.6 inf./s and "Median throughput is 70.1 inf./sec.".

## How to fix
Submit the runner's file unedited, from one session.

## Rule reference
MLPerf Tiny rules, "Benchmark Runner" (the runner's median is the result);
mlcommons/tiny benchmark/runner main.py (the median of the windows).
""",
    suites=SUITES,
)

TWN004 = define(
    "TWN004",
    "tiny-windows-repeated",
    Severity.WARNING,
    "A results file prints the same window more than once.",
    """
## What it checks
Whether a window (same number, same values) appears more than once in a
`results.txt`, as when the runner's block was written again into the file,
or every line is printed twice in a row (the same time stamp and text).

## Why it matters
The repeats are counted once, so the result stands, but a reader of the
file sees 10 or 25 windows and cannot tell which session the result is.

## Example
The five windows of a performance run printed twice, one after the other.

## How to fix
Keep one copy of the runner's output.

## Rule reference
None states it: the runners write each window once.
""",
    suites=SUITES,
)

WINDOW_ROUNDING = 0.0005  # half the last digit of a window's printed value (3 decimals)


def _short(window: Window, min_runtime: float, min_inferences: int | None) -> str | None:
    if window.error:
        return f"the runner marked it invalid ({window.error})"
    if window.runtime_s is not None and window.runtime_s < min_runtime:
        return f"it ran {window.runtime_s:g} s"
    if min_inferences is not None and window.inferences is not None and window.inferences < min_inferences:
        return f"it counted {window.inferences} inferences"
    return None


@checker(RESULT_SUBJECT, TWN001, TWN004)
def window_validity(ctx: TinyResultContext) -> Iterator[Finding]:
    book = ctx.book
    sww = _streaming(ctx)
    for mode in ("performance", "energy"):
        folder = ctx.result.modes.get(mode)
        if folder is None or (sww and mode == "performance"):
            continue  # streaming wakeword performance: an estimate over the stream, no windows
        where = folder.windows_file()
        least = None if sww else book.min_inferences  # a streaming run is one inference over the whole stream
        bad = [(w, why) for w in folder.windows if (why := _short(w, book.min_runtime_s, least))]
        if bad:
            first, why = bad[0]
            # an EnergyRunner energy run prints each window twice (its energy and its performance
            # block, the same number): a window is counted once, by its number
            numbers = {w.number for w in folder.windows}
            invalid = {w.number for w, _ in bad}
            counted = "inference count not logged" if first.inferences is None else f"{first.inferences} inferences"
            yield ctx.finding(
                TWN001,
                f"{len(invalid)} of the {len(numbers)} windows of the {mode} run {'is not a valid run: ' if len(invalid) == 1 else 'are not valid runs: the first, '}"
                f"{first.kind} window {first.number}: {why}",
                path=where or folder.path,
                line=first.line or None,
                observed=f"{first.runtime_s:g} s, {counted}" if first.runtime_s is not None else why,
                required=f"at least {book.min_runtime_s:g} s and {book.min_inferences} inferences per window",
            )
        if folder.repeated or folder.repeated_lines:
            what = [f"{folder.repeated} window(s) printed again" if folder.repeated else "", f"{folder.repeated_lines} line(s) printed twice in a row" if folder.repeated_lines else ""]
            yield ctx.finding(
                TWN004,
                f"the {mode} results file repeats itself ({', '.join(w for w in what if w)}); each window is counted once",
                path=where or folder.path,
                observed=", ".join(w for w in what if w),
                required="each window once",
            )


def _streaming(ctx: TinyResultContext) -> bool:
    return ctx.benchmark is not None and ctx.benchmark.target.metric == "detections"


def _precision(reading: Reading) -> float:
    """A unit of the median's last printed digit, and the windows' own rounding (the runners print
    them to 3 decimals and take the median of the unrounded values)."""
    decimals = len(reading.text.split(".", 1)[1]) if "." in reading.text else 0
    return 10.0**-decimals + WINDOW_ROUNDING + abs(reading.value) * 1e-6


def _measured(folder: ModeFolder) -> tuple[list[Window], Reading | None, str, str]:
    """The windows that make the mode's median, the median stated, what is measured, its unit."""
    if folder.mode == "energy":
        return folder.windows_of("energy"), folder.median_energy, "energy per inference", "uJ/inf."
    return folder.windows_of("performance"), folder.median_throughput, "throughput", "inf./sec."


@checker(RESULT_SUBJECT, TWN002, TWN003)
def window_median(ctx: TinyResultContext) -> Iterator[Finding]:
    sww = _streaming(ctx)
    for mode in ("performance", "energy"):
        folder = ctx.result.modes.get(mode)
        if folder is None or (sww and mode == "performance"):
            continue
        windows, stated, what, unit = _measured(folder)
        if not windows and stated is None:
            continue  # nothing measured: TRS002 reports the missing result
        want = ctx.book.sww_energy_count if sww and mode == "energy" and ctx.book.sww_energy_count else ctx.book.window_count
        where = folder.windows_file()
        if not windows:
            continue  # a results.txt with the median alone and no results.json: nothing to count
        if len(windows) != want:
            yield ctx.finding(
                TWN002,
                f"the {mode} run has {len(windows)} {what} window(s), numbered {', '.join(str(w.number) for w in windows[:12])}",
                path=where or folder.path,
                line=windows[0].line or None,
                observed=len(windows),
                required=f"{want} windows",
            )
        values = [w.throughput if mode == "performance" else w.energy_per_inference_uj for w in windows]
        numbers = [v for v in values if v is not None]
        if stated is None or len(numbers) != len(windows) or sww:
            continue
        expected = median(numbers)
        if abs(expected - stated.value) > _precision(stated):
            yield ctx.summary_finding(
                TWN003,
                folder,
                stated.line,
                f"the {mode} median is stated as {stated.text} {unit}, but the median of its {len(numbers)} windows is {expected:.6g} {unit}",
                observed=f"{stated.text} {unit}",
                required=f"{expected:.6g} {unit} (the median of the windows)",
            )
