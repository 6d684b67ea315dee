"""LIM: a bound on what one check reads was reached. The bounds are ``compliance.limits``;
the readers that stop at one give this finding."""

from __future__ import annotations

from compliance.kinds import ALL_SUITES
from compliance.models.findings import Severity
from compliance.registry import define


LIM001 = define(
    "LIM001",
    "limit-reached",
    Severity.ERROR,
    "A bound on what one check reads was reached (files per result, entries of an accuracy log ...): what lies past it was not checked.",
    """
## What it checks
The bounds mlperf-audit puts on what it reads from one input (README,
"Hostile input"): files listed below one scenario result, entries read from
one accuracy log, and the others listed there. Every bound is far above what a
real submission reaches.

## Why it matters
Past a bound nothing is read, so nothing there is checked: the check cannot
pass. The files or entries that were not read are not reported as missing or
wrong; this finding says where reading stopped, which bound stopped it and
how to raise it.

## Example
`LIM001 closed/ACME/results/sysA/resnet50/Offline: not every file was listed: the
files-per-folder limit (200,000 files) was reached; raise it with --limit files-per-folder=2000000`

## How to fix
Remove what a submission does not need (copied data sets, core dumps,
per-step traces); if the input is real and needs more, check it again with
the `--limit` the finding names.

## Rule reference
None in the rules: mlperf-audit's hostile-input guarantees (README, "Hostile input").
""",
    suites=ALL_SUITES,
)
