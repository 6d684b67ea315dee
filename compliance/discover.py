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
        names = {n.lower() for n in os.listdir(path)}
    except OSError:
        return False
    markers = set(ORG_PARTS) | set(DIVISIONS)
    if names & markers:
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


def wants_inference(paths: list[str], options: Any) -> bool:
    """Whether the paths are checked as LoadGen runs (``--suite inference``, or LoadGen files named)."""
    if options.suite is not None:
        return bool(options.suite == "inference")
    if getattr(options, "benchmark", None) or getattr(options, "scenario", None):
        return True
    return any(is_loadgen_path(p) for p in paths)
