"""A whole inference tree is checked while it is walked: the pool's workers check the first
organisations' results while the parent walks the next ones. The report must be the one a
walk of the whole tree first gives, and the pool must take jobs whose count is not known."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from compliance import pool
from compliance.engine import AuditOptions, run_audit
from compliance.kinds.inference_tree import audit as inference_audit
from compliance.parsers import inference_tree
from compliance.reporters.json import render as render_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fidelity" / "v6.0"  # real results of 4 organisations


def _twice(job: int) -> int:
    return 2 * job


@pytest.mark.parametrize("made", [0, 3, 40])
def test_jobs_without_a_count_run_in_order(made: int) -> None:
    """A generator (no length, no count): in this process below ``min_jobs``, else in the pool;
    the results in the jobs' order either way, and one progress step per job."""
    steps: list[int] = []
    assert pool.run_pool(_twice, (n for n in range(made)), steps.append, 5) == [2 * n for n in range(made)]
    assert steps == [1] * made


def test_chunks_grow_with_the_jobs_made() -> None:
    """Without a count, a chunk is a 32nd of the jobs made so far (1 to 8); with one, a 32nd of it."""
    sizes = [len(chunk) for chunk in pool._chunks(range(600), None)]
    assert sum(sizes) == 600 and sizes[0] == 1 and max(sizes) == pool.MOST_CHUNK
    assert sizes == sorted(sizes[:-1]) + sizes[-1:]
    assert [len(chunk) for chunk in pool._chunks(range(100), 100)] == [3] * 33 + [1]


def _report(tree: Path) -> str:
    return render_json(run_audit([str(tree)], AuditOptions(suite="inference", round="6.0")))


def test_results_checked_while_later_organisations_are_walked_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk waits after the first organisation until a worker has checked one of its results
    (it would wait in vain if the jobs started only once the whole tree is walked); the report
    is byte for byte the one of a tree walked whole before any result is checked."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the pool needs two processors")
    tree = tmp_path / "v6.0"
    shutil.copytree(FIXTURES, tree)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setattr(inference_audit, "POOL_MIN_RESULTS", 2)
    real_files_below = inference_audit.files_below  # the first thing a result's check reads

    def marked(folder, *args):  # type: ignore[no-untyped-def]
        (marks / f"{os.getpid()}-{len(os.listdir(marks))}").touch()
        return real_files_below(folder, *args)

    monkeypatch.setattr(inference_audit, "files_below", marked)  # in the workers too (forked)
    real_walk = inference_tree._InferenceWalker.walk_inference
    parent = str(os.getpid())
    waited: list[bool] = []

    def in_a_worker() -> bool:
        return any(mark.name.split("-")[0] != parent for mark in marks.iterdir())

    def walk_waiting(self):  # type: ignore[no-untyped-def]
        for number, org in enumerate(real_walk(self)):
            yield org
            if number == 1:  # the pool starts once two results are made: AMD's and Lenovo's first
                deadline = time.monotonic() + 60
                while not in_a_worker() and time.monotonic() < deadline:
                    time.sleep(0.01)
                waited.append(in_a_worker())

    monkeypatch.setattr(inference_tree._InferenceWalker, "walk_inference", walk_waiting)
    streamed = _report(tree)
    assert waited == [True], "no result was checked before the rest of the tree was walked"

    def walked_first(path: str, display: str | None = None):  # type: ignore[no-untyped-def]
        tree, orgs = real_stream(path, display)
        return tree, iter(list(orgs))

    real_stream = inference_tree.stream_inference_tree
    monkeypatch.setattr(inference_tree._InferenceWalker, "walk_inference", real_walk)
    monkeypatch.setattr(inference_tree, "stream_inference_tree", walked_first)
    assert _report(tree) == streamed
    monkeypatch.setattr(inference_audit, "POOL_MIN_RESULTS", 100)  # and in this process
    assert _report(tree) == streamed


def test_progress_starts_once_the_count_is_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar is made with the number of results, and ends at it, however many were done before."""
    tree = tmp_path / "v6.0"
    shutil.copytree(FIXTURES, tree)
    monkeypatch.setattr(inference_audit, "POOL_MIN_RESULTS", 2)
    made: list[int] = []
    steps: list[int] = []

    def factory(total: int):  # type: ignore[no-untyped-def]
        made.append(total)
        return steps.append

    inference_audit.audit_inference_tree(str(tree), AuditOptions(suite="inference", round="6.0"), factory)
    assert made == [5] and sum(steps) == 5
