"""Reference Convergence Points (RCPs): the round data and the convergence test.

A closed-division submission must not converge significantly faster (in
epochs or samples) than the reference implementation did at the same global
batch size. The reference runs of each round are data
(``checkers/<suite>/rcp/v<round>.json``, format in ``checkers/RCP.md``); this
module loads them and computes the test exactly as the official
``mlperf_logging.rcp_checker`` (4.1.68) does, so that our verdict, status and
normalisation factor are the official ones:

1. per RCP point: olympic mean (drop ``olympic_drop`` runs at each end),
   population stdev (ddof 0) of *all* its runs (round data ``statistics.stdev``:
   the rounds before training 4.1 and HPC 3.0 included took the olympic slice, as
   their rcp_checker did until mlcommons/logging 52245a0), and the minimum acceptable
   submission mean: bisection on ``[0, mean]`` for the smallest mean whose
   one-sided pooled two-sample t-test p-value stays above ``alpha``, with
   ``n_ref = len - 2 * olympic_drop`` and ``n_subm = required_runs - 2``;
   max speedup = mean / minimum mean;
2. pruning: points with a batch size below the fastest-converging point go,
   then a single left-to-right walk drops a point that converges slower than
   the line through its two neighbours (the left neighbour of a dropped point
   is not tested again: this is not a full lower convex envelope);
3. matching the submission's global batch size against the pruned points:
   exact, interpolated between two neighbours (mean and stdev linear in the
   batch size, ``n_ref = 2 * required_runs``), above the largest (missing
   RCP), or below the smallest (tested against the smallest; passes if not
   faster);
4. the submission passes iff its olympic mean (a run that did not converge
   counts as 1e9) is at least ``mean / max_speedup``; the score is normalised
   by ``max(1, mean / submission mean)``.

Every result also carries ``documented_min_mean``: the same bound computed as
the rules appendix's worked example does (stdev of the olympic slice instead
of all runs), which is stricter than the official checker.

This module is pure: it reads the packaged round data and never prints,
logs or writes (but for the bounds it keeps in the cache folder). numpy's arithmetic is
reproduced to the bit; scipy is imported only to compute a bound not computed before.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from compliance.rulebook.load import available_rounds, canonical_round, data_dir, load_rulebook
from compliance.rulebook.model import RulebookError

SCHEMA = 1
SUITES = ("training", "hpc")
UNITS = ("epochs", "samples", "tokens", "steps")
LOG_FIELDS = ("epoch_num", "samples_count", "step_num")
SOURCE_FIELDS = ("Epochs to converge", "samples to converge")

# How the official checker counts a run that did not converge; olympic
# scoring then drops it as the slowest run. Kept for parity although gpt3
# counts tokens (about 1.2e9), where it sorts as the *fastest* run instead.
NOT_CONVERGED = 1e9

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

RcpStatus = Literal[
    "pass",
    "fail",
    "pass-interpolated",
    "fail-interpolated",
    "pass-below-smallest",
    "missing",
    "no-rcp",
    "no-batch-size",
    "insufficient-convergence",
    "too-few-runs",
]


class RcpDataError(RulebookError):
    """The RCP data in ``checkers/<suite>/rcp/`` is malformed or missing."""


def _round_key(name: str) -> tuple[int, int]:
    major, minor = name.split(".")
    return int(major), int(minor)


# ---------------------------------------------------------------- data model


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class RcpStats:
    """The statistics of one RCP point, or of one interpolated between two."""

    names: tuple[str, ...]  # one point, or the two an interpolation is made from
    batch_size: float
    mean: float  # olympic mean
    stdev: float  # population stdev of all runs (official)
    min_mean: float  # smallest acceptable submission mean (official)
    max_speedup: float  # mean / min_mean
    n_ref: int
    olympic_stdev: float  # population stdev of the olympic slice (rules appendix)
    documented_min_mean: float  # min_mean computed with olympic_stdev
    interpolated: bool = False


@dataclass(frozen=True, slots=True)
class RcpResult:
    """The outcome of the RCP test for one submitted run set."""

    status: RcpStatus
    passed: bool
    bypassed: bool
    message: str
    suite: str
    round: str
    benchmark: str
    batch_size: float | None
    unit: str | None
    runs: int  # runs given
    not_converged: int
    required_runs: int | None
    submission_mean: float | None  # olympic mean of the runs given
    rcp_names: tuple[str, ...]
    rcp_batch_sizes: tuple[int, ...]
    rcp_mean: float | None
    rcp_stdev: float | None
    min_mean: float | None  # the bound the submission mean is tested against (rcp_mean / max_speedup)
    max_speedup: float | None
    norm_factor: float
    documented_min_mean: float | None
    interpolated: bool = False


# ---------------------------------------------------------------- loading


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


def _point(where: str, raw: Any, olympic_drop: int) -> RcpPoint:
    if not isinstance(raw, dict):
        raise RcpDataError(f"{where}: a point must be an object")
    unknown = set(raw) - _POINT_FIELDS
    if unknown:
        raise RcpDataError(f"{where}: unknown fields {sorted(unknown)}")
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
    if not isinstance(raw, dict):
        raise RcpDataError(f"{where}: must be an object")
    unknown = set(raw) - _BENCH_FIELDS
    if unknown:
        raise RcpDataError(f"{where}: unknown fields {sorted(unknown)}")
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
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise RcpDataError(f"no RCP data for {suite} round {round_name}") from None
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise RcpDataError(f"{suite}/rcp/v{round_name}.json: {err}") from err
    where = f"{suite}/rcp/v{round_name}.json"
    if not isinstance(doc, dict):
        raise RcpDataError(f"{where}: the top level must be an object")
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


def _canon(suite: str, round_name: str) -> str:
    if suite not in SUITES:
        raise RcpDataError(f"unknown suite {suite!r}")
    canon = canonical_round(round_name)
    if canon is None:
        raise RcpDataError(f"{round_name!r} is not a round name (use e.g. 5.0, v5.0 or 5.0.0)")
    return canon


def load_rcp_benchmarks(suite: str, round_name: str) -> dict[str, RcpBenchmark]:
    """Every benchmark with RCPs in this round, after ``extends`` and ``retired``."""
    return {b.name: b for b in _resolve(suite, _canon(suite, round_name))}


def load_rcp_table(suite: str, round_name: str) -> dict[str, list[RcpPoint]]:
    """The RCP points of every benchmark of the round, in data-file order."""
    return {b.name: list(b.points) for b in _resolve(suite, _canon(suite, round_name))}


# ---------------------------------------------------------------- statistics


# -- numpy's arithmetic, to the bit -----------------------------------------------------------
# The official checker computes with numpy; these give the same doubles (tests/test_rcp.py
# compares them with numpy bit for bit) without importing it, a start-up cost of every check.

_PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


def _pairwise(values: Sequence[float], start: int, count: int) -> float:
    """numpy's pairwise summation of ``count`` doubles from ``start`` (``DOUBLE_pairwise_sum``)."""
    if count < 8:
        total = 0.0
        for i in range(start, start + count):
            total += values[i]
        return total
    if count <= _PAIRWISE_BLOCK:
        acc = [float(values[start + j]) for j in range(8)]
        i = 8
        whole = count - count % 8
        while i < whole:
            for j in range(8):
                acc[j] += values[start + i + j]
            i += 8
        total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        while i < count:
            total += values[start + i]
            i += 1
        return total
    half = count // 2
    half -= half % 8
    return _pairwise(values, start, half) + _pairwise(values, start + half, count - half)


def np_mean(values: Sequence[float]) -> float:
    """``float(numpy.mean(values))`` for a non-empty sequence of floats."""
    floats = [float(v) for v in values]
    return _pairwise(floats, 0, len(floats)) / len(floats)


def np_std(values: Sequence[float]) -> float:
    """``float(numpy.std(values))`` (population, ddof 0) for a non-empty sequence of floats."""
    floats = [float(v) for v in values]
    mean = np_mean(floats)
    squares = [(v - mean) * (v - mean) for v in floats]
    return math.sqrt(_pairwise(squares, 0, len(squares)) / len(squares))


def np_interp(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """``float(numpy.interp(x, [x0, x1], [y0, y1]))``: two points, increasing ``xs``."""
    (x0, x1), (y0, y1) = (float(v) for v in xs), (float(v) for v in ys)
    x = float(x)
    if math.isnan(x):
        return x
    if x < x0:
        return y0
    if x > x1:
        return y1
    if x == x1:
        return y1
    slope = (y1 - y0) / (x1 - x0)
    result = slope * (x - x0) + y0
    if math.isnan(result):
        result = slope * (x - x1) + y1
        if math.isnan(result) and y0 == y1:
            result = y0
    return result


def olympic_mean(values: Sequence[float], drop: int) -> float:
    """Mean after dropping ``drop`` smallest and ``drop`` largest values (numpy's summation)."""
    ordered = sorted(values)
    kept = ordered[drop : len(ordered) - drop]
    if not kept:
        raise ValueError(f"{len(ordered)} values leave nothing after dropping {drop} at each end")
    return np_mean(kept)


def min_acceptable_mean(
    mean: float, stdev: float, n_ref: int, n_subm: int, alpha: float, tolerance: float
) -> float:
    """``_min_acceptable_mean``, kept in the cache folder by its exact arguments and the scipy
    release: scipy (half a second to import) is needed only the first time a bound is asked for.
    """
    if stdev == 0:
        return mean
    key = f"{mean!r}|{stdev!r}|{n_ref}|{n_subm}|{alpha!r}|{tolerance!r}"
    return _BOUNDS.get(key, lambda: _min_acceptable_mean(mean, stdev, n_ref, n_subm, alpha, tolerance))


class _BoundCache:
    """Bounds computed before (``rcp-bounds-N.json`` in the cache folder: JSON numbers under
    their arguments, per scipy release; doubles round-trip exactly through JSON)."""

    def __init__(self) -> None:
        self.table: dict[str, float] | None = None

    def _path(self) -> str | None:
        from compliance.rulebook.load import _cache_dir

        folder = _cache_dir()
        return os.path.join(folder, f"rcp-bounds-{_BOUNDS_FORMAT}-{_scipy_release()}.json") if folder else None

    def get(self, key: str, compute: Any) -> float:
        from compliance.rulebook.load import read_cache_file, write_cache_file

        path = self._path()
        if self.table is None:
            loaded = read_cache_file(path) if path else {}
            self.table = {k: v for k, v in loaded.items() if isinstance(v, float)}
        known = self.table.get(key)
        if known is not None:
            return known
        value = float(compute())
        self.table[key] = value
        if path:
            write_cache_file(path, self.table)
        return value


_BOUNDS_FORMAT = 1
_BOUNDS = _BoundCache()


@lru_cache(maxsize=1)
def _scipy_release() -> str:
    """The installed scipy's version, from its distribution's folder name (without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.origin:
        return "none"
    site = os.path.dirname(os.path.dirname(spec.origin))
    try:
        names = os.listdir(site)
    except OSError:
        return "unknown"
    found = sorted(n[len("scipy-") : -len(".dist-info")] for n in names if n.startswith("scipy-") and n.endswith(".dist-info"))
    return found[-1] if len(found) == 1 else "unknown"


def _min_acceptable_mean(
    mean: float, stdev: float, n_ref: int, n_subm: int, alpha: float, tolerance: float
) -> float:
    """The smallest submission mean a one-sided pooled t-test still accepts.

    Bisection on ``[0, mean]`` until the bracket is narrower than
    ``tolerance``; a candidate is accepted while the one-sided p-value of
    "candidate mean < reference mean" stays above ``alpha``. As in the
    official checker the candidate is passed to scipy with the reference's
    sample count and the reference with the submission's (the stdevs are
    equal, so the pooled test is symmetric in the counts and the numbers are
    the same either way).
    """
    if stdev == 0:
        return mean
    if n_ref < 1 or n_subm < 1 or n_ref + n_subm <= 2:
        raise ValueError(f"a t-test needs more samples (n_ref={n_ref}, n_subm={n_subm})")
    from scipy.stats import ttest_ind_from_stats

    high = mean
    low = 0.0
    mid = (low + high) / 2
    while high - low > tolerance:
        t_stat, p_two = ttest_ind_from_stats(mid, stdev, n_ref, mean, stdev, n_subm, equal_var=True)
        p_one = p_two / 2 if t_stat < 0 else 1 - p_two / 2
        if p_one > alpha:
            high = mid
        else:
            low = mid
        mid = (low + high) / 2
    return float(mid)


def point_stats(bench: RcpBenchmark, required_runs: int) -> list[RcpStats]:
    """Statistics of every point of a benchmark, sorted by batch size (ties keep data order)."""
    drop = bench.olympic_drop
    out = []
    for point in sorted(bench.points, key=lambda p: p.batch_size):
        values = sorted(point.converged_at)
        kept = values[drop : len(values) - drop]
        mean = np_mean(kept)
        olympic_stdev = np_std(kept)
        stdev = olympic_stdev if bench.stdev_method == "olympic" else np_std(values)
        n_ref = len(values) - 2 * drop
        # n_subm = required_runs - 2: the official checker's choice, also for unet3d (which drops 4 at each end)
        out.append(_stats((point.name,), point.batch_size, mean, stdev, olympic_stdev, n_ref, required_runs, bench.alpha, bench.tolerance))
    return out


def _stats(
    names: tuple[str, ...], batch_size: float, mean: float, stdev: float, olympic_stdev: float,
    n_ref: int, required_runs: int, alpha: float, tolerance: float, interpolated: bool = False,
) -> RcpStats:
    """One RCP's statistics and its lowest acceptable mean (that of the reference's stdev, and the
    one the rules document: of the olympic stdev), against ``required_runs - 2`` submission runs."""
    n_subm = required_runs - 2
    min_mean = min_acceptable_mean(mean, stdev, n_ref, n_subm, alpha, tolerance)
    documented = min_acceptable_mean(mean, olympic_stdev, n_ref, n_subm, alpha, tolerance)
    return RcpStats(
        names=names,
        batch_size=batch_size,
        mean=mean,
        stdev=stdev,
        min_mean=min_mean,
        max_speedup=mean / min_mean,
        n_ref=n_ref,
        olympic_stdev=olympic_stdev,
        documented_min_mean=documented,
        interpolated=interpolated,
    )


def _line(batch_size: float, low: RcpStats, high: RcpStats, attr: str) -> float:
    return np_interp(batch_size, [low.batch_size, high.batch_size], [getattr(low, attr), getattr(high, attr)])


def prune_stats(stats: Sequence[RcpStats]) -> list[RcpStats]:
    """The official pruning of a benchmark's points (``stats`` sorted by batch size).

    Drop every point with a smaller batch size than the fastest-converging
    one; then walk left to right and drop a point whose mean is above the
    line through its two neighbours. After a drop the walk goes on with the
    next point, so the left neighbour is not looked at again.
    """
    if not stats:
        return []
    fastest = min(stats, key=lambda s: s.mean)
    kept = [s for s in stats if s.batch_size >= fastest.batch_size]
    i = 1
    while i < len(kept) - 1:
        if kept[i].mean > _line(kept[i].batch_size, kept[i - 1], kept[i + 1], "mean"):
            del kept[i]
        else:
            i += 1
    return kept


def interpolate_stats(
    batch_size: float, low: RcpStats, high: RcpStats, required_runs: int, alpha: float, tolerance: float
) -> RcpStats:
    """An RCP for a batch size between two points: mean and stdevs linear in the batch size."""
    mean = _line(batch_size, low, high, "mean")
    stdev = _line(batch_size, low, high, "stdev")
    olympic_stdev = _line(batch_size, low, high, "olympic_stdev")
    n_ref = 2 * required_runs  # the official checker's choice for interpolated points
    return _stats(low.names + high.names, batch_size, mean, stdev, olympic_stdev, n_ref, required_runs, alpha, tolerance, interpolated=True)


UNIT_MISMATCH = 20.0  # a submission mean this many times below every RCP mean counts in another unit


def _too_fast(bench: RcpBenchmark, table: Sequence[RcpStats], submission_mean: float) -> str:
    """Why a run set fails the bound: it converges too fast, or, far below every RCP point,
    its logged values look like another unit (epochs where the round's RCPs count samples)."""
    slowest = min(s.mean for s in table)
    if submission_mean > 0 and slowest / submission_mean >= UNIT_MISMATCH:
        return (
            f": that is {slowest / submission_mean:.0f}x below every RCP point, so the logged {bench.log_field} "
            f"looks like another unit than {bench.unit}, which this round's RCPs count"
        )
    return ": it converges too fast"


@lru_cache(maxsize=256)
def _cached_stats(
    suite: str, round_name: str, benchmark: str, required_runs: int, pruned: bool
) -> tuple[RcpStats, ...]:
    bench = load_rcp_benchmarks(suite, round_name)[benchmark]
    stats = point_stats(bench, required_runs)
    return tuple(prune_stats(stats) if pruned else stats)


def required_runs_for(suite: str, round_name: str, benchmark: str) -> int | None:
    """The number of runs the round's rules require for a benchmark.

    Read from the round rule data; for a benchmark the round's rules no
    longer list (the official 5.1 RCPs still include bert) the newest earlier
    round that lists it is used.
    """
    canon = _canon(suite, round_name)
    for candidate in reversed(available_rounds(suite)):
        if _round_key(candidate) > _round_key(canon):
            continue
        info = load_rulebook(suite, candidate).benchmarks.get(benchmark)
        if info is not None and info.runs:
            return int(info.runs)
    return None


# ---------------------------------------------------------------- the test


def _num(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 100:
        return f"{x:.2f}"
    return f"{x:.4g}"


def _bs(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def check_rcp(
    suite: str,
    round_name: str,
    benchmark: str,
    batch_size: float | None,
    converged_at: Sequence[float | None],
    *,
    bypass: bool = False,
    required_runs: int | None = None,
    rcps: RcpBenchmark | None = None,
    pruned: bool = True,
) -> RcpResult:
    """Test a run set's convergence against the round's RCPs (official algorithm).

    ``converged_at`` has one entry per run: the epochs (or samples, in the
    unit of the benchmark's RCPs) at which it reached the target, or None
    (also NaN or infinity) when it did not converge. ``batch_size`` is the
    runs' common global batch size (None when it is not logged).
    ``required_runs`` defaults to the round's rule data; ``rcps`` replaces the
    round's RCPs for this benchmark (like the official ``--custom_rcps``);
    ``pruned=False`` tests against all points (the official ``full_rcps``).
    ``bypass`` turns a fail, an interpolated fail or a missing RCP into a pass
    that stays marked as bypassed (the package checker's ``--rcp-bypass``).
    """
    canon = _canon(suite, round_name)
    runs = len(converged_at)
    values: list[float] = []
    not_converged = 0
    for value in converged_at:
        if value is None or not math.isfinite(value):
            not_converged += 1
            values.append(NOT_CONVERGED)
        else:
            values.append(float(value))
    known: dict[str, Any] = {
        "suite": suite,
        "round": canon,
        "benchmark": benchmark,
        "batch_size": batch_size,
        "unit": None,
        "runs": runs,
        "not_converged": not_converged,
        "required_runs": required_runs,
        "submission_mean": None,
        "rcp_names": (),
        "rcp_batch_sizes": (),
        "rcp_mean": None,
        "rcp_stdev": None,
        "min_mean": None,
        "max_speedup": None,
        "norm_factor": 1.0,
        "documented_min_mean": None,
    }

    def result(status: RcpStatus, passed: bool, message: str, **fields: Any) -> RcpResult:
        known.update(fields)
        found = RcpResult(status=status, passed=passed, bypassed=False, message=message, **known)
        if bypass and not passed and status in ("fail", "fail-interpolated", "missing"):
            message = message[:-1] + "; passed with the RCP bypass: the submission committee will review it."
            found = replace(found, passed=True, bypassed=True, message=message)
        return found

    if batch_size is None:
        message = f"{benchmark}: global_batch_size is not logged, so no RCP can be matched."
        return result("no-batch-size", False, message)
    bench = rcps
    if bench is None:
        if canon not in rcp_rounds(suite):
            return result("no-rcp", False, f"{benchmark}: there are no RCPs for {suite} round {canon}.")
        bench = load_rcp_benchmarks(suite, canon).get(benchmark)
        if bench is None:
            return result("no-rcp", False, f"{benchmark}: {suite} round {canon} has no RCPs for this benchmark.")
    known["unit"] = unit = bench.unit
    if required_runs is None:
        required_runs = required_runs_for(suite, canon, benchmark)
        if required_runs is None:
            return result("no-rcp", False, f"{benchmark}: the {suite} rules give no number of runs, so no RCP test.")
        known["required_runs"] = required_runs
    drop = bench.olympic_drop
    if not_converged > drop:
        return result(
            "insufficient-convergence",
            False,
            f"{benchmark}: {not_converged} of {runs} runs did not converge; at most {drop} may "
            f"(olympic scoring drops {drop} at each end).",
        )
    if runs <= 2 * drop:
        return result(
            "too-few-runs",
            False,
            f"{benchmark}: {runs} run(s) leave nothing to average after dropping {drop} at each end "
            f"({required_runs} are required).",
        )

    if rcps is None:
        table = list(_cached_stats(suite, canon, benchmark, required_runs, pruned))
    else:
        table = point_stats(bench, required_runs)
        table = prune_stats(table) if pruned else table
    if not table:
        return result("no-rcp", False, f"{benchmark}: no RCP points.")

    bs_text = _bs(batch_size)
    submission_mean = olympic_mean(values, drop)
    exact = next((s for s in table if s.batch_size == batch_size), None)
    lower = [s for s in table if s.batch_size < batch_size]
    higher = [s for s in table if s.batch_size > batch_size]
    if exact is not None:
        used_sizes: tuple[float, ...] = (exact.batch_size,)
        rcp, kind = exact, "exact"
    elif lower and higher:
        rcp = interpolate_stats(batch_size, lower[-1], higher[0], required_runs, bench.alpha, bench.tolerance)
        kind, used_sizes = "interpolated", (lower[-1].batch_size, higher[0].batch_size)
    elif lower:
        return result(
            "missing",
            False,
            f"{benchmark}: no RCP for global batch size {bs_text}, which is larger than the largest RCP "
            f"batch size {_bs(table[-1].batch_size)}: submit RCPs for batch size {bs_text}.",
            submission_mean=submission_mean,
        )
    else:
        rcp, kind, used_sizes = table[0], "below", (table[0].batch_size,)

    max_speedup = rcp.max_speedup
    documented = rcp.documented_min_mean
    if bench.min_mean_slack:
        max_speedup = rcp.mean / (rcp.min_mean - bench.min_mean_slack)
        documented = documented - bench.min_mean_slack
    bound = rcp.mean / max_speedup
    norm = rcp.mean / submission_mean if submission_mean != 0 else math.inf
    norm = max(norm, 1.0)
    passed = submission_mean >= bound

    if kind == "exact":
        status: RcpStatus = "pass" if passed else "fail"
        where = f"{benchmark} at global batch size {bs_text}"
    elif kind == "interpolated":
        status = "pass-interpolated" if passed else "fail-interpolated"
        where = (
            f"{benchmark} at global batch size {bs_text} (RCP interpolated between batch sizes "
            f"{_bs(used_sizes[0])} and {_bs(used_sizes[1])})"
        )
    else:
        status = "pass-below-smallest" if passed else "missing"
        where = (
            f"{benchmark} at global batch size {bs_text}, below the smallest RCP batch size "
            f"{_bs(rcp.batch_size)}"
        )
    slack = f", {_num(bench.min_mean_slack)} {unit} of slack" if bench.min_mean_slack else ""
    rcp_text = (
        f"RCP {' and '.join(rcp.names)} (mean {_num(rcp.mean)}, stdev {_num(rcp.stdev)}, "
        f"max speedup {(max_speedup - 1) * 100:.2f}%{slack})"
    )
    parts = [f"{where}: the olympic mean of {runs} runs, {_num(submission_mean)} {unit}, "]
    if passed:
        parts.append(f"is at or above the minimum {_num(bound)} allowed by {rcp_text}")
        if norm > 1:
            parts.append(f"; it is faster than the RCP mean, so the score is normalised by {norm:.4f}")
    else:
        parts.append(f"is below the minimum {_num(bound)} allowed by {rcp_text}")
        parts.append(f": submit RCPs for batch size {bs_text}" if kind == "below" else _too_fast(bench, table, submission_mean))
    if not math.isclose(documented, bound, rel_tol=1e-12):
        parts.append(
            f" (the rules appendix method, stdev of the olympic slice, gives a minimum of {_num(documented)})"
        )
    return result(
        status,
        passed,
        "".join(parts) + ".",
        submission_mean=submission_mean,
        rcp_names=rcp.names,
        rcp_batch_sizes=tuple(int(b) for b in used_sizes),
        rcp_mean=rcp.mean,
        rcp_stdev=rcp.stdev,
        min_mean=bound,
        max_speedup=max_speedup,
        norm_factor=norm,
        documented_min_mean=documented,
        interpolated=kind == "interpolated",
    )
