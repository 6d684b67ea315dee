"""CFG: what the checked repository's own settings did (with --strict-config). The settings are
read and accounted in ``compliance.config``, which gives this finding."""

from __future__ import annotations

from compliance.kinds import ALL_SUITES
from compliance.models.findings import Severity
from compliance.registry import define


CFG001 = define(
    "CFG001",
    "settings-silence-errors",
    Severity.ERROR,
    "With --strict-config: the checked repository's own settings (mlperf-audit.toml or [tool.mlperf-audit]) silence or waive error findings.",
    """
## What it checks
With `--strict-config`, every setting read from the repository's settings
file (`mlperf-audit.toml`, or `pyproject.toml`'s `[tool.mlperf-audit]`) that
kept an error finding out of the report (`select`, `ignore`) or waived one
(`waivers`). Each such setting is one finding, with what it silenced.

## Why it matters
A repository's settings are right for its own CI; a review committee, or a
CI job checking someone else's pull request, must not let the checked
repository decide which errors count. `--strict-config` keeps the settings'
other effects (suite, round, formats) and fails the check when they would
silence an error; `--no-config` ignores the settings altogether.

## Example
`mlperf-audit.toml: ignore = SEQ, KEY kept 14 error findings out of the report (SEQ004 x9, KEY001 x5)`

## How to fix
Remove the setting (fix the findings, or ask for a reviewed waiver that the
committee passes with `--waivers`), or check without the repository's
settings (`--no-config`).

## Rule reference
None in the rules: mlperf-audit's settings trust (README, "For the review committee").
""",
    suites=ALL_SUITES,
)
