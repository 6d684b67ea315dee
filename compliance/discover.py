"""What kind of thing a path is: a LoadGen run, a submission tree, or MLLOG logs.

Kept free of heavy imports: the command line decides with it which checks
(and so which modules) a run needs.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:

    from compliance.options import AuditOptions

DIVISIONS = ("closed", "open")
ORG_PARTS = ("results", "systems")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
LOADGEN_RUN_FILES = ("mlperf_log_detail.txt", "mlperf_log_summary.txt")


def is_archive(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith(ARCHIVE_SUFFIXES)


def looks_like_tree(path: str) -> bool:
    """A submission archive, or a folder with the <division>/<org>/{systems,results} layout."""
    if is_archive(path):
        return True
    if not os.path.isdir(path):
        return False
    try:
        names = os.listdir(path)
    except OSError:
        return False
    markers = set(ORG_PARTS) | set(DIVISIONS)
    if {n.lower() for n in names} & markers:
        return True
    if os.path.basename(os.path.abspath(path)).lower() in DIVISIONS:
        return True
    for name in names:
        inner = os.path.join(path, name)
        if os.path.isdir(inner) and not os.path.islink(inner):
            try:
                if {n.lower() for n in os.listdir(inner)} & markers:
                    return True
            except OSError:
                continue
    return False


def is_run_folder(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, name)) for name in LOADGEN_RUN_FILES)


def is_loadgen_path(path: str) -> bool:
    """A LoadGen run folder, or a file LoadGen writes (``mlperf_log_*``)."""
    if os.path.isdir(path):
        return is_run_folder(path)
    return os.path.basename(path).startswith("mlperf_log_")


def holds_loadgen_runs(path: str) -> bool:
    """A folder whose result logs are LoadGen's (under results/), not MLLOG result_N.txt files.

    The whole folder is looked at (bounded only by the walker's limits), not a
    first few thousand entries: a results repository lists its code first.
    """
    if not os.path.isdir(path) or os.path.islink(path):
        return False
    from compliance.detection.survey import walk_input

    survey = walk_input(path)
    return bool(survey.loadgen_runs) and not survey.folder_benchmarks


def wants_inference(paths: list[str], options: AuditOptions) -> bool:
    """Whether the paths are checked as MLPerf Inference (``--suite inference``, LoadGen files named,
    or a submission tree whose logs are LoadGen's)."""
    if options.suite is not None:
        return bool(options.suite == "inference")
    if options.benchmark or options.scenario:
        return True
    return any(is_loadgen_path(p) or (looks_like_tree(p) and holds_loadgen_runs(p)) for p in paths)


# -- where the submission is ------------------------------------------------------------

ORG_FOLDERS = ("results", "systems", "compliance", "measurements", "benchmarks", "code", "src", "documentation")
MAX_LEVELS_UP = 7  # a scenario run folder sits 7 levels below its organisation


def _folder_names(path: str) -> list[str]:
    try:
        with os.scandir(path) as entries:
            return [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def is_org_folder(path: str, *, strict: bool = False) -> bool:
    """An organisation's submission folder: it holds results/ or systems/ (any case); with
    ``strict``, both (a lone results/ folder is a scratch area, not a submission)."""
    names = {name.lower() for name in _folder_names(path)}
    return set(ORG_PARTS) <= names if strict else bool(names & set(ORG_PARTS))


def enclosing_submission(path: str) -> str | None:
    """The organisation folder a path lies inside (``<org>/results/...``), or None.

    Only the path's own ancestors are looked at, up to ``MAX_LEVELS_UP``, and
    only where the path goes through one of the organisation's own folders; the
    organisation folder must hold both results/ and systems/.
    """
    given = os.path.abspath(path)
    current = given
    for _ in range(MAX_LEVELS_UP):
        parent = os.path.dirname(current)
        if parent == current:
            return None
        first = os.path.relpath(given, parent).split(os.sep)[0].lower()
        if first in ORG_FOLDERS and is_org_folder(parent, strict=True):
            return parent
        current = parent
    return None


def results_repository(org_or_division: str) -> str | None:
    """The results repository around an organisation (or division) folder: the folder that holds
    the division folders, or the organisation folders side by side. None when it is not one."""
    folder = os.path.abspath(org_or_division)
    parent = os.path.dirname(folder)
    if os.path.basename(folder).lower() in DIVISIONS + ("network",):
        return parent
    if os.path.basename(parent).lower() in DIVISIONS + ("network",):
        return os.path.dirname(parent)
    siblings = [os.path.join(parent, n) for n in _folder_names(parent) if not n.startswith(".")]
    orgs = sum(1 for s in siblings if is_org_folder(s))
    return parent if orgs >= 2 else None
