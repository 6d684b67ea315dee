"""``read_loadgen_run``: a run folder (or its detail log) -> ``LoadgenRun``, its three files
read by the readers next to this module."""

from __future__ import annotations

import os
from pathlib import Path

from compliance.models.loadgen import (
    LoadgenRun,
)
from compliance.parsers.mllog import (
    ISSUE_UNREADABLE,
)
from compliance.parsers.safefs import is_folder, lstat, scandir, shown, why_unreadable
from compliance.parsers.loadgen.accuracy import read_accuracy_json
from compliance.parsers.loadgen.detail import parse_loadgen_detail
from compliance.parsers.loadgen.summary import parse_loadgen_summary
from compliance.parsers.loadgen.common import (
    ACCURACY_LOG_FILE,
    ACCURACY_LOG_MAX_BYTES,
    DEFAULT_MAX_BYTES,
    DETAIL_FILE,
    ISSUE_MISSING,
    SUMMARY_FILE,
    _Issues,
)


def _sibling_names(detail_name: str) -> tuple[str, str]:
    """Summary and accuracy-log names next to a detail log named ``<prefix>detail<suffix>.txt``."""
    if detail_name.endswith(".txt") and "detail" in detail_name:
        at = detail_name.rfind("detail")
        prefix, suffix = detail_name[:at], detail_name[at + len("detail") : -len(".txt")]
        return f"{prefix}summary{suffix}.txt", f"{prefix}accuracy{suffix}.json"
    return SUMMARY_FILE, ACCURACY_LOG_FILE


def _exists(path: Path) -> bool:
    try:
        lstat(path)  # in a checked folder, never through a link
    except (OSError, ValueError):
        return False
    return True


def _is_dir(path: Path) -> bool:
    return is_folder(path, follow_links=True)  # a run folder named by the user may be a link (not in a checked folder)


def read_loadgen_run(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    read_accuracy_log: bool = True,
    accuracy_max_bytes: int = ACCURACY_LOG_MAX_BYTES,
    follow_links: bool = False,
) -> LoadgenRun:
    """Read a LoadGen run folder, or the folder of the detail log (or other run file) named.

    The run's files are never read through a symbolic link, except the detail
    log itself when it is the file named and ``follow_links`` is set.

    Finds ``mlperf_log_detail.txt``, ``mlperf_log_summary.txt`` and
    ``mlperf_log_accuracy.json`` (for a detail log named with a LoadGen prefix
    or suffix, the files named alike). A missing file is recorded (its model
    has ``present=False`` and a ``missing-file`` issue; ``missing_files`` names
    it), never raised. Never raises for bad input.
    """
    target = Path(path)
    folder_issues = _Issues(shown(str(target)))
    if _is_dir(target):
        folder = target
        detail_path = folder / DETAIL_FILE
    elif "detail" in target.name:  # the detail log itself (present or not)
        folder = target.parent
        detail_path = target
    elif _exists(target):  # another file of the run: read its folder
        folder = target.parent
        detail_path = folder / DETAIL_FILE
    else:
        folder = target
        detail_path = folder / DETAIL_FILE
    summary_name, accuracy_name = _sibling_names(detail_path.name)
    files: list[str] = []
    if _is_dir(folder):
        try:
            files = [entry.name for entry in scandir(folder) if entry.is_file()]
        except OSError as err:
            folder_issues.add(
                ISSUE_UNREADABLE, None, f"cannot list the folder: {why_unreadable(err)}"
            )
    else:
        folder_issues.add(ISSUE_MISSING, None, f"{shown(str(folder))} is not a folder (or does not exist)")

    detail = parse_loadgen_detail(
        detail_path, max_bytes=max_bytes, follow_links=follow_links and detail_path == target
    )
    summary = parse_loadgen_summary(folder / summary_name)
    accuracy_path = folder / accuracy_name
    accuracy_log = None
    accuracy_present = _exists(accuracy_path)
    if read_accuracy_log and accuracy_present:
        accuracy_log = read_accuracy_json(accuracy_path, max_bytes=accuracy_max_bytes)
    missing = []
    if not detail.present:
        missing.append(detail_path.name)
    if not summary.present:
        missing.append(summary_name)
    if not accuracy_present:
        missing.append(accuracy_name)
    return LoadgenRun(
        folder=str(folder),
        detail=detail,
        summary=summary,
        accuracy_log=accuracy_log,
        files=tuple(files),
        missing_files=tuple(missing),
        folder_issues=folder_issues.finish(),
    )
