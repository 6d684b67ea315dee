"""TRS: each Tiny mode folder's result summary (``results.txt``): present, readable, with its value."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.tiny import ModeFolder
from compliance.registry import checker, define
from compliance.rules.tiny.context import RESULT_SUBJECT, SUBMISSION_SUBJECT, SUITES, TinyResultContext, TinySubmissionContext

TRS001 = define(
    "TRS001",
    "tiny-results-file-missing",
    Severity.ERROR,
    "A mode folder has no results.txt (the runner's summary the result is read from).",
    """
## What it checks
That every `performance/`, `accuracy/` and `energy/` folder of a result holds
the runner's `results.txt` (rounds 0.5 to 1.0 also `<mode>_results.txt`).

## Why it matters
The official checker reads the score, the accuracy and the energy from this
file only; without it the result has no value (the checker rejects it).

## Example
`ic/performance/` holding only `performance_log.txt` and `performance_script.async`.

## How to fix
Copy the runner's `results.txt` of the session into the folder.

## Rule reference
The results repository's `directory_structure.adoc`; the official checker
(mlcommons/tiny tools/submission) reads `<mode>/results.txt`.
""",
    suites=SUITES,
)

TRS002 = define(
    "TRS002",
    "tiny-result-value-missing",
    Severity.ERROR,
    "A results.txt does not state the mode's result (median throughput, median energy, Top-1 or AUC, detections).",
    """
## What it checks
That a `results.txt` has the line the result is read from: `Median throughput
is N inf./sec.` (performance), `Median energy cost is N uJ/inf.` (energy),
`Top-1: N%` or `AUC: N` (accuracy; AUC for anomaly detection), and for
streaming wakeword the `Accuracy: ... True positives ...` and `Estimated
throughput` lines (energy: the trial's `Power : N mW`).

## Why it matters
This is the number published. The official checker finds no result for the
benchmark (performance, accuracy) or fails with an exception (energy).

## Example
A performance `results.txt` that ends after one window, with no median line.

## How to fix
Submit the file of a complete runner session.

## Rule reference
The official checker's result patterns (mlcommons/tiny tools/submission).
""",
    suites=SUITES,
)

TRS003 = define(
    "TRS003",
    "tiny-results-file-unreadable",
    Severity.ERROR,
    "A results file cannot be read: not a regular file, not text, over its bound, or not the runner's JSON.",
    """
## What it checks
That `results.txt` (and a `results.json` read for the windows) is a regular
text file within its bound (4 MiB for results.txt, 16 MiB for results.json),
with no line longer than 4096 characters, and that results.json is the
runner's list of windows.

## Why it matters
Nothing in such a file can be checked; the rest of the result still is.

## Example
`results.txt` holding binary data, or a symbolic link in its place.

## How to fix
Replace it with the runner's own file.

## Rule reference
None of the rules: these are the tool's bounds on what it reads.
""",
    suites=SUITES,
)


TRS004 = define(
    "TRS004",
    "tiny-result-from-log",
    Severity.INFO,
    "The round's layout has no results.txt: the value is computed from the runner's log, or cannot be recomputed from the round's files.",
    """
## What it checks
In a round whose layout has no results summary (0.5: round data
`files.summary_file`), a mode folder that holds the runner's log instead of a
`results.txt`. For a performance run the throughput is computed from the log
as the runner computes it: each window's inferences (`m-infer-start-N`) over
the span of its `m-lap-us-` times, the median of the windows (the windows
are checked as a results file's are, TWN001 to TWN003). An accuracy or
energy run's value cannot be recomputed from these files (the log holds the
device's scores, not the inputs' labels; the energy monitor's samples are
not in it): it is not checked.

## Why it matters
The 0.5 `directory_structure.adoc` lists the runner's log and script as the
mandatory files; a result filed that way follows its round's layout, and
TRS001 (a missing results.txt) does not apply. The note says where the
number comes from, or that nothing checks it.

## Example
`ic/performance/` holding `performance_log.txt` and `performance_script.async`
(0.5): "median throughput 0.807 inf./s computed from the runner's log (5
windows)".

## How to fix
Nothing: it follows the round's layout. The runner's `results.txt`, where
kept, lets the published numbers be read directly.

## Rule reference
The 0.5 results repository's `directory_structure.adoc` (the mandatory
files); the EEMBC EnergyRunner's window timing.
""",
    suites=SUITES,
)


def _missing_value(ctx: TinyResultContext, folder: ModeFolder) -> str | None:
    sww = ctx.benchmark is not None and ctx.benchmark.target.metric == "detections"
    if folder.mode == "performance":
        if sww:
            return None if folder.estimated_throughput is not None else "an 'Estimated throughput: N inf./sec.' line"
        return None if folder.median_throughput is not None else "a 'Median throughput is N inf./sec.' line"
    if folder.mode == "energy":
        if sww:
            return None if folder.power_mw is not None else "a 'Power : N mW.' line"
        return None if folder.median_energy is not None else "a 'Median energy cost is N uJ/inf.' line"
    if sww:
        return None
    metric = ctx.benchmark.target.metric if ctx.benchmark is not None else None
    if metric == "auc":
        return None if folder.auc is not None else "an 'AUC: N' line"
    if metric == "top1":
        return None if folder.top1 is not None else "a 'Top-1: N%' line"
    return None if folder.top1 is not None or folder.auc is not None else "a 'Top-1: N%' or 'AUC: N' line"


@checker(RESULT_SUBJECT, TRS001, TRS002, TRS003)
def summaries(ctx: TinyResultContext) -> Iterator[Finding]:
    for mode, folder in ctx.result.modes.items():
        for path, why in folder.problems:
            yield ctx.finding(TRS003, f"{path.rsplit('/', 1)[-1]} {why}", path=path, observed=why, required="the runner's text file")
        if folder.log_only:
            continue  # the round's layout has no results.txt: TRS004, once per system
        if folder.summary_path is None:
            yield ctx.finding(
                TRS001,
                f"the {mode} folder has no results.txt; it holds {', '.join(sorted(folder.names.values())[:6]) or 'no file'}",
                path=folder.path,
                observed=", ".join(sorted(folder.names.values())[:6]) or "an empty folder",
                required="results.txt",
            )
            continue
        if any(p == folder.summary_path for p, _ in folder.problems):
            continue
        wanted = _missing_value(ctx, folder)
        if wanted:
            yield ctx.finding(
                TRS002,
                f"{folder.summary_path.rsplit('/', 1)[-1]} of the {mode} run has no result: {wanted} was not found",
                path=folder.summary_path,
                observed="no result line",
                required=wanted,
            )


EXAMPLES = 4  # the folders a grouped finding names


@checker(SUBMISSION_SUBJECT, TRS004)
def values_from_logs(ctx: TinySubmissionContext) -> Iterator[Finding]:
    """One note per system whose mode folders hold the runner's log in place of results.txt."""
    for org in ctx.orgs():
        systems: dict[str, list[tuple[str, ModeFolder]]] = {}
        for result in org.results:
            for mode, folder in sorted(result.modes.items()):
                if folder.log_only:
                    systems.setdefault(result.system, []).append(("/".join(n for n in (result.benchmark, result.nested, mode) if n), folder))
        for system, folders in systems.items():
            computed = [(name, f) for name, f in folders if f.median_throughput is not None]
            unchecked = [name for name, f in folders if f.median_throughput is None]
            said = []
            if computed:
                shown = ", ".join(f"{name} {f.median_throughput.text} inf./s" for name, f in computed[:EXAMPLES] if f.median_throughput)
                said.append(f"{len(computed)} throughput(s) computed from the runner's log, the median of its windows ({shown}{', ...' if len(computed) > EXAMPLES else ''})")
            if unchecked:
                said.append(f"{len(unchecked)} value(s) the runner's log cannot give, not checked ({', '.join(unchecked[:EXAMPLES])}{', ...' if len(unchecked) > EXAMPLES else ''})")
            first = computed[0][1] if computed else folders[0][1]
            yield ctx.finding(
                TRS004,
                f"round {ctx.book.round}'s layout has no results.txt; system '{system}': {'; '.join(said)}",
                path=first.windows_file() if first.windows_from == "log.txt" else first.path,
                line=first.windows[0].line if computed and first.windows else None,
                observed=f"{len(folders)} mode folder(s) with the runner's log and no results.txt",
                required="the round's mandatory files (the runner's log and script)",
            )
