"""MLPerf Mobile results (a results repository, a division's or organisation's folder, a system
folder, one result file of the app, or an archive of any): each result file against the app's
schema, each benchmark against the round's rules and its LoadGen logs, one results row per
benchmark and scenario."""

from __future__ import annotations

import os

from compliance.kinds import Kind, SubjectKind

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from compliance.detection import Evidence
    from compliance.detection.resolve import Plan
    from compliance.models.loadgen import LoadgenRun
    from compliance.models.report import Report
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked
    from compliance.parsers.mobile import MobileEntry, MobileResultFile
    from compliance.rulebook.mobile import MobileBenchmark, MobileRulebook

SUITE = "mobile"
DIVISIONS = ("closed", "open")
_REPOSITORY = r"(?:^|[^a-z])mobile_results_v(\d+)\.(\d+)(?![0-9])"


# --------------------------------------------------------------------------- claim and round


def _all_ids() -> frozenset[str]:
    from compliance.rulebook.mobile import load_mobile_rulebook, mobile_rounds

    return frozenset().union(*(load_mobile_rulebook(r).all_ids() for r in mobile_rounds()))


def _looks_mobile(root: str) -> bool:
    """Clear evidence that the input is the Mobile app's results (a bounded look, no walk)."""
    from compliance.parsers.mobile import candidate_result_files, is_mobile_result

    candidates = candidate_result_files(root)
    if not candidates:
        return False  # most inputs: no round data is read
    known = _all_ids()
    return any(is_mobile_result(path, known) for path in candidates)


def _repository_evidence(paths: list[str]) -> Evidence:
    import re

    from compliance.detection import Evidence

    for path in paths:
        for part in reversed(os.path.abspath(path).split(os.sep)):
            match = re.search(_REPOSITORY, part, re.IGNORECASE)
            if match:
                return Evidence("repository name", frozenset({f"{int(match.group(1))}.{int(match.group(2))}"}), f"the folder {part!r}", hard=True)
    return Evidence("repository name", None, "no mobile_results_v<round> folder in the path")


SEED_RUNS = 8  # LoadGen runs whose seeds the round detection reads


def _seed_evidence(runs: list[str], books: dict[str, MobileRulebook]) -> Evidence:
    """The rounds whose seeds every run read has (rounds may share seeds: 5.0 ran with 4.1's)."""
    from compliance.detection import Evidence
    from compliance.parsers.loadgen import parse_loadgen_detail

    seen: set[tuple[str, ...]] = set()
    for folder in runs[:SEED_RUNS]:
        detail = parse_loadgen_detail(os.path.join(folder, "mlperf_log_detail.txt"))
        seeds = detail.seeds
        seen.add(tuple(str(seeds.get(name)) for name in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")))
    rounds = {name: tuple(book.seed_values.get(k, "") for k in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")) for name, book in books.items()}
    known = [s for s in seen if s in rounds.values()]
    if not known:
        return Evidence("LoadGen seeds", None, "no run read has the seeds of a Mobile round")
    fits = frozenset(name for name, wanted in rounds.items() if all(s == wanted for s in known))
    count = min(len(runs), SEED_RUNS)
    same = "the same seeds" if len(known) == 1 else f"{len(known)} different sets of seeds"
    return Evidence("LoadGen seeds", fits, f"{count} LoadGen run{'s' if count != 1 else ''} read, {same}", hard=True)


def _evidence(paths: list[str], results: list[MobileResultFile], runs: list[str]) -> list[Evidence]:
    import datetime as dt

    from compliance.detection import Evidence
    from compliance.detection.calendar import dates_evidence
    from compliance.detection.sources import benchmark_set
    from compliance.parsers.mobile import schema_problems
    from compliance.rulebook.mobile import load_mobile_rulebook, mobile_rounds

    books = {r: load_mobile_rulebook(r) for r in mobile_rounds()}
    found = [_repository_evidence(paths)]
    readable = [r for r in results if r.readable]
    if readable:
        fits: set[str] = set(books)
        for result in readable:
            fits &= {name for name, book in books.items() if _fits_format(result, book, schema_problems)}
        shapes = sorted({str(r.shape) for r in readable})
        found.append(Evidence("result file format", frozenset(fits), f"{len(readable)} result file(s) of the {', '.join(shapes)} format", hard=True))
    found.append(_seed_evidence(runs, books))
    ids = {entry.benchmark_id for result in readable for entry in result.entries}
    found.append(benchmark_set(ids, {name: book.all_ids() for name, book in books.items()}))
    dates = []
    for result in readable:
        for entry in result.entries:
            try:
                dates.append(dt.date.fromisoformat((entry.start or "")[:10]))
            except ValueError:
                continue
    found.append(dates_evidence(SUITE, dates, what="benchmark run"))
    return found


def _fits_format(result: MobileResultFile, book: MobileRulebook, schema_problems: object) -> bool:
    if result.shape != book.result_shape:
        return False
    if not book.result_schema:
        return True
    problems, _ = schema_problems(result.document, book.result_schema)  # type: ignore[operator]
    return not problems


def _claim(paths: list[str], options: AuditOptions, archive_folder: str | None, archive_display: str | None) -> Plan | None:
    from compliance.detection.resolve import Plan, _decide
    from compliance.options import UsageError
    from compliance.parsers.mobile import read_result_file, survey_tree
    from compliance.parsers.safefs import shown

    if options.benchmark or options.scenario:
        if options.suite == SUITE:
            raise UsageError("--benchmark and --scenario apply to inference LoadGen runs (--suite inference)")
        return None  # they name inference LoadGen runs
    if len(paths) != 1:
        if options.suite == SUITE:
            raise UsageError("check one Mobile results folder, result file or archive at a time")
        return None
    root = archive_folder or paths[0]
    if options.suite is None and not _looks_mobile(root):
        return None
    tree = survey_tree(root)
    if not tree.result_files and not tree.runs:
        raise UsageError(f"nothing to check: no result file of the MLPerf Mobile app (result.json, results.json) below a results/ folder, and no LoadGen run, in {shown(archive_display or paths[0])}")
    results = [read_result_file(path, shown(path)) for path in tree.result_files]
    decision = _decide(SUITE, options, _evidence([archive_display or paths[0], root], results, tree.runs))
    display = archive_display or (paths[0].rstrip(os.sep) or paths[0])
    source = options.suite_from if options.suite == SUITE else "detected"
    plan = Plan(SubjectKind.MOBILE_RESULTS, [root], SUITE, source, "the result files of the MLPerf Mobile app", {SUITE: decision}, shown(display))
    plan.notes.extend(decision.notes)
    return plan


# --------------------------------------------------------------------------- check


def _display(root: str, shown_root: str, path: str) -> str:
    from compliance.parsers.safefs import shown

    rel = os.path.relpath(path, root) if os.path.isdir(root) else os.path.basename(path)
    if rel == ".":
        return shown(shown_root)
    if not os.path.isdir(root):
        return shown(shown_root) if os.path.abspath(path) == os.path.abspath(root) else shown(os.path.join(os.path.dirname(shown_root), rel))
    return shown(os.path.join(shown_root, rel)).replace(os.sep, "/")


def _place(path: str) -> tuple[str, str, str]:
    """(division, organisation, system) of a result file or run folder, from its path."""
    parts = os.path.abspath(path).split(os.sep)
    if "results" not in parts:
        return "", "", os.path.basename(os.path.dirname(os.path.abspath(path)))
    i = len(parts) - 1 - parts[::-1].index("results")
    org = parts[i - 1] if i >= 1 else ""
    division = parts[i - 2] if i >= 2 and parts[i - 2].lower() in DIVISIONS else ""
    system = parts[i + 1] if i + 2 < len(parts) else ""
    return division, org, system


def _match(entry: MobileEntry, benchmark: MobileBenchmark | None, scenario: str, base: str, runs: list[tuple[str, LoadgenRun]]) -> tuple[str | None, LoadgenRun | None, LoadgenRun | None]:
    """The performance and accuracy runs of one benchmark among the runs below its result file."""
    performance: tuple[str, LoadgenRun] | None = None
    accuracy: LoadgenRun | None = None
    folders = {f.lower() for f in benchmark.folders} if benchmark is not None else set()
    for folder, run in runs:
        parts = os.path.relpath(folder, base).split(os.sep)
        names = {p.rsplit("-", 1)[0] if p.endswith(("-performance", "-accuracy")) else p for p in parts}
        by_id = entry.benchmark_id in names
        by_folder = bool(folders & {p.lower() for p in parts}) and run.scenario == scenario
        if not (by_id or by_folder):
            continue
        if run.is_accuracy_run:
            accuracy = accuracy or run
        elif performance is None or by_id:
            performance = (folder, run)
    return (performance[0], performance[1], accuracy) if performance else (None, None, accuracy)


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    from compliance import __version__
    from compliance.models.report import InferenceResultRow, Report, Subject, ToolInfo
    from compliance.parsers.loadgen import read_loadgen_run
    from compliance.parsers.mobile import read_result_file, schema_problems, survey_tree
    from compliance.registry import applies, load_all, run_checkers
    from compliance.rulebook.mobile import load_mobile_rulebook
    from compliance.parsers.safefs import shown
    from compliance.parsers.mobile import read_system_files
    from compliance.rules.mobile.context import EntryContext, FileContext, OrgContext, SystemContext, TreeContext
    from compliance.rules.mobile.mob import accuracy_of

    load_all("mobile")
    assert plan.decision is not None
    book = load_mobile_rulebook(plan.decision.round)
    root = plan.paths[0]
    shown_root = plan.display or root
    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite=SUITE, round=book.round, rulebook_sha256=book.sha256)
    report.notes.extend(options.notes)
    tree = survey_tree(root)
    runs = [(folder, read_loadgen_run(folder, read_accuracy_log=False)) for folder in tree.runs]
    homes = sorted((os.path.dirname(os.path.abspath(p)) for p in tree.result_files), key=len, reverse=True)

    def keep(finding: object, division: str) -> bool:
        return applies(finding, SUITE, book.round, division or None, options.select, options.ignore)  # type: ignore[arg-type]

    def home_of(folder: str) -> str | None:
        absolute = os.path.abspath(folder)
        return next((h for h in homes if absolute == h or absolute.startswith(h + os.sep)), None)

    for path in tree.result_files:
        shown_file = _display(root, shown_root, path)
        division, org, system = _place(path)
        result = read_result_file(path, shown_file, follow_links=path == root)
        file_subject = Subject(path=shown_file, kind="mobile_result_file", suite=SUITE, division=division or None)
        report.subjects.append(file_subject)
        ctx = FileContext(book, result, shown_file)
        if result.readable and book.result_schema and result.shape != "records":
            ctx.schema, ctx.schema_total = schema_problems(result.document, book.result_schema)
        elif result.readable and book.result_schema:
            ctx.schema, ctx.schema_total = [("", f"the 2.0 app's list of records, not the round {book.round} app's result object")], 1
        report.findings.extend(run_checkers("mobile_file", ctx, lambda f: keep(f, division), where=shown_file, debug=options.debug))
        base = os.path.dirname(os.path.abspath(path))
        mine = [(folder, run) for folder, run in runs if home_of(folder) == base]
        for entry in result.entries:
            benchmark = book.benchmark_for(entry.benchmark_id)
            scenario = entry.scenario or (benchmark.scenario if benchmark is not None else "SingleStream")
            subject_path = f"{_display(root, shown_root, base)}/{entry.benchmark_id}"
            run_folder, run, accuracy_run = _match(entry, benchmark, scenario, base, mine)
            entry_ctx = EntryContext(
                book, result, entry, benchmark, scenario, subject_path, shown_file,
                run=run, run_path=_display(root, shown_root, run_folder) if run_folder else None, accuracy_run=accuracy_run,
                accuracy_path=_display(root, shown_root, accuracy_run.folder) if accuracy_run is not None else None,
            )
            report.subjects.append(Subject(path=subject_path, kind="mobile_result", suite=SUITE, benchmark=benchmark.name if benchmark else entry.benchmark_id, division=division or None))
            report.findings.extend(run_checkers("mobile_entry", entry_ctx, lambda f: keep(f, division), where=subject_path, debug=options.debug))
            rules = book.scenarios.get(scenario)
            accuracy = accuracy_of(entry_ctx)
            report.results.append(
                InferenceResultRow(
                    division=division, org=org, system=system, benchmark=benchmark.name if benchmark else entry.benchmark_id,
                    scenario=scenario, path=subject_path, metric=rules.metric if rules else "throughput", value=entry.throughput,
                    unit=rules.unit if rules else None, accuracy=_accuracy_text(accuracy, entry, benchmark), passed=True,
                    model_folder=entry.benchmark_id,
                )
            )
    orphans: dict[str, list[tuple[str, LoadgenRun, MobileBenchmark | None]]] = {}
    for folder, run in runs:
        if home_of(folder) is not None:
            continue
        system_folder = _system_folder(folder)
        orphans.setdefault(system_folder, []).append((_display(root, shown_root, folder), run, _benchmark_of_run(book, folder, run)))
    for system_folder, found in orphans.items():
        shown_system = _display(root, shown_root, system_folder)
        division = _place(system_folder + os.sep + "x")[0]
        report.subjects.append(Subject(path=shown_system, kind="mobile_system", suite=SUITE, division=division or None))
        report.findings.extend(run_checkers("mobile_system", SystemContext(book, shown_system, found), lambda f: keep(f, division), where=shown_system, debug=options.debug))
    inside = os.path.abspath(root) + os.sep
    for org_folder, systems in sorted(_organisations(tree.result_files, list(orphans)).items()):
        if not (org_folder + os.sep).startswith(inside):
            continue  # a system folder or a result file checked alone: its organisation is not read
        shown_org = _display(root, shown_root, org_folder)
        division = _place(os.path.join(org_folder, "results", "x", "y"))[0]
        has_systems, descriptions = read_system_files(org_folder)
        org_ctx = OrgContext(book, shown_org, has_systems, [(_display(root, shown_root, p), n, why) for p, n, why in descriptions], sorted(systems))
        report.subjects.append(Subject(path=shown_org, kind="mobile_org", suite=SUITE, division=division or None))
        report.findings.extend(run_checkers("mobile_org", org_ctx, lambda f: keep(f, division), where=shown_org, debug=options.debug))
    report.subjects.insert(0, Subject(path=shown(shown_root), kind="tree", suite=SUITE))
    tree_ctx = TreeContext(shown(shown_root), list(tree.notes))
    report.findings.extend(run_checkers("mobile_tree", tree_ctx, lambda f: keep(f, ""), where=tree_ctx.subject, debug=options.debug))
    _waive(report, options, shown(shown_root))
    report.finalise()
    files = {s.path: s for s in report.subjects}
    for row in report.results:
        subject = files.get(row.path)
        value = getattr(row, "value", None)
        row.passed = subject is not None and subject.passed and value is not None and not _file_failed(report, row.path)
    report.passed = report.passed and all(row.passed for row in report.results)
    return report


def _organisations(result_files: list[str], system_folders: list[str]) -> dict[str, set[str]]:
    """Each organisation folder (the folder above results/) and the systems of its results: the
    result files' (``""`` for a result file directly in results/) and the folders without one."""
    found: dict[str, set[str]] = {}
    for path in result_files + [os.path.join(folder, "x") for folder in system_folders]:
        parts = os.path.abspath(path).split(os.sep)
        if "results" not in parts:
            continue
        i = len(parts) - 1 - parts[::-1].index("results")
        found.setdefault(os.sep.join(parts[:i]), set()).add(_place(path)[2])
    return found


def _file_failed(report: Report, entry_path: str) -> bool:
    """Whether the result file an entry belongs to has an error of its own."""
    folder = entry_path.rsplit("/", 1)[0]
    return any(s.kind == "mobile_result_file" and not s.passed and s.path.rsplit("/", 1)[0] == folder for s in report.subjects)


def _system_folder(folder: str) -> str:
    """results/<system> of a run folder (results/ itself when the run is directly below it)."""
    parts = os.path.abspath(folder).split(os.sep)
    if "results" not in parts:
        return os.path.dirname(os.path.abspath(folder))
    i = len(parts) - 1 - parts[::-1].index("results")
    return os.sep.join(parts[: i + 2])


def _benchmark_of_run(book: MobileRulebook, folder: str, run: LoadgenRun) -> MobileBenchmark | None:
    parts = {p.lower() for p in os.path.abspath(folder).split(os.sep)}
    for benchmark in book.benchmarks.values():
        if {f.lower() for f in benchmark.folders} & parts and benchmark.scenario == run.scenario:
            return benchmark
    return None


def _accuracy_text(accuracy: float | None, entry: MobileEntry, benchmark: MobileBenchmark | None) -> str | None:
    if accuracy is None:
        return None
    shown = f"{accuracy:.4f}" + (f" ({entry.accuracy_text})" if entry.accuracy_text else "")
    target = benchmark.accuracy_target if benchmark is not None else None
    if target is None:
        return f"{shown}, no target"
    return f"{shown} {'>=' if accuracy >= target.value else '<'} {target.value:g}"


def _waive(report: Report, options: AuditOptions, root: str) -> None:
    if not options.waivers:
        return
    from compliance.options import UsageError
    from compliance.waivers import WaiverError, apply_waivers, load_waivers

    try:
        report.findings = list(apply_waivers(report.findings, load_waivers(options.waivers), root))
    except WaiverError as err:
        raise UsageError(str(err)) from err


KIND = Kind(SubjectKind.MOBILE_RESULTS, (SUITE,), _check, _claim)
