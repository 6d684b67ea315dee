"""ISY: the system descriptions of an inference submission."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import ALL, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    SUBMISSION_SUBJECT,
    SubmissionContext,
)

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
