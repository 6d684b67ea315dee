"""SYS: system description files (systems/<system>.json), validated against schemas/system_desc/."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rules.package.context import PackageContext

_REF = "MLPerf submission rules, 'System description'; mlperf_logging system_desc_checker (required fields and status values)."

SYS001 = define(
    "SYS001",
    "system-file-unreadable",
    Severity.ERROR,
    "A system description cannot be read as a JSON object.",
    f"""
## What it checks
That `systems/<system>.json` is a readable JSON object (a UTF-8 BOM is accepted).

## Why it matters
Without it the result has no system in the published table.

## Example
A trailing comma after the last field.

## How to fix
Fix the JSON (`python -m json.tool systems/sysA.json` shows where).

## Rule reference
{_REF}
""",
)

SYS002 = define(
    "SYS002",
    "system-field-missing",
    Severity.ERROR,
    "A field the round requires in a system description is missing.",
    f"""
## What it checks
Every required field of the round's system description schema
(`schemas/system_desc/`), each reported on its own (the official checker loses
the list when the status is also wrong).

## Why it matters
The published tables show these fields.

## Example
No `host_networking`.

## How to fix
Add the field (use an empty string only where the rules allow it).

## Rule reference
{_REF}
""",
)

SYS003 = define(
    "SYS003",
    "system-field-invalid",
    Severity.ERROR,
    "A system description field has the wrong type or a value the round does not allow.",
    f"""
## What it checks
Field types and allowed values, such as `status` and `division`.

## Why it matters
Availability categories and divisions are fixed lists; the tables are
grouped by them.

## Example
`"status": "available"` (the round allows "Available on-premise", "Available cloud", ...).

## How to fix
Use one of the allowed values named in the message.

## Rule reference
{_REF}
""",
)


@checker(SubjectRole.TREE, SYS001, SYS002, SYS003)
def system_files(ctx: PackageContext) -> Iterator[Finding]:
    from compliance.parsers.system_desc import SystemSchemaError, validate_system

    for system in ctx.tree.systems:
        if system.data is None:
            yield ctx.finding(
                SYS001,
                f"{system.name}.json: {system.error or 'the file cannot be read'}",
                path=system.path,
                required="a JSON object",
            )
            continue
        try:
            problems = validate_system(system.data, ctx.book.suite, ctx.book.round)
        except SystemSchemaError as err:
            yield ctx.finding(SYS001, f"no system description schema applies: {err}", path=system.path, required="a known round")
            continue
        for problem in problems:
            rule = SYS002 if problem.kind == "missing" else SYS003
            yield ctx.finding(
                rule,
                problem.message,
                path=system.path,
                key=problem.field,
                observed=problem.field,
                required="the round's system description schema (schemas/system_desc/)",
                fix=f"Did you mean {problem.suggestion!r}?" if problem.suggestion else None,
            )
