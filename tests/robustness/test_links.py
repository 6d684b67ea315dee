"""Links out of a checked tree, at any depth and for any kind of file, are findings (STR004) and are
never followed: nothing outside the tree is read or listed, and no value from outside reaches the
report. "Never read" is checked on the file system itself: every file and folder outside gets an
access time of 0 before the check (with a later modification time, so that any read or listing
moves it, as Linux's default ``relatime`` does), and it must still be 0 afterwards."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from compliance.parsers import safefs
from tests.support.cli import run_cli
from tests.support.logedit import base_text
from tests.support.treebuild import fixture_tree

FIXTURE = Path(__file__).parents[1] / "fixtures" / "inference_tree" / "v5.1"
ORG = "closed/Intel"
RESULT = f"{ORG}/results/1-node-2S-GNR_128C/whisper/Offline"
TESTS = f"{ORG}/compliance/1-node-2S-GNR_128C/whisper/Offline"
MEASURED = f"{ORG}/measurements/1-node-2S-GNR_128C/whisper/Offline"
TRAINING = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"


def _entries(top: Path) -> Iterator[Path]:
    yield top
    if top.is_dir() and not top.is_symlink():
        for path in sorted(top.rglob("*")):
            yield path


def _atime_is_kept(scratch: Path) -> bool:
    """Whether this file system records reads in access times (relatime: when atime < mtime)."""
    probe = scratch / "atime-probe"
    probe.write_text("x")
    os.utime(probe, (0, time.time()))
    probe.read_text()
    kept = os.stat(probe).st_atime != 0
    probe.unlink()
    return kept


@contextmanager
def never_read(outside: Path, scratch: Path) -> Iterator[None]:
    """Fail when anything under ``outside`` is read or listed inside the block."""
    if not _atime_is_kept(scratch):
        pytest.skip("this file system does not record access times")
    now = time.time()
    watched = list(_entries(outside))  # listed now: listing them afterwards would move their access times
    for path in watched:
        os.utime(path, (0, now), follow_symlinks=False)
    yield
    touched = [str(p) for p in watched if os.lstat(p).st_atime != 0]
    assert not touched, f"read or listed outside the checked tree: {touched[:5]}"


def _link_out(root: Path, relpath: str, outside: Path) -> Path:
    """Move ``root/relpath`` out of the tree and leave a symbolic link to it in its place."""
    target = outside / relpath.replace("/", "_")
    shutil.move(str(root / relpath), target)
    (root / relpath).symlink_to(target)
    return target


def _audit(path: Path, *args: str) -> tuple[int, dict]:
    result = run_cli("check", str(path), "--format", "json", *args)
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out)


def _str004_at(report: dict, path: Path) -> bool:
    return any(f["code"] == "STR004" and f["location"]["path"] == str(path) for f in report["findings"])


@pytest.fixture
def intel(tmp_path: Path) -> Path:
    """The real v5.1 Intel whisper Offline result, complete: it passes as it is."""
    root = tmp_path / "submission"
    shutil.copytree(FIXTURE, root)
    code, _ = _audit(root, "--suite", "inference", "--round", "5.1")
    assert code == 0
    return root


@pytest.mark.parametrize(
    "relpath",
    [
        f"{RESULT}/performance",
        f"{RESULT}/performance/run_1",
        f"{RESULT}/performance/run_1/mlperf_log_detail.txt",
        f"{RESULT}/accuracy",
        f"{RESULT}/accuracy/accuracy.txt",
        f"{ORG}/compliance",
        f"{TESTS}/TEST01",
        f"{TESTS}/TEST01/performance",
        f"{TESTS}/TEST01/accuracy",
        MEASURED,
        f"{ORG}/systems/1-node-2S-GNR_128C.json",
    ],
)
def test_an_inference_tree_never_reads_through_a_link_leaving_it(intel: Path, tmp_path: Path, relpath: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    _link_out(intel, relpath, outside)
    with never_read(outside, tmp_path):
        code, report = _audit(intel, "--suite", "inference", "--round", "5.1")
    assert code == 1
    assert _str004_at(report, intel / relpath)
    assert any("outside the tree" in f["message"] for f in report["findings"] if f["code"] == "STR004")
    if relpath.startswith(f"{RESULT}/performance"):
        assert [row["value"] for row in report["results"]] == [None], "the result's value came from outside the tree"


def test_a_v6_result_never_reads_its_performance_run_or_tests_through_a_link(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.support.inference_trees import build_inference_tree, tree_runs

    root = build_inference_tree(tmp_path / "tree", round="6.0", results={"resnet50": ["Offline"]}, runs=tree_runs(tmp_path_factory))
    result = "closed/ACME/results/sysA/resnet50/Offline"
    outside = tmp_path / "outside"
    outside.mkdir()
    linked = [f"{result}/performance", f"{result}/TEST01/performance", f"{result}/measurements.json"]
    for relpath in linked:
        _link_out(root, relpath, outside)
    with never_read(outside, tmp_path):
        code, report = _audit(root, "--suite", "inference", "--round", "6.0")
    assert code == 1
    for relpath in linked:
        assert _str004_at(report, root / relpath)
    assert [row["value"] for row in report["results"]] == [None]
    # nothing was read from the runs outside: no LoadGen finding points into them
    read_there = [f for f in report["findings"] if "/performance/run_1/" in f["location"]["path"] and f["code"] not in ("ITR004", "ICT001", "ICT002")]
    assert not [f for f in read_there if "/TEST04/" not in f["location"]["path"]]


def test_a_training_tree_never_reads_through_a_link_leaving_it(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "submission")
    outside = tmp_path / "outside"
    outside.mkdir()
    linked = [f"{TRAINING}/scaling.json", "closed/AMD/systems/MI355X_EPYC_9575F_pytorch.json", f"{TRAINING}/result_9.txt"]
    for relpath in linked:
        _link_out(tree, relpath, outside)
    extra = outside / "more"
    extra.mkdir()
    (extra / "result_0.txt").write_text(base_text("v5.1_llama31_8b"))
    (tree / "closed/AMD/results/sysB").symlink_to(extra)
    with never_read(outside, tmp_path):
        code, report = _audit(tree, "--round", "5.1")
    assert code == 1
    for relpath in [*linked, "closed/AMD/results/sysB"]:
        assert _str004_at(report, tree / relpath)
    assert not any("outside" in s["path"] for s in report["subjects"])


def test_a_folder_of_logs_and_a_loadgen_run_never_read_through_a_link(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "a").mkdir(parents=True)
    (logs / "a" / "result_0.txt").write_text(base_text("v5.1_llama31_8b"))
    run = tmp_path / "run_1"
    shutil.copytree(FIXTURE / RESULT / "performance/run_1", run)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b").mkdir()
    (outside / "b" / "result_1.txt").write_text(base_text("v5.1_llama31_8b"))
    (logs / "b").symlink_to(outside / "b")
    _link_out(run, "mlperf_log_summary.txt", outside)
    with never_read(outside, tmp_path):
        _code, report = _audit(logs, "--round", "5.1")
        assert [s["path"] for s in report["subjects"]] == [str(logs / "a" / "result_0.txt")]
        _code, report = _audit(run, "--suite", "inference", "--round", "5.1", "--benchmark", "whisper")
    assert "LGL007" in {f["code"] for f in report["findings"]}  # the summary is not there


def test_safefs_refuses_a_link_on_the_way_only_inside_a_confined_folder(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "real").mkdir(parents=True)
    (tree / "real" / "data.txt").write_text("inside")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text("outside")
    (tree / "out").symlink_to(outside)
    (tree / "in").symlink_to("real")
    named = tmp_path / "named"
    named.symlink_to(tree)  # the folder the user names may itself be a link
    assert safefs.read_regular(tree / "out" / "data.txt", 100) == b"outside"  # not confined: as the OS resolves it
    with safefs.confined(named):
        assert safefs.read_regular(named / "real" / "data.txt", 100) == b"inside"
        for via in ("out", "in"):
            with pytest.raises(safefs.NotRegularFile):
                safefs.read_regular(named / via / "data.txt", 100)
            with pytest.raises(safefs.NotRegularFile):
                safefs.scandir(named / via)
            assert not safefs.is_folder(named / via)
            assert safefs.lstat(named / via).st_mode & 0o170000 == 0o120000
        assert [e.name for e in safefs.scandir(named)] == ["in", "out", "real"]
        assert [e.is_dir() for e in safefs.scandir(named)] == [False, False, True]
    assert safefs.confined_roots() == ()
