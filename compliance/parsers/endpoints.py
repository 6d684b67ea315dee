"""Endpoints (LoadGen++) results of MLPerf Inference 6.1: files in, a typed result out.

An Endpoints result has no LoadGen logs: the endpoints client writes JSON files instead, in one
of two layouts (the official parser changed during the round):

- ``performance/result_summary.json``, ``accuracy/accuracy_results.json`` and ``config.yaml`` in
  the scenario folder;
- ``performance/run_1/results.json`` (and ``result_summary.json``, ``config.yaml``) as the first
  endpoints parser read them.

Which files, which keys stand for which LoadGen key, and how the config's ``type`` names the
scenario are the round data's (``[endpoints]`` in ``checkers/inference/v6.1.toml``). Every file is
read through ``safefs`` (no link followed, bounded); JSON is parsed by orjson (nesting bounded),
``config.yaml`` by a small reader of block mappings of scalars (nothing is constructed,
nothing evaluated). A file that cannot be used says why (``problem``); nothing here raises.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from compliance.parsers import safefs
from compliance.records import field, recordclass

PERFORMANCE = "performance"
CONFIG_MAX_BYTES = 1 << 20  # a config.yaml is 2-3 kB
CONFIG_MAX_LINES = 20_000
DEFAULT_MAX_BYTES = 50 << 20
LOADGEN_LOGS = (
    "performance/run_1/mlperf_log_detail.txt",
    "performance/run_1/mlperf_log_summary.txt",
    "accuracy/mlperf_log_detail.txt",
    "accuracy/mlperf_log_summary.txt",
)


@recordclass
class EndpointsFile:
    """One JSON file of an Endpoints result: where it is, its size, its object or why there is none."""

    relative: str  # below the scenario folder
    shown: str  # as the report shows it
    size: int | None = None
    data: dict[str, Any] | None = None
    problem: str | None = None


@recordclass(frozen=True, slots=True)
class AccuracyScore:
    """One dataset's score: a bare number, or named metrics (``{"rouge1": 38.6, ...}``)."""

    dataset: str
    value: float | None  # the number the official checker publishes (the first metric of a dict)
    metrics: tuple[tuple[str, float], ...] = ()  # named metrics, when the score names them
    samples: int | None = None

    @property
    def named(self) -> bool:
        return bool(self.metrics)


@recordclass
class EndpointsResult:
    """What an Endpoints result's files say, in LoadGen's terms where the round data maps them."""

    layout: str  # "summary" (result_summary.json + accuracy_results.json) or "run" (performance/run_1/)
    performance: EndpointsFile | None
    accuracy: EndpointsFile | None
    config_file: str | None  # the config.yaml read (relative), None when there is none
    config: dict[str, Any] = field(default_factory=dict)  # dotted key -> scalar
    config_problem: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # LoadGen key -> value
    origins: dict[str, str] = field(default_factory=dict)  # LoadGen key -> "<file>: <key>" it came from
    scores: list[AccuracyScore] = field(default_factory=list)
    files: list[EndpointsFile] = field(default_factory=list)  # every JSON file read
    misnamed: list[tuple[str, str]] = field(default_factory=list)  # (the file's name, the name it stands for)

    @property
    def scenario_type(self) -> str | None:
        """The config's ``type`` (``online``, ``offline``, ``singlestream`` ...), as written."""
        value = self.config.get("type")
        return str(value) if value is not None else None

    def number(self, key: str) -> float | None:
        value = self.values.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return None
        return float(value)


def is_endpoints(files: Mapping[str, str], spec: Mapping[str, Any]) -> bool:
    """The official loader's test: neither the performance nor the accuracy LoadGen logs are there,
    and an endpoints file is (a reference harness's results.json beside LoadGen logs is not)."""
    if not spec or any(name in files for name in LOADGEN_LOGS):
        return False
    wanted = (*spec.get("performance_files", ()), *spec.get("accuracy_files", ()), *_misnamed(spec))
    return any(name in files for name in wanted)


def _misnamed(spec: Mapping[str, Any]) -> dict[str, str]:
    """Published names no official parser opens -> the name each stands for (round data)."""
    return {k: str(v) for k, v in (spec.get("misnamed_files") or {}).items() if k != "source"}


# -- reading --------------------------------------------------------------------------------------


def _read_json(relative: str, real: str, shown: str, limit: int) -> EndpointsFile:
    import orjson

    found = EndpointsFile(relative, shown)
    try:
        found.size = safefs.lstat(real).st_size
        raw = safefs.read_regular(real, limit + 1)
    except (OSError, ValueError) as err:
        found.problem = safefs.why_unreadable(err) if isinstance(err, OSError) else str(err)
        return found
    if len(raw) > limit:
        found.problem = f"larger than {limit:,} bytes (not read)"
        return found
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        found.problem = f"not JSON ({str(err).splitlines()[0][:160]})"
        return found
    if not isinstance(data, dict):
        found.problem = f"a JSON {type(data).__name__}, not an object"
        return found
    found.data = data
    return found


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "True"):
        return True
    if text in ("false", "False"):
        return False
    if text in ("null", "~", "Null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def read_config(text: str) -> dict[str, Any]:
    """The scalars of a block-style YAML mapping, by dotted key (``settings.runtime.min_duration_ms``).

    Lists, flow collections (``{...}``, ``[...]``), anchors and multi-line strings are not read:
    what the checks need are scalars of nested mappings."""
    found: dict[str, Any] = {}
    stack: list[tuple[int, str | None]] = []  # (indent, key); None: inside a list item
    for raw in text.splitlines()[:CONFIG_MAX_LINES]:
        line = raw.rstrip()
        body = line.lstrip(" ")
        if not body or body.startswith("#") or body.startswith("---"):
            continue
        indent = len(line) - len(body)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if body == "-" or body.startswith("- "):
            stack.append((indent, None))
            continue
        key, colon, value = body.partition(":")
        if not colon or any(k is None for _, k in stack):
            continue
        key = key.strip().strip("'\"")
        value = value.split(" #", 1)[0].strip()
        path = ".".join([k for _, k in stack if k is not None] + [key])
        if not value:
            stack.append((indent, key))
        elif value[0] not in "{[&*|>!":
            found[path] = _scalar(value)
    return found


def _dig(data: Any, dotted: str) -> Any:
    """A value by dotted path, the longest key first at each level (``percentiles.99.9``)."""
    parts = dotted.split(".")
    current = data
    index = 0
    while index < len(parts):
        if not isinstance(current, dict):
            return None
        for end in range(len(parts), index, -1):
            name = ".".join(parts[index:end])
            if name in current:
                current = current[name]
                index = end
                break
        else:
            return None
    return None if isinstance(current, (dict, list)) and not current else current


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _scores(data: dict[str, Any]) -> list[AccuracyScore]:
    """``accuracy_scores``: a list of entries (layout 1) or a dict keyed by dataset (layout 2)."""
    raw = data.get("accuracy_scores")
    entries = list(raw.values()) if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    found = []
    for entry in entries[:1000]:
        if not isinstance(entry, dict) or entry.get("dataset_type") not in (None, "accuracy"):
            continue
        score = entry.get("score")
        metrics: tuple[tuple[str, float], ...] = ()
        if isinstance(score, dict):
            metrics = tuple((str(k), v) for k, v in ((k, _number(v)) for k, v in score.items()) if v is not None)[:64]
            value = metrics[0][1] if metrics else None
        else:
            value = _number(score)
        samples = _number(entry.get("total_samples", entry.get("num_samples")))
        found.append(AccuracyScore(str(entry.get("dataset_name", "")), value, metrics, int(samples) if samples is not None else None))
    return found


def read_endpoints_result(files: Mapping[str, str], shown: str, spec: Mapping[str, Any]) -> EndpointsResult:
    """Read an Endpoints result: ``files`` maps names below the scenario folder to real paths;
    ``shown`` is the folder as the report shows it; ``spec`` the round's ``[endpoints]`` table."""
    limit = int((spec.get("max_file_bytes") or {}).get("value", DEFAULT_MAX_BYTES))
    cache: dict[str, EndpointsFile] = {}

    def read(relative: str) -> EndpointsFile:
        if relative not in cache:
            cache[relative] = _read_json(relative, files[relative], f"{shown}/{named.get(relative, relative)}", limit)
        return cache[relative]

    misnamed = _misnamed(spec)
    present = dict(files)
    named: dict[str, str] = {}  # the name a file is read under -> its own name
    for name, meant in misnamed.items():
        if name in files and meant not in files:  # read under the name it stands for, and said so
            present[meant] = files[name]
            named[meant] = name
    perf_name = next((n for n in spec.get("performance_files", ()) if n in present), None)
    acc_name = next((n for n in spec.get("accuracy_files", ()) if n in present), None)
    files = present
    performance = read(perf_name) if perf_name else None
    accuracy = read(acc_name) if acc_name else None
    layout = "run" if perf_name and perf_name.startswith(f"{PERFORMANCE}/run_1/") else "summary"
    result = EndpointsResult(layout, performance, accuracy, None)
    result.misnamed = sorted((name, meant) for meant, name in named.items())
    config_name = next((n for n in spec.get("config_files", ()) if n in files), None)
    if config_name is not None:
        result.config_file = config_name
        try:
            text = safefs.read_regular(files[config_name], CONFIG_MAX_BYTES)[:CONFIG_MAX_BYTES].decode("utf-8", errors="replace")
            result.config = read_config(text)
        except OSError as err:
            result.config_problem = safefs.why_unreadable(err)
    in_seconds = set(spec.get("in_seconds", ()))
    sources = [f for f in (performance, accuracy) if f is not None and f.data is not None]
    for key, paths in (spec.get("fields") or {}).items():
        if key == "source" or not isinstance(paths, list):
            continue
        for source in sources:
            hit = next(((p, v) for p in paths if (v := _dig(source.data, str(p))) is not None), None)
            if hit is not None:
                path, value = hit
                if path in in_seconds and _number(value) is not None:
                    value = _number(value) * 1e9  # type: ignore[operator]
                result.values[key] = value
                result.origins[key] = f"{os.path.basename(source.relative)}: {path}"
                break
    for key, path in (spec.get("config_fields") or {}).items():
        if key != "source" and key not in result.values and str(path) in result.config:
            result.values[key] = result.config[str(path)]
            result.origins[key] = f"{config_name}: {path}"
    if accuracy is not None and accuracy.data is not None:
        result.scores = _scores(accuracy.data)
    result.files = list(cache.values())
    return result
