"""What one scenario result of an Inference submission holds, read from disk: the files below
its folder (bounded, links never followed), its compliance-test folders, its measurements,
the organisation's calibration documents and model mapping. No rule logic here: the inference
tree kind reads a result through these, the ``inference_result`` rules judge it."""

from __future__ import annotations

import os
import stat
from typing import Any

from compliance.models.inference import ScenarioFolder, TestFolder
from compliance.parsers import loadgen as P
from compliance.parsers import safefs
from compliance.rulebook.inference import SUITE, InferenceRulebook
from compliance.rules.inference.tree_context import Measurements

MAX_TEXT_BYTES = 1 << 20  # verify_*.txt and similar small text files
TEST_NAME_LENGTH = 6  # TEST01


# -- small file helpers ------------------------------------------------------------


def regular_size(path: str) -> int | None:
    """The size of a regular file (links are not followed), else None."""
    try:
        info = safefs.lstat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def is_folder(path: str) -> bool:
    return safefs.is_folder(path)  # no link is passed, on the way or at the end


class Listing(dict):  # type: ignore[type-arg]
    """Regular files below a folder: relative name -> real path (what ``files_below`` found).

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
        size = regular_size(path)
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


def files_below(real: str, depth: int = 4, sizes: dict[str, int] | None = None) -> Listing:
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


def child_folder(folder: str, name: str) -> str | None:
    """``folder/name`` matched without regard to case (real submissions vary), or None."""
    exact = os.path.join(folder, name)
    if is_folder(exact):
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
    folder: str | None = child_folder(entry.org_real, "compliance")
    for part in (entry.system, entry.model, entry.scenario):
        folder = child_folder(folder, part) if folder else None
    return folder, shown


def read_tests(entry: ScenarioFolder, book: InferenceRulebook) -> tuple[dict[str, TestFolder], str]:
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
        test = TestFolder(name=name.upper(), path=f"{shown}/{name}", real=real, files=files_below(real, 4))
        for file_name, file_real in test.files.items():
            if "/" not in file_name and file_name.startswith("verify_") and file_name.endswith(".txt"):
                test.verify[file_name] = read_text(file_real)
            elif file_name in ("accuracy/baseline_accuracy.txt", "accuracy/compliance_accuracy.txt"):
                test.accuracy[file_name.split("/", 1)[1]] = P.read_accuracy_txt(file_real)
        run_folder = os.path.join(real, "performance", "run_1")
        if is_folder(run_folder):
            test.run = P.read_loadgen_run(run_folder)
        tests[test.name] = test
    return tests, shown


def read_measurements(entry: ScenarioFolder, book: InferenceRulebook, round_name: str, stopped: list[str] | None = None) -> Measurements:
    found = Measurements()
    template = str(book.layout.get("measurements", ""))
    folder: str | None
    if template.endswith("measurements.json"):  # 6.0 on: in the scenario folder
        folder, shown = entry.real, entry.path
        json_names = ["measurements.json"]
    else:
        shown = f"{entry.org_path}/measurements/{entry.system}/{entry.model}/{entry.scenario}"
        folder = child_folder(entry.org_real, "measurements")
        for part in (entry.system, entry.model, entry.scenario):
            folder = child_folder(folder, part) if folder else None
        json_names = []
    if folder is None:
        return found
    found.folder = shown
    files = files_below(folder, 1, found.sizes)
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
                found.problems = validate("measurements", data, round_name, book.suite)
            break
    return found


def org_calibration(org_real: str, org_path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An organisation's calibration documents (in its folder or documentation/), and where they were looked for."""
    places = [(org_real, org_path)]
    documentation = child_folder(org_real, "documentation")
    if documentation:
        places.append((documentation, f"{org_path}/documentation"))
    found = tuple(f"{shown}/{name}" for real, shown in places for name in files_below(real, 1) if "calibration" in name.lower())
    return found, tuple(shown for _, shown in places)


_VALIDATED: dict[tuple[str, str, str], list[Any]] = {}
_VALIDATED_MOST = 4096  # distinct files remembered by one process


def validate(kind: str, data: dict[str, Any], round_name: str, suite: str = SUITE) -> list[Any]:
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


def read_model_mapping(org_real: str) -> tuple[dict[str, str], str | None]:
    path = os.path.join(org_real, "model_mapping.json")
    if regular_size(path) is None:
        return {}, None
    data, error = read_json(path)
    if error is not None:
        return {}, error
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}, None
