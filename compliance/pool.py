"""Work over many entries: in this process for a few, else in a process pool whose workers keep
the parent's confined folders, limits and what the selection silenced. Used by every kind that
checks a whole tree; knows nothing of what the jobs are."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sized
from functools import partial
from itertools import chain, islice
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

    ``jobs`` may be an iterator that makes each job as it is asked for: the pool's workers start
    on the first jobs while the rest are being made. ``count`` says how many it makes; without
    it (and for an iterator without a length) the first ``min_jobs`` are made to tell whether a
    pool pays, and the jobs are sent in chunks that grow as more are made."""
    if count is None and isinstance(jobs, Sized):
        count = len(jobs)
    first: list[Any] = []
    if count is None:
        jobs = iter(jobs)
        first = list(islice(jobs, min_jobs))
        jobs = chain(first, jobs)
    if (count if count is not None else len(first)) < min_jobs or (os.cpu_count() or 1) < 2:
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
        for chunk in pool.map(partial(_counted, worker), _chunks(jobs, count)):
            for result, silenced in chunk:
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


MOST_CHUNK = 8  # jobs sent to a worker at once (fewer while few jobs are known: see _chunks)


def _chunks(jobs: Iterable[Any], count: int | None) -> Iterator[list[Any]]:
    """The jobs in chunks of a 32nd of their count, 1 to ``MOST_CHUNK``: small enough for the
    workers to end together, big enough to cost few messages. Without a count, each chunk is a
    32nd of the jobs made so far."""
    chunk: list[Any] = []
    made = 0
    for job in jobs:
        chunk.append(job)
        made += 1
        if len(chunk) >= max(1, min(MOST_CHUNK, (count if count is not None else made) // 32)):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _counted(worker: Callable[[Any], Any], chunk: list[Any]) -> list[tuple[Any, Counter[tuple[str, str]]]]:
    """``worker`` on each job of a chunk in a pool worker, and the findings selection removed meanwhile."""
    done = []
    for job in chunk:
        before = Counter(SILENCED)
        done.append((worker(job), SILENCED - before))
    return done


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
