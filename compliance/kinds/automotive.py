"""MLPerf Automotive: a fork of the inference benchmark (its own LoadGen build, ConstantStream
scenario, 99.9th-percentile latencies and models), checked by the inference tree and LoadGen-run
checks against its own round data (``checkers/automotive/``).

The input is claimed as automotive when ``--suite automotive`` is given, or on clear evidence
that is cheap to find: a folder named ``automotive_results_v<round>``, result folders named only
after automotive models (and none after an inference model), or LoadGen runs logged with the
ConstantStream scenario or an automotive round's seeds. Anything else is left to the Training
and Inference detection.
"""

from __future__ import annotations

import os
import re
from functools import cache

from compliance.kinds import Kind, SubjectKind

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from compliance.detection import Evidence
    from compliance.detection.resolve import Plan
    from compliance.models.report import Report
    from compliance.options import AuditOptions
    from compliance.parsers.archive import Unpacked

SUITE = "automotive"
MAX_ORGS = 32  # organisation folders looked at for model names (a results repository has a few)
MAX_SYSTEMS = 8  # system folders per organisation
DETAIL_PREFIX = 1 << 16  # bytes of a named run's detail log read for its scenario and seeds
CONSTANT_STREAM = b'"effective_scenario", "value": "ConstantStream"'
_SEED = cache(lambda: re.compile(rb'"key": "effective_(qsl_rng_seed|sample_index_rng_seed|schedule_rng_seed)", "value": (\d+)'))


def _names(folder: str) -> list[str]:
    """Sub-folder names (links are not followed), [] when unreadable."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    except OSError:
        return []


def _org_folders(root: str) -> list[str]:
    """Organisation folders at or below ``root`` (``<div>/<org>``, ``<org>`` or the root itself)."""
    from compliance.discover import is_org_folder

    if is_org_folder(root):
        return [root]
    found: list[str] = []
    for name in _names(root):
        inner = os.path.join(root, name)
        if is_org_folder(inner):
            found.append(inner)
        else:
            found.extend(os.path.join(inner, n) for n in _names(inner) if is_org_folder(os.path.join(inner, n)))
        if len(found) >= MAX_ORGS:
            break
    return found[:MAX_ORGS]


def _model_folders(root: str) -> dict[str, str]:
    """``results/<system>/<model>`` names of a tree (lower case) and one folder of each, from a
    bounded listing (no walk)."""
    seen: dict[str, str] = {}
    for org in _org_folders(root):
        results = next((os.path.join(org, n) for n in _names(org) if n.lower() == "results"), None)
        if results is None:
            continue
        for system in _names(results)[:MAX_SYSTEMS]:
            for name in _names(os.path.join(results, system)):
                seen.setdefault(name.lower(), os.path.join(results, system, name))
    return seen


def _training_names() -> set[str]:
    from compliance.rulebook.load import SUITES, available_rounds, round_benchmarks

    return {b.lower() for suite in SUITES for r in available_rounds(suite) for b in round_benchmarks(suite, r)}


def _model_run_evidence(folder: str) -> str | None:
    """What the first scenario's performance run of a model folder says (its detail log's first records)."""
    for scenario in _names(folder)[:4]:
        found = _run_evidence(_detail_prefix(os.path.join(folder, scenario, "performance", "run_1")))
        if found is not None:
            return found
    return None


_MODEL_TABLE = cache(lambda: re.compile(r'^\[models\."([^"]+)"\]\s*$', re.MULTILINE))


def _automotive_names() -> set[str]:
    """The automotive models' names (lower case), from the round files' ``[models."<name>"]``
    headers: a claim asked of every input must not parse round data (the full data is read
    once the input is claimed)."""
    from compliance.rulebook.load import data_folder

    folder = os.path.join(data_folder(), SUITE)
    found: set[str] = set()
    try:
        names = [n for n in os.listdir(folder) if n.startswith("v") and n.endswith(".toml")]
    except OSError:
        return found
    for name in names:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            found.update(m.lower() for m in _MODEL_TABLE().findall(handle.read()))
    return found


def _model_names(suite: str) -> set[str]:
    """Every model name (and alias) of every round of a suite in the inference format, lower case."""
    from compliance.rulebook.inference import inference_rounds, load_inference_rulebook

    return {name.lower() for r in inference_rounds(suite) for m in load_inference_rulebook(r, suite).models.values() for name in m.names}


def _round_seeds() -> dict[str, tuple[int, int, int]]:
    from compliance.rulebook.inference import SEED_NAMES, inference_rounds, load_inference_rulebook

    found = {}
    for name in inference_rounds(SUITE):
        seeds = load_inference_rulebook(name, SUITE).seeds
        if all(k in seeds for k in SEED_NAMES):
            found[name] = tuple(seeds[k].value for k in SEED_NAMES)
    return found  # type: ignore[return-value]


def _detail_prefix(path: str) -> bytes:
    """The first bytes of a run's detail log (a run folder, or the log named), b'' when unreadable."""
    from compliance.parsers.safefs import read_regular

    target = os.path.join(path, "mlperf_log_detail.txt") if os.path.isdir(path) else path
    try:
        return read_regular(target, DETAIL_PREFIX)[:DETAIL_PREFIX]
    except (OSError, ValueError):
        return b""


def _run_evidence(prefix: bytes) -> str | None:
    """What in a detail log's first records says automotive, or None."""
    if CONSTANT_STREAM in prefix:
        return "a LoadGen run of the ConstantStream scenario (automotive LoadGen)"
    seeds = {m.group(1).decode(): int(m.group(2)) for m in _SEED().finditer(prefix)}
    from compliance.rulebook.inference import SEED_NAMES

    got = tuple(seeds.get(k) for k in SEED_NAMES)
    for name, official in _round_seeds().items():
        if got == official:
            return f"a LoadGen run with automotive round {name}'s seeds"
    return None


def _evidence(paths: list[str], root: str | None) -> str | None:
    """Why the paths are automotive input, or None (cheap: bounded listings and reads)."""
    from compliance.detection.sources import repository_name

    suite, _ = repository_name(paths)
    if suite == SUITE:
        return "the results repository's name"
    if root is not None:
        folders = _model_folders(root)
        if not folders:
            return None
        ours = set(folders) & _automotive_names()
        if not ours or set(folders) & _model_names("inference"):
            return None
        if ours - _training_names():
            return "the model folders " + ", ".join(sorted(ours)[:5])
        # Only names a Training benchmark has too (ssd): the LoadGen logs must say automotive.
        return next((f"{found} in {name}/" for name in sorted(ours) if (found := _model_run_evidence(folders[name]))), None)
    from compliance.discover import is_loadgen_path

    for path in paths:
        if not is_loadgen_path(path):  # only LoadGen's own files and run folders are read
            continue
        found = _run_evidence(_detail_prefix(path))
        if found is not None:
            return found
    return None


def _tree_root(paths: list[str], archive_folder: str | None) -> tuple[str | None, str | None, str | None]:
    """(the tree to check, how it is shown, the part asked for) when the input is a tree or a
    folder inside one; (None, None, None) for loose runs."""
    from compliance.detection.resolve import _shown_folder
    from compliance.discover import enclosing_submission, is_run_folder, looks_like_tree

    if archive_folder is not None:
        return archive_folder, None, None
    if len(paths) != 1 or not os.path.isdir(paths[0]) or is_run_folder(paths[0]):
        return None, None, None
    given = paths[0]
    if looks_like_tree(given):
        return given, given.rstrip(os.sep) or given, None
    org = enclosing_submission(given)
    if org is None:
        return None, None, None
    return org, _shown_folder(given, org), _shown_folder(given, os.path.abspath(given))


def _round_evidence(paths: list[str], root: str | None) -> list[Evidence]:
    from compliance.detection import sources
    from compliance.detection.survey import Survey, read_loadgen_facts, walk_input

    found = [sources.repository_name(paths)[1]]
    survey = Survey()
    for path in [root] if root is not None else paths:
        walk_input(path, survey)
    read_loadgen_facts(survey, follow_named={p for p in paths if not os.path.isdir(p)})
    found.append(sources.loadgen_seeds(survey.run_seeds, _round_seeds()))
    return found


def _claim(paths: list[str], options: AuditOptions, archive_folder: str | None, archive_display: str | None) -> Plan | None:
    from compliance.detection.resolve import Plan, _decide

    root, display, scope = _tree_root(paths, archive_folder)
    if options.suite is None:
        why = _evidence([archive_display or p for p in paths], root)
        if why is None:
            return None
        source, detail = "detected", why
    else:
        source, detail = options.suite_from, ""
    decision = _decide(SUITE, options, _round_evidence(paths, root))  # given (and checked), or detected
    notes: list[str] = []
    if scope is not None:
        notes.append(f"{scope} is part of the submission {display}: it is checked as part of it, and only its part of the report is shown.")
    audit_paths = [root] if root is not None else list(paths)
    return Plan(
        SubjectKind.AUTOMOTIVE,
        audit_paths,
        SUITE,
        source,
        detail,
        {SUITE: decision},
        archive_display or display,
        scope,
        notes + list(decision.notes),
    )


def _check(plan: Plan, options: AuditOptions, unpacked: Unpacked | None) -> Report:
    from compliance.discover import looks_like_tree

    if unpacked is not None or (len(plan.paths) == 1 and looks_like_tree(plan.paths[0])):
        from compliance.kinds.inference_tree.audit import audit_inference_tree

        return audit_inference_tree(plan.paths[0], options, options.progress, display=plan.display, unpacked=unpacked, scope=plan.scope)
    from compliance.kinds.loadgen_runs.audit import audit_inference

    return audit_inference(plan.paths, options, round_known=plan.decision is not None)


KIND = Kind(SubjectKind.AUTOMOTIVE, (SUITE,), _check, _claim)
