"""An MLPerf Tiny submission, results repository, division, organisation or archive of one: every
benchmark result with its runner modes, the systems, the layout; one results row per benchmark
and mode (throughput, energy or power, accuracy).

``claim`` recognises a Tiny tree cheaply (a bounded look at folder names and at most a few
results files' first bytes): a mode folder of a Tiny benchmark with a runner's results file.
No Training, HPC or Inference input has one (their model names are not Tiny's benchmarks).
"""

from __future__ import annotations

import os
import re
from functools import cache

from compliance.kinds import Kind, SubjectKind

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import datetime as dt

    from compliance.detection import Evidence
    from compliance.detection.resolve import Plan
    from compliance.models.report import InferenceResultRow, Report
    from compliance.models.tiny import TinyResult, TinyTree
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked
    from compliance.rulebook.tiny import TinyRulebook
    from compliance.rules.tiny.context import TinyResultContext

SUITE = "tiny"
MODE_NAMES = ("performance", "accuracy", "energy", "power")
MARKERS = (b"ulp-mlperf", b"ulp-ml:", b"Median throughput is", b"Median energy cost is", b"Performance results for window", b"Energy data for trial", b"Estimated throughput:")
LOG_MARKERS = (b"m-bmark-run-name[", b"session: m-session-start-id[")  # the EEMBC EnergyRunner's log (0.5 results may have no results.txt)
SURVEY_LOGS = 400  # runner logs whose first bytes are read for the session's date, at most
SURVEY_FOLDERS = 5000  # folders looked at, at most, to tell a Tiny tree's round
RECOGNISE_FOLDERS = 300  # folders looked at, at most, to recognise a Tiny tree (asked of every input without --suite)
# Folders that hold no Tiny result: sources, descriptions, and the other suites' result levels
NOT_RESULTS = frozenset(("code", "src", "systems", "compliance", "measurements", "documentation", "benchmarks", "offline", "server", "singlestream", "multistream", "interactive"))
SURVEY_DEPTH = 8
SURVEY_FILES = 24  # results files whose first bytes are read, at most
HEAD_BYTES = 4096
REPOSITORY = cache(lambda: re.compile(r"(?:^|[^a-z])tiny(?:_results)?[-_]v?(\d+)\.(\d+)(?![0-9])", re.IGNORECASE))


class _Survey:
    """What a bounded look at a tree saw: benchmark folders, runners, the first Tiny results file."""

    def __init__(self) -> None:
        self.benchmarks: set[str] = set()
        self.runners: set[str] = set()
        self.results_file: str | None = None
        self.files_read = 0
        self.dates: list[dt.date | None] = []  # the day each runner session seen started (its log's first lines)
        self.logs_read = 0


def _known_folders() -> frozenset[str]:
    """Every benchmark folder name of every Tiny round (names and aliases), from the round files
    alone: asked of every input checked without --suite, so no rulebook is built."""
    from compliance.rulebook.load import _round_files, data_folder, read_data

    names: set[str] = set()
    for file_name in _round_files(SUITE):
        data = read_data(os.path.join(data_folder(), SUITE, file_name))[0]
        for name, raw in (data.get("benchmarks") or {}).items():
            names.add(str(name).lower())
            aliases = raw.get("aliases") if isinstance(raw, dict) else None
            if isinstance(aliases, dict) and isinstance(aliases.get("value"), list):
                names.update(str(a).lower() for a in aliases["value"])
    return frozenset(names)


def _head(path: str) -> bytes:
    from compliance.parsers import safefs

    try:
        return safefs.read_regular(path, HEAD_BYTES)[:HEAD_BYTES]
    except (OSError, ValueError):
        return b""


def _session_date(head: bytes) -> dt.date | None:
    """The day a runner's session started, from its log's first bytes, or None."""
    import datetime

    from compliance.parsers.tiny import session_day

    day = session_day(head.decode("utf-8", errors="replace"))
    try:
        return datetime.date.fromisoformat(day) if day else None
    except ValueError:
        return None


def _look_at_mode(folder: str, survey: _Survey, dates: bool) -> None:
    from compliance.parsers import safefs

    try:
        entries = safefs.scandir(folder)
    except OSError:
        return
    names = {e.name.lower(): e for e in entries if e.is_file()}
    if "results.json" in names:
        survey.runners.add("mlc")
    if dates and survey.logs_read < SURVEY_LOGS:
        log = next((e for n, e in sorted(names.items()) if n.endswith("log.txt") and not n.startswith(".")), None)
        if log is not None:
            survey.logs_read += 1
            survey.dates.append(_session_date(_head(log.path)))
    for name, entry in sorted(names.items(), key=lambda item: not item[0].endswith("results.txt")):
        if not name.endswith(("results.txt", "log.txt")) or name.startswith(".") or survey.files_read >= SURVEY_FILES:
            continue
        if name.endswith("log.txt") and survey.results_file:
            continue  # a runner's log is read only when no results file told
        survey.files_read += 1
        head = _head(entry.path)
        if name.endswith("log.txt"):
            if any(marker in head for marker in LOG_MARKERS):
                survey.results_file = entry.path
                survey.runners.add("eembc")
            continue
        if any(marker in head for marker in MARKERS):
            survey.results_file = survey.results_file or entry.path
            if re.search(rb"window (2|4|6|8|10):", head):
                survey.runners.add("eembc")
            elif b"Performance results for window 1" in head or b"Energy data for trial" in head:
                survey.runners.add("mlc")


def survey(root: str, most: int = SURVEY_FOLDERS, first: bool = False) -> _Survey:
    """A bounded walk of a tree (``most`` folders; ``first``: stop at the first Tiny results file):
    the Tiny benchmark folders holding mode folders, and the runners seen."""
    from compliance.parsers import safefs

    known = _known_folders()
    seen = _Survey()
    queue, looked = [(root, 0, "")], 0
    while queue and looked < most and not (first and seen.results_file):
        folder, depth, parent = queue.pop(0)
        looked += 1
        try:
            children = [e for e in safefs.scandir(folder) if e.is_dir()]
        except OSError:
            continue
        modes = [e for e in children if e.name.lower() in MODE_NAMES]
        name = os.path.basename(folder).lower()
        if modes and (name in known or parent in known):  # results/<system>/<benchmark>[/<variant>]/<mode>
            seen.benchmarks.add(name if name in known else parent)
            if any(e.name == "EEMBC_RUNNER" for e in safefs.scandir(folder)):
                seen.runners.add("eembc")
            for mode in modes:
                _look_at_mode(mode.path, seen, dates=not first)
            continue
        if depth < SURVEY_DEPTH:
            queue.extend((e.path, depth + 1, name) for e in children if not e.name.startswith(".") and e.name.lower() not in NOT_RESULTS)
    return seen


def _repository(path: str) -> Evidence:
    from compliance.detection import Evidence

    for part in reversed(os.path.abspath(path).split(os.sep)):
        match = REPOSITORY().search(part)
        if match:
            return Evidence("repository name", frozenset({f"{int(match.group(1))}.{int(match.group(2))}"}), f"the folder {part!r}", hard=True)
    return Evidence("repository name", None, "no tiny_results_v<round> folder in the path")


def _evidence(path: str, seen: _Survey) -> list[Evidence]:
    from compliance.detection import Evidence
    from compliance.detection.sources import benchmark_set
    from compliance.rulebook.tiny import load_tiny_rulebook, tiny_rounds

    books = {r: load_tiny_rulebook(r) for r in tiny_rounds()}
    names = {book.resolve(n).name for book in books.values() for n in seen.benchmarks if book.resolve(n) is not None}  # type: ignore[union-attr]
    found = [_repository(path), benchmark_set(names, {r: frozenset(b.benchmarks) for r, b in books.items()})]
    for runner, words in (("eembc", "the EEMBC EnergyRunner's output"), ("mlc", "the MLCommons runner's output")):
        if runner in seen.runners:
            found.append(Evidence("runner", frozenset(r for r, b in books.items() if runner in b.runners), words, hard=True))
    from compliance.detection.calendar import dates_evidence

    found.append(dates_evidence(SUITE, seen.dates, what="runner session"))
    return found


def _enclosing(path: str) -> tuple[str, str | None]:
    """The folder to read for a path below an organisation's ``results/`` (the repository or
    division folder that holds the organisation, else the organisation), and the scope."""
    parts = os.path.abspath(path).split(os.sep)
    lowered = [p.lower() for p in parts]
    if "results" in lowered[:-1] or (lowered and lowered[-1] == "results"):
        at = len(lowered) - 1 - lowered[::-1].index("results")
        if at >= 2 and lowered[at - 2] in ("closed", "open"):
            at -= 2  # the division's parent: the whole submission tells the round
        return os.sep.join(parts[:at]) or os.sep, path
    return path, None


def _repository_root(root: str) -> str:
    """The results repository (or submission) around a division or organisation folder: the round's
    evidence comes from all of it (an organisation's results can all be re-used old runs)."""
    parts = os.path.abspath(root).split(os.sep)
    lowered = [p.lower() for p in parts]
    for at in (len(parts) - 1, len(parts) - 2):
        if at >= 1 and lowered[at] in ("closed", "open"):
            return os.sep.join(parts[:at]) or os.sep
    return root


def _claim(paths: list[str], options: AuditOptions, archive_folder: str | None, archive_display: str | None) -> Plan | None:
    from compliance.detection import decide_round, given_round
    from compliance.detection.resolve import Plan
    from compliance.options import UsageError

    if options.suite is not None and options.suite != SUITE:
        return None
    mine = options.suite == SUITE
    if len(paths) != 1:
        if mine:
            raise UsageError("check one Tiny submission tree (or archive) at a time")
        return None
    given = archive_folder or paths[0]
    if not os.path.isdir(given) or os.path.islink(given):
        if mine:
            raise UsageError(f"{paths[0]}: a Tiny submission is a folder (or an archive of one)")
        return None
    root, scope = (given, None) if archive_folder else _enclosing(given)
    if not mine and survey(root, RECOGNISE_FOLDERS, first=True).results_file is None:
        return None
    seen = survey(_repository_root(root))
    if not seen.benchmarks and seen.results_file is None:
        raise UsageError(
            f"nothing to check: no Tiny result (results/<system>/<benchmark>/<mode>/ with a runner's file) under {paths[0]}"
        )
    if scope is not None:
        display = root if os.path.isabs(paths[0]) else os.path.relpath(root)
        scope_shown = paths[0].rstrip(os.sep) if os.path.isabs(paths[0]) else os.path.normpath(paths[0])
    else:
        display = archive_display or (paths[0].rstrip(os.sep) or paths[0])
        scope_shown = None
    evidence = _evidence(paths[0], seen)
    from compliance.rulebook.tiny import tiny_rounds

    if options.round is not None:
        from compliance.rulebook.load import canonical_round

        canon = canonical_round(str(options.round))
        if canon is None or canon not in tiny_rounds():
            raise UsageError(f"no tiny round {options.round}; the tiny rounds are {', '.join(tiny_rounds())}")
        decision = given_round(SUITE, canon, options.round_from, evidence)
    else:
        decision = decide_round(SUITE, tiny_rounds(), evidence)
    detail = "a Tiny runner's file" + (f" ({_shown(seen.results_file, root, display)})" if seen.results_file else "")
    plan = Plan(SubjectKind.TINY_TREE, [root], SUITE, options.suite_from if mine else "detected", detail, {SUITE: decision}, display, scope_shown)
    plan.notes.extend(decision.notes)
    return plan


def _shown(real: str, root: str, display: str) -> str:
    from compliance.parsers.safefs import shown

    rel = os.path.relpath(real, root).replace(os.sep, "/")
    return shown(f"{display}/{rel}")


# -- the check ----------------------------------------------------------------------------------


def _accuracy_text(ctx: TinyResultContext) -> str | None:
    bench, folder = ctx.benchmark, ctx.result.modes.get("accuracy")
    if bench is not None and bench.target.metric == "detections":
        for mode in ("performance", "energy"):
            got = ctx.result.modes.get(mode)
            if got is not None and got.detections is not None:
                d = got.detections
                limits = f" (<= {bench.target.max_false_negatives}, <= {bench.target.max_false_positives})" if ctx.closed else ""
                return f"TP {d.true_positives}, FN {d.false_negatives}, FP {d.false_positives}{limits}"
        return None
    if folder is None:
        return None
    metric = bench.target.metric if bench is not None else ("auc" if folder.top1 is None else "top1")
    reading = folder.auc if metric == "auc" else folder.top1
    if reading is None:
        return None
    name = "AUC" if metric == "auc" else "top-1"
    if bench is None or bench.target.value is None:
        return f"{name} {reading.text}"
    if not ctx.closed:
        return f"{name} {reading.text} (open division: target {bench.target.value:g} not enforced)"
    sign = ">=" if reading.value >= bench.target.value else "<"
    return f"{name} {reading.text} {sign} {bench.target.value:g}"


def result_rows(ctx: TinyResultContext) -> list[InferenceResultRow]:
    """The result's rows: performance (inf./s), energy (uJ/inf.; streaming wakeword: mW), accuracy."""
    from compliance.models.report import InferenceResultRow

    result, bench = ctx.result, ctx.benchmark
    sww = bench is not None and bench.target.metric == "detections"
    accuracy = _accuracy_text(ctx)
    name = bench.name if bench is not None else result.benchmark
    rows = []

    def row(mode: str, metric: str, value: float | None, unit: str) -> None:
        rows.append(InferenceResultRow(result.division, result.org, result.system, name, mode, result.path, metric, value, unit, accuracy, False, model_folder=result.benchmark))

    perf, energy = result.modes.get("performance"), result.modes.get("energy")
    if sww and perf is None and energy is not None and energy.estimated_throughput is not None:
        # a streaming wakeword result with its energy run alone: the throughput that run estimated
        row("performance", "estimated throughput (energy run)", energy.estimated_throughput.value, "inf./s")
    elif perf is not None or not result.modes:
        reading = (perf.estimated_throughput if sww else perf.median_throughput) if perf is not None else None
        row("performance", "estimated throughput" if sww else "median throughput", reading.value if reading else None, "inf./s")
    if energy is not None:
        reading = energy.power_mw if sww else energy.median_energy
        row("energy", "average power" if sww else "median energy per inference", reading.value if reading else None, "mW" if sww else "uJ/inf.")
    acc = result.modes.get("accuracy")
    if acc is not None and not sww:
        metric = bench.target.metric if bench is not None else "top1"
        reading = acc.auc if metric == "auc" else acc.top1
        row("accuracy", "AUC" if metric == "auc" else "top-1", reading.value if reading else None, "AUC" if metric == "auc" else "%")
    return rows


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    from compliance import __version__
    from compliance.models.report import Report, Subject, ToolInfo
    from compliance.parsers.tiny import read_tree
    from compliance.registry import applies, load_all, run_checkers
    from compliance.rulebook.tiny import load_tiny_rulebook
    from compliance.rules.tiny.context import RESULT_SUBJECT, SUBMISSION_SUBJECT, TinyResultContext, TinySubmissionContext

    load_all("tiny")
    decision = plan.decision
    assert decision is not None
    book = load_tiny_rulebook(decision.round)
    root = plan.paths[0]
    display = plan.display or root
    tree = read_tree(root, display, book.folder_names(), book.size_limit, book.mode_prefix)
    if not book.summary_file:
        from compliance.parsers.tiny import use_runner_logs

        use_runner_logs(tree)
    debug = bool(getattr(options, "debug", False))
    report = Report(tool=ToolInfo("mlperf-audit", __version__), suite=SUITE, round=book.round)
    report.rulebook_sha256 = book.sha256
    report.notes.extend(options.notes)
    report.subjects.append(Subject(path=display, kind="tree", suite=SUITE))

    def run(subject: str, ctx: TinyResultContext | TinySubmissionContext, division: str | None) -> None:
        report.findings.extend(
            run_checkers(subject, ctx, lambda f: applies(f, SUITE, book.round, division, options.select, options.ignore), where=ctx.subject, debug=debug)
        )

    results: list[TinyResult] = [r for org in tree.orgs for r in org.results]
    rows: list[InferenceResultRow] = []
    for result in results:
        ctx = TinyResultContext(result, book, book.resolve(result.benchmark))
        report.subjects.append(Subject(path=result.path, kind=RESULT_SUBJECT, suite=SUITE, benchmark=ctx.benchmark.name if ctx.benchmark else result.benchmark, division=result.division))
        run(RESULT_SUBJECT, ctx, result.division.lower())
        rows.extend(result_rows(ctx))
    run(SUBMISSION_SUBJECT, TinySubmissionContext(tree, book), None)
    report.results.extend(rows)
    if not results:
        report.notes.append(f"No Tiny result (results/<system>/<benchmark>/<mode>/) was found under {display}.")
    _limits(report, tree, book, options)
    if options.waivers:
        from compliance.options import UsageError
        from compliance.waivers import WaiverError, apply_waivers, load_waivers

        try:
            report.findings = list(apply_waivers(report.findings, load_waivers(options.waivers), root))
        except WaiverError as err:
            raise UsageError(str(err)) from err
    report.finalise()
    verdicts = {s.path: s.passed for s in report.subjects}
    blocked = _blocked_results(report, tree, display)
    unchecked = {(r.path, mode) for r in results for mode, folder in r.modes.items() if folder.log_only}  # a value the round's files cannot give (TRS004)
    for each in rows:
        known = each.value is not None or (each.path, each.scenario) in unchecked
        each.passed = verdicts.get(each.path, False) and known and each.path not in blocked
    report.passed = report.passed and all(each.passed for each in rows)
    if plan.scope is not None:
        from compliance.scope import narrow_report

        narrow_report(report, plan.scope, display)
    return report


def _blocked_results(report: Report, tree: TinyTree, display: str) -> set[str]:
    """The results a blocking finding about the submission rejects, as the official checker does:
    a system description's problem rejects that system's results, a finding in or above a result
    that result, any other in an organisation's folder (a link, a file too large) all its results."""
    from compliance.scope import within

    blocked: set[str] = set()
    for finding in report.findings:
        if not finding.blocking or finding.subject != display:
            continue
        place = finding.location.path
        for org in tree.orgs:
            if not within(place, org.path):
                continue
            if within(place, f"{org.path}/systems"):
                name = place.rsplit("/", 1)[-1].removesuffix(".json")
                hit = [r.path for r in org.results if r.system == name or getattr(org.described.get(r.system), "path", None) == place]
            else:
                hit = [r.path for r in org.results if within(place, r.path) or within(r.path, place)]
            blocked.update(hit or ([] if within(place, f"{org.path}/systems") else [r.path for r in org.results]))
    return blocked


def _limits(report: Report, tree: TinyTree, book: TinyRulebook, options: AuditOptions) -> None:
    """A LIM001 finding for each folder the walk did not list (too deep, unreadable, too many entries)."""
    from compliance.rules.common.lim import LIM001
    from compliance.registry import applies

    for org in tree.orgs:
        for folder, why in org.unread[:50]:
            finding = LIM001.finding(
                f"{folder}: not listed ({why}); what is below it was not checked",
                path=folder,
                subject=report.subjects[0].path,
                observed=why,
                required="a folder the walk can list",
            )
            if applies(finding, SUITE, book.round, None, options.select, options.ignore):
                report.findings.append(finding)


KIND = Kind(SubjectKind.TINY_TREE, (SUITE,), _check, _claim)
