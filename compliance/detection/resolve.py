"""From the paths given to a plan: what kind of input it is, which part was asked for, the suite
and the round, each with the evidence that decided it.

The kinds: a Training/HPC submission tree, an Inference submission tree,
loose MLLOG logs, loose LoadGen runs. A folder below a submission (an entry,
``results/``, a system, a scenario folder) is checked as part of the
organisation's submission that encloses it, and the report keeps only the
part asked for (``scope``). When no enclosing submission is found the
checks that need one cannot run, and the plan's notes say so.
"""

from __future__ import annotations

import os

from compliance.detection import AmbiguousRound, Evidence, RoundDecision, decide_round, given_round
from compliance.detection.survey import Survey, read_loadgen_facts, read_training_facts, walk_input
from compliance.kinds import SubjectKind
from compliance.options import AuditOptions, UsageError
from compliance.records import field, recordclass

TRAINING_TREE = SubjectKind.TRAINING_TREE
INFERENCE_TREE = SubjectKind.INFERENCE_TREE
TRAINING_LOGS = SubjectKind.TRAINING_LOGS
LOADGEN_RUNS = SubjectKind.LOADGEN_RUNS
TRAINING_SUITES = ("training", "hpc")


@recordclass
class Plan:
    kind: SubjectKind
    paths: list[str]  # what the audit reads: one folder for a tree, else the paths given
    suite: str
    suite_source: str  # "given", "settings" or "detected"
    suite_detail: str
    decisions: dict[str, RoundDecision] = field(default_factory=dict)  # per suite (loose logs may mix)
    display: str | None = None  # how a tree's root is shown
    scope: str | None = None  # the part asked for, as shown (None: everything read)
    notes: list[str] = field(default_factory=list)

    @property
    def decision(self) -> RoundDecision | None:
        return self.decisions.get(self.suite)


def _shown_folder(given: str, real: str) -> str:
    """How an enclosing folder is shown: relative like the path given, absolute when it climbs out."""
    if os.path.isabs(given):
        return real
    rel = os.path.relpath(real)
    return real if rel.split(os.sep)[0] == os.pardir else rel


def _level(path: str) -> str:
    names = [n.lower() for n in os.path.normpath(os.path.abspath(path)).split(os.sep)]
    if names and names[-1] == "results":
        return "results/ folder"
    if "results" in names:
        depth = names[::-1].index("results")
        return {1: "system folder", 2: "benchmark or model folder", 3: "scenario result"}.get(depth, "folder")
    return "folder"


def _training_suite(survey: Survey, repo_suite: str | None) -> tuple[str | None, str]:
    from compliance.rulebook.load import available_rounds, round_benchmarks

    if survey.scales:
        return "hpc", "strong/ or weak/ folders (MLPerf HPC)"
    names = survey.benchmarks
    votes = {}
    for suite in TRAINING_SUITES:
        known = set().union(*(round_benchmarks(suite, r) for r in available_rounds(suite)))
        votes[suite] = len(names & known)
    if votes["hpc"] or votes["training"]:
        suite = "hpc" if votes["hpc"] > votes["training"] else "training"
        seen = sorted(n for n in names if n in (set().union(*(round_benchmarks(suite, r) for r in available_rounds(suite)))))
        return suite, "the benchmarks " + ", ".join(seen[:5]) + (f" and {len(seen) - 5} more" if len(seen) > 5 else "")
    if repo_suite in TRAINING_SUITES:
        return repo_suite, "the results repository's name"
    return None, ""


def _suite(
    survey: Survey, options: AuditOptions, repo_suite: str | None, paths: list[str], tree_layout: tuple[str, str, str] | None = None
) -> tuple[str, str, str]:
    """(suite, source, detail); ``tree_layout``: what a tree without any log is taken for."""
    if options.suite is not None:
        from compliance.rulebook.load import ALL_SUITES

        if options.suite not in ALL_SUITES:
            raise UsageError(f"unknown suite {options.suite!r}; choose one of {', '.join(ALL_SUITES)}")
        return options.suite, options.suite_from, ""
    if options.benchmark or options.scenario:
        return "inference", "detected", "--benchmark/--scenario (LoadGen runs)"
    runs_in_results = bool(survey.loadgen_runs) and not survey.folder_benchmarks
    if survey.loadgen_runs and (runs_in_results or not survey.training_logs):
        return "inference", "detected", "LoadGen logs (mlperf_log_detail.txt)"
    if survey.training_logs:
        suite, why = _training_suite(survey, repo_suite)
        return suite or "training", "detected", why or "MLLOG result logs"
    if repo_suite:
        return repo_suite, "detected", "the results repository's name"
    if survey.endpoints_files:
        return "inference", "detected", "Endpoints result files (result_summary.json, accuracy_results.json)"
    if tree_layout is not None:
        return tree_layout
    raise UsageError(
        "nothing to check: no MLPerf result log (result_*.txt) or LoadGen run (mlperf_log_detail.txt) under "
        + ", ".join(paths)
    )


def _evidence(suite: str, survey: Survey, repo_evidence: Evidence) -> list[Evidence]:
    from compliance.detection import sources
    from compliance.detection.calendar import dates_evidence

    found = [repo_evidence]
    if suite == "inference":
        from compliance.rulebook.inference import inference_rounds, load_inference_rulebook

        books = {r: load_inference_rulebook(r) for r in inference_rounds()}
        seeds = {}
        for name, book in books.items():
            got = tuple(book.seeds[k].value for k in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed") if k in book.seeds)
            if len(got) == 3:
                seeds[name] = got
        found.append(sources.loadgen_seeds(survey.run_seeds, seeds))
        found.append(_model_evidence(survey.models, books))
        layouts = {name: "/results/" in str(book.layout.get("compliance", "")) for name, book in books.items()}
        found.append(sources.inference_layout(survey.compliance_in_results, layouts))
        found.append(dates_evidence(suite, survey.run_dates, what="LoadGen run"))
        found.append(sources.loadgen_version(survey.loadgen_versions, list(books)))
        if survey.endpoints_files:  # a preference: only rounds with Endpoints results have their files
            with_endpoints = frozenset(name for name, book in books.items() if book.endpoints_models)
            found.append(Evidence("Endpoints results", with_endpoints, f"{survey.endpoints_files} Endpoints result file(s)"))
        return found
    from compliance.rulebook.load import available_rounds, round_benchmarks

    rounds = {r: round_benchmarks(suite, r) for r in available_rounds(suite)}
    found.append(sources.benchmark_set(survey.benchmarks, rounds))
    found.append(dates_evidence(suite, survey.log_dates))
    return found


def _model_evidence(models: set[str], books: dict) -> Evidence:  # type: ignore[type-arg]
    """The inference rounds that know every model folder (a model retired in a round says no)."""
    from compliance.detection import sources

    rounds = {name: frozenset(m for m in models if book.resolve_model(m) is not None) for name, book in books.items()}
    return sources.benchmark_set(models, rounds, what="model")


def _decide(suite: str, options: AuditOptions, evidence: list[Evidence]) -> RoundDecision:
    from compliance.rulebook.load import available_rounds, canonical_round

    rounds = available_rounds(suite)
    if options.round is not None:
        canon = canonical_round(str(options.round))
        if canon is None:
            raise UsageError(
                f"{options.round!r} is not a round name (a round is written like 5.1, v5.1 or 5.1.0); "
                f"the {suite} rounds are {', '.join(rounds)}"
            )
        if canon not in rounds:
            raise UsageError(f"no {suite} round {canon}; the {suite} rounds are {', '.join(rounds)}")
        return given_round(suite, canon, options.round_from, evidence)
    return decide_round(suite, rounds, evidence)


def plan(paths: list[str], options: AuditOptions, *, archive_folder: str | None = None, archive_display: str | None = None) -> Plan:
    """What to check and against which suite and round. Raises UsageError (exit 2)."""
    from compliance.detection.sources import repository_name
    from compliance.discover import enclosing_submission, is_run_folder, looks_like_tree, results_repository

    missing = [p for p in paths if archive_folder is None and not os.path.lexists(p)]
    if missing:
        raise UsageError("no such file: " + ", ".join(missing))
    from compliance import kinds

    claimed = kinds.claim(paths, options, archive_folder, archive_display)  # the kinds that know their own input
    if claimed is not None:
        return claimed
    notes: list[str] = []
    kind_hint: str | None = None
    audit_paths = list(paths)
    display: str | None = None
    scope: str | None = None
    survey_roots: list[str] = list(paths)
    if archive_folder is not None:
        kind_hint, audit_paths, display, survey_roots = "tree", [archive_folder], archive_display, [archive_folder]
    elif len(paths) == 1 and os.path.isdir(paths[0]) and not is_run_folder(paths[0]):
        given = paths[0]
        if looks_like_tree(given):
            kind_hint, display = "tree", given.rstrip(os.sep) or given
            repo = results_repository(given) if not _is_repository(given) else None
            survey_roots = [repo] if repo else [given]
        else:
            org = enclosing_submission(given)
            if org is not None:
                kind_hint, audit_paths = "tree", [org]
                display = _shown_folder(given, org)
                scope = _shown_folder(given, os.path.abspath(given))
                repo = results_repository(org)
                survey_roots = [repo or org]
                notes.append(
                    f"{scope} is a {_level(given)} of the submission {display}: it is checked as part of it, "
                    "and only its part of the report is shown."
                )
    elif len(paths) == 1 and os.path.isdir(paths[0]):
        org = enclosing_submission(paths[0])
        if org is not None:
            repo = results_repository(org)
            survey_roots = [repo or org]

    survey = Survey()
    for root in survey_roots:
        walk_input(root, survey)
    repo_suite, repo_evidence = repository_name([archive_display or p for p in paths] + survey_roots)
    layout = _layout_suite(audit_paths[0]) if kind_hint == "tree" else None
    suite, suite_source, suite_detail = _suite(survey, options, repo_suite, paths, layout)
    named = {p for p in paths if not os.path.isdir(p)}
    if suite == "inference":
        read_loadgen_facts(survey, follow_named={os.path.dirname(p) or "." for p in named} | set(paths))
    else:
        read_training_facts(survey, follow_named=named)
    if survey.truncated:
        notes.append("The input holds more logs than the round detection reads; it read the first 20,000.")

    if kind_hint == "tree":
        kind = INFERENCE_TREE if suite == "inference" else TRAINING_TREE
    else:
        kind = LOADGEN_RUNS if suite == "inference" else TRAINING_LOGS
        if len(paths) == 1 and os.path.isdir(paths[0]) and not is_run_folder(paths[0]) and kind == TRAINING_LOGS:
            notes.append(
                f"{paths[0]} is not inside a submission (<org>/results/<system>/<benchmark>/ with "
                "<org>/systems/): only each log's own rules were checked; the run set, score, RCP, "
                "system description and layout checks could not run."
            )

    suites = [suite]
    if kind == TRAINING_LOGS and options.suite is None:
        from compliance.rulebook.load import suite_of_benchmark

        present = {s for b in survey.logged_benchmarks if (s := suite_of_benchmark(b)) is not None} & set(TRAINING_SUITES)
        suites = sorted(present, key=lambda s: s != suite) or [suite]
    decisions: dict[str, RoundDecision] = {}
    try:
        for each in suites:
            decisions[each] = _decide(each, options, _evidence(each, survey, repo_evidence))
    except AmbiguousRound:
        links = ""
        if survey.links:
            links = f"; links are never followed, and {len(survey.links)} stand(s) where results are, e.g. {survey.links[0]}"
        if suite == "inference" and not survey.loadgen_runs:
            raise UsageError(
                "nothing to check: no LoadGen log (mlperf_log_detail.txt or mlperf_log_summary.txt) in "
                + ", ".join(paths) + (links or " (is this an MLPerf Inference run?)")
            ) from None
        if suite != "inference" and not survey.training_logs:
            raise UsageError("nothing to check: no MLPerf result log (result_*.txt) under " + ", ".join(paths) + links) from None
        if kind == TRAINING_LOGS and not survey.records_seen:
            raise UsageError(
                "nothing to check: no :::MLLOG record in " + ", ".join(paths) + " (is this an MLPerf result log?)"
            ) from None
        if kind != LOADGEN_RUNS or options.benchmark:
            raise
        notes.append(
            "The runs' round cannot be told from them (no official seeds of a round, no usable date): "
            "only what LoadGen itself requires was checked. Give --round (and --benchmark) for the round's rules."
        )
    result = Plan(kind, audit_paths, suite, suite_source, suite_detail, decisions, display, scope, notes)
    if decisions.get(suite) is not None:
        result.notes.extend(decisions[suite].notes)
    return result


INFERENCE_ONLY_FOLDERS = ("compliance", "measurements", "code", "src")


def _layout_suite(root: str) -> tuple[str, str, str]:
    """What a submission tree without a single log is: its organisation folders tell
    (``benchmarks/`` is Training's, ``code/``, ``compliance/``, ``measurements/`` Inference's)."""
    from compliance.discover import _folder_names

    seen: set[str] = set()
    stack, levels = [root], 0
    while stack and levels < 4:
        nxt: list[str] = []
        for folder in stack:
            names = _folder_names(folder)
            seen.update(n.lower() for n in names)
            nxt.extend(os.path.join(folder, n) for n in names if not n.startswith("."))
        stack, levels = nxt[:200], levels + 1
    if seen & set(INFERENCE_ONLY_FOLDERS) and "benchmarks" not in seen:
        return "inference", "detected", "the layout (compliance/, measurements/, code/ folders; no log found)"
    return "training", "detected", "the layout (no log found; checked as a Training submission)"


def _is_repository(path: str) -> bool:
    """A folder that holds division folders or several organisations' folders."""
    from compliance.discover import DIVISIONS, _folder_names, is_org_folder

    names = [n for n in _folder_names(path) if not n.startswith(".")]
    if any(n.lower() in DIVISIONS + ("network",) for n in names):
        return True
    return sum(1 for n in names if is_org_folder(os.path.join(path, n))) >= 2


def header_lines(plan_: Plan) -> list[str]:
    """The report's notes on what was detected and from which evidence."""
    lines = []
    if plan_.suite_source == "detected":
        lines.append(f"Suite {plan_.suite} detected from {plan_.suite_detail}.")
    for decision in plan_.decisions.values():
        if decision.source == "detected":
            lines.append(decision.summary())
        elif decision.source == "settings":
            lines.append(f"Round {decision.round} set in the settings file.")
    return lines
