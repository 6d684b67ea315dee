"""TSY: the system descriptions of a Tiny submission (``systems/<system>.json``)."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.tiny.context import SUBMISSION_SUBJECT, SUITES, TinySubmissionContext

TSY001 = define(
    "TSY001",
    "tiny-system-description-missing",
    Severity.ERROR,
    "A results/<system> folder has no systems/<system>.json.",
    """
## What it checks
That every system with results has its description `systems/<system>.json`
in the same organisation folder. A description one folder deeper
(`systems/<system>/<system>.json`, as some 1.0 submissions filed it) is not
where the layout puts it: the message says where it is.

## Why it matters
The description is what the results table shows about the hardware and
software. The official checker rejects every result of the system.

## Example
`closed/ACME/results/sysA/` and no `closed/ACME/systems/sysA.json`.

## How to fix
Add the description named after the results folder (the results
repository's `system_description_template.json` lists the fields).

## Rule reference
The results repository's `directory_structure.adoc`; the official checker's
"no system_desc" check.
""",
    suites=SUITES,
)

TSY002 = define(
    "TSY002",
    "tiny-system-description-invalid",
    Severity.ERROR,
    "A system description is not a JSON object, or its Status is not Available, Preview or RDI.",
    """
## What it checks
That `systems/<system>.json` is a JSON object and that its `Status` is one
of the availability categories (Available, Preview, RDI; any case).

## Why it matters
The status decides the table the result is published in. The official
checker rejects the system's results on a bad status (and cannot read a
file that is not JSON).

## Example
`"Status": "beta"`.

## How to fix
Correct the file as the message says.

## Rule reference
MLPerf Tiny rules, "Reproducibility and Availability"; the official
checker's availability check.
""",
    suites=SUITES,
)

TSY003 = define(
    "TSY003",
    "tiny-system-description-fields",
    Severity.WARNING,
    "A system description lacks a field of the template, or names another division or submitter.",
    """
## What it checks
That the description fills the template's main fields (Submitter,
Division, Status, Board Name, Processor(s) Name) and that its Division
matches the folder it is filed in.

## Why it matters
These fields are the published description of the system; a Division of
"Open" filed under `closed/` leaves the reader unsure which rules apply.
The rules state no required field list, so this is a warning.

## Example
`"Division": "Open"` in `closed/ACME/systems/sysA.json`.

## How to fix
Fill the field, or file the result in the division it names.

## Rule reference
The results repository's `system_description_template.json`.
""",
    suites=SUITES,
)


@checker(SUBMISSION_SUBJECT, TSY001, TSY002, TSY003)
def systems(ctx: TinySubmissionContext) -> Iterator[Finding]:
    book = ctx.book
    for org in ctx.orgs():
        reported: set[str] = set()
        for result in org.results:
            found = org.systems.get(result.system)
            if (found is not None and not found.nested) or result.system in reported:
                continue
            reported.add(result.system)
            elsewhere = f" (a {result.system}.json is at {found.path}, not where the layout puts it)" if found is not None else ""
            yield ctx.finding(
                TSY001,
                f"results for system '{result.system}' have no description systems/{result.system}.json{elsewhere}",
                path=f"{org.path}/systems/{result.system}.json",
                observed=f"results/{result.system}/",
                required=f"systems/{result.system}.json",
            )
        used = {r.system for r in org.results}
        for name, system in sorted(org.systems.items()):
            if name not in used:
                continue  # a checklist or template: only the descriptions of systems with results are read
            if system.data is None:
                yield ctx.finding(TSY002, f"{name}.json {system.error}", path=system.path, observed=system.error or "unreadable", required="a JSON object")
                continue
            status = system.data.get("Status", system.data.get("status"))
            if not isinstance(status, str) or status.strip().lower() not in book.availabilities:
                yield ctx.finding(
                    TSY002,
                    f"Status {status!r} is not an availability category",
                    path=system.path,
                    key="Status",
                    observed=repr(status),
                    required=" or ".join(a.capitalize() if a != "rdi" else "RDI" for a in book.availabilities),
                )
            lowered = {str(k).strip().lower(): v for k, v in system.data.items()}
            empty = [f for f in book.system_fields if lowered.get(f.lower()) in (None, "")]
            if empty:
                yield ctx.finding(TSY003, f"{name}.json does not fill {', '.join(empty)}", path=system.path, key=empty[0], observed="missing or empty", required=", ".join(book.system_fields))
            division = lowered.get("division")
            if isinstance(division, str) and division.strip() and division.strip().lower() != org.division.lower():
                yield ctx.finding(
                    TSY003,
                    f"{name}.json says Division {division!r} but is filed under {org.division}/",
                    path=system.path,
                    key="Division",
                    observed=repr(division),
                    required=repr(org.division),
                )
