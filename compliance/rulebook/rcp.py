"""Reference Convergence Points (RCPs): the round data, its model and its loader.

The reference runs of each round are data (``checkers/<suite>/rcp/v<round>.json``, format in
``checkers/RCP.md``): this module reads a round's file, follows ``extends`` to the earlier
rounds (a later round adds, replaces or retires benchmarks; ``statistics`` merge field by
field) and gives each benchmark's points (``RcpBenchmark``, ``RcpPoint``). The training
rulebook's sha256, which a report carries, covers these files (``rulebook.load._shared_files``).

What is computed from the points is in ``compliance.rulebook.rcp_statistics``; the test of a
run set, and its messages, in ``compliance.rules.package.rcp_test``.

This module is pure: it reads the packaged round data and never prints, logs or writes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from compliance.records import recordclass
from compliance.rulebook.load import available_rounds, canonical_round, checked_round, data_dir, load_rulebook, read_data
from compliance.rulebook.model import RulebookError


SCHEMA = 1
SUITES = ("training", "hpc")
UNITS = ("epochs", "samples", "tokens", "steps")
LOG_FIELDS = ("epoch_num", "samples_count", "step_num")
SOURCE_FIELDS = ("Epochs to converge", "samples to converge")


_TOP_FIELDS = {"schema", "suite", "round", "extends", "ruleset", "source", "statistics", "benchmarks", "notes"}
_STAT_FIELDS = {"alpha", "bisection_tolerance", "stdev", "stdev_source", "source"}
STDEV_METHODS = ("all_runs", "olympic")  # np.std of every run of a point (logging 52245a0, 4.1 on), or of its olympic slice (before)
_BENCH_FIELDS = {
    "unit",
    "log_field",
    "source_field",
    "olympic_drop",
    "source",
    "points",
    "min_mean_slack",
    "notes",
    "retired",
}
_POINT_FIELDS = {
    "name",
    "benchmark",
    "batch_size",
    "converged_at",
    "hyperparameters",
    "creator",
    "platform",
    "precision",
    "when",
}


class RcpDataError(RulebookError):
    """The RCP data in ``checkers/<suite>/rcp/`` is malformed or missing."""


def _round_key(name: str) -> tuple[int, int]:
    major, minor = name.split(".")
    return int(major), int(minor)


@recordclass(frozen=True, slots=True)
class RcpPoint:
    """One reference convergence point: the reference runs at one batch size."""

    name: str
    batch_size: int
    converged_at: tuple[float, ...]  # one value per reference run, in the unit of its benchmark
    hyperparameters: Mapping[str, Any]
    creator: str | None = None
    platform: str | None = None
    precision: str | None = None
    when: str | None = None
    label: str | None = None  # the official record's "Benchmark" when it differs (training 3.1: "sd")


@recordclass(frozen=True, slots=True)
class RcpBenchmark:
    """A benchmark's RCPs in one round, with the settings of its test."""

    name: str
    unit: str  # what converged_at counts: epochs | samples | tokens | steps
    log_field: str  # the eval record metadata field the official checker reads
    olympic_drop: int  # runs dropped at each end; also the most runs that may fail to converge
    points: tuple[RcpPoint, ...]
    alpha: float  # one-sided significance level of the t-test
    tolerance: float  # bisection stops when the bracket is this narrow
    min_mean_slack: float = 0.0  # subtracted from the minimum mean (llama31_405b: one eval)
    stdev_method: str = "all_runs"  # the round's rcp_checker: all runs, or the olympic slice (before 4.1)
    source: str = ""  # the official file the points come from
    defined_in: str = ""  # the round whose data file holds the points
    source_field: str = "Epochs to converge"  # the official file's name for converged_at
    notes: str = ""


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(where: str, raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is not None and not isinstance(value, str):
        raise RcpDataError(f"{where}: {name} must be a string")
    return value


def _check_table(where: str, raw: Any, allowed: frozenset[str] | set[str], not_table: str) -> None:
    """``raw`` is a JSON object with no field but ``allowed`` (else RcpDataError, ``not_table``
    saying what it must be)."""
    if not isinstance(raw, dict):
        raise RcpDataError(f"{where}: {not_table}")
    unknown = set(raw) - allowed
    if unknown:
        raise RcpDataError(f"{where}: unknown fields {sorted(unknown)}")


def _point(where: str, raw: Any, olympic_drop: int) -> RcpPoint:
    _check_table(where, raw, _POINT_FIELDS, "a point must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise RcpDataError(f"{where}: every point needs a name")
    where = f"{where} {name}"
    batch = raw.get("batch_size")
    if not isinstance(batch, int) or isinstance(batch, bool) or batch <= 0:
        raise RcpDataError(f"{where}: batch_size must be a positive integer")
    values = raw.get("converged_at")
    if not isinstance(values, list) or not all(_is_number(v) and math.isfinite(v) and v > 0 for v in values):
        raise RcpDataError(f"{where}: converged_at must be a list of positive numbers")
    if len(values) <= 2 * olympic_drop:
        raise RcpDataError(f"{where}: {len(values)} runs leave nothing after dropping {olympic_drop} at each end")
    hyper = raw.get("hyperparameters", {})
    if not isinstance(hyper, dict):
        raise RcpDataError(f"{where}: hyperparameters must be an object")
    return RcpPoint(
        name=name,
        batch_size=batch,
        converged_at=tuple(values),
        hyperparameters=_freeze(hyper),
        creator=_text(where, raw, "creator"),
        platform=_text(where, raw, "platform"),
        precision=_text(where, raw, "precision"),
        when=_text(where, raw, "when"),
        label=_text(where, raw, "benchmark"),
    )


def _benchmark_entry(
    where: str, name: str, raw: Any, round_name: str, stats: dict[str, Any], file_source: str
) -> RcpBenchmark:
    _check_table(where, raw, _BENCH_FIELDS, "must be an object")
    unit = raw.get("unit")
    if unit not in UNITS:
        raise RcpDataError(f"{where}: unit must be one of {list(UNITS)}")
    log_field = raw.get("log_field")
    if log_field not in LOG_FIELDS:
        raise RcpDataError(f"{where}: log_field must be one of {list(LOG_FIELDS)}")
    if raw.get("source_field", SOURCE_FIELDS[0]) not in SOURCE_FIELDS:
        raise RcpDataError(f"{where}: source_field must be one of {list(SOURCE_FIELDS)}")
    drop = raw.get("olympic_drop")
    if not isinstance(drop, int) or isinstance(drop, bool) or drop < 0:
        raise RcpDataError(f"{where}: olympic_drop must be a non-negative integer")
    slack_raw = raw.get("min_mean_slack")
    slack = 0.0
    if slack_raw is not None:
        if not isinstance(slack_raw, dict) or not _is_number(slack_raw.get("value")) or "unit" not in slack_raw:
            raise RcpDataError(f"{where}: min_mean_slack needs a numeric value and a unit")
        if slack_raw["unit"] != unit:
            raise RcpDataError(f"{where}: min_mean_slack is in {slack_raw['unit']}, the points in {unit}")
        slack = float(slack_raw["value"])
    raw_points = raw.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise RcpDataError(f"{where}: points must be a non-empty list")
    points = tuple(_point(f"{where}.points", p, drop) for p in raw_points)
    sizes = [p.batch_size for p in points]
    if len(set(sizes)) != len(sizes):
        raise RcpDataError(f"{where}: two points share a batch size")
    names = [p.name for p in points]
    if len(set(names)) != len(names):
        raise RcpDataError(f"{where}: two points share a name")
    source = str(raw.get("source", ""))
    return RcpBenchmark(
        name=name,
        unit=unit,
        log_field=log_field,
        olympic_drop=drop,
        points=points,
        alpha=float(stats["alpha"]),
        tolerance=float(stats["bisection_tolerance"]),
        min_mean_slack=slack,
        stdev_method=str(stats.get("stdev", "all_runs")),
        source=f"{file_source}/{source}" if source else file_source,
        defined_in=round_name,
        source_field=str(raw.get("source_field", SOURCE_FIELDS[0])),
        notes=str(raw.get("notes", "")),
    )


def _read_round(suite: str, round_name: str) -> dict[str, Any]:
    path = data_dir() / suite / "rcp" / f"v{round_name}.json"
    where = f"{suite}/rcp/v{round_name}.json"
    try:
        doc = dict(read_data(str(path))[0])  # the rulebook's one reader (and its in-process memo)
    except FileNotFoundError:
        raise RcpDataError(f"no RCP data for {suite} round {round_name}") from None
    except RulebookError as err:
        raise RcpDataError(f"{suite}/rcp/{err}") from err
    unknown = set(doc) - _TOP_FIELDS
    if unknown:
        raise RcpDataError(f"{where}: unknown top-level fields {sorted(unknown)}")
    if doc.get("schema") != SCHEMA:
        raise RcpDataError(f"{where}: schema must be {SCHEMA}")
    if doc.get("suite") != suite or canonical_round(str(doc.get("round", ""))) != round_name:
        raise RcpDataError(f"{where}: suite/round fields do not match the file name")
    if not isinstance(doc.get("benchmarks"), dict):
        raise RcpDataError(f"{where}: benchmarks must be an object")
    stats = doc.get("statistics")
    if stats is not None:
        if not isinstance(stats, dict) or set(stats) - _STAT_FIELDS:
            raise RcpDataError(f"{where}: statistics has unknown fields")
        for name in ("alpha", "bisection_tolerance"):
            if name in stats and not (_is_number(stats[name]) and 0 < stats[name] < 1):
                raise RcpDataError(f"{where}: statistics.{name} must be a number in (0, 1)")
        if "stdev" in stats and stats["stdev"] not in STDEV_METHODS:
            raise RcpDataError(f"{where}: statistics.stdev must be one of {list(STDEV_METHODS)}")
    return doc


@lru_cache(maxsize=None)
def _resolve(suite: str, round_name: str) -> tuple[RcpBenchmark, ...]:
    """Follow ``extends`` from ``round_name`` down to the base round and merge."""
    chain: list[tuple[str, dict[str, Any]]] = []
    current: str | None = round_name
    while current is not None:
        if any(name == current for name, _ in chain):
            raise RcpDataError(f"{suite}/rcp: extends loop at {current}")
        doc = _read_round(suite, current)
        chain.append((current, doc))
        parent = doc.get("extends")
        current = canonical_round(str(parent)) if parent is not None else None
        if parent is not None and (current is None or _round_key(current) >= _round_key(chain[-1][0])):
            raise RcpDataError(f"{suite}/rcp/v{chain[-1][0]}.json: extends must name an earlier round")
    stats: dict[str, Any] = {}
    for _, doc in reversed(chain):
        stats.update(doc.get("statistics") or {})
    if "alpha" not in stats or "bisection_tolerance" not in stats:
        raise RcpDataError(f"{suite}/rcp v{round_name}: statistics.alpha and bisection_tolerance are not set")
    merged: dict[str, RcpBenchmark] = {}
    for layer_round, doc in reversed(chain):
        file_source = str(doc.get("source", f"{suite}/rcp/v{layer_round}.json"))
        for name, raw in doc["benchmarks"].items():
            where = f"{suite}/rcp/v{layer_round}.json benchmarks.{name}"
            if isinstance(raw, dict) and raw.get("retired") is True:
                if set(raw) - {"retired", "source", "notes"}:
                    raise RcpDataError(f"{where}: a retired entry has only retired, source and notes")
                if name not in merged:
                    raise RcpDataError(f"{where}: retires a benchmark the earlier rounds do not have")
                del merged[name]
                continue
            merged[name] = _benchmark_entry(where, name, raw, layer_round, stats, file_source)
    return tuple(merged[name] for name in sorted(merged))


def rcp_rounds(suite: str) -> list[str]:
    """The rounds of a suite that have RCP data, oldest first."""
    folder = data_dir() / suite / "rcp"
    rounds = [canonical_round(p.stem) for p in folder.glob("v*.json")] if folder.is_dir() else []
    return sorted((r for r in rounds if r), key=_round_key)


def canonical_rcp_round(suite: str, round_name: str) -> str:
    """The canonical name of a round of a suite with RCPs (``5.0`` for ``v5.0``); raises RcpDataError."""
    if suite not in SUITES:
        raise RcpDataError(f"unknown suite {suite!r}")
    return checked_round(round_name, RcpDataError)


def load_rcp_benchmarks(suite: str, round_name: str) -> dict[str, RcpBenchmark]:
    """Every benchmark with RCPs in this round, after ``extends`` and ``retired``."""
    return {b.name: b for b in _resolve(suite, canonical_rcp_round(suite, round_name))}


def load_rcp_table(suite: str, round_name: str) -> dict[str, list[RcpPoint]]:
    """The RCP points of every benchmark of the round, in data-file order."""
    return {b.name: list(b.points) for b in _resolve(suite, canonical_rcp_round(suite, round_name))}


def required_runs_for(suite: str, round_name: str, benchmark: str) -> int | None:
    """The number of runs the round's rules require for a benchmark.

    Read from the round rule data; for a benchmark the round's rules no
    longer list (the official 5.1 RCPs still include bert) the newest earlier
    round that lists it is used.
    """
    canon = canonical_rcp_round(suite, round_name)
    for candidate in reversed(available_rounds(suite)):
        if _round_key(candidate) > _round_key(canon):
            continue
        info = load_rulebook(suite, candidate).benchmarks.get(benchmark)
        if info is not None and info.runs:
            return int(info.runs)
    return None
