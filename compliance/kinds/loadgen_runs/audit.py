"""Checking MLPerf Inference LoadGen runs: find the runs, read them, say what is known about
each (model, scenario, round), and run the ``loadgen_run`` rules. No rule logic here.

A run is a folder holding ``mlperf_log_detail.txt`` (and its summary and
accuracy log), or one of those files. A folder that is not a run is searched
for runs. What each run is comes from ``--benchmark``/``--scenario``, else
from its place in a results tree (``.../<model>/<scenario>/performance/run_1``),
else only from the log: then only what LoadGen itself requires is checked.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from compliance import __version__
from compliance.discover import is_run_folder
from compliance.models.findings import Finding
from compliance.models.loadgen import LoadgenRun, LoadgenSummary
from compliance.models.report import Report, Subject, ToolInfo
from compliance.models.roles import SubjectRole
from compliance.options import UsageError
from compliance.parsers import loadgen as P
from compliance.records import recordclass
from compliance.registry import applies, load_all
from compliance.rulebook.inference import (
    SUITE,
    SUITES,
    InferenceRulebook,
    ModelRules,
    inference_rounds,
    load_inference_rulebook,
)
from compliance.rulebook.load import canonical_round, newest_round, round_status
from compliance.rules.inference.context import LoadgenContext, RunPlace, place_of

if TYPE_CHECKING:
    from compliance.options import AuditOptions

SUBJECT = SubjectRole.LOADGEN_RUN
RUN_FILES = (P.DETAIL_FILE, P.SUMMARY_FILE)
LOADGEN_KEYS = ("loadgen_version", "effective_scenario", "requested_scenario", "result_validity", "test_datetime")
MAX_RUN_NOTES = 8  # per-run "detected" notes in the header; more runs are summarised


def _usage(message: str) -> Exception:
    return UsageError(message)


@recordclass(frozen=True, slots=True)
class _Target:
    display: str  # as the user knows it
    real: str
    named: bool  # named by the user (not found by searching a folder)


def _targets(paths: list[str]) -> list[_Target]:
    from compliance.discover import looks_like_tree

    found: list[_Target] = []
    missing: list[str] = []
    empty: list[str] = []
    for given in paths:
        shown = given.rstrip("/\\") or given
        if not os.path.lexists(given):
            missing.append(given)
        elif os.path.isdir(given):
            if is_run_folder(given):
                found.append(_Target(shown, given, True))
                continue
            if looks_like_tree(given):
                raise _usage(f"{given} is a whole submission tree: check it on its own (one tree at a time)")
            runs = []
            from compliance.parsers.safefs import shown as printable
            from compliance.parsers.safefs import walk

            for folder in walk(given):  # no recursion, no links, bounded depth (os.walk fails deep down)
                if any(entry.name in RUN_FILES for entry in folder.others):
                    rel = os.path.relpath(folder.path, given)
                    runs.append(_Target(printable(os.path.normpath(os.path.join(shown, rel))), folder.path, False))
            if not runs:
                empty.append(given)
            found.extend(runs)
        else:
            found.append(_Target(shown, given, True))
    if missing:
        raise _usage("no such file: " + ", ".join(missing))
    if empty and not found:
        raise _usage(
            "nothing to check: no LoadGen run (mlperf_log_detail.txt or mlperf_log_summary.txt) under "
            + ", ".join(empty)
        )
    return found


def _read(target: _Target, max_bytes: int) -> tuple[LoadgenRun | None, str]:
    """The run, and the folder its files are shown under; None when a named file is not LoadGen's."""
    real = target.real
    if os.path.isdir(real):
        return P.read_loadgen_run(real, max_bytes=max_bytes), target.display
    folder_display = os.path.dirname(target.display)
    name = os.path.basename(real)
    if name.startswith("mlperf_log_") or "detail" in name:
        return P.read_loadgen_run(real, max_bytes=max_bytes), folder_display
    # A file not named like LoadGen's: check it as a detail log on its own, if it is one.
    detail = P.parse_loadgen_detail(real, max_bytes=max_bytes)
    if not any(key in detail.by_key for key in LOADGEN_KEYS):
        return None, folder_display
    missing = os.path.join(os.path.dirname(real), P.SUMMARY_FILE)
    run = LoadgenRun(
        folder=os.path.dirname(real),
        detail=detail,
        summary=LoadgenSummary(missing, present=False, readable=False),
        files=(name,),
    )
    return run, folder_display


def _is_loadgen_run(run: LoadgenRun) -> bool:
    """Whether there is anything LoadGen wrote to check (a damaged LoadGen file counts)."""
    if any(key in run.by_key for key in LOADGEN_KEYS):
        return True
    return run.detail.present or run.summary.present


def inference_round(options: AuditOptions) -> tuple[InferenceRulebook, str]:
    """The round's rules (of ``options.suite`` when it is a suite in the inference format, e.g.
    automotive; else inference) and how the round was chosen (given, else the newest published);
    shared by the LoadGen-run and inference-tree kinds."""
    from compliance.rulebook.model import RulebookError

    suite = options.suite if options.suite in SUITES else SUITE
    if options.round is not None:
        canon = canonical_round(options.round)
        if canon is None:
            raise _usage(f"{options.round!r} is not a round (use e.g. 5.1, v5.1 or 5.1.0)")
        if canon not in inference_rounds(suite):
            raise _usage(f"no {suite} round {canon}; rounds: {', '.join(inference_rounds(suite))}")
        source = "given"
    else:
        canon = newest_round(suite)
        source = "newest published"
    try:
        return load_inference_rulebook(canon, suite), source
    except RulebookError as err:  # pragma: no cover - the data is tested
        raise _usage(f"the {suite} round data is broken: {err}") from err


def _key(round_name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in round_name.split("."))


def _given_model(book: InferenceRulebook, name: str | None) -> ModelRules | None:
    if not name:
        return None
    model = book.resolve_model(name)
    if model is None:
        why = " (retired in an earlier round)" if book.is_retired(name) else ""
        raise _usage(
            f"--benchmark {name!r} is not a model of inference round {book.round}{why}; "
            f"models: {', '.join(sorted(book.models))}"
        )
    return model


def _given_scenario(book: InferenceRulebook, name: str | None) -> str | None:
    if not name:
        return None
    scenario = book.resolve_scenario(name)
    if scenario is None:
        raise _usage(
            f"--scenario {name!r} is not a scenario of inference round {book.round}; "
            f"scenarios: {', '.join(book.scenarios)}"
        )
    return scenario


def check_loadgen_context(
    ctx: LoadgenContext, select: list[str] | None, ignore: list[str] | None, *, debug: bool = False
) -> list[Finding]:
    """Run every LoadGen-run rule on one run (a rule that raises becomes an INT001 finding)."""
    from compliance.registry import run_checkers

    round_name, division = ctx.book.round, ctx.division
    return run_checkers(
        SUBJECT,
        ctx,
        lambda finding: applies(finding, ctx.book.suite, round_name, division, select, ignore),
        where=ctx.subject,
        debug=debug,
    )


def _describe(ctx: LoadgenContext, place: RunPlace, model_note: str | None) -> str:
    """One header line: what is known about a run and where it came from."""
    parts = []
    if ctx.model is not None:
        how = "given" if ctx.model_source == "given" else f"from the path: {place.model}"
        parts.append(f"model {ctx.model.name} ({how})")
    elif model_note:
        parts.append(model_note)
    else:
        parts.append("model unknown")
    if ctx.scenario:
        how = {"given": "given", "path": f"from the path: {place.scenario}", "log": "from the log"}.get(ctx.scenario_source or "", "")
        parts.append(f"scenario {ctx.scenario}" + (f" ({how})" if how else ""))
    if ctx.run.mode:
        parts.append(f"{ctx.run.mode} run")
    if ctx.compliance_test:
        parts.append(f"compliance test {ctx.compliance_test}")
    if ctx.division:
        parts.append(f"{ctx.division} division")
    if ctx.model is not None and ctx.model_bounds_apply:
        applied = "LoadGen's requirements, the round's seeds and duration, and the model's bounds were checked"
    elif ctx.model is not None:
        applied = "LoadGen's requirements and the round's seeds and duration were checked (open division: the model's latency and accuracy bounds are not applied)"
    elif ctx.round_applies:
        applied = "LoadGen's requirements and the round's seeds and duration were checked; no model bounds (give --benchmark)"
    else:
        applied = "only what LoadGen itself requires was checked (give --benchmark and --round for the round's bounds)"
    return f"{ctx.subject}: {', '.join(parts)}; {applied}."


def audit_inference(paths: list[str], options: AuditOptions, *, round_known: bool | None = None) -> Report:
    """Check LoadGen runs (folders or files) against LoadGen's requirements and, when known, the round's.

    ``round_known``: whether ``options.round`` is the runs' round (given or detected from them);
    when it is not, only what LoadGen itself requires is checked."""
    load_all("inference")
    book, round_source = inference_round(options)
    given_model = _given_model(book, options.benchmark)
    given_scenario = _given_scenario(book, options.scenario)
    targets = _targets(paths)
    max_bytes = P.DEFAULT_MAX_BYTES
    if options.max_file_bytes is not None:
        max_bytes = min(max_bytes, options.max_file_bytes)

    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite=book.suite, round=book.round)
    report.notes.extend(options.notes)
    report.suite_source = "given" if options.suite else "detected"
    report.round_source = round_source
    report.rulebook_sha256 = book.sha256
    if not options.suite:
        report.notes.append("Suite detected from the files named: LoadGen runs (inference).")
    if round_known is False:
        report.round = ""
    elif round_source != "given" and round_known is None:
        newer = [r for r in inference_rounds(book.suite) if _key(r) > _key(book.round) and round_status(book.suite, r) != "published"]
        pending = f"; round {', '.join(newer)} is in preparation" if newer else ""
        report.notes.append(
            f"No --round given: checked against the newest published {book.suite} round ({book.round}){pending}. "
            "Name the round the runs belong to, e.g. --round 5.1."
        )
    elif not book.published:
        report.notes.append(f"Inference round {book.round} is {book.status}: its data may still change.")

    skipped: list[str] = []
    described: list[str] = []
    for target in targets:
        run, folder_display = _read(target, max_bytes)
        if run is None or not _is_loadgen_run(run):
            skipped.append(target.display)
            continue
        place = place_of(target.real, book.scenarios, book.divisions)
        model, model_source, model_note = given_model, "given" if given_model else None, None
        if model is None and place.model:
            model = book.resolve_model(place.model)
            model_source = "path" if model is not None else None
            if model is None:
                retired = " (retired)" if book.is_retired(place.model) else ""
                model_note = f"folder {place.model!r} is not a model of round {book.round}{retired}"
        scenario, scenario_source = given_scenario, "given" if given_scenario else None
        if scenario is None and place.scenario:
            scenario = book.resolve_scenario(place.scenario)
            scenario_source = "path" if scenario is not None else None
        ctx = LoadgenContext(
            run,
            book,
            subject=target.display,
            folder_display=folder_display,
            model=model,
            model_source=model_source,
            scenario=scenario,
            scenario_source=scenario_source,
            place=place,
            round_named=round_source == "given" if round_known is None else round_known,
        )
        report.subjects.append(
            Subject(
                path=target.display,
                kind=SUBJECT,
                suite=book.suite,
                benchmark=model.name if model is not None else None,
                division=place.division,
                records=len(run.records),
                lines=run.detail.lines,
            )
        )
        report.findings.extend(check_loadgen_context(ctx, options.select, options.ignore, debug=options.debug))
        described.append(_describe(ctx, place, model_note))

    if skipped and report.subjects:
        raise _usage(
            "not a LoadGen log: " + ", ".join(skipped)
            + " (check MLPerf Training/HPC logs and LoadGen runs in separate runs of mlperf-audit)"
        )
    if not report.subjects:
        raise _usage(
            "nothing to check: no LoadGen log in " + ", ".join(skipped)
            + " (LoadGen writes mlperf_log_detail.txt; is this an MLPerf Inference run?)"
        )
    if len(described) > MAX_RUN_NOTES:
        known = sum(1 for s in report.subjects if s.benchmark)
        described = described[:MAX_RUN_NOTES] + [
            f"... and {len(described) - MAX_RUN_NOTES} more runs ({known} of {len(report.subjects)} with a known model)."
        ]
    report.notes.extend(described)
    from compliance.settle import verdicts, waive

    waive(report, options, report.subjects[0].path)
    return verdicts(report)
