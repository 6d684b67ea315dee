"""Work over many entries: in this process for a few, else in a process pool whose workers keep
the parent's confined folders, limits and what the selection silenced. Used by every kind that
checks a whole tree; knows nothing of what the jobs are."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sized
from functools import partial
from typing import Any

from compliance.registry import SILENCED

# A Ctrl-C that lands while the pool forks a worker is raised inside the fork hooks, where Python
# prints it and drops it ("Exception ignored in ..."): the command line's SIGINT handler only
# notes it while a fork is under way, and the pool raises it once the fork is done.
_FORKING = [False]
_PENDING = [False]


def interrupt_now() -> bool:
    """For the SIGINT handler: whether raising KeyboardInterrupt is safe now; if not, the interrupt
    is noted and raised by the pool as soon as it can."""
    if _FORKING[0]:
        _PENDING[0] = True
        return False
    return True


def _raise_pending() -> None:
    if _PENDING[0]:
        _PENDING[0] = False
        raise KeyboardInterrupt


def _fork_begins() -> None:
    _FORKING[0] = True


def _fork_ends() -> None:
    _FORKING[0] = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_fork_begins, after_in_parent=_fork_ends, after_in_child=_fork_ends)


def run_pool(
    worker: Callable[[Any], Any], jobs: Iterable[Any], progress: Callable[[int], None] | None, min_jobs: int, count: int | None = None
) -> list[Any]:
    """``worker`` over ``jobs`` in order: in this process for a few jobs, else in a process pool.

    ``jobs`` may be an iterator that makes each job as it is asked for (``count`` then says how
    many it makes): the pool's workers start on the first jobs while the rest are being made."""
    total = len(jobs) if count is None and isinstance(jobs, Sized) else (count or 0)
    if total < min_jobs or (os.cpu_count() or 1) < 2:
        results = []
        for job in jobs:
            results.append(worker(job))
            if progress:
                progress(1)
        return results
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    from compliance import limits
    from compliance.parsers.safefs import confined_roots

    # the workers keep the checked folders confined and the limits set
    pool_args = {"initializer": _worker_start, "initargs": (confined_roots(), limits.state())}
    pool = _executor()(max_workers=min(os.cpu_count() or 2, 8), mp_context=context, **pool_args)
    try:
        results = []
        for result, silenced in pool.map(partial(_counted, worker), jobs, chunksize=max(1, min(8, total // 32))):
            _raise_pending()
            results.append(result)
            SILENCED.update(silenced)  # what --select/--ignore removed in the worker
            if progress:
                progress(1)
    except BaseException:
        # Ctrl-C (or a failure): end now, not after the queued jobs; the workers ignore SIGINT,
        # so they are ended here, and none prints a traceback.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    _raise_pending()
    return results


def _counted(worker: Callable[[Any], Any], job: Any) -> tuple[Any, Counter[tuple[str, str]]]:
    """``worker(job)`` in a pool worker, and the findings selection removed meanwhile."""
    before = Counter(SILENCED)
    return worker(job), SILENCED - before


def _worker_start(roots: tuple[str, ...], bounds: dict[str, int]) -> None:
    """A pool worker's start: the parent's confined folders and limits."""
    import signal

    from compliance import limits
    from compliance.parsers.safefs import confine_roots

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (one line, exit 130)
    confine_roots(roots)
    limits.restore(bounds)


def _executor() -> Any:
    """The process pool class (imported on first use: it costs start-up time)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor
