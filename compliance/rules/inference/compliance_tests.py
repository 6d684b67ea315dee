"""ICT: the compliance (audit) tests a result must carry, their verdicts and their audit settings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import CLOSED, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    RESULT_SUBJECT,
    ResultContext,
)
from compliance.rules.inference.values import model_targets

if TYPE_CHECKING:
    from compliance.models.inference import TestFolder

ICT001 = define(
    "ICT001",
    "compliance-test-missing",
    Severity.ERROR,
    "A compliance test the round requires for the model is missing, or lacks one of its files.",
    """
## What it checks
For closed and network results: every compliance test the round requires
for the model (TEST01, TEST04, TEST06, TEST07 ...) has its folder and its
files (`verify_accuracy.txt`, `verify_performance.txt`, the test's
`performance/run_1/mlperf_log_detail.txt`, `verify_output_len.txt`). Up to
round 5.1 the tests are under `<org>/compliance/<system>/<model>/<scenario>/`,
from 6.0 inside the result's scenario folder.

## Why it matters
The compliance tests are how a result shows it does not cache, skip or
answer differently in performance mode.

## Example
A ResNet-50 Offline result with TEST01 but no TEST04.

## How to fix
Run the missing test with its `audit.config` and copy its outputs.

## Rule reference
MLPerf Inference compliance tests (compliance/README.md); the checker's
`models_TEST01`... and its compliance check.
""",
    suites=SUITES,
    divisions=CLOSED,
)


ICT002 = define(
    "ICT002",
    "compliance-test-failed",
    Severity.ERROR,
    "A compliance test's verification output does not say TEST PASS.",
    """
## What it checks
That each required test's verification file says it passed: `TEST PASS` in
`verify_accuracy.txt` / `verify_performance.txt` / `verify_output_len.txt`,
TEST06's three check lines, or for TEST01's accuracy the fallback the
official checker accepts (baseline and compliance accuracy within the
model's delta).

## Why it matters
A failed compliance test means the performance run behaved differently from
the accuracy run (or from the reference run): the result cannot stand.

## Example
`verify_performance.txt` ending in `TEST FAIL`.

## How to fix
Find out why the test failed (caching, nondeterminism), fix the system and
run the test and the result again.

## Rule reference
MLPerf Inference compliance tests; the checker's compliance check.
""",
    suites=SUITES,
    divisions=CLOSED,
)


ICT003 = define(
    "ICT003",
    "compliance-run-without-audit-settings",
    Severity.ERROR,
    "A compliance test's performance run did not use the test's audit settings (its audit.config was not read).",
    """
## What it checks
In TEST01's run: responses were logged in performance mode
(`effective_accuracy_log_sampling_target` or
`effective_accuracy_log_probability` not 0); in TEST04's run: the same
sample was issued (`effective_performance_issue_same` or `_unique` true). The
settings each test must show are in the round data.

## Why it matters
Without its `audit.config` the "compliance run" is a copy of the
performance run and proves nothing; its verification then passes trivially.

## Example
A TEST04 run with `effective_performance_issue_same` false.

## How to fix
Copy the test's `audit.config` into the working directory, run the test
again, and remove the file afterwards.

## Rule reference
MLPerf Inference compliance tests (compliance/TEST01 and TEST04 README and
audit.config).
""",
    suites=SUITES,
    divisions=CLOSED,
    deliberate_difference="The official checker does not look at the settings of compliance runs.",
)


def _passed(test_name: str, text: str, spec: Mapping[str, Any]) -> bool:
    lines = spec.get("pass_lines")
    if lines:
        for wanted in lines:
            if wanted in text:
                continue
            if wanted.startswith("First token check pass") and "First token check pass: Skipped" in text:
                continue
            return False
        return True
    return "TEST PASS" in text


@checker(RESULT_SUBJECT, ICT001, ICT002)
def compliance_tests(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.model is None or not ctx.closed or ctx.scenario is None or ctx.endpoints is not None:
        return  # an Endpoints result's tests are its audit/ folder, not TESTxx runs
    for name in ctx.model.compliance:
        spec = dict(ctx.book.compliance.get(name, {}))
        test = ctx.tests.get(name)
        folder = f"{ctx.tests_root}/{name}"
        if test is None:
            yield ctx.finding(
                ICT001,
                f"{MISSING}: compliance test {name} ({ctx.model.name} needs {', '.join(ctx.model.compliance)})",
                path=folder,
                observed="no folder",
                required=f"{folder}/",
            )
            continue
        for relative in spec.get("required_files", ()):
            if relative not in test.files:
                yield ctx.finding(
                    ICT001,
                    f"{MISSING}: {name}/{relative}",
                    path=f"{folder}/{relative}",
                    observed="absent",
                    required=relative,
                )
        checked = list(spec.get("pass_files", ())) or [f for f in spec.get("required_files", ()) if f.startswith("verify_")]
        for relative in checked:
            if relative not in test.files:
                continue
            text = test.verify.get(relative, "")
            if relative == "verify_accuracy.txt" and name == "TEST01" and "TEST PASS" not in text:
                verdict = _test01_fallback(ctx, test, spec)
                if verdict is True:
                    continue
            if not _passed(name, text, spec):
                last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "(empty)")
                yield ctx.finding(
                    ICT002,
                    f"{name} {relative} does not say TEST PASS (last line: {last[:120]})",
                    path=f"{folder}/{relative}",
                    observed=last[:120],
                    required=", ".join(spec.get("pass_lines", ())) or "TEST PASS",
                )


@checker(RESULT_SUBJECT, ICT003)
def compliance_settings(ctx: ResultContext) -> Iterator[Finding]:
    if ctx.model is None or not ctx.closed:
        return
    for name, test in sorted(ctx.tests.items()):
        wanted = dict(ctx.book.compliance.get(name, {})).get("audit_settings")
        run = test.run
        if not wanted or run is None or not run.detail.present:
            continue
        keys = list(wanted.get("any_of", ()))
        values = {key: run.value(key) for key in keys}
        if any(value not in (None, 0, False) for value in values.values()):
            continue
        if all(value is None for value in values.values()):
            continue  # not logged: the LoadGen-run rules report missing keys
        shown = ", ".join(f"{k} {v}" for k, v in values.items())
        message = f"{name}'s performance run shows none of the test's audit settings ({shown}): was its audit.config read?"
        severity = None
        covered = tuple(wanted.get("scenarios", ()))
        if covered and ctx.scenario not in covered:
            # The official audit.config has no lines for this scenario: the submitter ran what was
            # published, so the test checked nothing; the reviewers are told, the result does not fail.
            message = (
                f"{name}'s performance run shows none of the test's audit settings ({shown}): the official "
                f"audit.config sets them for {', '.join(covered)} only, so this {ctx.scenario} run did not test what {name} tests"
            )
            severity = Severity.WARNING
        yield ctx.finding(
            ICT003,
            message,
            path=f"{test.path}/performance/run_1/mlperf_log_detail.txt",
            key=keys[0],
            line=(run.record(keys[0]).line if run.record(keys[0]) is not None else None),
            observed=shown,
            required=f"one of {', '.join(keys)} set ({wanted.get('source', '')})",
            severity=severity,
        )


def _test01_fallback(ctx: ResultContext, test: TestFolder, spec: Mapping[str, Any]) -> bool | None:
    """The official fallback: TEST01/accuracy/ baseline and compliance accuracy within the delta."""
    base = test.accuracy.get("baseline_accuracy.txt")
    comp = test.accuracy.get("compliance_accuracy.txt")
    if base is None or comp is None or ctx.model is None:
        return None
    baseline = {m.name: m.value for m in base.metrics}
    compliance = {m.name: m.value for m in comp.metrics}
    delta = spec.get("accuracy_delta_high" if ctx.model.name.endswith("99.9") else "accuracy_delta", {})
    limit = delta.get("value", 1.0) if hasattr(delta, "get") else 1.0
    compared = False
    for target in model_targets(ctx):
        for name in ctx.book.accuracy_names.get(target.metric, (target.metric,)):
            if name in baseline and name in compliance and compliance[name]:
                compared = True
                if abs(1 - baseline[name] / compliance[name]) * 100 > limit:
                    return False
    return True if compared else None
