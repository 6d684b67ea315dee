"""MLPerf Tiny submissions: the runners' ``results.txt`` (and the MLCommons runner's
``results.json``), the system descriptions and the layout, read into ``compliance.models.tiny``.

Every file is opened through ``safefs`` (never through a link, bounded); a file that cannot be
read, is not text, or is over its bound becomes a problem of its mode folder (a finding), and
the rest is still read. Nothing from the input is evaluated.
"""

from __future__ import annotations

import json
import os
import re
import stat

from compliance.models.tiny import EEMBC, MLC, Detections, median, ModeFolder, OrgFolder, Reading, TinyResult, TinySystem, TinyTree, Window
from compliance.parsers import safefs

MAX_RESULTS_BYTES = 4 << 20  # a results.txt is a few KB; a duplicated one tens of KB
MAX_JSON_BYTES = 16 << 20  # a performance or energy results.json (the energy samples are in it)
MAX_SYSTEM_BYTES = 1 << 20
MAX_LINE_CHARS = 4096  # a longer line is not a runner's line
MAX_JSON_DEPTH = 64
WALK_DEPTH = safefs.MAX_DEPTH  # below an organisation's folder (32 levels, as every walk)
WALK_ENTRIES = 500_000
DIVISIONS = ("closed", "open")
MODE_FOLDERS = {"performance": "performance", "accuracy": "accuracy", "energy": "energy", "power": "energy"}
SUMMARY = "results.txt"
LOG_HEAD_BYTES = 64 << 10  # the device reports its model in the first lines of a session
_SESSION = re.compile(r"m-session-start-id\[(\d{4})(\d{2})(\d{2})\d{6}\]|sessions[\\/](\d{4})(\d{2})(\d{2})_\d{6}")
_LOG_MODEL = re.compile(r"m-model-\[([A-Za-z0-9_.-]{1,40})\]|Device model retrieved:\s*([A-Za-z0-9_.-]{1,40})")

_NUMBER = r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_PREFIX = re.compile(r"^\s*\d+\.\d+\s+[\w.-]+:\s?")  # "00141.575 ulp-mlperf: "
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(text))
    for name, text in (
        ("perf_window", r"^Performance results for window (\d+):?\s*$"),
        ("energy_window", r"^Energy data for window (\d+) at time " + _NUMBER + r" for " + _NUMBER + r" sec\.?:?\s*$"),
        ("energy_trial", r"^Energy data for trial (\d+)\s*$"),
        ("inferences", r"^(?:# )?Inferences\s*:\s*(\d+)\s*$"),
        ("runtime", r"^Runtime\s*:\s*" + _NUMBER + r"\s*sec\.?\s*$"),
        ("elapsed", r"^Elapsed time\s*:\s*" + _NUMBER + r"\s*$"),
        ("throughput", r"^Throughput\s*:\s*" + _NUMBER + r"\s*inf\./sec\.?\s*$"),
        ("energy", r"^(?:Total )?Energy\s*:\s*" + _NUMBER + r"\s*uJ\s*$"),
        ("power", r"^Power\s*:\s*" + _NUMBER + r"\s*(uW|mW)\.?\s*$"),
        ("energy_inf", r"^Energy/Inf\.?\s*:\s*" + _NUMBER + r"\s*uJ/inf\.?\s*$"),
        ("met", r"^Runtime requirements have been met\.?\s*$"),
        ("error", r"^e-\[(.*)\]\s*$"),
        ("median_throughput", r"^Median throughput is\s+" + _NUMBER + r"\s*inf\./sec\.?\s*$"),
        ("median_energy", r"^Median energy cost is\s+" + _NUMBER + r"\s*uJ/inf\.?\s*$"),
        ("top1", r"^Top[- ]1%?\s?[:=]\s*" + _NUMBER + r"\s*%?\s*$"),
        ("auc", r"^AUC\s?[:=]\s*" + _NUMBER + r"\s*$"),
        ("detections", r"^Accuracy:\s*(\d+) True positives,\s*(\d+) False negatives,\s*(\d+) False positives\s*$"),
        ("duty", r"^Average duty cycle:\s*" + _NUMBER + r"\s*$"),
        ("estimated", r"^Estimated throughput:\s*" + _NUMBER + r"\s*inf\./sec\.?\s*$"),
    )
)


def _shown_join(parent: str, name: str) -> str:
    return f"{parent}/{safefs.shown(name)}" if parent else safefs.shown(name)


def normalised_name(name: str, mode: str) -> str:
    """A mode folder's file name without the mode prefix some rounds used (``performance_results.txt``)."""
    lowered = name.lower()
    for prefix in {mode, "power" if mode == "energy" else mode}:
        if lowered.startswith(prefix + "_"):
            return name[len(prefix) + 1 :]
    return name


def read_text(real: str, limit: int) -> tuple[str | None, str | None]:
    """A text file's content, or (None, why): unreadable, over ``limit`` bytes, or binary."""
    try:
        data = safefs.read_regular(real, limit)
    except (OSError, ValueError) as err:
        why = safefs.why_unreadable(err) if isinstance(err, OSError) else str(err)
        return None, f"cannot be read ({why})"
    if len(data) > limit:
        return None, f"is larger than {limit:,} bytes, the most a runner's file is read to"
    if b"\0" in data:
        return None, "is not text (it holds NUL bytes)"
    text = data.decode("utf-8", errors="replace")
    if data and text.count("\ufffd") * 10 > len(text):
        return None, "is not UTF-8 text"
    return text, None


def _reading(match: re.Match[str], group: int, line: int) -> Reading:
    return Reading(float(match.group(group)), line, match.group(group))


def parse_results(text: str, folder: ModeFolder) -> None:
    """Fill ``folder`` from a runner's ``results.txt``: its windows (de-duplicated), medians, accuracy."""
    current: Window | None = None
    seen: set[tuple[object, ...]] = set()
    windows: list[Window] = []

    def close() -> None:
        nonlocal current
        if current is not None:
            key = current.values()
            if key in seen:
                folder.repeated += 1
            else:
                seen.add(key)
                windows.append(current)
        current = None

    previous = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw == previous and raw.strip():
            folder.repeated_lines += 1
            continue
        previous = raw
        if len(raw) > MAX_LINE_CHARS:
            folder.problems.append((folder.summary_path or "", f"line {number} is longer than {MAX_LINE_CHARS:,} characters (not read)"))
            continue
        body = _PREFIX.sub("", raw, count=1).strip()
        for name, pattern in _PATTERNS:
            match = pattern.match(body)
            if match is None:
                continue
            if name == "perf_window":
                close()
                current = Window("performance", int(match.group(1)), number)
            elif name == "energy_window":
                close()
                current = Window("energy", int(match.group(1)), number, runtime_s=float(match.group(3)))
            elif name == "energy_trial":
                close()
                current = Window("energy", int(match.group(1)), number)
            elif current is not None and name in ("inferences", "runtime", "elapsed", "throughput", "energy", "power", "energy_inf", "met", "error"):
                _window_value(current, name, match)
            elif name == "power" and folder.power_mw is None:
                folder.power_mw = Reading(_milliwatts(match), number, match.group(1))
            elif name in ("median_throughput", "median_energy", "top1", "auc", "duty", "estimated"):
                close()
                attribute = {"median_throughput": "median_throughput", "median_energy": "median_energy", "top1": "top1", "auc": "auc", "duty": "duty_cycle", "estimated": "estimated_throughput"}[name]
                setattr(folder, attribute, _reading(match, 1, number))  # the last one counts, as for the official checker
            elif name == "detections":
                close()
                folder.detections = Detections(int(match.group(1)), int(match.group(2)), int(match.group(3)), number)
            break
    close()
    folder.windows = windows
    if folder.power_mw is None:
        powers = [w for w in windows if w.kind == "energy" and w.power_mw is not None]
        if len(powers) == 1 and powers[0].power_mw is not None:
            folder.power_mw = Reading(powers[0].power_mw, powers[0].line, f"{powers[0].power_mw:g}")


def _milliwatts(match: re.Match[str]) -> float:
    value = float(match.group(1))
    return value / 1000.0 if match.group(2) == "uW" else value


def _window_value(window: Window, name: str, match: re.Match[str]) -> None:
    if name == "inferences":
        window.inferences = int(match.group(1))
    elif name in ("runtime", "elapsed"):
        window.runtime_s = float(match.group(1))
    elif name == "throughput":
        window.throughput = float(match.group(1))
    elif name == "energy":
        window.energy_uj = float(match.group(1))
    elif name == "power":
        window.power_mw = _milliwatts(match)
    elif name == "energy_inf":
        window.energy_per_inference_uj = float(match.group(1))
    elif name == "met":
        window.met = True
    elif name == "error":
        window.error = match.group(1)[:300]


def _depth(value: object, level: int = 0) -> int:
    """How deeply a parsed JSON value nests (stopping past MAX_JSON_DEPTH)."""
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value[:1000]), default=level + 1)
    return level


def parse_results_json(text: str, folder: ModeFolder, shown: str) -> None:
    """The MLCommons runner's ``results.json``: one object per window, read only for their timing
    (when ``results.txt`` has the median alone)."""
    try:
        data = json.loads(text, parse_constant=lambda name: None)
    except (ValueError, RecursionError) as err:
        folder.problems.append((shown, f"is not valid JSON ({str(err)[:120]})"))
        return
    if _depth(data) > MAX_JSON_DEPTH or not isinstance(data, list):
        folder.problems.append((shown, "is not the runner's list of windows"))
        return
    kind = "energy" if folder.mode == "energy" else "performance"
    found: list[Window] = []
    for index, item in enumerate(data[:1000], start=1):
        infer = item.get("infer") if isinstance(item, dict) else None
        if not isinstance(infer, dict):
            continue
        elapsed = infer.get("elapsed_time")
        count = infer.get("iterations") if infer.get("iterations") is not None else infer.get("total_inferences")
        rate = infer.get("throughput")
        window = Window(kind, index, 0)
        if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool):
            window.runtime_s = float(elapsed) / 1e6
        if isinstance(count, int) and not isinstance(count, bool):
            window.inferences = count
        if isinstance(rate, (int, float)) and not isinstance(rate, bool):
            window.throughput = float(rate)
        found.append(window)
    if found:
        folder.windows = found
        folder.windows_from = "results.json"


def read_mode(mode: str, real: str, shown: str, mode_prefix: bool = True) -> ModeFolder:
    """One mode folder: its files and what its results.txt (or results.json) says; ``mode_prefix``:
    the round's layout names the files after the mode (``performance_results.txt``)."""
    folder = ModeFolder(MODE_FOLDERS[mode.lower()], shown, real)
    try:
        entries = safefs.scandir(real)
    except OSError as err:
        folder.problems.append((shown, f"cannot be listed ({safefs.why_unreadable(err)})"))
        return folder
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        name = normalised_name(entry.name, folder.mode) if mode_prefix else entry.name
        if not stat.S_ISREG(info.st_mode):
            if name == SUMMARY and folder.summary_path is None:
                folder.summary_path = _shown_join(shown, entry.name)
                folder.problems.append((folder.summary_path, f"is {safefs.kind_of(info.st_mode)} (not read)"))
            continue
        if name in folder.files and name != entry.name:  # results.txt and performance_results.txt: keep the plain one
            continue
        folder.files[name] = info.st_size
        folder.names[name] = entry.name
    if SUMMARY in folder.names and folder.summary_path is None:
        folder.summary_path = _shown_join(shown, folder.names[SUMMARY])
        text, why = read_text(os.path.join(real, folder.names[SUMMARY]), MAX_RESULTS_BYTES)
        if text is None:
            folder.problems.append((folder.summary_path, f"{why}"))
        else:
            parse_results(text, folder)
    if "log.txt" in folder.names:
        folder.log_model, folder.session = read_log_head(os.path.join(real, folder.names["log.txt"]))
    if folder.mode == "accuracy" and "results.json" in folder.names and folder.files["results.json"] <= MAX_JSON_BYTES:
        folder.json_entries = count_entries(os.path.join(real, folder.names["results.json"]))
    if not folder.windows and folder.mode != "accuracy" and "results.json" in folder.names:
        shown_json = _shown_join(shown, folder.names["results.json"])
        text, why = read_text(os.path.join(real, folder.names["results.json"]), MAX_JSON_BYTES)
        if text is None:
            folder.problems.append((shown_json, f"{why}"))
        else:
            parse_results_json(text, folder, shown_json)
    return folder


def read_log_head(real: str) -> tuple[Reading | None, str | None]:
    """From the runner's log (its first 64 KiB): the model the device reported (EEMBC
    ``dut: m-model-[ic01]``, MLCommons runner ``Device model retrieved: ic01``) and the day the
    session started (``m-session-start-id[20220930110744]``, ``sessions\\20250803_210913``)."""
    try:
        head = safefs.read_regular(real, LOG_HEAD_BYTES)[:LOG_HEAD_BYTES].decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None, None
    model = None
    match = _LOG_MODEL.search(head)
    if match is not None:
        model = Reading(0.0, head.count("\n", 0, match.start()) + 1, match.group(1) or match.group(2))
    return model, session_day(head)


MAX_LOG_BYTES = 16 << 20  # a performance log with a lap line per inference (10,000 per window) is 2 MB
_INFER_START = re.compile(r"m-infer-start-(\d+)")
_LAP = re.compile(r"m-lap-us-(\d+)")


def log_windows(text: str) -> list[Window]:
    """The performance windows of an EnergyRunner log, as the runner computes them: after each
    ``m-infer-start-N`` the span from the first to the last ``m-lap-us-`` time before
    ``m-infer-done`` (microseconds), N inferences in it."""
    windows: list[Window] = []
    current: Window | None = None
    first = last = 0  # the window's first and latest lap times (us)
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            continue
        start = _INFER_START.search(line)
        if start is not None:
            current, first, last = Window("performance", len(windows) + 1, number, inferences=int(start.group(1))), 0, 0
            continue
        if current is None:
            continue
        lap = _LAP.search(line)
        if lap is not None:
            last = int(lap.group(1))
            first = first or last
        elif "m-infer-done" in line:
            if last > first > 0 and current.inferences:
                current.runtime_s = (last - first) / 1e6
                current.throughput = current.inferences / current.runtime_s
                windows.append(current)
            current = None
    return windows


def use_runner_logs(tree: TinyTree) -> None:
    """For a round whose layout has no results.txt (0.5): each mode folder without one that holds
    the runner's log is ``log_only``; a performance log gives the windows and their median."""
    for org in tree.orgs:
        for result in org.results:
            for folder in result.modes.values():
                if folder.summary_path is not None or "log.txt" not in folder.names:
                    continue
                folder.log_only = True
                if folder.mode != "performance":
                    continue
                text, why = read_text(os.path.join(folder.real, folder.names["log.txt"]), MAX_LOG_BYTES)
                if text is None:
                    folder.problems.append((_shown_join(folder.path, folder.names["log.txt"]), f"{why}"))
                    continue
                windows = log_windows(text)
                if windows:
                    folder.windows, folder.windows_from = windows, "log.txt"
                    value = median([w.throughput for w in windows if w.throughput is not None])
                    folder.median_throughput = Reading(value, windows[0].line, f"{value:.3f}")


def session_day(text: str) -> str | None:
    """The day (YYYY-MM-DD) a runner's session started, from its log's first lines, or None."""
    day = _SESSION.search(text)
    if day is None:
        return None
    year, month, date = day.group(1, 2, 3) if day.group(1) else day.group(4, 5, 6)
    return f"{year}-{month}-{date}"


def count_entries(real: str) -> int | None:
    """How many entries the runner's accuracy results.json lists (None: not a readable JSON list;
    an accuracy file is only counted, and one that cannot be is no finding: the accuracy is in results.txt)."""
    text, _ = read_text(real, MAX_JSON_BYTES)
    if text is None:
        return None
    try:
        data = json.loads(text, parse_constant=lambda name: None)
    except (ValueError, RecursionError):
        return None
    return len(data) if isinstance(data, list) else None


def _folders(real: str) -> list[safefs.Entry]:
    try:
        return [e for e in safefs.scandir(real) if e.is_dir()]
    except OSError:
        return []


def _child_folder(real: str, name: str) -> safefs.Entry | None:
    """The folder ``name`` in ``real``, in any case (the last one listed), or None."""
    found = None
    for entry in _folders(real):
        if entry.name.lower() == name:
            found = entry
    return found


def _mode_children(real: str) -> list[safefs.Entry]:
    return [e for e in _folders(real) if e.name.lower() in MODE_FOLDERS]


def read_results(org: OrgFolder, benchmark_names: frozenset[str], mode_prefix: bool = True) -> None:
    """Every ``results/<system>/[...]/<benchmark>/`` of an organisation: the folder that holds the
    mode folders is a result; a folder level between the system and it is kept as ``nested``."""
    results = _child_folder(org.real, "results")
    if results is None:
        return
    shown_results = f"{org.path}/{safefs.shown(results.name)}"
    for system in sorted(_folders(results.path), key=lambda e: e.name):
        stack: list[tuple[safefs.Entry, str, list[str]]] = [(system, f"{shown_results}/{safefs.shown(system.name)}", [])]
        while stack:
            entry, shown, levels = stack.pop(0)
            if levels and _mode_children(entry.path):
                org.results.append(_result(org, system.name, entry, shown, levels, benchmark_names, mode_prefix))
                continue
            if len(levels) >= 3:
                continue
            for child in sorted(_folders(entry.path), key=lambda e: e.name):
                if child.name.lower() in MODE_FOLDERS:
                    continue
                stack.append((child, f"{shown}/{safefs.shown(child.name)}", [*levels, child.name]))


def _result(
    org: OrgFolder, system: str, entry: safefs.Entry, shown: str, levels: list[str], benchmark_names: frozenset[str], mode_prefix: bool
) -> TinyResult:
    known = [name for name in levels if name.lower() in benchmark_names]
    benchmark = known[0] if known else levels[-1]
    nested = "/".join(n for n in levels if n != benchmark) or None
    marker = None
    parent = os.path.dirname(entry.path)
    for place, where in ((entry.path, shown), *(((os.path.join(entry.path, m.name)), f"{shown}/{m.name}") for m in _mode_children(entry.path)), (parent, shown.rsplit("/", 1)[0])):
        try:
            info = safefs.lstat(os.path.join(place, "EEMBC_RUNNER"))
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
            marker = f"{where}/EEMBC_RUNNER"
            break
    result = TinyResult(org.division, org.org, system, benchmark, shown, entry.path, EEMBC if marker else MLC, marker, nested)
    for child in sorted(_folders(entry.path), key=lambda e: e.name):
        mode = MODE_FOLDERS.get(child.name.lower())
        if mode is None:
            result.other_folders.append(f"{shown}/{safefs.shown(child.name)}")
        elif mode not in result.modes:
            result.modes[mode] = read_mode(child.name, child.path, f"{shown}/{safefs.shown(child.name)}", mode_prefix)
    seen = {runner_of(m) for m in result.modes.values()} - {None}
    if marker is not None:
        result.runner_seen = EEMBC
    elif len(seen) == 1:
        result.runner = result.runner_seen = seen.pop() or result.runner  # earlier rounds had no marker: the runner's own output tells
    return result


def runner_of(folder: ModeFolder) -> str | None:
    """Which runner wrote a mode folder, from its files: the EnergyRunner numbers its windows
    2, 4, ... 10; the MLCommons runner numbers them (or its trials) from 1 (0) and writes results.json."""
    if "results.json" in folder.files:
        return MLC
    if folder.windows_from == "results.txt" and folder.windows:
        return EEMBC if all(w.number % 2 == 0 and w.number > 0 for w in folder.windows) else MLC
    return None


SYSTEMS_DEPTH = 3  # folders below systems/ searched for descriptions (some rounds filed each in its own)
SYSTEMS_ENTRIES = 5000
_GENERIC = frozenset(("system", "systems", "description", "desc"))  # words of a file name that name no system


def read_systems(org: OrgFolder) -> None:
    """``systems/*.json`` and the JSON files in folders below it (some rounds filed each
    description in its own folder, or named it ``<board>_System_Description.json``)."""
    systems = _child_folder(org.real, "systems")
    if systems is None:
        return
    shown = f"{org.path}/{safefs.shown(systems.name)}"
    for folder in safefs.walk(systems.path, max_depth=SYSTEMS_DEPTH, max_entries=SYSTEMS_ENTRIES):
        rel = os.path.relpath(folder.path, systems.path)
        where = shown if rel == "." else f"{shown}/{safefs.shown(rel.replace(os.sep, '/'))}"
        for entry in folder.others:
            if not entry.name.lower().endswith(".json") or entry.name.startswith("._") or not entry.is_file():
                continue
            name = entry.name[: -len(".json")]
            if name in org.systems:
                continue
            org.systems[name] = _read_system(entry.path, f"{where}/{safefs.shown(entry.name)}", name, nested=rel != ".")


def _read_system(real: str, shown: str, name: str, nested: bool) -> TinySystem:
    system = TinySystem(shown, name, nested=nested)
    text, why = read_text(real, MAX_SYSTEM_BYTES)
    if text is None:
        system.error = why
        return system
    try:
        data = json.loads(text.lstrip("\ufeff"), parse_constant=lambda c: None)
    except (ValueError, RecursionError) as err:
        system.error = f"is not valid JSON ({str(err)[:120]})"
    else:
        if isinstance(data, dict) and _depth(data) <= MAX_JSON_DEPTH:
            system.data = data
        else:
            system.error = "is not a JSON object of fields"
    return system


def _folded(name: str) -> str:
    """A name in lower case without separators and the words that name no system
    (``Nucleo_L4R5ZI_System_Description`` -> ``nucleol4r5zi``)."""
    words = [w for w in re.split(r"[-_ .]+", name.lower()) if w and w not in _GENERIC]
    return "".join(words)


def match_descriptions(org: OrgFolder) -> None:
    """For each system with results and no ``systems/<system>.json``: the one description whose
    name is the system's (in a folder of systems/, or with case, separators or the words
    "system description" changed), or whose name the system's id starts with; none when two fit."""
    systems = sorted({r.system for r in org.results})
    taken = {name for name in systems if name in org.systems and not org.systems[name].nested}
    free = [d for n, d in sorted(org.systems.items()) if n not in taken]
    for system in systems:
        if system in taken:
            continue
        exact = org.systems.get(system)
        if exact is not None:
            org.described[system] = exact
            continue
        want = _folded(system)
        same = [d for d in free if _folded(d.name) == want]
        near = [d for d in free if len(_folded(d.name)) >= 3 and want.startswith(_folded(d.name))]
        fits = same or near
        if want and len(fits) == 1:
            org.described[system] = fits[0]
        elif want and fits:
            org.ambiguous[system] = fits


def survey_files(org: OrgFolder, size_limit: int) -> None:
    """What the official checker looks at in every file of an organisation: links, sizes, empty
    and ``__pycache__`` folders, hidden names and names with spaces."""
    limits = safefs.WalkLimits()
    for folder in safefs.walk(org.real, max_depth=WALK_DEPTH, max_entries=WALK_ENTRIES, limits=limits):
        rel = os.path.relpath(folder.path, org.real)
        shown = org.path if rel == "." else f"{org.path}/{safefs.shown(rel.replace(os.sep, '/'))}"
        if not folder.folders and not folder.others:
            org.empty_folders.append(shown)
        for entry in [*folder.folders, *folder.others]:
            where = f"{shown}/{safefs.shown(entry.name)}"
            if entry.name.startswith("."):
                org.hidden.append(where)
            elif " " in entry.name:
                org.spaced.append(where)
            if entry.is_symlink():
                org.links.append(where)
                continue
            if entry.is_dir() and entry.name == "__pycache__":
                org.cache_folders.append(where)
            if entry.is_file():
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
                if size > size_limit:
                    org.large.append((where, size))
    org.unread.extend((path, "deeper than the walk goes") for path in limits.too_deep)
    org.unread.extend(limits.unreadable)
    if limits.truncated:
        org.unread.append((org.path, f"more than {WALK_ENTRIES:,} entries"))


def _relative_shown(root: str, real: str, display: str) -> str:
    rel = os.path.relpath(real, root)
    return display if rel == "." else f"{display}/{safefs.shown(rel.replace(os.sep, '/'))}"


def org_folders(root: str, display: str) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """The organisations' folders under ``root`` as (division, org, real, shown), and the top
    folders that are no division. ``root`` is a repository, a division or one organisation."""
    name = os.path.basename(os.path.normpath(root)).lower()
    children = {e.name: e for e in _folders(root)}
    lowered = {n.lower(): n for n in children}
    if "results" in lowered or "systems" in lowered:  # an organisation's folder
        division = os.path.basename(os.path.dirname(os.path.normpath(root)))
        return [(division, os.path.basename(os.path.normpath(root)), root, display)], []
    if name in DIVISIONS:
        return [(os.path.basename(os.path.normpath(root)), n, e.path, f"{display}/{safefs.shown(n)}") for n, e in sorted(children.items())], []
    found: list[tuple[str, str, str, str]] = []
    others: list[str] = []
    for child_name, entry in sorted(children.items()):
        if child_name.startswith(".") or child_name.lower() in ("code", "assets"):
            continue
        if child_name.lower() in DIVISIONS:
            for org_name, org_entry in sorted((e.name, e) for e in _folders(entry.path)):
                found.append((child_name, org_name, org_entry.path, f"{_relative_shown(root, entry.path, display)}/{safefs.shown(org_name)}"))
        else:
            others.append(_relative_shown(root, entry.path, display))
    return found, others


def read_tree(root: str, display: str, benchmark_names: frozenset[str], size_limit: int, mode_prefix: bool = True) -> TinyTree:
    """A whole Tiny submission, results repository, division or organisation folder."""
    tree = TinyTree(root, display)
    found, tree.other_divisions = org_folders(root, display)
    for division, org_name, real, shown in found:
        org = OrgFolder(division, org_name, shown, real)
        read_systems(org)
        read_results(org, benchmark_names, mode_prefix)
        match_descriptions(org)
        survey_files(org, size_limit)
        tree.orgs.append(org)
    return tree
