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
import stat
from collections.abc import Callable
from typing import Any, NamedTuple

from compliance import __version__
from compliance.models.findings import Finding
from compliance.models.inference import InferenceTree, ScenarioFolder, TestFolder
from compliance.models.report import InferenceResultRow, Report, Subject, ToolInfo
from compliance.parsers import loadgen as P
from compliance.parsers import safefs
from compliance.parsers.power import read_result_power
from compliance.registry import applies, load_all, run_checkers
from compliance.rulebook.inference import SUITE, InferenceRulebook, ModelRules, load_inference_rulebook
from compliance.rules.inference.context import LoadgenContext, RunPlace
from compliance.rules.inference.tree_context import (
    RESULT_SUBJECT,
    SUBMISSION_SUBJECT,
    Measurements,
    ResultContext,
    ResultFacts,
    SubmissionContext,
    SystemInfo,
)

POOL_MIN_RESULTS = 24  # below this, a process pool costs more than it saves
MAX_TEXT_BYTES = 1 << 20  # verify_*.txt and similar small text files
TEST_NAME_LENGTH = 6  # TEST01


# -- small file helpers ------------------------------------------------------------


def _regular(path: str) -> int | None:
    """The size of a regular file (links are not followed), else None."""
    try:
        info = safefs.lstat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _is_folder(path: str) -> bool:
    return safefs.is_folder(path)  # no link is passed, on the way or at the end


class Listing(dict):  # type: ignore[type-arg]
    """Regular files below a folder: relative name -> real path (what ``_files_below`` found).

    Past the ``files-per-folder`` limit (``compliance.limits``) the rest is not
    listed and ``limit_reached`` is set; a name asked for that was not listed is
    then looked up on disk (never through a link), so a file that exists is never
    called missing because of the limit.
    """

    def __init__(self, real: str, depth: int, sizes: dict[str, int] | None):
        super().__init__()
        self.real, self.depth, self.sizes = real, depth, sizes
        self.limit_reached = False

    def _look_up(self, name: object) -> str | None:
        if not self.limit_reached or not isinstance(name, str):
            return None
        parts = name.split("/")
        if len(parts) > self.depth or any(part in ("", ".", "..") for part in parts):
            return None
        path = os.path.join(self.real, *parts)
        size = _regular(path)
        if size is None:
            return None
        self[name] = path
        if self.sizes is not None:
            self.sizes[name] = size
        return path

    def __missing__(self, name: str) -> str:
        path = self._look_up(name)
        if path is None:
            raise KeyError(name)
        return path

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or self._look_up(name) is not None

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.__getitem__(self, name) if dict.__contains__(self, name) else (self._look_up(name) or default)


def _files_below(real: str, depth: int = 4, sizes: dict[str, int] | None = None) -> Listing:
    """Regular files under ``real`` (relative name -> real path), ``depth`` levels at most, links
    skipped; their sizes go into ``sizes`` when given. At most the ``files-per-folder`` limit are
    listed (then ``limit_reached``; see ``Listing``)."""
    from compliance.limits import get as limit

    found = Listing(real, depth, sizes)
    most = limit("files-per-folder")
    stack = [(real, "", 0)]
    while stack:
        folder, prefix, level = stack.pop()
        try:
            items = safefs.scandir(folder)
        except OSError:
            continue
        for entry in items:
            name = f"{prefix}{entry.name}"
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mode = info.st_mode
            if stat.S_ISREG(mode):
                if len(found) >= most:
                    found.limit_reached = True
                    return found
                found[name] = entry.path
                if sizes is not None:
                    sizes[name] = info.st_size
            elif stat.S_ISDIR(mode) and level + 1 < depth:
                stack.append((entry.path, f"{name}/", level + 1))
    return found


def _child(folder: str, name: str) -> str | None:
    """``folder/name`` matched without regard to case (real submissions vary), or None."""
    exact = os.path.join(folder, name)
    if _is_folder(exact):
        return exact
    try:
        for entry in safefs.scandir(folder):
            if entry.name.lower() == name.lower() and entry.is_dir():
                return entry.path
    except OSError:
        return None
    return None


def read_text(path: str, limit: int = MAX_TEXT_BYTES) -> str:
    """A small text file's content (bounded, undecodable bytes replaced); '' when unreadable."""
    from compliance.parsers.safefs import read_regular

    try:
        return read_regular(path, limit)[:limit].decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return ""


def read_json(path: str) -> tuple[Any, str | None]:
    """A small JSON object file (1 MiB at most), NaN refused: ``(value, None)`` or ``(None, why)``."""
    from compliance.parsers.system_desc import read_measurements_file

    return read_measurements_file(path)


# -- what a scenario folder holds ----------------------------------------------------------


def _compliance_folder(entry: ScenarioFolder, book: InferenceRulebook) -> tuple[str | None, str]:
    """Where this result's TESTxx folders are (real, or None) and how that folder is shown."""
    if "/results/" in str(book.layout.get("compliance", "")):
        return entry.real, entry.path
    shown = f"{entry.org_path}/compliance/{entry.system}/{entry.model}/{entry.scenario}"
    folder: str | None = _child(entry.org_real, "compliance")
    for part in (entry.system, entry.model, entry.scenario):
        folder = _child(folder, part) if folder else None
    return folder, shown


def _tests(entry: ScenarioFolder, book: InferenceRulebook) -> tuple[dict[str, TestFolder], str]:
    folder, shown = _compliance_folder(entry, book)
    tests: dict[str, TestFolder] = {}
    if folder is None:
        return tests, shown
    try:
        names = [e.name for e in safefs.scandir(folder) if e.is_dir()]
    except OSError:
        return tests, shown
    for name in names:
        if len(name) != TEST_NAME_LENGTH or not name.upper().startswith("TEST") or not name[4:].isdigit():
            continue
        real = os.path.join(folder, name)
        test = TestFolder(name=name.upper(), path=f"{shown}/{name}", real=real, files=_files_below(real, 4))
        for file_name, file_real in test.files.items():
            if "/" not in file_name and file_name.startswith("verify_") and file_name.endswith(".txt"):
                test.verify[file_name] = read_text(file_real)
            elif file_name in ("accuracy/baseline_accuracy.txt", "accuracy/compliance_accuracy.txt"):
                test.accuracy[file_name.split("/", 1)[1]] = P.read_accuracy_txt(file_real)
        run_folder = os.path.join(real, "performance", "run_1")
        if _is_folder(run_folder):
            test.run = P.read_loadgen_run(run_folder)
        tests[test.name] = test
    return tests, shown


def _measurements(entry: ScenarioFolder, book: InferenceRulebook, round_name: str, stopped: list[str] | None = None) -> Measurements:
    found = Measurements()
    template = str(book.layout.get("measurements", ""))
    if template.endswith("measurements.json"):  # 6.0 on: in the scenario folder
        folder, shown = entry.real, entry.path
        json_names = ["measurements.json"]
    else:
        shown = f"{entry.org_path}/measurements/{entry.system}/{entry.model}/{entry.scenario}"
        folder = _child(entry.org_real, "measurements")
        for part in (entry.system, entry.model, entry.scenario):
            folder = _child(folder, part) if folder else None
        json_names = []
    if folder is None:
        return found
    found.folder = shown
    files = _files_below(folder, 1, found.sizes)
    if files.limit_reached:  # what the rules look for is looked up, never called missing
        for name in (*book.measurements.get("required_files", ()), *json_names, f"{entry.system}_{entry.scenario}.json"):
            files.get(str(name))
        if stopped is not None:
            stopped.append(shown)
    for name in files:
        found.files[name] = f"{shown}/{name}"
        if "calibration" in name.lower():
            found.calibration.append(f"{shown}/{name}")
    if not json_names:
        from compliance.parsers.system_desc import pick_measurements_file

        picked = pick_measurements_file([n for n in files if n.endswith(".json")], entry.system, entry.scenario)
        json_names = [picked] if picked else []
    for name in json_names:
        if name in files:
            found.json_path = f"{shown}/{name}"
            data, error = read_json(files[name])
            found.data, found.error = (data, error) if error is None else (None, error)
            if data is not None:
                found.problems = _validate("measurements", data, round_name, book.suite)
            break
    return found


def org_calibration(org_real: str, org_path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An organisation's calibration documents (in its folder or documentation/), and where they were looked for."""
    places = [(org_real, org_path)]
    documentation = _child(org_real, "documentation")
    if documentation:
        places.append((documentation, f"{org_path}/documentation"))
    found = tuple(f"{shown}/{name}" for real, shown in places for name in _files_below(real, 1) if "calibration" in name.lower())
    return found, tuple(shown for _, shown in places)


_VALIDATED: dict[tuple[str, str, str], list[Any]] = {}
_VALIDATED_MOST = 4096  # distinct files remembered by one process


def _validate(kind: str, data: dict[str, Any], round_name: str, suite: str = SUITE) -> list[Any]:
    """Schema problems of a system description or measurements JSON (none when no schema is known).

    A round's results repeat the same files (one measurements file per result, most alike):
    the problems of a content already validated, fields in the same order, are given again."""
    import json

    try:
        key = (kind, f"{suite}-{round_name}", json.dumps(data, allow_nan=True))
    except (TypeError, ValueError, RecursionError):
        return _validated(kind, data, round_name, suite)
    known = _VALIDATED.get(key)
    if known is None:
        known = _validated(kind, data, round_name, suite)
        if len(_VALIDATED) < _VALIDATED_MOST:
            _VALIDATED[key] = known
    return list(known)


def _validated(kind: str, data: dict[str, Any], round_name: str, suite: str = SUITE) -> list[Any]:
    from compliance.parsers import system_desc

    try:
        if kind == "measurements":
            if suite != SUITE:
                return []  # the measurements schemas are the inference rounds'
            return list(system_desc.validate_measurements(data, round_name))
        return list(system_desc.validate_system(data, suite, round_name))
    except (system_desc.SystemSchemaError, KeyError, LookupError):
        return []


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
    return _run_checks(ctx, "loadgen_run", job, entry.division, book)


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
    files = _files_below(entry.real, 4, sizes)
    perf = accuracy = accuracy_txt = endpoints = None
    perf_folder = os.path.join(entry.real, "performance", "run_1")
    from compliance.parsers.endpoints import is_endpoints

    if is_endpoints(files, book.endpoints):  # no LoadGen log at all: the Endpoints client's files
        from compliance.parsers.endpoints import read_endpoints_result

        endpoints = read_endpoints_result(files, entry.path, book.endpoints)
    elif _is_folder(perf_folder):
        perf = P.read_loadgen_run(perf_folder)
    accuracy_folder = os.path.join(entry.real, "accuracy")
    if endpoints is None and _is_folder(accuracy_folder):
        accuracy = P.read_loadgen_run(accuracy_folder)
        if "accuracy/accuracy.txt" in files:
            accuracy_txt = P.read_accuracy_txt(files["accuracy/accuracy.txt"], display_path=f"{entry.path}/accuracy/accuracy.txt")
    tests, tests_root = _tests(entry, book)
    stopped = [entry.path] if files.limit_reached else []
    stopped += [test.path for test in tests.values() if getattr(test.files, "limit_reached", False)]
    measurements = _measurements(entry, book, round_name, stopped)
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
    runs = [(perf, f"{entry.path}/performance/run_1", "performance", None), (accuracy, f"{entry.path}/accuracy", "accuracy", None)]
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
    from compliance.rules.inference.endpoints import accuracy_numbers

    return findings, result_row(ctx), records, declared, accuracy_numbers(ctx), endpoints is not None


def _listing_limits(stopped: list[str], subject: str, job: ResultJob, book: InferenceRulebook) -> list[Finding]:
    """One LIM001 finding per folder of the result whose listing stopped at the limit."""
    from compliance.limits import LIM001, reached

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


def _run_jobs(jobs: list[Any], progress: Callable[[int], None] | None) -> list[Outcome]:
    from compliance.package import run_pool

    return run_pool(audit_result, jobs, progress, POOL_MIN_RESULTS)


# -- the tree -----------------------------------------------------------------------------------


def _model_mapping(org_real: str) -> tuple[dict[str, str], str | None]:
    path = os.path.join(org_real, "model_mapping.json")
    if _regular(path) is None:
        return {}, None
    data, error = read_json(path)
    if error is not None:
        return {}, error
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}, None


def audit_inference_tree(
    path: str, options: Any, progress_factory: Any = None, *, display: str | None = None, unpacked: Any = None, scope: str | None = None
) -> Report:
    """Check a whole inference submission (folder or archive) against one round.

    ``unpacked``: the archive already unpacked; ``scope``: the part of the tree asked for (as shown)."""
    from compliance.options import UsageError
    from compliance.inference import _round
    from compliance.parsers.archive import is_archive, unpack
    from compliance.parsers.inference_tree import walk_inference_tree
    from compliance.parsers.tree import EMPTY_FOLDER

    load_all("inference", "package")
    book, round_source = _round(options)
    own = None
    shown_root = display or (path.rstrip(os.sep) or path)
    try:
        folder = path
        if unpacked is None and is_archive(path):
            unpacked = own = unpack(path)
            if unpacked.error:
                raise UsageError(f"{path}: {unpacked.error}")
            shown_root = path + "!"
        if unpacked is not None:
            folder = unpacked.folder
        tree = walk_inference_tree(folder, shown_root)
        if unpacked is not None:
            from compliance.parsers.archive import archive_issues

            tree.issues.extend(archive_issues(unpacked, shown_root))
        # Layout findings (a link where results are) are still reported; empty folders alone are
        # nothing to check.
        if not tree.scenarios and all(issue.kind == EMPTY_FOLDER for issue in tree.issues):
            what = "no results/<system>/<model>/<scenario>/ folder"
            if not tree.orgs:
                what = "no <division>/<org>/results/ folders"
            raise UsageError(f"nothing to check: {path} holds {what} (is this an MLPerf Inference submission?)")
        if scope is not None:
            from compliance.scope import narrow_inference_tree

            scope = narrow_inference_tree(tree, scope)
        report = _audit(tree, book, round_source, options, progress_factory)
        if scope is not None:
            from compliance.scope import narrow_report

            narrow_report(report, scope, shown_root)
        return report
    finally:
        if own is not None:
            own.cleanup()


def _audit(tree: InferenceTree, book: InferenceRulebook, round_source: str, options: Any, progress_factory: Any) -> Report:
    from compliance.parsers.system_desc import read_system_file

    systems: dict[tuple[str, str, str], SystemInfo] = {}
    jobs = []
    facts: list[ResultFacts] = []
    mapping_errors: list[tuple[str, str]] = []
    debug = bool(getattr(options, "debug", False))
    for org in tree.orgs:
        calibration = org_calibration(org.real, org.path)
        mapping, error = _model_mapping(org.real)
        if error:
            mapping_errors.append((f"{org.path}/model_mapping.json", error))
        for name, file in org.systems.items():
            file.data, file.error = read_system_file(file.real_path)
            problems = _validate("system", file.data, book.round, book.suite) if file.data is not None else []
            systems[(org.division, org.org, name)] = SystemInfo(file, problems)
        for entry in org.scenarios:
            system = systems.get((entry.division, entry.org, entry.system)) or SystemInfo(None)
            model, mapped = resolve_model(book, entry.model, entry.division, mapping)
            jobs.append(
                ResultJob(entry, book.round, model.name if model else None, system, mapped, calibration, options.select, options.ignore, debug, book.suite)
            )
            facts.append(
                ResultFacts(entry.division, entry.org, entry.system, entry.model, entry.scenario, entry.path, model.name if model else None, book.resolve_scenario(entry.scenario))
            )
    progress = progress_factory(len(jobs)) if progress_factory else None
    outcomes = _run_jobs(jobs, progress)

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
    report.subjects.append(Subject(path=tree.root, kind="tree", suite=book.suite))
    import dataclasses

    facts = [dataclasses.replace(f, declared=outcome[3], accuracy=outcome[4], endpoints=outcome[5]) for f, outcome in zip(facts, outcomes)]
    for job, (findings, row, records, *_) in zip(jobs, outcomes):
        entry = job.entry
        report.subjects.append(Subject(path=entry.path, kind=RESULT_SUBJECT, suite=book.suite, benchmark=row.benchmark, division=entry.division, records=records))
        report.findings.extend(findings)
        report.results.append(row)
    ctx = SubmissionContext(tree, book, facts, systems, mapping_errors)
    report.findings.extend(_run_checks(ctx, SUBMISSION_SUBJECT, options, None, book))
    if options.waivers:
        from compliance.waivers import WaiverError, apply_waivers, load_waivers

        try:
            report.findings = list(apply_waivers(report.findings, load_waivers(options.waivers), tree.root))
        except WaiverError as err:
            from compliance.options import UsageError

            raise UsageError(str(err)) from err
    report.finalise()
    verdicts = {s.path: s.passed for s in report.subjects}
    for row in report.results:
        row.passed = verdicts.get(row.path, False) and row.value is not None
    report.passed = report.passed and all(row.passed for row in report.results)
    return report
