"""TSY: the system descriptions of a Tiny submission (``systems/<system>.json``)."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.tiny.context import SUBMISSION_SUBJECT, SUITES, TinySubmissionContext
from compliance.wording import plural

TSY001 = define(
    "TSY001",
    "tiny-system-description-missing",
    Severity.ERROR,
    "A results/<system> folder has no systems/<system>.json.",
    """
## What it checks
That every system with results has its description `systems/<system>.json`
in the same organisation folder. A description one folder deeper
(`systems/<system>/<system>.json`, as some 1.0 submissions filed it) or
under another name (`<board>_System_Description.json`) is not where the
layout puts it: the message says where it is. In the rounds whose checks
did not test the name (0.5, 0.7: round data `systems.exact_name`) such a
description is read and TSY004 warns instead.

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

TSY004 = define(
    "TSY004",
    "tiny-system-description-misnamed",
    Severity.WARNING,
    "A system's description is filed under another name than systems/<system>.json, in a round whose checks did not test the name.",
    """
## What it checks
For a system with results and no `systems/<system>.json`: the one JSON file
in `systems/` (or a folder below it) whose name is the system's with case,
`-`/`_` or the words "system description" changed
(`Nucleo_L4R5ZI_System_Description.json` for `Nucleo-L4R5ZI`), or whose name
the system's id starts with (`system_description_arty.json` for
`arty-a7-100t`). That file is read as the description (TSY002 and TSY003
check it) and the message names it.

## Why it matters
The results repository's `directory_structure.adoc` names the file
`systems/<system_desc_id>.json`, so a reader (or a tool) looking for it
there finds nothing. In the rounds before the official checker (0.5, 0.7)
nothing tested the name and the review published these results, so the
name alone is a warning; from 1.0 the checker rejects the system's results
and TSY001 reports it as an error (naming the file found).

## Example
`closed/ACME/results/EK-RA6M4/` described by
`closed/ACME/systems/EK-RA6M4_System_Description.json`.

## How to fix
Rename the file to `systems/<system>.json`, the results folder's name.

## Rule reference
The results repository's `directory_structure.adoc` (`<system_desc_id>.json`);
the round data `systems.exact_name`.
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
of the availability categories (Available, Preview, RDI; any case). In the
rounds no checker tested (0.5, 0.7: round data `systems.status_required`),
whose template ships `"Status": ""`, an empty or missing Status is left to
TSY003 (a warning that it is not filled).

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


@checker(SUBMISSION_SUBJECT, TSY001, TSY002, TSY003, TSY004)
def systems(ctx: TinySubmissionContext) -> Iterator[Finding]:
    book = ctx.book
    for org in ctx.orgs():
        for system_id in sorted({r.system for r in org.results}):
            found = org.systems.get(system_id)
            if found is not None and not found.nested:
                continue
            found = org.described.get(system_id)
            want = f"systems/{system_id}.json"
            named = found.path.removeprefix(f"{org.path}/") if found is not None else ""
            if found is not None and not book.exact_system_name:
                yield ctx.finding(
                    TSY004,
                    f"the description of system '{system_id}' is {named}; the round's layout names it {want}",
                    path=found.path,
                    observed=named,
                    required=want,
                )
                continue
            elsewhere = ""
            if found is not None:
                what = f"a {system_id}.json is at" if found.name == system_id else "its description seems to be"
                elsewhere = f" ({what} {named}, not where the layout puts it)"
            elif system_id in org.ambiguous:
                fits = [d.path.removeprefix(f"{org.path}/") for d in org.ambiguous[system_id]]
                elsewhere = f" ({plural(len(fits), 'description')} fit the name, so none is taken: {', '.join(fits)})"
            yield ctx.finding(
                TSY001,
                f"results for system '{system_id}' have no description {want}{elsewhere}",
                path=f"{org.path}/{want}",
                observed=f"results/{system_id}/",
                required=want,
            )
        used = {r.system for r in org.results}
        if not book.exact_system_name:
            used |= {d.name for d in org.described.values()}
        for name, system in sorted(org.systems.items()):
            if name not in used:
                continue  # a checklist or template: only the descriptions of systems with results are read
            if system.data is None:
                yield ctx.finding(TSY002, f"{name}.json {system.error}", path=system.path, observed=system.error or "unreadable", required="a JSON object")
                continue
            status = system.data.get("Status", system.data.get("status"))
            unfilled = status is None or (isinstance(status, str) and not status.strip())
            if (book.status_required or not unfilled) and (not isinstance(status, str) or status.strip().lower() not in book.availabilities):
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
