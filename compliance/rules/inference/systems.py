"""ISY: the system descriptions of an inference submission."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

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
equal to the folders it is in (ignoring case). The missing fields of one
description are one finding that lists them; every other problem is one
finding with the value found. The count fields (`number_of_nodes`,
`host_processors_per_node`, `accelerators_per_node`) must be whole numbers;
text that is not one ("N/A") is a warning, as the official checker only tests
these fields for emptiness and accepts it.

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
        data = file.data or {}
        yield from _schema_findings(ctx, info.problems, data, path=file.path, what=f"systems/{name}.json")
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


# The count fields the schema holds to whole numbers where the official checker only tests them for
# emptiness with Python truth (schemas/system_desc/inference_common.schema.json, $comment): any
# non-empty text passes there, so text such as "N/A" is a warning here, not an error.
_COUNTS_CHECKER_TESTS_FOR_EMPTINESS = ("number_of_nodes", "host_processors_per_node", "accelerators_per_node")
SHOWN_FIELDS = 6  # missing fields named in the message; the evidence lists all


def _schema_findings(ctx: SubmissionContext, problems: list[Any], data: dict[str, Any], *, path: str, what: str) -> Iterator[Finding]:
    """The schema's problems of one description: one finding for its missing fields, one per other field."""
    missing = [p for p in problems if getattr(p, "kind", None) == "missing" and getattr(p, "field", "")]
    if missing:
        names = [p.field.lstrip("/") for p in missing]
        shown = ", ".join(names[:SHOWN_FIELDS]) + (f" and {len(names) - SHOWN_FIELDS} more" if len(names) > SHOWN_FIELDS else "")
        yield ctx.finding(
            ISY002,
            f"{what} lacks {len(names)} required field(s) of inference round {ctx.book.round}: {shown}"
            if len(names) > 1 else f"{what}: {missing[0].message}",
            path=path,
            key=names[0],
            observed="missing: " + ", ".join(names),
            required=f"every field of the round's system description ({len(names)} missing)",
            evidence={"count": len(names)} if len(names) > 1 else None,
        )
    for problem in problems:
        if problem in missing:
            continue
        field = (getattr(problem, "field", "") or "").lstrip("/")
        message = str(getattr(problem, "message", problem))
        suggestion = getattr(problem, "suggestion", None)
        value = data.get(field) if field and "/" not in field else None
        lenient = field in _COUNTS_CHECKER_TESTS_FOR_EMPTINESS and isinstance(value, str) and bool(value.strip())
        allowed = message.split("it must be ", 1)[1].rstrip(".") if "it must be " in message else "the round's system description fields"
        yield ctx.finding(
            ISY002,
            f"{what}: {message}" + (" The official checker accepts any non-empty text here." if lenient else ""),
            path=path,
            key=field or None,
            severity=Severity.WARNING if lenient else None,
            observed=json.dumps(value) if field and field in data else getattr(problem, "kind", None),
            required=f"{suggestion}" if suggestion else allowed,
        )
