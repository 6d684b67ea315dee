"""TLY: the layout of a Tiny submission: benchmarks, modes, files, runners, sizes and names."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.tiny.context import RESULT_SUBJECT, SUBMISSION_SUBJECT, SUITES, TinyResultContext, TinySubmissionContext

TLY001 = define(
    "TLY001",
    "tiny-mode-missing",
    Severity.ERROR,
    "A result lacks a runner mode its benchmark requires (accuracy and performance).",
    """
## What it checks
That each result has the mode folders its benchmark requires: `accuracy/`
and `performance/` for ad, ic, kws, vww (and ic2); `energy/` is optional,
and streaming wakeword requires none (it has performance and energy).

## Why it matters
A result without its accuracy run is not known to be of the model's
quality; one without a performance run has no score. The official checker
rejects the result.

## Example
`results/sysA/kws/` with `performance/` only.

## How to fix
Run the missing mode with the same code and add its folder.

## Rule reference
The official checker's `required_tests`; MLPerf Tiny rules, "Benchmark
Runner" (the same code for the accuracy and performance modes).
""",
    suites=SUITES,
)

TLY002 = define(
    "TLY002",
    "tiny-runner-file-missing",
    Severity.WARNING,
    "A mode folder lacks a file the runner writes (log.txt, script.async or results.json).",
    """
## What it checks
That every mode folder holds the runner's files: `log.txt`, `results.txt`
and `script.async` (EEMBC EnergyRunner) or `results.json` (MLCommons
runner). Rounds 0.5 to 1.0 accept the mode-prefixed names
(`performance_log.txt`). The missing `results.txt` itself is TRS001.

## Why it matters
The log and the raw results let a reviewer audit the score. The official
checker logs the difference as an error but does not reject the result, so
this is a warning.

## Example
`ic/accuracy/` with `results.txt` alone.

## How to fix
Copy the session's whole output folder.

## Rule reference
The official checker's `REQUIRED_*_FILES` lists (a file-list mismatch is
logged, not rejected).
""",
    suites=SUITES,
)

TLY003 = define(
    "TLY003",
    "tiny-unknown-benchmark",
    Severity.ERROR,
    "A closed-division result's folder is not a benchmark of the round.",
    """
## What it checks
That the benchmark folder of a closed-division result names a benchmark of
the round (ad, ic, kws, vww; sww from 1.3; ic2 from 1.4; the long names such
as `image_classification` too).

## Why it matters
The closed division compares the same benchmarks; an unknown folder cannot
be given a quality target and the official checker rejects it.

## Example
`closed/ACME/results/sysA/resnet/`.

## How to fix
Rename the folder to the benchmark's name, or submit in the open division.

## Rule reference
MLPerf Tiny rules, "Benchmarks" and "Closed Division"; the official checker's model check.
""",
    suites=SUITES,
    divisions=("closed",),
)

TLY004 = define(
    "TLY004",
    "tiny-larger-without-smaller",
    Severity.ERROR,
    "A system submits a larger size of a benchmark (ic2) without the smaller one (ic).",
    """
## What it checks
That a system with an `ic2` result also has an `ic` result (from round 1.4).

## Why it matters
The rules require every smaller size of a benchmark to be submitted with a
larger one, so that results stay directly comparable.

## Example
`results/sysA/ic2/` and no `results/sysA/ic/`.

## How to fix
Submit the ic result of the same system too.

## Rule reference
MLPerf Tiny rules, "Progressively Larger Submissions Required".
""",
    suites=SUITES,
)

TLY005 = define(
    "TLY005",
    "tiny-runner-not-permitted",
    Severity.ERROR,
    "A result was made with a runner the round does not permit for its benchmark.",
    """
## What it checks
Which runner made the result (an `EEMBC_RUNNER` marker or the EnergyRunner's
own output, else the MLCommons runner) against the runners the round allows:
EEMBC only up to 1.2, both in 1.3 (but not for streaming wakeword), the
MLCommons runner only from 1.4.

## Why it matters
The runner decides how windows, energy and accuracy are measured; the rules
phase the EEMBC runner out.

## Example
An `EEMBC_RUNNER` marker in a 1.4 result.

## How to fix
Rerun with the MLCommons runner.

## Rule reference
MLPerf Tiny rules, "Benchmark Runner".
""",
    suites=SUITES,
)

TLY006 = define(
    "TLY006",
    "tiny-file-too-large",
    Severity.ERROR,
    "A file of the submission is larger than 500 MiB.",
    """
## What it checks
The size of every file of an organisation's folder against the round's
limit: 500 MiB (524,288,000 bytes). The official checker's constant is
`FILE_SIZE_LIMIT_MB = 500` (times 1024 × 1024), although its message says
"greater than 50 MB"; no Tiny rules text states a limit, so the value the
checker tests is the limit, and this tool's message states it correctly.

## Why it matters
The official checker rejects the organisation's whole submission.

## Example
A 600 MiB energy trace in `energy/`.

## How to fix
Leave raw traces out, or compress them below the limit.

## Rule reference
The official checker's `FILE_SIZE_LIMIT_MB` (mlcommons/tiny tools/submission).
""",
    suites=SUITES,
)

TLY007 = define(
    "TLY007",
    "tiny-symbolic-link",
    Severity.ERROR,
    "A symbolic link is in the submission.",
    """
## What it checks
That no file or folder of an organisation is a symbolic link. Links are
never followed by this tool.

## Why it matters
A link can point outside the submission; the published repository must
hold the files themselves. The official checker rejects the organisation.

## Example
`results/sysA/ic/performance/results.txt -> ../../old/results.txt`.

## How to fix
Replace the link by the file.

## Rule reference
The official checker's symbolic-link check.
""",
    suites=SUITES,
)

TLY008 = define(
    "TLY008",
    "tiny-empty-or-cache-folder",
    Severity.ERROR,
    "A folder of the submission is empty or is a __pycache__ folder.",
    """
## What it checks
That an organisation's folder holds no empty folder and no `__pycache__`.

## Why it matters
Empty folders are left-overs of a result that is not there; compiled
Python caches are not source. The official checker rejects the organisation.

## Example
An empty `results/sysA/vww/energy/`.

## How to fix
Remove the folder.

## Rule reference
The official checker's empty-folder and `__pycache__` checks.
""",
    suites=SUITES,
)

TLY009 = define(
    "TLY009",
    "tiny-stray-name",
    Severity.WARNING,
    "A file or folder name starts with a dot or has a space.",
    """
## What it checks
Names that start with `.` (macOS `._*` and `.DS_Store` files among them)
and names with spaces, in an organisation's folder.

## Why it matters
Hidden files are usually copied by accident (a `._results.txt` beside every
`results.txt`); spaces break scripts. The official checker warns.

## Example
`ic/performance/._results.txt`.

## How to fix
Remove the hidden files; rename folders without spaces.

## Rule reference
The official checker's hidden-name and space warnings.
""",
    suites=SUITES,
)

TLY010 = define(
    "TLY010",
    "tiny-not-a-division",
    Severity.WARNING,
    "A top folder of a results repository is neither closed nor open.",
    """
## What it checks
That the top folders of a submission or results repository are the
divisions (`closed`, `open`); other folders are not checked.

## Why it matters
Results in another folder are not published in any division.

## Example
`Closed-2/ACME/results/...`.

## How to fix
Move the organisation's folder under `closed/` or `open/`.

## Rule reference
MLPerf Tiny rules, "Divisions"; the official checker's division check.
""",
    suites=SUITES,
)


TLY011 = define(
    "TLY011",
    "tiny-log-model-mismatch",
    Severity.ERROR,
    "The runner's log says the device ran another benchmark's model than the folder's.",
    """
## What it checks
The model the device reported at the start of each mode's session, in its
`log.txt` (EEMBC EnergyRunner `dut: m-model-[kws01]`, MLCommons runner
`Device model retrieved: kws01`), against the benchmark of the folder (ad01,
ic01, kws01, vww01, sww01), in the closed division.

## Why it matters
A closed result must be the benchmark's reference model; a log of another
model means the run is another benchmark's (files copied into the wrong
folder) and its score and accuracy are not this benchmark's. Every published
log agrees with its folder.

## Example
`kws/performance/log.txt` with `dut: m-model-[vww01]`.

## How to fix
Put each session's files in its benchmark's folder, or rerun.

## Rule reference
MLPerf Tiny rules, "Benchmarks" and "Closed Division" (the closed division
runs the reference models).
""",
    suites=SUITES,
    divisions=("closed",),
)


@checker(RESULT_SUBJECT, TLY011)
def log_model(ctx: TinyResultContext) -> Iterator[Finding]:
    bench = ctx.benchmark
    if bench is None or bench.log_model is None:
        return
    for mode, folder in sorted(ctx.result.modes.items()):
        seen = folder.log_model
        if seen is None or seen.text.lower() == bench.log_model:
            continue
        yield ctx.finding(
            TLY011,
            f"the {mode} run's log says the device ran {seen.text}, not {bench.name}'s {bench.log_model}",
            path=f"{folder.path}/{folder.names.get('log.txt', 'log.txt')}",
            line=seen.line,
            observed=seen.text,
            required=bench.log_model,
        )


TLY012 = define(
    "TLY012",
    "tiny-session-before-round",
    Severity.REVIEW,
    "Every runner session of a result is older than the round: the result may be re-used from an earlier round.",
    """
## What it checks
The day each mode's runner session started (its `log.txt`: EEMBC
`m-session-start-id[...]`, MLCommons runner `sessions\\YYYYMMDD_...`) against
the round's window in `checkers/calendar.toml` (it opens after the previous
round's deadline). When the newest session of a result is older, the result
is noted for the reviewer.

## Why it matters
The rules do not forbid submitting a result again, but the reviewer should
know that a result was measured for an earlier round (with that round's
runner, firmware and rules): published again, it is not new. syntiant's
1.1, 1.2 and 1.3 ic, kws and vww results are the sessions of September 2022.

## Example
`ic/performance/log.txt` with `m-session-start-id[20220925...]` in round 1.3.

## How to fix
Nothing, when the result is meant to be submitted again; else rerun it.

## Rule reference
None: the rules are silent on re-used results. The calendar's dates are
estimated (docs/detection.md).
""",
    suites=SUITES,
)


@checker(RESULT_SUBJECT, TLY012)
def session_age(ctx: TinyResultContext) -> Iterator[Finding]:
    opened = ctx.book.opened
    days = sorted((folder.session, mode) for mode, folder in ctx.result.modes.items() if folder.session)
    if opened is None or not days or days[-1][0] > opened:
        return
    newest, mode = days[-1]
    folder = ctx.result.modes[mode]
    yield ctx.finding(
        TLY012,
        f"the newest runner session of {ctx.result.benchmark} started {newest}, before round {ctx.book.round}'s window opened "
        f"(the previous round's deadline, {opened}): the result may be re-used from an earlier round",
        path=f"{folder.path}/{folder.names.get('log.txt', 'log.txt')}",
        observed=newest,
        required=f"after {opened}",
    )


@checker(RESULT_SUBJECT, TLY001, TLY002, TLY003, TLY005)
def result_layout(ctx: TinyResultContext) -> Iterator[Finding]:
    result, bench, book = ctx.result, ctx.benchmark, ctx.book
    if bench is None:
        known = ", ".join(sorted(book.benchmarks))
        yield ctx.finding(
            TLY003,
            f"'{result.benchmark}' is not a benchmark of round {book.round}; the closed division has {known}",
            observed=repr(result.benchmark),
            required=f"one of {known}",
        )
    for mode in bench.required_modes if bench is not None else ("accuracy", "performance"):
        if mode not in result.modes:
            yield ctx.finding(
                TLY001,
                f"{result.benchmark} has no {mode}/ run; it has {', '.join(sorted(result.modes)) or 'no mode folder'}",
                path=f"{result.path}/{mode}",
                observed=", ".join(sorted(result.modes)) or "no mode folder",
                required=f"{' and '.join(bench.required_modes if bench is not None else ('accuracy', 'performance'))}/ folders",
            )
    runner = ctx.runner
    required = book.required_files.get(runner, ())
    for mode, folder in result.modes.items():
        missing = [name for name in required if name != "results.txt" and name not in folder.files]
        if missing and folder.files:
            yield ctx.finding(
                TLY002,
                f"the {mode} folder lacks the {'EEMBC EnergyRunner' if runner == 'eembc' else 'MLCommons runner'}'s {', '.join(missing)}",
                path=folder.path,
                observed=", ".join(sorted(folder.names.values())[:8]),
                required=", ".join(required),
            )
    allowed = bench.runners if bench is not None and bench.runners is not None else book.runners
    if runner not in allowed:
        names = {"eembc": "the EEMBC EnergyRunner", "mlc": "the MLCommons runner"}
        yield ctx.finding(
            TLY005,
            f"{result.benchmark} was run with {names.get(runner, runner)}, which round {book.round} does not permit for it",
            path=result.marker or result.path,
            observed=names.get(runner, runner),
            required=" or ".join(names.get(r, r) for r in allowed),
        )


@checker(SUBMISSION_SUBJECT, TLY004, TLY006, TLY007, TLY008, TLY009, TLY010)
def tree_layout(ctx: TinySubmissionContext) -> Iterator[Finding]:
    book = ctx.book
    for folder in ctx.tree.other_divisions:
        yield ctx.finding(TLY010, f"{folder.rsplit('/', 1)[-1]} is not a division folder; nothing in it was checked", path=folder, observed=folder, required="closed/ or open/")
    for org in ctx.orgs():
        resolved = [(r, book.resolve(r.benchmark)) for r in org.results]
        present = {(r.system, bench.name) for r, bench in resolved if bench is not None}
        for result, bench in resolved:
            for needed in bench.requires if bench is not None else ():
                if (result.system, needed) not in present:
                    yield ctx.finding(
                        TLY004,
                        f"{result.system} submits {result.benchmark} but not {needed}",
                        path=result.path,
                        observed=f"results/{result.system}/{result.benchmark}",
                        required=f"results/{result.system}/{needed} too",
                    )
        for path, size in org.large:
            yield ctx.finding(TLY006, f"{path.rsplit('/', 1)[-1]} is {size:,} bytes, over the {book.size_limit:,}-byte (500 MiB) limit", path=path, observed=f"{size:,} bytes", required=f"at most {book.size_limit:,} bytes")
        for path in org.links:
            yield ctx.finding(TLY007, "a symbolic link (not followed)", path=path, observed="a symbolic link", required="a regular file or folder")
        for path in org.empty_folders:
            yield ctx.finding(TLY008, "an empty folder", path=path, observed="an empty folder", required="no empty folders")
        for path in org.cache_folders:
            yield ctx.finding(TLY008, "a __pycache__ folder", path=path, observed="__pycache__", required="no __pycache__ folders")
        stray = org.hidden + org.spaced
        if stray:
            yield ctx.finding(
                TLY009,
                f"{len(stray)} name(s) start with a dot or have a space, e.g. {stray[0]}",
                path=org.path,
                observed=stray[0],
                required="names without a leading dot or spaces",
                evidence={"names": "; ".join(stray[:20])},
            )
