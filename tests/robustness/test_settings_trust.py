"""Issue 18: the checked repository cannot steer a committee's run, and no limit turns present files
into missing ones.

- Settings come from the working directory's repository only: a tree whose own settings ignore
  every rule fails as it should when it is checked from elsewhere or inside an archive, and the
  report names the settings it did not read (STR019).
- Settings that are read and silence or waive errors are recorded in every format; with
  ``--strict-config`` each is a CFG001 error; ``--no-config`` (the Action's ``no-config``) ignores them.
- A scenario folder with 2,500 entries gets the verdict it gets with 10; a listing limit that is
  reached is a LIM001 finding, and the files it did not list are not called missing.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from compliance.registry import RULES, load_all
from tests.support.cli import run_cli
from tests.unit.test_controls import _break, _run_action, submission_repo  # noqa: F401  (a fixture)
from tests.robustness.test_injection import FORMATS, report_file

FIXTURE = Path(__file__).parents[1] / "fixtures" / "inference_tree" / "v5.1"
RESULT = "closed/Intel/results/1-node-2S-GNR_128C/whisper/Offline"


def ignore_everything() -> str:
    """A settings file that ignores every rule (every code's first letter is a prefix)."""
    load_all()
    letters = sorted({code[0] for code in RULES})
    return f'ignore = {json.dumps(letters)}\nsuite = "inference"\nround = "5.1"\n'


@pytest.fixture
def failing_repo(tmp_path: Path) -> Path:
    """A git repository holding one real inference result with accuracy.txt removed (an ITR004
    error) and its own settings ignoring every rule."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    (repo / ".git").mkdir()
    (repo / RESULT / "accuracy" / "accuracy.txt").unlink()
    (repo / "mlperf-audit.toml").write_text(ignore_everything())
    return repo


def _check(*args: str) -> tuple[int, dict, str]:
    result = run_cli("check", *args, "--format", "json")
    assert result.code in (0, 1, 2), result.err
    return result.code, json.loads(result.out) if result.out else {}, result.err


def _codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


def test_a_trees_own_settings_are_not_read_from_another_working_directory(failing_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "committee"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, report, _ = _check(str(failing_repo), "--suite", "inference", "--round", "5.1")
    assert code == 1 and not report["passed"]
    assert "ITR004" in _codes(report)
    (ignored,) = [f for f in report["findings"] if f["code"] == "STR019"]
    assert ignored["location"]["path"] == str(failing_repo / "mlperf-audit.toml")
    assert "ignore = " in ignored["message"] and "not read" in ignored["message"]
    assert report["settings"] == []


def test_a_trees_own_settings_are_not_read_inside_an_archive(failing_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "upload.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(failing_repo, arcname="upload")  # its settings one folder down, as uploads are packed
    monkeypatch.chdir(failing_repo)  # even from the repository whose settings ignore everything
    code, report, _ = _check(str(archive), "--no-config", "--suite", "inference", "--round", "5.1")
    assert code == 1 and "ITR004" in _codes(report)
    assert [f["location"]["path"] for f in report["findings"] if f["code"] == "STR019"] == [f"{archive}!/upload/mlperf-audit.toml"]
    monkeypatch.chdir(tmp_path)
    code, report, _ = _check(str(archive), "--suite", "inference", "--round", "5.1")
    assert code == 1 and "ITR004" in _codes(report) and "STR019" in _codes(report)


def test_settings_that_silence_errors_are_never_silent_in_any_format(failing_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(failing_repo)  # the submitter's own CI: the settings apply ...
    out = tmp_path / "reports"
    result = run_cli("check", ".", "--format", ",".join(FORMATS), "--output-dir", str(out))
    assert result.code == 0, result.err
    for name in FORMATS:
        path = out / report_file(name)
        text = path.read_text(encoding="utf-8")
        if name == "csv":
            continue  # the results table: a row per result, no findings and no settings
        assert "mlperf-audit.toml" in text and "ITR004" in text, name
        assert "not counted in the verdict" in text or name == "json", name  # JSON: the record's "errors"
    report = json.loads((out / "report.json").read_text())
    (record,) = [r for r in report["settings"] if r["setting"].startswith("ignore = ")]
    assert record["source"] == "mlperf-audit.toml" and record["errors"] == 1 and "ITR004 x1" in record["effect"]
    # ... but a committee's run fails on them (--strict-config), or does not read them (--no-config)
    code, report, _ = _check(".", "--strict-config")
    assert code == 1 and _codes(report) == {"CFG001"}
    code, report, _ = _check(".", "--no-config", "--suite", "inference", "--round", "5.1")
    assert code == 1 and "ITR004" in _codes(report) and report["settings"] == []
    assert "STR019" in _codes(report)  # the settings it did not read are named


def test_a_waiver_file_from_the_settings_is_recorded_and_must_stay_in_the_repository(failing_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(failing_repo)
    (failing_repo / "waivers.toml").write_text(
        '[[waiver]]\ncode = "ITR004"\nsubject = "*"\nreason = "the accuracy script was lost"\napprover = "submitter"\n'
    )
    (failing_repo / "mlperf-audit.toml").write_text('suite = "inference"\nround = "5.1"\nwaivers = "waivers.toml"\n')
    code, report, _ = _check(".")
    assert code == 0
    (record,) = [r for r in report["settings"] if r["setting"].startswith("waivers = ")]
    assert record["source"] == "mlperf-audit.toml" and record["errors"] == 1 and "waived" in record["effect"]
    code, report, _ = _check(".", "--strict-config")
    assert code == 1 and "CFG001" in _codes(report)
    outside = tmp_path / "elsewhere.toml"
    outside.write_text("")
    (failing_repo / "mlperf-audit.toml").write_text(f'waivers = "{os.path.relpath(outside, failing_repo)}"\n')
    code, _, err = _check(".")
    assert code == 2 and "lies outside the repository" in err


def test_the_action_with_no_config_ignores_the_repositorys_settings(tmp_path: Path, submission_repo: Path) -> None:  # noqa: F811
    _break(submission_repo, 3)  # runs 3 and 4 have no run_stop (olympic scoring drops one): errors the settings below silence
    _break(submission_repo, 4)
    (submission_repo / "mlperf-audit.toml").write_text('suite = "training"\nround = "5.1"\nignore = ["RUN", "SEQ", "RCP", "SCR", "QLT", "KEY", "LOG"]\n')

    def report(outputs: dict[str, str]) -> dict:
        return json.loads((Path(outputs["report-dir"]) / "report.json").read_text())

    _, outputs, log, _ = _run_action(submission_repo, {}, tmp_path / "trusted")
    trusted = report(outputs)  # the submitter's own CI: its settings apply ...
    assert not {"RUN004", "KEY001"} & _codes(trusted)
    assert "setting: mlperf-audit.toml: ignore = " in log and " not counted in the verdict" in log and " error finding" in log  # ... said so
    code, outputs, log, _ = _run_action(submission_repo, {"no-config": "true"}, tmp_path / "committee")
    committee = report(outputs)
    assert code == 1 and outputs["exit-code"] == "1", log
    assert {"RUN004", "KEY001", "STR019"} <= _codes(committee) and committee["settings"] == []
    assert "::error title=mlperf-audit::" in log
    code, outputs, log, _ = _run_action(submission_repo, {"strict-config": "true"}, tmp_path / "strict")
    assert code == 1 and "CFG001" in _codes(report(outputs)), log
    assert log.count("::stop-commands::") == 1  # the report is printed with workflow commands off


@pytest.mark.parametrize("entries", [10, 2500])
def test_a_wide_scenario_folder_gets_the_same_verdict(tmp_path: Path, entries: int) -> None:
    root = tmp_path / "submission"
    shutil.copytree(FIXTURE, root)
    traces = root / RESULT / "performance" / "run_1" / "traces"
    traces.mkdir()
    for i in range(entries):
        (traces / f"trace_{i:05d}.txt").write_text("x")
    code, report, _ = _check(str(root), "--suite", "inference", "--round", "5.1")
    assert code == 0 and _codes(report) == {"IMS004"}  # as with no extra file: only the review note
    if entries > 1000:
        code, report, _ = _check(str(root), "--suite", "inference", "--round", "5.1", "--limit", "files-per-folder=1000")
        assert code == 1 and _codes(report) == {"IMS004", "LIM001"}  # nothing called missing
        (limit,) = [f for f in report["findings"] if f["code"] == "LIM001"]
        assert "files-per-folder" in limit["message"] and "--limit files-per-folder=" in limit["message"]
        assert report["results"][0]["value"] is not None and report["results"][0]["accuracy"]  # accuracy.txt was read


def test_a_limit_flag_that_names_no_limit_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path), "--limit", "files=10")
    assert result.code == 2 and "no limit 'files'" in result.err
    result = run_cli("check", str(tmp_path), "--limit", "files-per-folder=-3")
    assert result.code == 2 and "positive whole number" in result.err


def test_restoring_the_limits_puts_back_exactly_the_saved_ones() -> None:
    """A pool worker starts with the parent's limits (``state``/``restore``): a bound the worker
    process held before, and the parent had not set, must not survive the restore."""
    from compliance import limits

    saved = limits.state()
    try:
        limits.configure({"files-per-folder": 1000})
        parent = limits.state()
        limits.configure({"power-samples": 100})
        limits.restore(parent)
        assert limits.get("files-per-folder") == 1000
        assert limits.get("power-samples") == limits.LIMITS["power-samples"].default
    finally:
        limits.restore(saved)
