"""IMS: a result's measurements and quantization disclosure, and what the reviewers must judge."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.models.findings import Finding, Severity
from compliance.registry import checker, define
from compliance.rules.inference.common import ALL, CLOSED, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    RESULT_SUBJECT,
    SUBMISSION_SUBJECT,
    ResultContext,
    SubmissionContext,
)

IMS001 = define(
    "IMS001",
    "measurements-missing",
    Severity.ERROR,
    "The result's measurements (measurements JSON, README.md, user.conf) are missing or empty.",
    """
## What it checks
That the result has its measurements: up to round 5.1 the folder
`<org>/measurements/<system>/<model>/<scenario>/` with `<system>*.json`,
`README.md` and `user.conf` (and `mlperf.conf` in 4.1); from 6.0
`measurements.json` (and `README.md`, `user.conf`) in the scenario folder.
None may be empty.

## Why it matters
The measurements say how the result was produced (settings, data types,
weights): reviewers and readers need them to reproduce it.

## Example
A result with no `measurements/` folder.

## How to fix
Add the files (the README says how to run the benchmark).

## Rule reference
The checker's `REQUIRED_MEASURE_FILES` and measurements check.
""",
    suites=SUITES,
    divisions=ALL,
)


IMS002 = define(
    "IMS002",
    "measurements-incomplete",
    Severity.ERROR,
    "The measurements JSON cannot be read, or lacks a required field (weight_data_types, weight_transformations, starting_weights_filename ...).",
    """
## What it checks
That the measurements JSON is a readable JSON object with each field the
round requires present and not empty: `input_data_types`, `retraining`,
`starting_weights_filename`, `weight_data_types`,
`weight_transformations`.

## Why it matters
These fields are the quantization disclosure the rules require: what the
weights were, what was done to them, and in which data types they run.

## Example
`"weight_transformations": ""`.

## How to fix
Fill the fields in (e.g. `"weight_data_types": "int8"`,
`"weight_transformations": "quantization, calibrated on the calibration set"`).

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization"; the
checker's measurements check.
""",
    suites=SUITES,
    divisions=ALL,
)


IMS003 = define(
    "IMS003",
    "calibration-document-missing",
    Severity.ERROR,
    "No calibration document was found for a closed result (measurements folder, organisation folder or documentation/).",
    """
## What it checks
For closed and network results: a file whose name contains `calibration`
(e.g. `calibration.md`, `calibration_process.adoc`) in the result's
measurements folder, the organisation folder or its `documentation/`.

A result whose measurements declare no weight transformation
(`"weight_transformations": "no"` or `"none"`) has nothing to calibrate: its
missing document is a note for the reviewer instead.

## Why it matters
Closed-division quantization must be principled and use the calibration
set only; the calibration document says how.

## Example
`closed/ACME/` with no `calibration.md` anywhere.

## How to fix
Describe the calibration (data used, method, data types) in
`closed/ACME/calibration.md`.

## Rule reference
MLPerf Inference rules, "Model, Weight Definition and Quantization"
(calibration); the old checker's `calibration.md` check.
""",
    suites=SUITES,
    divisions=CLOSED,
)


@checker(RESULT_SUBJECT, IMS001, IMS002, IMS003)
def measurements(ctx: ResultContext) -> Iterator[Finding]:
    found = ctx.measurements
    required_files = list(ctx.book.measurements.get("required_files", ()))
    fields = list(ctx.book.measurements.get("required_fields", ()))
    expected_folder = found.folder or f"{ctx.entry.org_path}/measurements/{ctx.entry.system}/{ctx.entry.model}/{ctx.entry.scenario}"
    if found.json_path is None:
        yield ctx.finding(
            IMS001,
            f"{MISSING}: the measurements JSON of this result",
            path=expected_folder,
            observed="absent",
            required=str(ctx.book.layout.get("measurements", "a measurements JSON")),
        )
    if found.folder is not None:
        for name in required_files:
            if name not in found.files:
                yield ctx.finding(IMS001, f"{MISSING}: {name} in the measurements", path=f"{found.folder}/{name}", observed="absent", required=name)
            elif found.sizes.get(name, 0) == 0:
                yield ctx.finding(IMS001, f"{name} in the measurements is empty", path=found.files[name], observed="0 bytes", required="a non-empty file")
    if found.json_path is not None:
        if found.error is not None:
            yield ctx.finding(IMS002, f"the measurements JSON cannot be used: {found.error}", path=found.json_path, observed=found.error, required="a JSON object of fields")
        elif found.data is not None:
            reported = bool(found.problems)
            yield from ctx.schema_findings(
                IMS002, found.problems, path=found.json_path, what="measurements", required="the round's measurements fields"
            )
            if not reported:
                for name in fields:
                    value = found.data.get(name)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        yield ctx.finding(
                            IMS002,
                            f"measurements field '{name}' is {'missing' if name not in found.data else 'empty'}",
                            path=found.json_path,
                            observed="missing" if name not in found.data else repr(value),
                            required=f"'{name}' present and not empty",
                        )
    if ctx.closed and not found.calibration:
        declared = str((found.data or {}).get("weight_transformations", "")).strip().lower()
        untransformed = declared in NO_TRANSFORMATION
        yield ctx.finding(
            IMS003,
            f"{MISSING}: a calibration document (calibration.md or similar) for this closed result"
            + (f" (the measurements declare no weight transformation, {declared!r}: nothing to calibrate?)" if untransformed else ""),
            path=ctx.entry.org_path,
            observed="none in " + ", ".join(found.calibration_searched),
            required="a file named calibration* describing the calibration",
            severity=Severity.REVIEW if untransformed else None,
        )


# How measurements JSONs say "the weights were not transformed" (then there is no calibration to document).
NO_TRANSFORMATION = frozenset({"no", "none", "n/a", "na", "-", "false", "not applicable"})


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
