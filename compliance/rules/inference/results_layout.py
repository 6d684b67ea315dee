"""ITR: a scenario result's place, names and files, its published value, and the submission's layout (required scenarios, model mapping, entries outside the layout)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.parsers.inference_tree import EXTRA_ENTRY, LINK_IN_TREE
from compliance.registry import checker, define
from compliance.rules.inference.common import _RULES_REF, ALL, CLOSED, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    RESULT_SUBJECT,
    SUBMISSION_SUBJECT,
    ResultContext,
    ResultFacts,
    SubmissionContext,
)
from compliance.rules.inference.values import result_metric
from compliance.rules.package import layout as str_rules
from compliance.wording import article

ITR001 = define(
    "ITR001",
    "unknown-model",
    Severity.ERROR,
    "A results folder names no model of the round.",
    f"""
## What it checks
That `results/<system>/<model>/` names a model of the round, by its name or an
alias the official checker accepts (`resnet50` for `resnet`, `llama3.1-8b`
...). In the open division a folder may have any name that
`open/<org>/model_mapping.json` maps to a model, or that contains a model's
name (the official checker's guess, e.g. `obert-base-pruned90-none-bert-99`).

## Why it matters
Every target, bound and required compliance test is per model: a result
whose model is unknown cannot be checked against anything.

## Example
`closed/ACME/results/sysA/resnet-50/Offline` (the round calls it `resnet`
or `resnet50`), or a model retired in an earlier round.

## How to fix
Rename the folder to the model's name; in the open division add the name to
`model_mapping.json`.

## Rule reference
{_RULES_REF}, "Benchmarks"; the checker's `model_mapping` and `get_mlperf_model`.
""",
    suites=SUITES,
    divisions=ALL,
)


ITR002 = define(
    "ITR002",
    "unknown-scenario",
    Severity.ERROR,
    "A scenario folder is not a scenario of the round, or not one the model is run in.",
    f"""
## What it checks
That `results/<system>/<model>/<scenario>/` is one of the round's scenarios
(SingleStream, MultiStream, Server, Offline, Interactive) and, in the closed
and network divisions, a required or optional scenario of the model for some
system type.

## Why it matters
A result in an unknown scenario is not part of any results table; the
official checker rejects it as an unknown scenario.

## Example
`.../llama2-70b-99/SingleStream` (LLMs are datacenter-only), or `.../Batch`.

## How to fix
Rename the folder to the scenario LoadGen ran, or remove the result.

## Rule reference
{_RULES_REF}, "Scenarios" and the required-scenarios tables.
""",
    suites=SUITES,
    divisions=ALL,
)


ITR003 = define(
    "ITR003",
    "scenario-folder-case",
    Severity.INFO,
    "Scenario folders are named in another case (e.g. 'offline'); they are checked as the scenarios they name.",
    f"""
## What it checks
Whether scenario folders are spelt as the round spells them (`Offline`, not
`offline`). Real submissions have used lower-case folders; each result is
checked as if named correctly. One note per submission (division and
organisation), with the number of such folders and the first few.

## Why it matters
Both official checkers (the monolith and the 6.0 package) accept a
lower-case scenario folder and the rules' layout does not make the case a
requirement, so it is a note, not a warning: a tool that matches names
exactly could still miss such a folder.

## Example
`open/ACME/results/sysA/resnet50/offline`, and 41 more folders of
`open/ACME`.

## How to fix
Nothing is required; to match the round's spelling, rename the folders
(`git mv offline Offline`).

## Rule reference
{_RULES_REF}.
""",
    suites=SUITES,
    divisions=ALL,
)


ITR004 = define(
    "ITR004",
    "result-file-missing",
    Severity.ERROR,
    "A file every scenario result must have is missing (performance run logs, accuracy logs, accuracy.txt).",
    f"""
## What it checks
That a scenario result holds `performance/run_1/mlperf_log_detail.txt` and
`mlperf_log_summary.txt`, and `accuracy/accuracy.txt`,
`accuracy/mlperf_log_detail.txt` and `accuracy/mlperf_log_accuracy.json`.
Each missing file is reported as "missing file" with its path; the rest of
the result is still checked.

## Why it matters
The result's number comes from the performance run's detail log and its
accuracy from the accuracy run; without them the result cannot be reviewed.
The official checker crashes or reports the result as "NoResults".

## Example
A result folder with `performance/run_1/mlperf_log_summary.txt` only.

## How to fix
Copy the files LoadGen wrote into the folder.

## Rule reference
{_RULES_REF}; the checker's `PERFORMANCE_LOG_PATH` and `ACCURACY_LOG_PATH`.
""",
    suites=SUITES,
    divisions=ALL,
)


ITR005 = define(
    "ITR005",
    "accuracy-log-not-truncated",
    Severity.ERROR,
    "accuracy/mlperf_log_accuracy.json is larger than the round allows (it must be truncated).",
    """
## What it checks
That the accuracy run's `mlperf_log_accuracy.json` is at most the round's
size (10 KiB): submissions keep the truncated form that
`truncate_accuracy_log.py` writes (4 KiB head and tail) and its hash in
`accuracy.txt`.

## Why it matters
Full accuracy logs are gigabytes; the results repository takes the
truncated form with a hash of the whole.

## Example
A 120 MB `mlperf_log_accuracy.json`.

## How to fix
Run `tools/submission/truncate_accuracy_log.py` over the submission.

## Rule reference
The checker's `MAX_ACCURACY_LOG_SIZE`; truncate_accuracy_log.py.
""",
    suites=SUITES,
    divisions=ALL,
)


ITR010 = define(
    "ITR010",
    "result-value-missing",
    Severity.ERROR,
    "The result's number cannot be read from its performance run (the scenario's key is not logged, or the scenario cannot be inferred from the one LoadGen ran).",
    f"""
## What it checks
That the number the results table publishes for the result can be read
from `performance/run_1/mlperf_log_detail.txt`: the scenario's key
(`result_samples_per_second`, `early_stopping_latency_ss`, the model's token
rate ...) is logged with a number, or, for an edge result inferred from
another scenario, the run's scenario is one it may be inferred from and the
formula's key is logged (MultiStream from SingleStream: 8 x
`early_stopping_latency_ms`; Offline from SingleStream: 1000 / mean latency
in ms; Offline from MultiStream: 8000 / mean query latency in ms).

## Why it matters
A result without a number cannot be published; the official checker drops
it (NoResults) or crashes.

## Example
An Offline folder whose run is a Server run, or a SingleStream run that
logs no `early_stopping_latency_ms` filed as MultiStream.

## How to fix
Put the run of the result's scenario in the folder (or, on an edge system,
a run of a scenario it may be inferred from).

## Rule reference
{_RULES_REF}, "Scenarios" and, for edge systems, the inferred results
("MultiStream ... 8 times the 99th percentile SingleStream latency; Offline
... 1000 divided by the mean SingleStream latency, or 8000 divided by the
mean MultiStream latency").
""",
    suites=SUITES,
    divisions=ALL,
)


ITR011 = define(
    "ITR011",
    "inferred-result-not-edge",
    Severity.ERROR,
    "A result is inferred from another scenario's run on a system that is not an edge system.",
    f"""
## What it checks
That a result whose performance run is of another scenario (MultiStream or
Offline from SingleStream, Offline from MultiStream) belongs to a system
whose `system_type` includes `edge`.

## Why it matters
The rules allow inferred results for edge systems only; a datacenter
result must be measured in its own scenario.

## Example
A datacenter system's Offline folder holding a SingleStream run.

## How to fix
Run the scenario itself, or describe the system as an edge system if it is one.

## Rule reference
{_RULES_REF}, Edge (inferred results); the checker's inferred-results check (from 6.0).
""",
    suites=SUITES,
    divisions=ALL,
)


PERF_FILES = ("performance/run_1/mlperf_log_detail.txt", "performance/run_1/mlperf_log_summary.txt")


ACCURACY_FILES = ("accuracy/accuracy.txt", "accuracy/mlperf_log_detail.txt", "accuracy/mlperf_log_accuracy.json")


@checker(RESULT_SUBJECT, ITR001, ITR002)
def names(ctx: ResultContext) -> Iterator[Finding]:
    entry = ctx.entry
    if ctx.model is None:
        retired = " (retired in an earlier round)" if ctx.book.is_retired(entry.model) else ""
        hint = "; in the open division, map it in model_mapping.json" if entry.division == "open" else ""
        yield ctx.finding(
            ITR001,
            f"'{entry.model}' is not a model of inference round {ctx.book.round}{retired}{hint}",
            path=entry.path,
            observed=entry.model,
            required="one of " + ", ".join(sorted(ctx.book.models)),
        )
    if ctx.scenario is None:
        yield ctx.finding(
            ITR002,
            f"'{entry.scenario}' is not a scenario of inference round {ctx.book.round}",
            path=entry.path,
            observed=entry.scenario,
            required="one of " + ", ".join(ctx.book.scenarios),
        )
        return
    if ctx.model is not None and ctx.closed and ctx.model.scenarios:
        allowed = {s for group in ctx.model.scenarios.values() for s in (*group.required, *group.optional)}
        if allowed and ctx.scenario not in allowed:
            yield ctx.finding(
                ITR002,
                f"{ctx.model.name} is not run in the {ctx.scenario} scenario in round {ctx.book.round}",
                path=entry.path,
                observed=ctx.scenario,
                required="one of " + ", ".join(sorted(allowed)),
            )


@checker(RESULT_SUBJECT, ITR004, ITR005)
def result_files(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.endpoints is not None:
        return  # an Endpoints result has no LoadGen files: IEP001 checks its own
    # A run that is missing whole (its folder absent or empty) is one finding, not one per file.
    required = (*PERF_FILES, *ACCURACY_FILES)
    by_run: dict[str, list[str]] = {}
    for relative in required:
        if not ctx.has(relative):
            by_run.setdefault(relative.rsplit("/", 1)[0], []).append(relative)
    for folder, missing in by_run.items():
        what = "the performance run" if folder.startswith("performance") else "the accuracy run"
        if len(missing) > 1 and len(missing) == sum(1 for r in required if r.rsplit("/", 1)[0] == folder):
            names = ", ".join(r.rsplit("/", 1)[1] for r in missing)
            yield ctx.finding(
                ITR004,
                f"{MISSING}s: {what} of this result is missing ({folder}/ has none of {names})",
                path=ctx.shown(missing[0]),
                observed=f"{folder}/ absent or empty",
                required=", ".join(missing),
            )
            continue
        for relative in missing:
            yield ctx.finding(
                ITR004,
                f"{MISSING}: {relative} ({what} of this result)",
                path=ctx.shown(relative),
                observed="absent",
                required=relative,
            )
    limit = ctx.book.settings.accuracy_log_max_size
    size = ctx.sizes.get("accuracy/mlperf_log_accuracy.json")
    if size is not None and limit is not None and limit.value is not None and size > limit.value:
        yield ctx.finding(
            ITR005,
            f"accuracy/mlperf_log_accuracy.json is {size:,} bytes; the round allows {int(limit.value):,} (the truncated form)",
            path=ctx.shown("accuracy/mlperf_log_accuracy.json"),
            observed=f"{size} bytes",
            required=f"at most {int(limit.value)} bytes",
        )


@checker(RESULT_SUBJECT, ITR010, ITR011)
def published_value(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.perf is None or not ctx.perf.detail.present or ctx.scenario is None:
        return  # a missing run is ITR004
    published = result_metric(ctx)
    path = ctx.shown("performance/run_1/mlperf_log_detail.txt")
    if published.value is None and published.problem:
        yield ctx.finding(
            ITR010,
            f"no number for this {ctx.scenario} result: {published.problem}",
            path=path,
            key=published.key,
            observed=published.problem,
            required=f"a number for {published.key or 'the scenario'} in the performance run",
        )
    system_type = ctx.system.system_type
    if published.inferred_from and system_type is not None and "edge" not in system_type.split(","):
        yield ctx.finding(
            ITR011,
            f"this {ctx.scenario} result is inferred from {article(published.inferred_from)} run, but the system is {system_type}: "
            "inferred results are for edge systems only",
            path=path,
            key="effective_scenario",
            observed=f"effective_scenario {published.inferred_from}, system_type {system_type}",
            required=f"{article(ctx.scenario)} run, or an edge system",
        )


SYSTEM_TYPES = {"datacenter": "datacenter", "edge": "edge", "datacenter,edge": "datacenter_edge", "edge,datacenter": "datacenter_edge"}


def _system_type(declared: str | None, known: tuple[str, ...]) -> str | None:
    """The round data's name for a system's ``system_type`` (``datacenter,edge`` is
    ``datacenter_edge``; a suite's own type, automotive's ``adas``, is its name), or None."""
    if not declared:
        return None
    return SYSTEM_TYPES.get(declared) or (declared if declared in known else None)


# The layout and hostile-entry rules (STR) read the tree's issues the same way for inference trees.
_STR_LAYOUT = checker(SUBMISSION_SUBJECT, *{rule.code: rule for rule in str_rules._KIND.values()}.values())(str_rules.layout)


_STR_HOSTILE = checker(SUBMISSION_SUBJECT, *{known[0].code: known[0] for known in str_rules._HOSTILE_KIND.values()}.values())(str_rules.hostile_entries)


ITR006 = define(
    "ITR006",
    "required-scenario-missing",
    Severity.ERROR,
    "A closed or network model result lacks a scenario its system type requires.",
    """
## What it checks
For each system and model in the closed and network divisions: every
scenario the round requires for the model and the system's `system_type`
(datacenter, edge, or both) has a result, and where the round asks for at
least one of several (e.g. Server or Interactive for Llama 3.1 8B in 6.1),
one of them is there.

## Why it matters
A closed model submission is the set of its required scenarios; a partial
set cannot be compared with others in the results table.

## Example
A datacenter ResNet-50 submission with Offline but no Server.

## How to fix
Add the missing scenario's result, or remove the model.

## Rule reference
MLPerf Inference rules, required scenarios per benchmark (datacenter and
edge tables); the checker's `required-scenarios-*`.
""",
    suites=SUITES,
    divisions=CLOSED,
)


ITR007 = define(
    "ITR007",
    "model-mapping-invalid",
    Severity.ERROR,
    "open/<org>/model_mapping.json cannot be read as a JSON object of names.",
    """
## What it checks
That an open-division `model_mapping.json` is a readable JSON object mapping
result folder names to the round's model names.

## Why it matters
Open results with custom model names are matched to benchmarks through it.

## Example
A `model_mapping.json` with a trailing comma.

## How to fix
Make it valid JSON: `{"my-resnet-int4": "resnet50"}`.

## Rule reference
The checker's `--extra-model-benchmark-map` (model_mapping.json).
""",
    suites=SUITES,
    divisions=("open",),
)


ITR008 = define(
    "ITR008",
    "entry-outside-inference-layout",
    Severity.WARNING,
    "Inside an organisation folder, a file or folder is where the inference layout has no place for it (or its name starts with '.').",
    """
## What it checks
Inside `<division>/<org>/`: entries other than `systems/`, `results/`,
`code/` (`src/` from 6.0), `documentation/` (and, up to 5.1, `compliance/`
and `measurements/`) and the organisation's notes (`README.md`,
`calibration.md`, `model_mapping.json`, licences); in `systems/`, anything
but `<system>.json` (and `<system>_power.yaml`); in `results/<system>/`
and `results/<system>/<model>/`, files beside the model and scenario
folders; hidden files (`.DS_Store`, `.clang-format`, editor swap files)
anywhere in the organisation folder.

## Why it matters
The submission rules say that "all submission content should align to the
above directory structure, even when not enforced by submission support
tools" and "should not reside outside" the organisation's layout folders: a
recommendation, not a requirement, and the official checker accepts such
entries. Tools that expect the layout may still trip over them. The page a
published results repository adds to every `results/<system>/`
(`summary.html`, and a `README.md` whose first line links to it: "See the
HTML preview [here](...summary.html)") is the publication's, not the
submitter's: no finding.

## Example
`closed/ACME/Makefile`, `closed/ACME/docker/`, `closed/ACME/systems/backup_systems/`,
`open/ACME/src/.DS_Store`.

## How to fix
Move build files and scripts into `code/` (`src/`), documents into
`documentation/`; delete editor and system files.

## Rule reference
MLPerf submission rules (policies), "Directory structure", Inference ("Content
should not reside outside of the <submitter_organization> direct
sub-directories").
""",
    suites=SUITES,
    divisions=ALL,
    deliberate_difference="The official checker up to 5.1 rejected an organisation for a hidden file; from 6.0 it does not look. The rules only recommend the layout: a warning here.",
)


ITR009 = define(
    "ITR009",
    "link-inside-submission",
    Severity.WARNING,
    "Inside an organisation folder, a symbolic link stays in the tree (it is not followed), or points nowhere.",
    """
## What it checks
Symbolic links inside `<division>/<org>/` whose target stays inside the
checked tree, or that point nowhere (a missing target, or a link to
itself). Links leaving the tree are STR004 errors.

## Why it matters
Nothing in the rules forbids a link, and the official checker accepts links
that resolve (results repositories keep them: model folders under `code/`
pointing at a shared implementation). mlperf-audit never follows a link, so
what it points at is not checked as part of the result; a link that points
nowhere is a file missing from the code.

## Example
`open/ACME/code/mobilenet-v1-int8 -> mobilenets`, or `closed/ACME/src/code -> code`.

## How to fix
Nothing, for a link to another folder of the submission. Replace a link that
points nowhere with what it was meant to hold.

## Rule reference
MLPerf submission rules (policies), "Directory structure"; the official
checker's broken-link check (up to 5.1).
""",
    suites=SUITES,
    divisions=ALL,
)


_KINDS_IN_ORG = {EXTRA_ENTRY: ITR008, LINK_IN_TREE: ITR009}


@checker(SUBMISSION_SUBJECT, ITR008, ITR009)
def entries_outside_layout(ctx: SubmissionContext) -> Iterator[Finding]:
    for issue in ctx.tree.issues:
        rule = _KINDS_IN_ORG.get(issue.kind)
        if rule is None:
            continue
        name = issue.path.rsplit("/", 1)[-1]
        what = issue.detail or ("a hidden entry" if name.startswith(".") else "an extra entry")
        yield ctx.finding(
            rule,
            f"{'symbolic link' if rule is ITR009 else 'outside the layout'}: {what}",
            path=issue.path,
            observed=issue.path,
            required="the organisation's layout folders only" if rule is ITR008 else "files and folders, or links to them",
        )


SHOWN_FOLDERS = 3  # folders named in an ITR003 note; the rest are counted


@checker(SUBMISSION_SUBJECT, ITR003)
def scenario_folder_case(ctx: SubmissionContext) -> Iterator[Finding]:
    # One note per submission: an organisation's tooling spells every folder the same way.
    by_submission: dict[tuple[str, str], list[ResultFacts]] = defaultdict(list)
    for facts in ctx.results:
        if facts.scenario and facts.scenario_folder != facts.scenario:
            by_submission[(facts.division, facts.org)].append(facts)
    for (division, org), folders in sorted(by_submission.items()):
        first = folders[0]
        shown = ", ".join(f"'{f.system}/{f.model_folder}/{f.scenario_folder}' ({f.scenario})" for f in folders[:SHOWN_FOLDERS])
        more = f" and {len(folders) - SHOWN_FOLDERS} more" if len(folders) > SHOWN_FOLDERS else ""
        yield ctx.finding(
            ITR003,
            f"{len(folders)} scenario folder(s) of {division}/{org} are named in another case than the round's "
            f"(checked as the scenario they name): {shown}{more}",
            path=first.path,
            observed=first.scenario_folder,
            required=first.scenario,
            evidence={"count": len(folders)},
        )


@checker(SUBMISSION_SUBJECT, ITR006)
def required_scenarios(ctx: SubmissionContext) -> Iterator[Finding]:
    present: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    paths: dict[tuple[str, str, str, str], str] = {}
    for facts in ctx.results:
        if facts.model is None or facts.division not in CLOSED:
            continue
        key = (facts.division, facts.org, facts.system, facts.model)
        if facts.scenario:
            present[key].add(facts.scenario)
        paths.setdefault(key, facts.path.rsplit("/", 1)[0])
    for key, scenarios in sorted(present.items()):
        division, org, system, model_name = key
        model = ctx.book.models.get(model_name)
        info = ctx.systems.get((division, org, system))
        system_type = _system_type(info.system_type, ctx.book.system_types) if info is not None else None
        if model is None or system_type is None:
            continue
        wanted = model.scenarios.get(system_type)
        if wanted is None:
            continue
        missing = [s for s in wanted.required if s not in scenarios]
        for scenario in missing:
            yield ctx.finding(
                ITR006,
                f"{model_name} on {system} ({system_type.replace('_', '+')}) has no {scenario} result; required: {', '.join(wanted.required)}",
                path=f"{paths[key]}/{scenario}",
                observed=", ".join(sorted(scenarios)),
                required=", ".join(wanted.required),
            )
        for group in wanted.at_least_one_of:
            if not scenarios & set(group):
                yield ctx.finding(
                    ITR006,
                    f"{model_name} on {system} has none of {' or '.join(group)}; the round requires at least one",
                    path=paths[key],
                    observed=", ".join(sorted(scenarios)),
                    required="at least one of " + ", ".join(group),
                )


@checker(SUBMISSION_SUBJECT, ITR007)
def model_mapping(ctx: SubmissionContext) -> Iterator[Finding]:
    for path, error in ctx.mapping_errors:
        yield ctx.finding(ITR007, f"model_mapping.json cannot be used: {error}", path=path, observed=error, required="a JSON object of names")
