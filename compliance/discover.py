"""What kind of thing a path is: a LoadGen run, a submission tree, or MLLOG logs.

Kept free of heavy imports: the command line decides with it which checks
(and so which modules) a run needs.
"""

from __future__ import annotations

import os
from typing import Any

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


PROBE_ENTRIES = 5000  # entries looked at to tell an inference tree from a training one


def holds_loadgen_runs(path: str) -> bool:
    """A folder whose first log found (breadth first, bounded) is LoadGen's, not an MLLOG result_N.txt."""
    if not os.path.isdir(path) or os.path.islink(path):
        return False
    queue, seen = [path], 0
    while queue and seen < PROBE_ENTRIES:
        folder = queue.pop(0)
        try:
            with os.scandir(folder) as entries:
                items = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        seen += len(items)
        for entry in items:
            if entry.name in LOADGEN_RUN_FILES:
                return True
            if entry.name.startswith("result_") and entry.name.endswith(".txt"):
                return False
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                queue.append(entry.path)
    return False


def wants_inference(paths: list[str], options: Any) -> bool:
    """Whether the paths are checked as MLPerf Inference (``--suite inference``, LoadGen files named,
    or a submission tree whose logs are LoadGen's)."""
    if options.suite is not None:
        return bool(options.suite == "inference")
    if getattr(options, "benchmark", None) or getattr(options, "scenario", None):
        return True
    return any(is_loadgen_path(p) or (looks_like_tree(p) and holds_loadgen_runs(p)) for p in paths)
