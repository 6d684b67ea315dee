"""RUN, XCK and SCR: each benchmark entry's set of runs, what its logs claim, and its score."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.submission import RunSummary
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.package.context import PackageContext, ResultSetFacts
from compliance.wording import plural

RUN001 = define(
    "RUN001",
    "run-count-wrong",
    Severity.ERROR,
    "A benchmark entry has a different number of runs than the round requires.",
    """
## What it checks
The number of `result_N.txt` logs in a benchmark folder against the round's
run count for the benchmark (5, 10, 3, 40 …; HPC weak scaling: at least that
many).

## Why it matters
The score is an olympic mean over exactly that many runs.

## Example
9 logs for llama31_8b, which needs 10.

## How to fix
Submit every run of the set (a failed run is submitted too; scoring drops it).

## Rule reference
MLPerf Training rules, "Benchmark results" (runs per benchmark);
mlperf_logging benchmark_meta.
""",
)

RUN002 = define(
    "RUN002",
    "run-set-inconsistent",
    Severity.ERROR,
    "The runs of one entry disagree on what was run (benchmark, division or batch size).",
    """
## What it checks
That all logs of a benchmark folder report the same `submission_benchmark`,
`submission_division` and global batch size (organisation, platform and the
other hyperparameters: RUN006).

## Why it matters
The runs of a set must be repeats of one configuration; mixing
configurations (or logs from another system) makes the score meaningless.

## Example
result_3.txt logged `submission_benchmark` llama31_8b, the others llama2_70b_lora.

## How to fix
Re-run the odd run with the set's configuration, or move the log.

## Rule reference
MLPerf Training rules, "Benchmark results".
""",
)

RUN003 = define(
    "RUN003",
    "seed-not-distinct",
    Severity.ERROR,
    "Two runs of a closed entry log the same seed at the same place.",
    """
## What it checks
Within a closed benchmark entry, no two runs log the same seed from the same
source line (as the official seed checker compares them).

## Why it matters
Repeated runs must be independent; the same seed means a repeated run.

## Example
result_0.txt and result_4.txt both log seed 1234 from train.py:88.

## How to fix
Seed each run from the clock or /dev/urandom.

## Rule reference
MLPerf Training rules, "Random numbers"; mlperf_logging seed checker.
""",
    divisions=("closed",),
)

RUN004 = define(
    "RUN004",
    "too-many-failed-runs",
    Severity.ERROR,
    "More runs failed than olympic scoring can drop (one; four for unet3d).",
    """
## What it checks
How many runs of an entry did not pass (log errors, target not reached, run
not successful) against the number olympic scoring may drop. HPC Throughput
(weak scaling) entries have no olympic drop: failed instances are not counted
among the models, and the entry fails when fewer models than the benchmark's
minimum (5 or 10) remain.

## Why it matters
Only one failed run (unet3d: four) may be the dropped slowest run; with more
the entry has no valid score. Dropping never excuses what the official seed
checker requires of every run of a closed entry (a readable log with an
integer seed, from the rounds where the seed is mandatory): those findings
fail the entry even in the dropped run.

## Example
Two llama31_8b runs that never reached log perplexity 3.3.

## How to fix
Re-run the failed runs.

## Rule reference
MLPerf Training rules, "Benchmark results" (olympic scoring).
""",
)

RUN005 = define(
    "RUN005",
    "failed-run-dropped",
    Severity.INFO,
    "A failed run is dropped by olympic scoring (allowed: one per entry, four for unet3d).",
    """
## What it checks
Entries with a failed run that scoring drops as the slowest (HPC Throughput:
failed instances that are not counted among the models).

## Why it matters
It is allowed, but reviewers like to know, and the run is still part of the
submission.

## Example
One of ten runs aborted.

## How to fix
Nothing is required.

## Rule reference
MLPerf Training rules, "Benchmark results".
""",
)

RUN006 = define(
    "RUN006",
    "run-details-differ",
    Severity.WARNING,
    "The runs of one entry log different hyperparameters, submission_org or submission_platform.",
    """
## What it checks
That all logs of a benchmark folder report the same hyperparameters (the
`opt_*` settings, schedules and other tunable keys the logs carry; batch size
is RUN002's), `submission_org` and `submission_platform`.

## Why it matters
The runs of a set are meant to be N independent repeats of one submission;
a run trained with other settings is hard to tell from a tuned outlier. The
rules describe the set as N independent runs of the submission and do not
forbid this in so many words, and the official tools do not compare runs, so
it is a warning for the reviewers.

## Example
result_3.txt logged `opt_base_learning_rate` 0.002, the others 0.001.

## How to fix
Re-run the odd run with the set's configuration, or explain the difference to
the review committee.

## Rule reference
MLPerf Training rules, "Scoring" (a set of N independent runs).
""",
)

XCK001 = define(
    "XCK001",
    "division-disagrees",
    Severity.ERROR,
    "The division in the logs, the folder and the system description disagree.",
    """
## What it checks
`submission_division` in each log against the `<division>/` folder and the
system JSON's `division`.

## Why it matters
The division decides the rules applied; the official tools never compare
them (a log saying closed in an open folder is checked by open rules only).

## Example
`open/ACME/...` with logs saying `submission_division: closed`.

## How to fix
Make the three agree.

## Rule reference
MLPerf submission rules; mlcommons/logging issue 241.
""",
)

XCK002 = define(
    "XCK002",
    "org-disagrees",
    Severity.WARNING,
    "submission_org in the logs differs from the organisation folder or the system's submitter.",
    """
## What it checks
`submission_org` against the `<org>/` folder name and the system JSON's
`submitter`. Names agree when they are equal ignoring case and punctuation, or
when one's words are all among the other's (`Clemson` and `Clemson University
Research Computing and Data`, `IBM+CoreWeave+NVIDIA` and `CoreWeave + IBM +
NVIDIA`); a name inside another word does not count (`AMD` is not `NotAMD`).
The reference code's `SUBMISSION_ORG_PLACEHOLDER` is reported as such.

## Why it matters
Reused code often keeps another submitter's name (or the placeholder) in the
logs; the logs then do not say whose result they are. The rules do not say
what `submission_org` must hold and the official tools never compare it
(mlcommons/logging issue 241), so it is a warning, not an error.

## Example
Logs say `submission_org: NVIDIA` in `closed/ACME/`.

## How to fix
Log your own organisation name (`mllog` constant `SUBMISSION_ORG`).

## Rule reference
MLPerf submission rules (silent on the logged value); mlcommons/logging issue 241.
""",
)

XCK003 = define(
    "XCK003",
    "platform-disagrees",
    Severity.WARNING,
    "submission_platform in the logs names another system of the organisation, not this one.",
    """
## What it checks
`submission_platform` (a leading node count such as `8x` aside) against the
organisation's system folders and system names: a warning when it names
another of the organisation's systems and not the one the logs are filed
under. Platforms that name no system of the organisation (`8xNVIDIA GB200`,
the reference code's placeholder) are not reported: the rules do not say what
the key must hold.

## Why it matters
Logs filed under one system that name another usually were copied from the
other system's folder, or ran on it.

## Example
Logs say `submission_platform: 1xSYS-B` in `results/SYS-A/` while the
organisation also submits `results/SYS-B/`.

## How to fix
Check that the logs are the runs of this system; log its name.

## Rule reference
MLPerf submission rules (silent on the logged value).
""",
)

XCK004 = define(
    "XCK004",
    "benchmark-disagrees",
    Severity.ERROR,
    "A log's submission_benchmark is not the benchmark its folder is named after.",
    """
## What it checks
`submission_benchmark` against the `results/<system>/<benchmark>/` folder.

## Why it matters
The score would be published under the wrong benchmark.

## Example
A bert log in `results/sysA/llama31_8b/`.

## How to fix
Move the log to its benchmark's folder.

## Rule reference
MLPerf submission rules.
""",
)

SCR001 = define(
    "SCR001",
    "scaling-file-invalid",
    Severity.ERROR,
    "scaling.json cannot be read or has no positive scaling_factor.",
    """
## What it checks
A benchmark folder's `scaling.json` is `{"scaling_factor": <positive number>}`.

## Why it matters
The factor multiplies the published score; a broken file silently changes it
(the official summarizer crashes or rewrites it).

## Example
`scaling.json` containing `1.0107` without the object around it.

## How to fix
Write `{"scaling_factor": 1.0107}` (the RCP check reports the factor needed).

## Rule reference
MLPerf Training rules, "RCPs" (normalisation); mlperf_logging result_summarizer.
""",
)


def _norm(text: object) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


def _compared(facts: ResultSetFacts) -> list[RunSummary]:
    """The runs whose details are compared: a log with no record is its own finding (LOG007 ...),
    not a disagreement with every other run."""
    return [run for run in facts.runs if run.records > 0]


def _values(facts: ResultSetFacts, getter: Callable[[RunSummary], object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for run in _compared(facts):
        value = getter(run)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a batch size read as a number: 32, not 32.0
        key = "not logged" if value is None else repr(value)
        found.setdefault(key, []).append(run.path)
    return found


@checker(SubjectRole.TREE, RUN001, RUN002, RUN003, RUN004, RUN005, RUN006, SCR001)
def run_sets(ctx: PackageContext) -> Iterator[Finding]:
    for facts in ctx.sets:
        result = facts.result
        if result.benchmark not in ctx.book.benchmarks:
            continue
        path = result.path
        count, required = len(result.logs), facts.required_runs
        if required is not None and (count < required if facts.weak else count != required):
            yield ctx.finding(
                RUN001,
                (plural(count, "run") if count else "no result_<i>.txt log")
                + f" for {result.benchmark}; the {ctx.book.suite} {ctx.book.round} rules require "
                + (f"at least {required}" if facts.weak else f"{required}"),
                path=path,
                observed=f"{count} result_<i>.txt files",
                required=f"{'at least ' if facts.weak else ''}{required} runs",
            )
        for label, getter, rule in (
            ("submission_benchmark", lambda r: r.submission.get("submission_benchmark"), RUN002),
            ("submission_division", lambda r: r.submission.get("submission_division"), RUN002),
            ("submission_org", lambda r: r.submission.get("submission_org"), RUN006),
            ("submission_platform", lambda r: r.submission.get("submission_platform"), RUN006),
            ("global_batch_size", lambda r: r.global_batch_size, RUN002),
        ):
            groups = _values(facts, getter)
            if len(groups) > 1:
                yield ctx.finding(
                    rule,
                    f"the runs disagree on {label}: " + "; ".join(f"{v} in {plural(len(p), 'run')}" for v, p in groups.items()),
                    path=path,
                    key=label,
                    observed=", ".join(groups),
                    required=f"one {label} for all runs of the entry",
                )
        ignored = {"global_batch_size"} | ctx.book.not_hyperparameters | ctx.book.not_hyperparameters_of(result.benchmark)
        compared = _compared(facts)
        keys = sorted({k for run in compared for k in run.hyperparameters} - ignored)
        differing = [k for k in keys if len({repr(run.hyperparameters.get(k)) for run in compared}) > 1]
        if differing:
            yield ctx.finding(
                RUN006,
                f"the runs disagree on hyperparameters: {', '.join(differing[:8])}",
                path=path,
                observed=", ".join(differing),
                required="the same hyperparameters in every run of the entry",
            )
        if ctx.division_of(facts) == "closed":
            seen: dict[tuple[object, object, str], str] = {}
            for run in facts.runs:
                for file, line, value in run.seeds:
                    marker = (file, line, repr(value))
                    other = seen.get(marker)
                    if other is not None and other != run.path:
                        yield ctx.finding(
                            RUN003,
                            f"{run.path} logs seed {value!r} from {file}:{line}, as {other} does",
                            path=run.path,
                            subject=path,
                            observed=f"seed {value!r} at {file}:{line} in two runs",
                            required="a different seed for every run",
                        )
                    seen.setdefault(marker, run.path)
        failed = [run for run in facts.runs if not (run.log_passed and run.converged)]
        if facts.weak:
            yield from _throughput_runs(ctx, facts, failed)
        elif len(failed) > facts.max_dropped:
            yield ctx.finding(
                RUN004,
                f"{len(failed)} of {count} runs failed; olympic scoring can drop {facts.max_dropped}",
                path=path,
                observed=", ".join(run.path for run in failed[:5]),
                required=f"at most {facts.max_dropped} failed run(s)",
            )
        elif failed:
            yield ctx.finding(
                RUN005,
                f"{len(failed)} failed run(s) dropped by olympic scoring: {', '.join(run.path for run in failed)}",
                path=path,
                observed=f"{len(failed)} failed",
            )
        if facts.scaling_error:
            yield ctx.finding(
                SCR001,
                f"scaling.json {facts.scaling_error}",
                path=path + "/scaling.json",
                subject=path,
                required='{"scaling_factor": <positive number>}',
            )


def _throughput_runs(ctx: PackageContext, facts: ResultSetFacts, failed: list[RunSummary]) -> Iterator[Finding]:
    """HPC Throughput: failed instances are not counted; the entry needs the minimum number of models."""
    required = facts.required_runs
    if not failed or required is None or not facts.runs:
        return
    path = facts.result.path
    counted = facts.models or 0
    if counted < required <= len(facts.runs):
        yield ctx.finding(
            RUN004,
            f"{len(failed)} of {len(facts.runs)} instances failed: {counted} models count, the rules require "
            f"at least {required} for the Throughput score",
            path=path,
            observed=", ".join(run.path for run in failed[:5]),
            required=f"at least {required} converged, compliant instances",
        )
    elif counted >= required:
        yield ctx.finding(
            RUN005,
            f"{len(failed)} failed instance(s) not counted among the {counted} models: "
            + ", ".join(run.path for run in failed[:5]),
            path=path,
            observed=f"{len(failed)} failed",
        )


PLACEHOLDER = "placeholder"  # the reference code's SUBMISSION_ORG_PLACEHOLDER / SUBMISSION_PLATFORM_PLACEHOLDER


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", str(text).lower()))


def _same_name(a: str, b: str) -> bool:
    """Names agree ignoring case and punctuation, or when all of one's words are the other's
    ('Clemson' and 'Clemson University ...', 'A+B' and 'B + A'); never a name inside a word."""
    x, y = _words(a), _words(b)
    if not x or not y:
        return False
    return _norm(a) == _norm(b) or x <= y or y <= x


def _bare(platform: str) -> str:
    """A platform or system name without its leading node count ('8xNVIDIA GB200' -> 'NVIDIA GB200')."""
    return re.sub(r"^\d+x(?=[A-Za-z])", "", platform.strip())


def _other_systems(ctx: PackageContext, facts: ResultSetFacts) -> set[str]:
    """The organisation's other systems: their folder and system names."""
    result = facts.result
    names: set[str] = set()
    for system in ctx.tree.systems:
        if system.org == result.org and system.division == result.division and system.name != result.system:
            names.add(system.name)
            if system.data and isinstance(system.data.get("system_name"), str):
                names.add(system.data["system_name"])
    for other in ctx.tree.result_sets:
        if other.org == result.org and other.division == result.division and other.system != result.system:
            names.add(other.system)
    return names


def _group(runs: list[RunSummary], getter: Callable[[RunSummary], object]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for run in runs:
        value = getter(run)
        if isinstance(value, str):
            groups.setdefault(value, []).append(run.path)
    return groups


def _where(paths: list[str]) -> str:
    return paths[0] if len(paths) == 1 else f"{len(paths)} runs (first: {paths[0]})"


@checker(SubjectRole.TREE, XCK001, XCK002, XCK003, XCK004)
def cross_checks(ctx: PackageContext) -> Iterator[Finding]:
    for facts in ctx.sets:
        result = facts.result
        system = facts.system.data if facts.system is not None and facts.system.data else {}
        system_division = system.get("division") if isinstance(system.get("division"), str) else None
        submitter = system.get("submitter") if isinstance(system.get("submitter"), str) else None
        system_name = system.get("system_name") if isinstance(system.get("system_name"), str) else None
        for division, paths in _group(facts.runs, lambda r: r.submission.get("submission_division")).items():
            claims = {"folder": result.division or None, "system JSON": system_division.lower() if system_division else None}
            wrong = {w: v for w, v in claims.items() if v and v != division.lower()}
            if wrong:
                yield ctx.finding(
                    XCK001,
                    f"{_where(paths)} say division {division!r}; " + ", ".join(f"the {w} says {v!r}" for w, v in wrong.items()),
                    path=paths[0],
                    subject=result.path,
                    key="submission_division",
                    observed=repr(division),
                    required=" = ".join(f"{w} ({v})" for w, v in wrong.items()),
                )
        for org, paths in _group(facts.runs, lambda r: r.submission.get("submission_org")).items():
            names = {"folder": result.org, "system JSON submitter": submitter}
            wrong = {w: v for w, v in names.items() if v and not _same_name(v, org)}
            if wrong:
                said = ", ".join(f"the {w} says {v!r}" for w, v in wrong.items())
                if PLACEHOLDER in org.lower():
                    message = f"{_where(paths)} say submission_org {org!r}, the reference code's placeholder; {said}"
                else:
                    message = f"{_where(paths)} say submission_org {org!r}; {said}"
                yield ctx.finding(
                    XCK002,
                    message,
                    path=paths[0],
                    subject=result.path,
                    key="submission_org",
                    observed=repr(org),
                    required=", ".join(f"{w}: {v}" for w, v in wrong.items()),
                )
        mine = [n for n in (result.system, system_name) if n]
        others = _other_systems(ctx, facts)
        for platform, paths in _group(facts.runs, lambda r: r.submission.get("submission_platform")).items():
            bare = _bare(platform)
            if not mine or any(_same_name(bare, _bare(n)) for n in mine):
                continue
            named = sorted(n for n in others if _norm(_bare(n)) == _norm(bare))
            if named:
                yield ctx.finding(
                    XCK003,
                    f"{_where(paths)} say submission_platform {platform!r}, which names the organisation's system "
                    f"{named[0]!r}; these logs are filed under {result.system!r}"
                    + (f" ({system_name!r})" if system_name else ""),
                    path=paths[0],
                    subject=result.path,
                    key="submission_platform",
                    observed=repr(platform),
                    required=" or ".join(repr(n) for n in mine),
                )
        for benchmark, paths in _group(facts.runs, lambda r: r.submission.get("submission_benchmark")).items():
            if benchmark != result.benchmark:
                yield ctx.finding(
                    XCK004,
                    f"{_where(paths)} are {benchmark!r} runs in the {result.benchmark!r} folder",
                    path=paths[0],
                    subject=result.path,
                    key="submission_benchmark",
                    observed=repr(benchmark),
                    required=repr(result.benchmark),
                )
