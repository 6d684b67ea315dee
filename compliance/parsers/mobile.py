"""Read the result file the MLPerf Mobile app writes (``result.json`` / ``results.json``).

Three shapes, one per generation of the app, each read into the same ``MobileResultFile``:

- ``records``: the Android Java app (round 2.0): a JSON list of flat records, numbers as text,
  one record per benchmark and mode (``performance_lite_mode`` / ``accuracy_mode``);
- ``wrapped``: the first Flutter app (2.1): a list holding one extended-result object; durations
  in milliseconds, ``throughput`` a bare number, ``accuracy {value, string}``;
- ``extended``: 3.0 on: the object itself; durations in seconds, ``throughput {value}``,
  ``accuracy {normalized, formatted}``, LoadGen's verdicts in ``loadgen_info`` (3.x) or
  ``loadgen`` (4.0 on).

The file is read through ``compliance.parsers.safefs`` (no link followed, a size bound), parsed
with orjson (deep nesting is refused, not recursed into) and never evaluated. Nothing here
raises for bad input: what cannot be read is ``problem``; a field of the wrong type is read as
absent and named in the entry's ``problems``. Validation against the app's schema is
``schema_problems``.
"""

from __future__ import annotations

import math
import os
import re
from functools import cache, lru_cache

import orjson

from compliance.parsers.safefs import NotRegularFile, read_regular, why_unreadable
from compliance.records import field, recordclass

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

MAX_BYTES = 16 << 20  # 16 MiB: a published result file is 10-60 kB
MAX_SCHEMA_PROBLEMS = 20  # schema errors kept per file (the rest are counted)
_NUMBER = cache(lambda: re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"))


@recordclass(slots=True)
class MobileEntry:
    """One benchmark of a result file: its performance run, its accuracy run, its settings."""

    pointer: str  # JSON pointer of the entry ("/results/3"; for records, the performance record)
    benchmark_id: str
    scenario: str | None  # as the file says (records: None)
    throughput: float | None = None  # queries/s (SingleStream) or samples/s (Offline)
    accuracy: float | None = None  # the app's normalised accuracy (0..1)
    accuracy_text: str | None = None  # as the app formatted it ("82.14%", "0.2740 mAP", "33.39 dB")
    accuracy_dataset: str | None = None
    accuracy_samples: int | None = None
    performance_dataset: str | None = None
    performance_samples: int | None = None
    performance_duration_s: float | None = None  # the app's clock
    min_duration_s: float | None = None  # the setting the app ran with
    min_samples: int | None = None  # likewise (LoadGen's min_query_count)
    valid: bool | None = None  # LoadGen's verdict as the app recorded it
    query_count: int | None = None
    latency90_s: float | None = None
    min_duration_met: bool | None = None
    min_query_met: bool | None = None
    early_stopping_met: bool | None = None
    has_accuracy_run: bool = False
    start: str | None = None  # the performance run's start (ISO date and time)
    problems: list[str] = field(default_factory=list)  # fields of the wrong type, read as absent


@recordclass(slots=True)
class MobileResultFile:
    path: str  # as shown
    present: bool = True
    problem: str | None = None  # why the file could not be read (then nothing else is set)
    shape: str | None = None  # "records", "wrapped" or "extended"
    document: Any = None  # the object the schema describes (wrapped: the list's element)
    entries: list[MobileEntry] = field(default_factory=list)
    app_version: str | None = None
    official_release: bool | None = None
    dev_test: bool | None = None
    git_dirty: bool | None = None
    device: dict[str, str | None] = field(default_factory=dict)  # manufacturer, model, os_version ...
    soc: str | None = None

    @property
    def readable(self) -> bool:
        return self.problem is None


# --------------------------------------------------------------------------- values


def _number(value: Any) -> float | None:
    """A finite number, or a number written as text (the 2.0 app), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER().fullmatch(value.strip()):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) and number < 1 << 62 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def accuracy_from_text(text: str | None, bare_scale: float = 1.0) -> float | None:
    """The normalised accuracy of a formatted one: "75.32%" -> 0.7532, "0.2745 mAP" -> 0.2745,
    "33.39 dB" -> 0.3339 (as the app normalises PSNR), a bare "94.4000" divided by ``bare_scale``."""
    if not text:
        return None
    match = _NUMBER().search(text)
    if match is None:
        return None
    number = float(match.group(0))
    rest = text[match.end():].strip().lower()
    if not math.isfinite(number):
        return None
    if rest.startswith("%") or rest == "db":
        return number / 100.0
    if rest:
        return number
    return number / bare_scale


# --------------------------------------------------------------------------- shapes


def _records(data: list[Any], result: MobileResultFile) -> None:
    """Round 2.0: flat records, one per benchmark and mode."""
    by_id: dict[str, MobileEntry] = {}
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            continue
        benchmark_id = _text(record.get("benchmark_id"))
        if not benchmark_id:
            continue
        mode = _text(record.get("mode")) or ""
        entry = by_id.get(benchmark_id)
        if entry is None:
            entry = by_id[benchmark_id] = MobileEntry(pointer=f"/{index}", benchmark_id=benchmark_id, scenario=None)
        if "accuracy" in mode:
            entry.has_accuracy_run = True
            text = _text(record.get("accuracy"))
            entry.accuracy_text = text if text and text.upper() != "N/A" else None
            entry.accuracy_samples = _count(record.get("num_samples"))
        else:
            entry.pointer = f"/{index}"
            entry.throughput = _number(record.get("score"))
            duration = _number(record.get("duration"))
            entry.performance_duration_s = duration / 1000.0 if duration is not None else None
            entry.performance_samples = _count(record.get("num_samples"))
            minimum = _number(record.get("min_duration"))
            entry.min_duration_s = minimum / 1000.0 if minimum is not None else None
            entry.min_samples = _count(record.get("min_samples"))
            entry.start = _text(record.get("datetime"))
    result.entries = list(by_id.values())


def _run(entry: MobileEntry, run: dict[str, Any], *, performance: bool, ms: bool) -> None:
    """One performance or accuracy run of an extended result (2.1 or later)."""
    dataset = _table(run.get("dataset"))
    duration = _number(run.get("measured_duration_ms" if ms else "measured_duration"))
    if duration is not None and ms:
        duration /= 1000.0
    samples = _count(run.get("measured_samples"))
    if performance:
        raw = run.get("throughput")
        entry.throughput = _number(raw) if ms else _number(_table(raw).get("value"))
        if raw is not None and entry.throughput is None:
            entry.problems.append("performance_run.throughput is not a number")
        entry.performance_dataset = _text(dataset.get("name"))
        entry.performance_samples = samples
        entry.performance_duration_s = duration
        entry.start = _text(run.get("start_datetime"))
        if "loadgen_validity" in run:
            entry.valid = _flag(run.get("loadgen_validity"))
        info = run.get("loadgen_info")
        if isinstance(info, dict):
            entry.valid = _flag(info.get("validity"))
        loadgen = run.get("loadgen")
        if isinstance(loadgen, dict):
            entry.valid = _flag(loadgen.get("is_result_valid"))
            entry.query_count = _count(loadgen.get("query_count"))
            entry.latency90_s = _number(loadgen.get("latency90"))
            entry.min_duration_met = _flag(loadgen.get("is_min_duration_met"))
            entry.min_query_met = _flag(loadgen.get("is_min_query_met"))
            entry.early_stopping_met = _flag(loadgen.get("is_early_stopping_met"))
        return
    entry.has_accuracy_run = True
    accuracy = _table(run.get("accuracy"))
    normalized = accuracy.get("value" if ms else "normalized")
    entry.accuracy = _number(normalized)
    if normalized is not None and entry.accuracy is None:
        entry.problems.append("accuracy_run.accuracy is not a number")
    entry.accuracy_text = _text(accuracy.get("string" if ms else "formatted"))
    entry.accuracy_dataset = _text(dataset.get("name"))
    entry.accuracy_samples = samples


def _extended(document: dict[str, Any], result: MobileResultFile, *, ms: bool) -> None:
    """Rounds 2.1 on: the extended-result object."""
    results = document.get("results")
    for index, item in enumerate(results if isinstance(results, list) else []):
        if not isinstance(item, dict):
            continue
        benchmark_id = _text(item.get("benchmark_id"))
        if not benchmark_id:
            continue
        entry = MobileEntry(pointer=f"/results/{index}", benchmark_id=benchmark_id, scenario=_text(item.get("loadgen_scenario")))
        minimum = _number(item.get("min_duration_ms" if ms else "min_duration"))
        entry.min_duration_s = (minimum / 1000.0 if ms else minimum) if minimum is not None else None
        entry.min_samples = _count(item.get("min_samples"))
        if isinstance(item.get("performance_run"), dict):
            _run(entry, item["performance_run"], performance=True, ms=ms)
        if isinstance(item.get("accuracy_run"), dict):
            _run(entry, item["accuracy_run"], performance=False, ms=ms)
        result.entries.append(entry)
    build = _table(document.get("build_info"))
    result.app_version = _text(build.get("version"))
    result.official_release = _flag(build.get("official_release_flag"))
    result.dev_test = _flag(build.get("dev_test_flag"))
    result.git_dirty = _flag(build.get("git_dirty_flag"))
    environment = _table(document.get("environment_info"))
    if "value" in environment:  # 3.0 on: one block per platform
        platform = _text(environment.get("platform")) or ""
        block = _table(_table(environment.get("value")).get(platform))
        result.device = {k: _text(v) for k, v in block.items() if not isinstance(v, (list, dict))}
        result.device["os_name"] = platform or None
        props = block.get("props")
        for prop in props if isinstance(props, list) else []:
            if isinstance(prop, dict) and prop.get("type") == "socName" and _text(prop.get("value")):
                result.soc = _text(prop.get("value"))
        if result.soc is None:
            soc = _text(block.get("proc_cpuinfo_soc_name"))
            result.soc = soc if soc and soc != "Unknown" else None
    else:
        result.device = {k: _text(v) for k, v in environment.items() if not isinstance(v, (list, dict))}


def read_result_file(path: str, display: str, *, follow_links: bool = False, max_bytes: int = MAX_BYTES) -> MobileResultFile:
    """Read one result file. Never raises for bad input."""
    result = MobileResultFile(path=display)
    try:
        raw = read_regular(path, max_bytes + 1, follow_links=follow_links)
    except FileNotFoundError:
        result.present = False
        result.problem = "the file does not exist"
        return result
    except NotRegularFile as err:
        result.problem = str(err) or "not a regular file"
        return result
    except OSError as err:
        result.problem = f"cannot be read ({why_unreadable(err)})"
        return result
    if len(raw) > max_bytes:
        result.problem = f"larger than {max_bytes >> 20} MiB, the most a result file is read to (published ones are under 100 kB)"
        return result
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        result.problem = "the file is empty"
        return result
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        result.problem = f"not JSON ({str(err)[:200]})"
        return result
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict) and "results" in data[0]:
        result.shape, result.document = "wrapped", data[0]
        _extended(data[0], result, ms=True)
    elif isinstance(data, dict) and "results" in data:
        result.shape, result.document = "extended", data
        _extended(data, result, ms=False)
    elif isinstance(data, list) and any(isinstance(r, dict) and "benchmark_id" in r and "mode" in r for r in data):
        result.shape, result.document = "records", data
        _records(data, result)
    else:
        result.problem = "not a result file of the MLPerf Mobile app (neither a list of benchmark records nor an object with results)"
    return result


# --------------------------------------------------------------------------- schema


def schema_folder() -> str:
    from compliance.parsers.system_desc import schema_dir

    return os.path.join(str(schema_dir()), "mobile")


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import json

    from jsonschema.validators import validator_for

    with open(os.path.join(schema_folder(), name), encoding="utf-8") as handle:
        schema = json.load(handle)
    return validator_for(schema)(schema)


def schema_problems(document: Any, schema_name: str) -> tuple[list[tuple[str, str]], int]:
    """(JSON pointer, message) for each way the document breaks the schema (at most
    ``MAX_SCHEMA_PROBLEMS``, the most specific first), and how many there were in all."""
    validator = _validator(schema_name)
    found: list[tuple[str, str]] = []
    total = 0
    for error in sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        total += 1
        if len(found) < MAX_SCHEMA_PROBLEMS:
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            found.append((pointer, _schema_message(error)))
    return found, total


def _schema_message(error: Any) -> str:
    if error.validator == "additionalProperties":
        return str(error.message).replace("Additional properties are not allowed", "fields the schema does not allow")[:300]
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")[:300]
    text: str = error.message
    return text if len(text) <= 300 else text[:299] + "…"


# --------------------------------------------------------------------------- the tree

DETAIL_LOG = "mlperf_log_detail.txt"
RESULT_NAMES = ("result.json", "results.json")  # what the apps of every round name the file
MAX_LOOK_FOLDERS = 64  # folders listed per level when telling whether a folder is a Mobile submission
MAX_LOOK_FILES = 8  # result files read for it


@recordclass(slots=True)
class MobileTree:
    """What a Mobile input holds: the app's result files and the LoadGen run folders (real paths)."""

    root: str
    result_files: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # folders holding mlperf_log_detail.txt
    notes: list[str] = field(default_factory=list)  # where the walk stopped, in words (shown paths)


def survey_tree(root: str) -> MobileTree:
    """Every result file below a ``results/`` folder (or the file named) and every LoadGen run
    folder below ``root``; links are never followed. Bounded by the walk's limits."""
    from compliance.parsers.safefs import WalkLimits, shown, walk

    tree = MobileTree(root=root)
    if not os.path.isdir(root):
        tree.result_files.append(root)
        root = os.path.dirname(root) or "."
        named = True
    else:
        named = False
    limits = WalkLimits()
    for folder in walk(root, limits=limits):
        names = {entry.name for entry in folder.others if entry.is_file()}
        linked = {entry.name for entry in folder.others if entry.is_symlink()}  # read as refused, not left out
        if DETAIL_LOG in names:
            tree.runs.append(folder.path)
            continue
        if named:
            continue
        inside_results = "results" in os.path.abspath(folder.path).split(os.sep)
        for name in RESULT_NAMES:
            if (name in names or name in linked) and inside_results:
                tree.result_files.append(os.path.join(folder.path, name))
    if limits.too_deep:
        tree.notes.append(f"folders nested deeper than the limit were not searched, e.g. {shown(limits.too_deep[0])}")
    if limits.truncated:
        tree.notes.append(f"{shown(root)}: more entries than the limit; the rest was not searched")
    for path, why in limits.unreadable[:5]:
        tree.notes.append(f"{shown(path)}: cannot be searched ({why})")
    return tree


def _subfolders(path: str) -> list[str]:
    from compliance.parsers.safefs import scandir

    try:
        entries = scandir(path)
    except OSError:
        return []
    return [e.path for e in entries if e.is_dir() and not e.name.startswith(".")][:MAX_LOOK_FOLDERS]


def candidate_result_files(root: str) -> list[str]:
    """Result files where a Mobile submission keeps them, found by a bounded look (no full walk):
    the file named, or ``[<division>/][<org>/]results/[<system>/]result(s).json`` below the folder."""
    if not os.path.isdir(root):
        return [root] if os.path.basename(root) in RESULT_NAMES or root.endswith(".json") else []
    levels = [[root]]
    for _ in range(4):  # <division>/<org>/results/<system>/
        levels.append([sub for folder in levels[-1] for sub in _subfolders(folder)][: MAX_LOOK_FOLDERS * 4])
    found: list[str] = []
    for level in levels:
        for folder in level:
            if os.path.basename(folder) == "results" or os.path.basename(os.path.dirname(folder)) == "results" or folder == root:
                found.extend(os.path.join(folder, n) for n in RESULT_NAMES if os.path.isfile(os.path.join(folder, n)))
            if len(found) >= MAX_LOOK_FILES:
                return found[:MAX_LOOK_FILES]
    return found


def is_mobile_result(path: str, known_ids: frozenset[str]) -> bool:
    """Whether a file is a result file of the MLPerf Mobile app naming a known benchmark (a bounded read)."""
    result = read_result_file(path, path, max_bytes=1 << 20)
    return result.readable and any(entry.benchmark_id in known_ids for entry in result.entries)


SYSTEM_MAX_BYTES = 1 << 20  # 1 MiB, as for the other suites' system descriptions


def read_system_files(org_folder: str) -> tuple[bool, list[tuple[str, str, str | None]]]:
    """Whether ``<org>/systems/`` is there, and each ``*.json`` in it: (real path, system name,
    why it is not JSON, or None). Never raises for bad input; links are refused, not followed."""
    from compliance.parsers.safefs import scandir

    folder = os.path.join(org_folder, "systems")
    try:
        entries = scandir(folder)
    except OSError:
        return False, []
    found: list[tuple[str, str, str | None]] = []
    for entry in entries:
        if not entry.name.endswith(".json") or not (entry.is_file() or entry.is_symlink()):
            continue
        problem: str | None = None
        try:
            raw = read_regular(entry.path, SYSTEM_MAX_BYTES)
            if len(raw) > SYSTEM_MAX_BYTES:
                problem = "larger than 1 MiB"
            else:
                orjson.loads(raw)
        except NotRegularFile as err:
            problem = str(err) or "not a regular file"
        except OSError as err:
            problem = f"cannot be read ({why_unreadable(err)})"
        except orjson.JSONDecodeError as err:
            problem = f"not JSON ({str(err)[:200]})"
        found.append((entry.path, entry.name[: -len(".json")], problem))
    return True, found
