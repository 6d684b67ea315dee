"""How a submitter's CI drives the tool: settings files, several output formats,
baselines, report diffs, the pre-commit hooks and the GitHub Action."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.support.cli import PYTHON, run_cli
from tests.support.paths import ROOT
from tests.support.logedit import apply_edits, base_text
from tests.support.treebuild import fixture_tree

GOOD = base_text("v5.1_llama31_8b")
BENCH = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"
CI_FORMATS = [f for f in ("junit", "sarif") if importlib.util.find_spec(f"compliance.reporters.{f}")]


def _report(result) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(result.out)


def _codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


# -- settings files -------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root (it has .git) with a log two folders down; the cwd is that folder."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    logs = root / "logs" / "llama"
    logs.mkdir(parents=True)
    edits = [{"duplicate": {"key": "run_start"}}, {"delete": {"key": "seed"}}]
    (logs / "result_0.txt").write_text(apply_edits(GOOD, edits))
    monkeypatch.chdir(logs)
    return root


def test_settings_are_found_walking_up_and_named_in_the_notes(repo: Path) -> None:
    (repo / "mlperf-audit.toml").write_text('suite = "training"\nround = "5.1"\nselect = ["SEQ"]\n')
    report = _report(run_cli("check", "result_0.txt", "--format", "json"))
    assert report["round"] == "5.1" and report["suite"] == "training" and report["suite_source"] == "settings"
    assert report["round_source"] == "settings"
    assert _codes(report) == {"SEQ005"}
    assert any(str(repo / "mlperf-audit.toml") in note for note in report["notes"])
    assert not any("--round" in note for note in report["notes"])  # no "newest round" warning


def test_command_line_flags_override_the_file(repo: Path) -> None:
    (repo / "mlperf-audit.toml").write_text('round = "5.0"\nselect = "SEQ"\nformat = "csv"\n')
    result = run_cli("check", "result_0.txt", "--round", "5.1", "--select", "SEED", "--format", "json")
    report = _report(result)
    assert report["round"] == "5.1" and _codes(report) == {"SEED001"}
    # without flags the file's format is used
    assert run_cli("check", "result_0.txt").out.startswith("path,benchmark,division,")  # csv from the file: a row per log


def test_pyproject_table_and_precedence_in_one_folder(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.mlperf-audit]\nround = "5.1"\nignore = ["SEED"]\n')
    report = _report(run_cli("check", "result_0.txt", "--format", "json"))
    assert report["round"] == "5.1" and _codes(report) == {"SEQ005"}
    assert any("pyproject.toml" in note for note in report["notes"])
    # mlperf-audit.toml beats pyproject.toml in the same folder
    (repo / "mlperf-audit.toml").write_text('round = "5.1"\nignore = ["SEQ"]\n')
    assert _codes(_report(run_cli("check", "result_0.txt", "--format", "json"))) == {"SEED001"}


def test_pyproject_without_the_table_is_passed_over(repo: Path) -> None:
    (repo / "logs" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (repo / "mlperf-audit.toml").write_text('round = "5.1"\nselect = ["SEED"]\n')
    assert _codes(_report(run_cli("check", "result_0.txt", "--format", "json"))) == {"SEED001"}


def test_the_walk_stops_at_the_repository_root(repo: Path) -> None:
    (repo.parent / "mlperf-audit.toml").write_text('round = "5.1"\nselect = ["SEED"]\n')  # above .git
    report = _report(run_cli("check", "result_0.txt", "--format", "json"))
    assert report["round_source"] == "detected" and not any("Settings from" in n for n in report["notes"])


def test_config_flag_and_no_config(repo: Path, tmp_path: Path) -> None:
    (repo / "mlperf-audit.toml").write_text('round = "5.1"\nselect = ["SEQ"]\n')
    elsewhere = tmp_path / "ci.toml"
    elsewhere.write_text('round = "5.1"\nselect = ["SEED"]\n')
    assert _codes(_report(run_cli("check", "result_0.txt", "--format", "json", "--config", str(elsewhere)))) == {"SEED001"}
    report = _report(run_cli("check", "result_0.txt", "--format", "json", "--no-config"))
    assert report["round_source"] == "detected"
    assert run_cli("check", "result_0.txt", "--config", str(elsewhere), "--no-config").code == 2
    assert run_cli("check", "result_0.txt", "--config", str(tmp_path / "missing.toml")).code == 2


def test_waivers_in_the_file_are_relative_to_it(repo: Path) -> None:
    (repo / "waivers.toml").write_text(
        '[[waiver]]\ncode = "SEQ005"\nsubject = "*result_0.txt"\nreason = "known"\napprover = "WG chair"\n'
        '[[waiver]]\ncode = "SEED001"\nsubject = "*result_0.txt"\nreason = "known"\napprover = "WG chair"\n'
    )
    (repo / "mlperf-audit.toml").write_text('round = "5.1"\nwaivers = "waivers.toml"\n')
    result = run_cli("check", "result_0.txt", "--format", "json")
    report = _report(result)
    assert result.code == 0 and report["passed"]
    assert all(f["waived_by"] == "WG chair: known" for f in report["findings"])


@pytest.mark.parametrize(
    "content, message",
    [
        ('sute = "training"\n', "unknown key 'sute'; did you mean 'suite'?"),
        ('round = "5.1"\n[extra]\nx = 1\n', "unknown key 'extra'"),
        ("round = 5.1\n", "'round' must be a non-empty string"),
        ('select = [1]\n', "'select' must hold strings only"),
        ('select = ["NOPE"]\n', "no rule code starts with 'NOPE' (select in"),
        ('format = "yaml"\n', "unknown format 'yaml'"),
        ('format = ["json", "csv"]\n', "need --output-dir"),
        ("round = [\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_usage_errors(repo: Path, content: str, message: str) -> None:
    (repo / "mlperf-audit.toml").write_text(content)
    result = run_cli("check", "result_0.txt")
    assert result.code == 2 and result.out == ""
    assert message in result.err and "mlperf-audit.toml" in result.err, result.err


def test_a_pyproject_table_with_unknown_keys_is_a_usage_error(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.mlperf-audit]\nrounds = "5.1"\n')
    result = run_cli("check", "result_0.txt")
    assert result.code == 2 and "[tool.mlperf-audit]: unknown key 'rounds'" in result.err


# -- output formats -------------------------------------------------------------------


def test_output_dir_writes_one_file_per_format(tmp_path: Path) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(apply_edits(GOOD, [{"delete": {"key": "seed"}}]))
    formats = ["json", "csv", "text", *CI_FORMATS]
    out = tmp_path / "reports" / "ci"
    result = run_cli("check", str(log), "--round", "5.1", "--format", ",".join(formats), "--output-dir", str(out), "--color", "always")
    assert result.code == 1 and result.out == ""
    from compliance.reporters import EXTENSIONS

    assert sorted(p.name for p in out.iterdir()) == sorted(f"report.{EXTENSIONS[f]}" for f in formats)
    assert json.loads((out / "report.json").read_text())["passed"] is False
    assert "SEED001" in (out / "report.txt").read_text() and "\x1b[" not in (out / "report.txt").read_text()
    assert (out / "report.csv").read_text().startswith("path,benchmark,division,")
    if "junit" in CI_FORMATS:
        ET.fromstring((out / "report.xml").read_text())
    if "sarif" in CI_FORMATS:
        assert json.loads((out / "report.sarif").read_text())["version"] == "2.1.0"
    # each single-format file equals what --format NAME prints
    for name in ("json", "csv"):
        alone = run_cli("check", str(log), "--round", "5.1", "--format", name).out
        assert alone == (out / f"report.{EXTENSIONS[name]}").read_text()


def test_every_registered_format_renders(tmp_path: Path) -> None:
    from compliance.reporters import REPORTERS

    log = tmp_path / "result_0.txt"
    log.write_text(GOOD)
    for name, module in REPORTERS.items():
        if importlib.util.find_spec(module) is None:
            continue  # being written
        result = run_cli("check", str(log), "--round", "5.1", "--format", name)
        assert result.code == 0 and result.out, name


def test_format_usage_errors(tmp_path: Path) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(GOOD)
    assert "unknown format 'yaml'" in run_cli("check", str(log), "--format", "yaml").err
    assert "need --output-dir" in run_cli("check", str(log), "--format", "json,csv").err
    both = run_cli("check", str(log), "--format", "json", "--output", str(tmp_path / "a"), "--output-dir", str(tmp_path / "b"))
    assert both.code == 2 and "not both" in both.err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_formats_sharing_an_extension_get_distinct_names(tmp_path: Path) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(GOOD)
    out = tmp_path / "out"
    assert run_cli("check", str(log), "--round", "5.1", "--format", "text,github,json", "--output-dir", str(out)).code == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.github.txt", "report.json", "report.txt"]


@pytest.mark.parametrize("formats", ["text", "text,json", "github,text", "text,github,concise,sarif"])
def test_the_text_report_is_report_txt_whatever_else_is_asked_for(tmp_path: Path, formats: str) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(GOOD)
    out = tmp_path / "out"
    assert run_cli("check", str(log), "--round", "5.1", "--format", formats, "--output-dir", str(out)).code == 0
    names = sorted(p.name for p in out.iterdir())
    assert "report.txt" in names and "report.text.txt" not in names
    assert (out / "report.txt").read_text().startswith("mlperf-audit ")  # the text report itself
    assert len(names) == len(formats.split(","))


# -- baseline and diff -------------------------------------------------------------------


def test_baseline_fails_only_the_new_finding_and_diff_shows_exactly_it(tmp_path: Path) -> None:
    log = tmp_path / "result_0.txt"
    old_json, new_json = tmp_path / "old.json", tmp_path / "new.json"
    log.write_text(apply_edits(GOOD, [{"delete": {"key": "seed"}}]))
    assert run_cli("check", str(log), "--round", "5.1", "--format", "json", "--output", str(old_json)).code == 1
    # a duplicated run_start: one new finding, and every later line moves by one
    log.write_text(apply_edits(GOOD, [{"delete": {"key": "seed"}}, {"duplicate": {"key": "run_start"}}]))
    assert run_cli("check", str(log), "--round", "5.1", "--format", "json", "--output", str(new_json)).code == 1

    result = run_cli("check", str(log), "--round", "5.1", "--format", "json", "--baseline", str(old_json))
    report = _report(result)
    assert result.code == 1 and report["passed"] is False
    by_code = {f["code"]: f for f in report["findings"]}
    assert set(by_code) == {"SEED001", "SEQ005"}
    assert by_code["SEED001"]["waived_by"] == f"baseline: {old_json}"
    assert by_code["SEQ005"]["waived_by"] is None
    assert any("Baseline" in note and "1 finding it already has is marked" in note for note in report["notes"])
    text = run_cli("check", str(log), "--round", "5.1", "--baseline", str(old_json), "--color", "never").out
    assert "waived:   baseline: " in text

    # the old state against its own report passes
    log.write_text(apply_edits(GOOD, [{"delete": {"key": "seed"}}]))
    assert run_cli("check", str(log), "--round", "5.1", "--baseline", str(old_json)).code == 0

    diff = run_cli("diff", str(old_json), str(new_json), "--format", "json")
    data = json.loads(diff.out)
    assert diff.code == 1
    assert [f["code"] for f in data["new_findings"]] == ["SEQ005"] and data["resolved_findings"] == []
    assert data["subjects"] == [] and data["results"] == []
    assert data["summary"] == {"new": 1, "new_errors": 1, "resolved": 0, "subjects_changed": 0, "results_changed": 0}
    text = run_cli("diff", str(old_json), str(new_json)).out
    assert "new findings (1):" in text and "SEQ005" in text and "resolved findings (0):" in text
    back = run_cli("diff", str(new_json), str(old_json), "--format", "json")
    assert back.code == 0 and [f["code"] for f in json.loads(back.out)["resolved_findings"]] == ["SEQ005"]
    assert run_cli("diff", str(old_json), str(old_json)).code == 0


def test_diff_reports_verdicts_and_results_rows(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    old_json, new_json = tmp_path / "old.json", tmp_path / "new.json"
    assert run_cli("check", str(tree), "--round", "5.1", "--format", "json", "--output", str(old_json)).code == 0
    for run in (3, 4):  # two failed runs: more than olympic scoring can drop
        log = tree / BENCH / f"result_{run}.txt"
        log.write_text(apply_edits(log.read_text(), [{"delete": {"key": "run_stop"}}]))
    assert run_cli("check", str(tree), "--round", "5.1", "--format", "json", "--output", str(new_json)).code == 1
    result = run_cli("diff", str(old_json), str(new_json), "--format", "json")
    data = json.loads(result.out)
    assert result.code == 1 and data["passed"] == {"old": True, "new": False}
    verdicts = {Path(s["path"]).name: (s["old"], s["new"]) for s in data["subjects"]}
    assert verdicts["result_3.txt"] == ("pass", "fail") and verdicts["llama31_8b"] == ("pass", "fail")
    (row,) = data["results"]
    assert row["benchmark"] == "llama31_8b" and row["changes"]["passed"] == {"old": True, "new": False}
    assert "KEY001" in {f["code"] for f in data["new_findings"]}
    text = run_cli("diff", str(old_json), str(new_json)).out
    assert "overall: PASSED -> FAILED" in text and "passed PASS -> FAIL" in text
    # the broken tree against the old report as a baseline: everything is new, so it fails
    assert run_cli("check", str(tree), "--round", "5.1", "--baseline", str(old_json)).code == 1
    # against its own report it passes, entry verdicts included
    report = _report(run_cli("check", str(tree), "--round", "5.1", "--format", "json", "--baseline", str(new_json)))
    assert report["passed"] and all(row["passed"] for row in report["results"])


def test_line_numbers_and_messages_do_not_resurrect_baselined_findings(tmp_path: Path) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(apply_edits(GOOD, [{"set": {"key": "opt_adamw_epsilon", "value": 1e-8}}]))
    old_json = tmp_path / "old.json"
    run_cli("check", str(log), "--round", "5.1", "--format", "json", "--output", str(old_json))
    log.write_text(apply_edits(GOOD, [{"prepend": "some stdout"}, {"set": {"key": "opt_adamw_epsilon", "value": 1e-7}}]))
    result = run_cli("check", str(log), "--round", "5.1", "--format", "json", "--baseline", str(old_json))
    report = _report(result)
    assert result.code == 0, report["findings"]
    assert [f["waived_by"] for f in report["findings"] if f["code"] == "HP001"] == [f"baseline: {old_json}"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read"),
        ("not json", "is not JSON"),
        ("[]", "not an mlperf-audit JSON report"),
        ('{"tool": {"name": "other"}, "passed": true, "findings": [], "subjects": []}', "no tool.name"),
        ('{"tool": {"name": "mlperf-audit"}, "passed": true, "findings": [{"code": 1}], "subjects": []}', "finding 1"),
    ],
)
def test_bad_baselines_and_diff_inputs_are_usage_errors(tmp_path: Path, content: str | None, message: str) -> None:
    log = tmp_path / "result_0.txt"
    log.write_text(GOOD)
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    good_json = tmp_path / "good.json"
    run_cli("check", str(log), "--round", "5.1", "--format", "json", "--output", str(good_json))
    result = run_cli("check", str(log), "--round", "5.1", "--baseline", str(bad))
    assert result.code == 2 and message in result.err and result.out == ""
    for args in ((str(bad), str(good_json)), (str(good_json), str(bad))):
        result = run_cli("diff", *args)
        assert result.code == 2 and message in result.err


# -- the pre-commit hooks and the GitHub Action, run as a submitter's repository would --


def _shims(tmp_path: Path) -> Path:
    """``mlperf-audit`` as installed, and a ``python`` whose ``-m pip install`` only records
    what it was asked (the action's install step; the real install needs the network)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    tool = bin_dir / "mlperf-audit"
    tool.write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(PYTHON)} -m compliance "$@"\n')
    python = bin_dir / "python"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2 $3" = "-m pip install" ]; then echo "$@" >> "$(dirname "$0")/pip-installs"; exit 0; fi\n'
        f'exec {shlex.quote(PYTHON)} "$@"\n'
    )
    for script in (tool, python):
        script.chmod(0o755)
    return bin_dir


def _env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PYTHON", "PRE_COMMIT"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def submission_repo(tmp_path: Path) -> Path:
    """A submitter's git repository: a passing closed entry, its settings and its waivers."""
    repo = fixture_tree(tmp_path / "submission")
    (repo / "mlperf-audit.toml").write_text('suite = "training"\nround = "5.1"\n')
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    return repo


def _break(repo: Path, run: int) -> None:
    log = repo / BENCH / f"result_{run}.txt"
    log.write_text(apply_edits(log.read_text(), [{"delete": {"key": "run_stop"}}]))
    _git(repo, "add", "-A")


def _run_hook(hook_id: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a hook exactly as .pre-commit-hooks.yaml declares it, on every tracked file."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks[hook_id]
    assert hook["language"] == "python"
    command = shlex.split(hook["entry"]) + list(hook.get("args", []))
    if hook.get("pass_filenames", True):
        tracked = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True).stdout.split()
        files = [f for f in tracked if re.search(hook.get("files", ""), f)]
        assert files
        command += files
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)


def test_pre_commit_hooks_gate_a_submission_repository(tmp_path: Path, submission_repo: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["mlperf-audit"]["entry"] == "mlperf-audit check" and hooks["mlperf-audit"]["args"] == ["."]
    assert hooks["mlperf-audit"]["pass_filenames"] is False
    env = _env(_shims(tmp_path))
    for hook_id in ("mlperf-audit", "mlperf-audit-logs"):
        proc = _run_hook(hook_id, submission_repo, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Settings from mlperf-audit.toml" in proc.stdout and "PASSED" in proc.stdout
    _break(submission_repo, 3)
    logs = _run_hook("mlperf-audit-logs", submission_repo, env)
    assert logs.returncode == 1 and "KEY001" in logs.stdout
    # the whole entry still passes: olympic scoring drops one failed run
    assert _run_hook("mlperf-audit", submission_repo, env).returncode == 0
    _break(submission_repo, 4)
    whole = _run_hook("mlperf-audit", submission_repo, env)
    assert whole.returncode == 1 and "RUN004" in whole.stdout, whole.stdout
    assert list(submission_repo.glob("report*")) == []  # nothing written into the repository


_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _run_action(workspace: Path, inputs: dict[str, str], tmp_path: Path) -> tuple[int, dict[str, str], str, list[dict]]:
    """Run action.yml's shell steps the way a runner does (bash -eo pipefail, GITHUB_OUTPUT,
    RUNNER_TEMP); ``uses:`` steps need GitHub and are returned, not run.
    Returns the job's exit code, the audit step's outputs, the log and the skipped steps."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    outputs: dict[str, dict[str, str]] = {}
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(parents=True, exist_ok=True)
    bin_dir = _shims(tmp_path)

    def resolve(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("inputs."):
                return str(values[expr[len("inputs."):]])
            if expr == "github.action_path":
                return str(ROOT)
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if step:
                return outputs.get(step.group(1), {}).get(step.group(2), "")
            raise AssertionError(f"expression not emulated: {expr}")

        return _EXPR.sub(one, str(text))

    code, log, skipped = 0, "", []
    for number, step in enumerate(action["runs"]["steps"]):
        condition = step.get("if", "")
        if code != 0 and "always()" not in condition:
            continue
        if "uses" in step:
            skipped.append({**step, "with": {k: resolve(v) for k, v in step.get("with", {}).items()}})
            continue
        assert step["shell"] == "bash" and not _EXPR.search(step["run"]), "keep expressions out of run:"
        output_file = tmp_path / f"github-output-{number}"
        output_file.write_text("")
        env = _env(bin_dir)
        env.update({k: resolve(v) for k, v in step.get("env", {}).items()})
        if step.get("id") == "audit" and set(CI_FORMATS) != {"junit", "sarif"}:
            env["AUDIT_FORMATS"] = ",".join(["text", "json", *CI_FORMATS])  # formats still being written
        env.update({"GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(runner_temp), "GITHUB_ACTION_PATH": str(ROOT)})
        script = tmp_path / f"step-{number}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace, env=env, capture_output=True, text=True)
        log += proc.stdout + proc.stderr
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if proc.returncode != 0:
            code = proc.returncode
    installs = (bin_dir / "pip-installs").read_text().split()
    assert installs[-1] == str(ROOT)  # the action installs its own checkout
    return code, outputs.get("audit", {}), log, skipped


def test_github_action_passes_a_good_submission_and_fails_a_broken_one(tmp_path: Path, submission_repo: Path) -> None:
    code, outputs, log, skipped = _run_action(submission_repo, {}, tmp_path / "good")
    assert code == 0 and outputs["exit-code"] == "0", log
    assert "PASSED" in log and "mlperf-audit passed" in log
    reports = Path(outputs["report-dir"])
    expected = {"report.txt", "report.json"} | {{"junit": "report.xml", "sarif": "report.sarif"}[f] for f in CI_FORMATS}
    assert expected <= {p.name for p in reports.iterdir()}
    assert json.loads((reports / "report.json").read_text())["passed"] is True
    if "junit" in CI_FORMATS:
        ET.fromstring((reports / "report.xml").read_text())
    uses = [step["uses"].split("@")[0] for step in skipped]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    upload = skipped[1]
    assert upload["if"].startswith("always()")
    if "sarif" in CI_FORMATS:
        assert Path(upload["with"]["sarif_file"]) == reports / "report.sarif" and (reports / "report.sarif").is_file()
    assert list(submission_repo.glob("report*")) == []

    _break(submission_repo, 3)
    _break(submission_repo, 4)
    # inputs instead of the settings file, and extra flags through `args`
    inputs = {"suite": "training", "round": "5.1", "args": "--no-config --select RUN,SEQ,KEY,QLT"}
    code, outputs, log, skipped = _run_action(submission_repo, inputs, tmp_path / "broken")
    assert code == 1 and outputs["exit-code"] == "1", log
    assert "RUN004" in log and "::error title=mlperf-audit::" in log
    reports = Path(outputs["report-dir"])
    assert json.loads((reports / "report.json").read_text())["passed"] is False
    if "sarif" in CI_FORMATS:
        assert outputs["sarif"] == str(reports / "report.sarif")  # so the upload still runs


def test_github_workflow_example_uses_the_action() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["audit"]["steps"]
    audit = next(step for step in steps if step.get("id") == "audit")
    assert audit["uses"].startswith("mlperf-audit/mlperf-audit@")
    assert set(audit.get("with", {})) <= set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    assert workflow["permissions"]["security-events"] == "write"


@pytest.mark.slow
def test_pre_commit_try_repo_for_real(tmp_path: Path, submission_repo: Path) -> None:
    """The hooks through pre-commit itself (it pip-installs this repository: needs PyPI)."""
    pre_commit = shutil.which("pre-commit") or str(Path(PYTHON).parent / "pre-commit")
    if not Path(pre_commit).is_file():
        pytest.skip("pre-commit is not installed")
    # pre-commit tries committed files only: commit a copy of this checkout as it is now
    hook_repo = tmp_path / "hook-repo"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (hook_repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, hook_repo / name)
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", "-A")
    _git(hook_repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "hooks")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(hook_repo), hook, "--all-files"], cwd=submission_repo, env=env, capture_output=True, text=True
        )

    for hook in ("mlperf-audit", "mlperf-audit-logs"):
        proc = try_repo(hook)
        assert proc.returncode == 0 and "Passed" in proc.stdout, proc.stdout + proc.stderr
    _break(submission_repo, 3)
    _break(submission_repo, 4)
    for hook in ("mlperf-audit", "mlperf-audit-logs"):
        proc = try_repo(hook)
        assert proc.returncode == 1 and "Failed" in proc.stdout, proc.stdout + proc.stderr


def test_baseline_and_diff_of_an_inference_tree(tmp_path: Path) -> None:
    """--baseline on an inference submission: rows have values, not scores (it used to exit 2)."""
    import shutil

    from tests.support.paths import FIXTURES

    root = tmp_path / "v5.1"
    shutil.copytree(FIXTURES / "inference_tree" / "v5.1", root)
    first = tmp_path / "first.json"
    assert run_cli("check", str(root), "--format", "json", "--output", str(first)).code == 0
    accuracy = next(root.rglob("results/*/whisper/Offline/accuracy/accuracy.txt"))
    accuracy.write_text(accuracy.read_text().replace("hash=", "hush="))
    result = run_cli("check", str(root), "--format", "json", "--baseline", str(first))
    report = _report(result)
    assert result.code == 1 and "IAC003" in {f["code"] for f in report["findings"] if not f["waived_by"]}
    second = tmp_path / "second.json"
    run_cli("check", str(root), "--format", "json", "--output", str(second))
    assert run_cli("diff", str(first), str(second)).code == 1
    # the same report as its own baseline: nothing new, every row passes again
    again = run_cli("check", str(root), "--format", "json", "--baseline", str(second))
    assert again.code == 0 and all(row["passed"] for row in _report(again)["results"])


def test_a_baseline_past_its_findings_limit_still_knows_the_findings_it_only_counted(tmp_path: Path) -> None:
    """A report cut at the findings limit lists some findings and counts the rest by code and
    subject; as a baseline it must cover the counted ones too, or they come back as new."""
    log = tmp_path / "result_0.txt"
    old_json = tmp_path / "old.json"
    log.write_text(apply_edits(GOOD, [{"delete": {"key": "seed"}}, {"duplicate": {"key": "run_start"}}, {"duplicate": {"key": "run_stop"}}]))
    full = _report(run_cli("check", str(log), "--round", "5.1", "--format", "json"))
    assert len(full["findings"]) >= 3
    cut = run_cli("check", str(log), "--round", "5.1", "--format", "json", "--limit", "findings=1", "--output", str(old_json))
    assert cut.code == 1
    old = json.loads(old_json.read_text())
    assert len(old["findings"]) == 1 and sum(o["count"] for o in old["omitted"]) == len(full["findings"]) - 1

    again = run_cli("check", str(log), "--round", "5.1", "--format", "json", "--baseline", str(old_json))
    report = _report(again)
    assert again.code == 0, [f["code"] for f in report["findings"] if f["waived_by"] is None]
    assert all(f["waived_by"] == f"baseline: {old_json}" for f in report["findings"])
