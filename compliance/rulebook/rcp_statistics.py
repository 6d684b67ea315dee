"""The statistics of the Reference Convergence Points, as the official
``mlperf_logging.rcp_checker`` (4.1.68) computes them:

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
3. interpolation between two points: mean and stdev linear in the batch size,
   ``n_ref = 2 * required_runs``.

Every point also carries ``documented_min_mean``: the same bound computed as the rules
appendix's worked example does (stdev of the olympic slice instead of all runs).

numpy's arithmetic is reproduced to the bit; scipy is imported only to compute a bound not
computed before (the bounds are kept in the cache folder, the only thing this module writes).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from compliance.records import recordclass
from compliance.rulebook.rcp import RcpBenchmark, load_rcp_benchmarks



@recordclass(frozen=True, slots=True)
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


# -- numpy's arithmetic, to the bit -----------------------------------------------------------
# The official checker computes with numpy; these give the same doubles (tests/unit/test_rcp.py
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


@lru_cache(maxsize=256)
def cached_stats(
    suite: str, round_name: str, benchmark: str, required_runs: int, pruned: bool
) -> tuple[RcpStats, ...]:
    """The statistics of a round's points of a benchmark (pruned, or all), computed once per process."""
    bench = load_rcp_benchmarks(suite, round_name)[benchmark]
    stats = point_stats(bench, required_runs)
    return tuple(prune_stats(stats) if pruned else stats)
