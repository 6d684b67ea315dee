"""WAV: what a waiver file says about itself (a waiver unused, a waiver expired). The
waivers are applied in ``compliance.waivers`` (the settle step), which gives these findings."""

from __future__ import annotations

from compliance.kinds import ALL_SUITES
from compliance.models.findings import Severity
from compliance.registry import define


WAV001 = define(
    "WAV001",
    "waiver-unused",
    Severity.WARNING,
    "A waiver in the waiver file matched no finding.",
    """
## What it checks
That each waiver still waives something.

## Why it matters
An unused waiver is stale: it may hide a future, unrelated finding that
happens to match its code and path.

## Example
A waiver for RCP001 on an entry that now passes its RCP check.

## How to fix
Remove the waiver.

## Rule reference
mlperf-audit waivers (committee review record).
""",
    suites=ALL_SUITES,
)

WAV002 = define(
    "WAV002",
    "waiver-expired",
    Severity.WARNING,
    "A waiver's expiry date has passed; it was not applied.",
    """
## What it checks
The `expires` date of each waiver against today.

## Why it matters
Exceptions granted for one review period should not silently carry over.

## Example
`expires = 2026-01-31` checked in March.

## How to fix
Renew the waiver with the committee, or fix the finding.

## Rule reference
mlperf-audit waivers (committee review record).
""",
    suites=ALL_SUITES,
)
