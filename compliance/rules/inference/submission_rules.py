"""ITR/ISY/IMS: a whole inference submission (subject ``inference_submission``).

Layout (the STR rules, shared with training), system descriptions, required
scenarios per model and system type, the open division's model mapping, and
what the reviewers must judge about quantization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.parsers.inference_tree import EXTRA_ENTRY, LINK_IN_TREE
from compliance.registry import checker, define
from compliance.rules.inference.tree_context import MISSING, SUBMISSION_SUBJECT, SubmissionContext
from compliance.rules.package import hostile
from compliance.rules.package import layout as str_rules

SUITES = ("inference",)
ALL = ("closed", "open", "network")
CLOSED = ("closed", "network")
SYSTEM_TYPES = {"datacenter": "datacenter", "edge": "edge", "datacenter,edge": "datacenter_edge", "edge,datacenter": "datacenter_edge"}

# The layout and hostile-entry rules (STR) read the tree's issues the same way for inference trees.
checker(SUBMISSION_SUBJECT, *{rule.code: rule for rule in str_rules._KIND.values()}.values())(str_rules.layout)
checker(SUBMISSION_SUBJECT, *{known[0].code: known[0] for known in hostile._KIND.values()}.values())(hostile.hostile_entries)

ISY001 = define(
    "ISY001",
    "system-description-missing",
    Severity.ERROR,
    "A system has results but no systems/<system>.json.",
    """
## What it checks
That every `results/<system>/` folder has its description
`systems/<system>.json` in the same organisation folder.

## Why it matters
The system description is what the results table shows about the
hardware and software; the required scenarios depend on its `system_type`.
The official checker crashes on a missing file.

## Example
`closed/ACME/results/sysA/` without `closed/ACME/systems/sysA.json`.

## How to fix
Add the JSON (the official `system_desc_id.json` template lists the fields).

## Rule reference
MLPerf Inference submission rules, "System description"; the checker's system check.
""",
    suites=SUITES,
    divisions=ALL,
)

ISY002 = define(
    "ISY002",
    "system-description-invalid",
    Severity.ERROR,
    "A system description cannot be read, lacks a required field, has a value the round does not allow, or names another division or submitter.",
    """
## What it checks
That `systems/<system>.json` is a JSON object with the round's required
fields (35 from 4.1, network fields when `is_network` is true), the
meaningful ones not empty, `status` one of available/preview/rdi,
`system_type` one of datacenter/edge/both, and `division` and `submitter`
equal to the folders it is in (ignoring case).

## Why it matters
The description is published with every result; a wrong division or
submitter puts the result in the wrong table.

## Example
`"division": "open"` in `closed/ACME/systems/sysA.json`.

## How to fix
Correct the field as the message says.

## Rule reference
MLPerf Inference submission rules, "System description"; the checker's
`SYSTEM_DESC_REQUIRED_FIELDS` and system check.
""",
    suites=SUITES,
    divisions=ALL,
)

ISY003 = define(
    "ISY003",
    "system-description-without-results",
    Severity.WARNING,
    "A system description has no results folder.",
    """
## What it checks
That every `systems/<system>.json` has a `results/<system>/` folder.

## Why it matters
A description without results is usually a renamed system whose old file
was left behind; it would be published without a result.

## Example
`systems/sysA_old.json` after the results moved to `results/sysA/`.

## How to fix
Remove the file, or rename it to match its results folder.

## Rule reference
The old checker's "all systems have results" check.
""",
    suites=SUITES,
    divisions=ALL,
)

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

IMS004 = define(
    "IMS004",
    "quantization-for-review",
    Severity.REVIEW,
    "What the reviewers must judge about a closed model's quantization: the declared data types and weight transformations, and the calibration.",
    """
## What it checks
Nothing a machine can decide: for each closed system and model it lists
what the measurements declare (`weight_data_types`,
`weight_transformations`, `starting_weights_filename`, `retraining`) and
flags data types outside the formats the round data recognises. A reviewer
checks that the quantization is principled, uses the calibration set only,
and that no retraining was done.

## Why it matters
The rules allow any principled quantization but forbid retraining and
calibration on the validation set; only a reviewer can judge the method.

## Example
`weight_data_types: "int3"`, or `retraining: "yes"`.

## How to fix
Nothing to fix when the disclosure is right; otherwise correct the
measurements JSON and the calibration document.

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization".
""",
    suites=SUITES,
    divisions=CLOSED,
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
entries (a published results repository even adds `README.md` and
`summary.html` to every `results/<system>/`). Tools that expect the layout
may still trip over them.

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


@checker(SUBMISSION_SUBJECT, ISY001, ISY002, ISY003)
def systems(ctx: SubmissionContext) -> Iterator[Finding]:
    with_results = {(f.division, f.org, f.system) for f in ctx.results}
    missing_reported: set[tuple[str, str, str]] = set()
    for facts in ctx.results:
        key = (facts.division, facts.org, facts.system)
        if key not in ctx.systems and key not in missing_reported:
            missing_reported.add(key)
            org_path = facts.path.split("/results/")[0]
            yield ctx.finding(
                ISY001,
                f"{MISSING}: systems/{facts.system}.json (results for system '{facts.system}' have no description)",
                path=f"{org_path}/systems/{facts.system}.json",
                observed=f"results/{facts.system}/",
                required=f"systems/{facts.system}.json",
            )
    for (division, org, name), info in sorted(ctx.systems.items()):
        file = info.file
        if file is None:
            continue
        if (division, org, name) not in with_results:
            yield ctx.finding(ISY003, f"systems/{name}.json has no results/{name}/ folder", path=file.path, observed=file.path, required=f"results/{name}/")
        if file.error is not None:
            yield ctx.finding(ISY002, f"systems/{name}.json cannot be used: {file.error}", path=file.path, observed=file.error, required="a JSON object of the system's fields")
            continue
        yield from ctx.schema_findings(
            ISY002, info.problems, path=file.path, what=f"systems/{name}.json", required="the round's system description fields"
        )
        data = file.data or {}
        for field, folder in (("division", division), ("submitter", org)):
            value = data.get(field)
            if folder and isinstance(value, str) and value.strip().lower() != folder.lower():
                yield ctx.finding(
                    ISY002,
                    f"systems/{name}.json says {field} '{value}' but is in the {folder!r} folder",
                    path=file.path,
                    key=field,
                    observed=value,
                    required=folder,
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
        system_type = SYSTEM_TYPES.get(info.system_type or "") if info is not None else None
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


_DECLARED = ("weight_data_types", "weight_transformations", "starting_weights_filename", "retraining")


@checker(SUBMISSION_SUBJECT, IMS004)
def quantization_review(ctx: SubmissionContext) -> Iterator[Finding]:
    known = {t.lower() for t in ctx.book.review.get("weight_data_types", ())}
    grouped: dict[tuple[str, str, str, str], dict[str, set[str]]] = {}
    where: dict[tuple[str, str, str, str], str] = {}
    for facts in ctx.results:
        if facts.division not in CLOSED or facts.model is None or not facts.declared:
            continue
        key = (facts.division, facts.org, facts.system, facts.model)
        fields = grouped.setdefault(key, {})
        where.setdefault(key, facts.path.rsplit("/", 1)[0])
        for name, value in facts.declared:
            fields.setdefault(name, set()).add(value)
    for key, fields in sorted(grouped.items()):
        types = fields.get("weight_data_types", set())
        words = {w.strip().lower() for value in types for w in value.replace("/", ",").replace(";", ",").replace(" and ", ",").split(",") if w.strip()}
        unknown = sorted(w for w in words if w not in known and not any(k in w for k in known))
        declared = "; ".join(f"{name}: {' | '.join(sorted(fields[name]))}" for name in _DECLARED if name in fields)
        note = f"; data types the round data does not recognise: {', '.join(unknown)}" if unknown else ""
        yield ctx.finding(
            IMS004,
            f"{key[3]} on {key[2]}: check that the quantization is principled and calibrated on the calibration set only ({declared}){note}",
            path=where[key],
            observed=declared,
            required="principled quantization, calibration set only, no retraining (reviewer's judgement)",
        )
