"""Whole MLPerf Inference submissions: a folder or archive in the official layout, one report out.

Each scenario result (``results/<system>/<model>/<scenario>/``) is read and
checked once — its performance, accuracy and compliance-test LoadGen runs by
the ``loadgen_run`` rules, the result as a whole by the ``inference_result``
rules — in a process pool when there are many; then the ``inference_submission``
rules look at the tree (layout, systems, required scenarios). Nothing is
written into the tree: archives are unpacked into a private temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from compliance import __version__
from compliance.models.findings import Finding
from compliance.models.inference import InferenceOrg, InferenceTree, ScenarioFolder
from compliance.models.loadgen import LoadgenRun
from compliance.models.report import InferenceResultRow, Report, Subject, ToolInfo
from compliance.models.roles import SubjectRole
from compliance.parsers import loadgen as P
from compliance.parsers.power import read_result_power
from compliance.registry import applies, load_all, run_checkers
from compliance.parsers.inference_result import (
    files_below,
    is_folder,
    org_calibration,
    read_measurements,
    read_model_mapping,
    read_tests,
    validate,
)
from compliance.rulebook.inference import SUITE, InferenceRulebook, ModelRules, load_inference_rulebook
from compliance.rules.inference.context import LoadgenContext, RunPlace
from compliance.rules.inference.tree_context import (
    RESULT_SUBJECT,
    SUBMISSION_SUBJECT,
    ResultContext,
    ResultFacts,
    SubmissionContext,
    SystemInfo,
)

if TYPE_CHECKING:
    from compliance.options import AuditOptions

POOL_MIN_RESULTS = 24  # below this, a process pool costs more than it saves


# -- models of a result ---------------------------------------------------------------------


def resolve_model(book: InferenceRulebook, folder: str, division: str, mapping: dict[str, str]) -> tuple[ModelRules | None, str | None]:
    """The round's model a result folder stands for, and the mapped name when model_mapping.json said so.

    Closed and network results must use the model's name (or an alias the
    official checker accepts); open results may use any name that
    ``model_mapping.json`` maps, or that contains a model's name (the official
    checker's guess: ``obert-base-pruned90-none-bert-99`` is BERT-99).
    """
    model = book.resolve_model(folder)
    if model is not None or division != "open":
        return model, None
    if folder in mapping:
        return book.resolve_model(mapping[folder]), mapping[folder]
    lowered = folder.lower()
    names = sorted(
        ((name.lower(), model) for model in book.models.values() for name in (*model.names, *model.open_substitutes)),
        key=lambda item: -len(item[0]),
    )
    for name, candidate in names:
        if name and name in lowered:
            return candidate, None
    return None, None


# -- one scenario result, in a worker --------------------------------------------------------


class ResultJob(NamedTuple):
    """What a worker needs to read and check one scenario result (picklable)."""

    entry: ScenarioFolder
    round: str
    model: str | None  # the round's model name, resolved from the folder (and model_mapping.json)
    system: SystemInfo
    mapped_from: str | None
    org_calibration: tuple[tuple[str, ...], tuple[str, ...]]  # the organisation's calibration documents, places searched
    select: list[str] | None
    ignore: list[str] | None
    debug: bool
    suite: str = SUITE  # the round data's suite (inference, or automotive in the same format)


def _run_checks(ctx: Any, subject: str, job: ResultJob | Any, division: str | None, book: InferenceRulebook) -> list[Finding]:
    """Every rule of ``subject`` on ``ctx``; a rule that raises becomes an INT001 finding, the others still run."""
    select, ignore = job.select, job.ignore
    return run_checkers(
        subject,
        ctx,
        lambda finding: applies(finding, book.suite, book.round, division, select, ignore),
        where=ctx.subject,
        debug=job.debug,
    )


def _loadgen_findings(
    run: Any, job: ResultJob, shown: str, mode: str, test: str | None, model: ModelRules | None, scenario: str | None, book: InferenceRulebook
) -> list[Finding]:
    entry = job.entry
    place = RunPlace(model=entry.model, scenario=entry.scenario, mode=mode, test=test, division=entry.division)
    ctx = LoadgenContext(
        run,
        book,
        subject=entry.path,
        folder_display=shown,
        model=model,
        model_source="path" if model is not None else None,
        scenario=scenario,
        scenario_source="path" if scenario else None,
        place=place,
        round_named=True,
        system_type=job.system.system_type,
    )
    return _run_checks(ctx, SubjectRole.LOADGEN_RUN, job, entry.division, book)


DECLARED = ("weight_data_types", "weight_transformations", "starting_weights_filename", "retraining")


Outcome = tuple[list[Finding], InferenceResultRow, int, tuple[tuple[str, str], ...], tuple[tuple[str, float], ...], bool]


def audit_result(job: ResultJob) -> Outcome:
    """Read and check one scenario result: its findings, its results row, the records read, its declared
    quantization, the accuracy numbers it publishes and whether it is an Endpoints result."""
    entry, round_name, model_name, system, mapped_from = job.entry, job.round, job.model, job.system, job.mapped_from
    load_all("inference")
    book = load_inference_rulebook(round_name, job.suite)
    model = book.models.get(model_name) if model_name else None
    scenario = book.resolve_scenario(entry.scenario)
    sizes: dict[str, int] = {}
    files = files_below(entry.real, 4, sizes)
    perf = accuracy = accuracy_txt = endpoints = None
    perf_folder = os.path.join(entry.real, "performance", "run_1")
    from compliance.parsers.endpoints import is_endpoints

    if is_endpoints(files, book.endpoints):  # no LoadGen log at all: the Endpoints client's files
        from compliance.parsers.endpoints import read_endpoints_result

        endpoints = read_endpoints_result(files, entry.path, book.endpoints)
    elif is_folder(perf_folder):
        perf = P.read_loadgen_run(perf_folder)
    accuracy_folder = os.path.join(entry.real, "accuracy")
    if endpoints is None and is_folder(accuracy_folder):
        accuracy = P.read_loadgen_run(accuracy_folder)
        if "accuracy/accuracy.txt" in files:
            accuracy_txt = P.read_accuracy_txt(files["accuracy/accuracy.txt"], display_path=f"{entry.path}/accuracy/accuracy.txt")
    tests, tests_root = read_tests(entry, book)
    stopped = [entry.path] if files.limit_reached else []
    stopped += [test.path for test in tests.values() if getattr(test.files, "limit_reached", False)]
    measurements = read_measurements(entry, book, round_name, stopped)
    measurements.calibration += job.org_calibration[0]
    measurements.calibration_searched = ([measurements.folder] if measurements.folder else []) + list(job.org_calibration[1])
    ctx = ResultContext(
        entry,
        book,
        model=model,
        scenario=scenario,
        system=system,
        files=files,
        sizes=sizes,
        perf=perf,
        accuracy=accuracy,
        accuracy_txt=accuracy_txt,
        tests=tests,
        tests_root=tests_root,
        measurements=measurements,
        mapped_from=mapped_from,
        power=read_result_power(entry.real, entry.path, files, book.power),
        endpoints=endpoints,
    )
    findings: list[Finding] = []
    records = 0
    runs: list[tuple[LoadgenRun | None, str, str, str | None]] = [
        (perf, f"{entry.path}/performance/run_1", "performance", None),
        (accuracy, f"{entry.path}/accuracy", "accuracy", None),
    ]
    runs += [(t.run, f"{t.path}/performance/run_1", "performance", t.name) for t in tests.values()]
    for run, shown, mode, test in runs:
        if run is None or not run.detail.present:
            continue  # a missing detail log is reported once, as a missing file of the result or test
        records += len(run.records)
        findings += _loadgen_findings(run, job, shown, mode, test, model, scenario, book)
    findings += _run_checks(ctx, RESULT_SUBJECT, job, entry.division, book)
    findings += _listing_limits(stopped, entry.path, job, book)
    data = measurements.data or {}
    declared = tuple((name, str(data[name])) for name in DECLARED if data.get(name) not in (None, ""))
    from compliance.rules.inference.values import accuracy_numbers

    return findings, result_row(ctx), records, declared, accuracy_numbers(ctx), endpoints is not None


def _listing_limits(stopped: list[str], subject: str, job: ResultJob, book: InferenceRulebook) -> list[Finding]:
    """One LIM001 finding per folder of the result whose listing stopped at the limit."""
    from compliance.limits import reached
    from compliance.rules.common.lim import LIM001

    found = [
        LIM001.finding(
            f"{folder}: not every file was listed: {reached('files-per-folder')}; the files asked for were looked up",
            path=folder,
            subject=subject,
            observed="more files than the limit",
            required="a listing that ends within the limit",
        )
        for folder in stopped
    ]
    return [f for f in found if applies(f, book.suite, book.round, job.entry.division, job.select, job.ignore)]


def result_row(ctx: ResultContext) -> InferenceResultRow:
    """The result's row of the results table (its verdict is set once every finding is in)."""
    from compliance.rules.inference.power import power_metric
    from compliance.rules.inference.values import accuracy_summary, result_metric

    published = result_metric(ctx)
    power = power_metric(ctx)
    entry = ctx.entry
    return InferenceResultRow(
        division=entry.division,
        org=entry.org,
        system=entry.system,
        benchmark=ctx.model.name if ctx.model is not None else entry.model,
        scenario=ctx.scenario or entry.scenario,
        path=entry.path,
        metric=published.key,
        value=published.value,
        unit=published.unit,
        inferred_from=published.inferred_from,
        accuracy=accuracy_summary(ctx),
        passed=False,
        model_folder=entry.model,
        system_type=ctx.system.system_type,
        power_value=power.value if power is not None else None,
        power_unit=power.unit if power is not None else None,
    )


def _run_jobs(jobs: Iterable[ResultJob], count: int | None, progress: Callable[[int], None] | None) -> list[Outcome]:
    from compliance.pool import run_pool

    return run_pool(audit_result, jobs, progress, POOL_MIN_RESULTS, count)


class _Progress:
    """The progress bar of a check whose count of results is known only once the tree is walked:
    the results done before then are shown as done when it starts."""

    def __init__(self, factory: Callable[[int], Callable[[int], None] | None] | None):
        self.factory = factory
        self.bar: Callable[[int], None] | None = None
        self.started = False
        self.done = 0

    def start(self, total: int) -> None:
        if self.started:
            return
        self.started = True
        self.bar = self.factory(total) if self.factory else None
        if self.bar is not None and self.done:
            self.bar(self.done)

    def advance(self, step: int) -> None:
        if self.bar is not None:
            self.bar(step)
        elif not self.started:
            self.done += step


# -- the tree -----------------------------------------------------------------------------------


def audit_inference_tree(
    path: str, options: AuditOptions, progress_factory: Any = None, *, display: str | None = None, unpacked: Any = None, scope: str | None = None
) -> Report:
    """Check a whole inference submission (folder or archive) against one round.

    ``unpacked``: the archive already unpacked; ``scope``: the part of the tree asked for (as shown)."""
    from compliance.kinds.loadgen_runs.audit import inference_round
    from compliance.kinds.trees import check_in_scope, tree_folder
    from compliance.parsers.inference_tree import stream_inference_tree, walk_inference_tree
    from compliance.scope import narrow_inference_tree

    load_all("inference", "package")
    book, round_source = inference_round(options)
    with tree_folder(path, unpacked, display or (path.rstrip(os.sep) or path)) as (folder, shown_root, unpacked):
        if scope is None:
            # The whole tree: each organisation's results are checked while the next ones are walked.
            tree, orgs = stream_inference_tree(folder, shown_root)
            walked = partial(_walked, tree, path, unpacked, shown_root)
            return _audit(tree, book, round_source, options, progress_factory, orgs, walked)
        tree = walk_inference_tree(folder, shown_root)
        _walked(tree, path, unpacked, shown_root)
        return check_in_scope(tree, scope, shown_root, narrow_inference_tree, lambda t: _audit(t, book, round_source, options, progress_factory))


def _walked(tree: InferenceTree, path: str, unpacked: Any, shown_root: str) -> None:
    """Once the tree is walked: the archive's issues added; a UsageError when there is nothing to check."""
    from compliance.options import UsageError
    from compliance.parsers.archive import archive_issues
    from compliance.parsers.tree import EMPTY_FOLDER

    if unpacked is not None:
        tree.issues.extend(archive_issues(unpacked, shown_root))
    # Layout findings (a link where results are) are still reported; empty folders alone are
    # nothing to check.
    if not tree.scenarios and all(issue.kind == EMPTY_FOLDER for issue in tree.issues):
        what = "no results/<system>/<model>/<scenario>/ folder"
        if not tree.orgs:
            what = "no <division>/<org>/results/ folders"
        raise UsageError(f"nothing to check: {path} holds {what} (is this an MLPerf Inference submission?)")


def _audit(
    tree: InferenceTree,
    book: InferenceRulebook,
    round_source: str,
    options: AuditOptions,
    progress_factory: Any,
    orgs: Iterable[InferenceOrg] | None = None,
    walked: Callable[[], None] | None = None,
) -> Report:
    """Check the tree. ``orgs``: its organisations as they are walked (``tree`` is complete once
    they are all there, and ``walked`` is called then), else the tree is walked already."""
    from compliance.parsers.system_desc import read_system_file

    systems: dict[tuple[str, str, str], SystemInfo] = {}
    jobs: list[ResultJob] = []
    facts: list[ResultFacts] = []
    mapping_errors: list[tuple[str, str]] = []
    debug = options.debug
    progress = _Progress(progress_factory)

    def each_job() -> Iterator[ResultJob]:
        """The results' jobs, organisation by organisation (its systems read first), made as the
        pool asks for them: the workers start on the first organisation's results meanwhile,
        and while the next organisations are walked."""
        for org in tree.orgs if orgs is None else orgs:
            calibration = org_calibration(org.real, org.path)
            mapping, error = read_model_mapping(org.real)
            if error:
                mapping_errors.append((f"{org.path}/model_mapping.json", error))
            for name, file in org.systems.items():
                file.data, file.error = read_system_file(file.real_path)
                problems = validate("system", file.data, book.round, book.suite) if file.data is not None else []
                systems[(org.division, org.org, name)] = SystemInfo(file, problems)
            for entry in org.scenarios:
                system = systems.get((entry.division, entry.org, entry.system)) or SystemInfo(None)
                model, mapped = resolve_model(book, entry.model, entry.division, mapping)
                job = ResultJob(entry, book.round, model.name if model else None, system, mapped, calibration, options.select, options.ignore, debug, book.suite)
                jobs.append(job)
                facts.append(
                    ResultFacts(entry.division, entry.org, entry.system, entry.model, entry.scenario, entry.path, model.name if model else None, book.resolve_scenario(entry.scenario))
                )
                yield job
        if walked is not None:
            walked()
        progress.start(len(jobs))  # once the count is known (the bar shows what is done by then)

    count = None if orgs is not None else sum(len(org.scenarios) for org in tree.orgs)
    if count is not None:
        progress.start(count)
    outcomes = _run_jobs(each_job(), count, progress.advance if progress_factory else None)

    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite=book.suite, round=book.round)
    report.suite_source = "given" if options.suite else "detected"
    report.round_source = round_source
    report.rulebook_sha256 = book.sha256
    report.notes.extend(options.notes)
    if not options.suite:
        report.notes.append("Suite detected from the tree: its logs are LoadGen's (MLPerf Inference).")
    if round_source != "given":
        report.notes.append(
            f"No --round given: checked against the newest published {book.suite} round ({book.round}). "
            "Name the round the submission belongs to, e.g. --round 5.1."
        )
    report.subjects.append(Subject(path=tree.root, kind=SubjectRole.TREE, suite=book.suite))
    from compliance.records import replace

    facts = [replace(f, declared=outcome[3], accuracy=outcome[4], endpoints=outcome[5]) for f, outcome in zip(facts, outcomes)]
    for job, (findings, row, records, *_) in zip(jobs, outcomes):
        entry = job.entry
        report.subjects.append(Subject(path=entry.path, kind=RESULT_SUBJECT, suite=book.suite, benchmark=row.benchmark, division=entry.division, records=records))
        report.findings.extend(findings)
        report.results.append(row)
    ctx = SubmissionContext(tree, book, facts, systems, mapping_errors)
    report.findings.extend(_run_checks(ctx, SUBMISSION_SUBJECT, options, None, book))
    from compliance.settle import verdicts, waive

    waive(report, options, tree.root)
    return verdicts(report)
