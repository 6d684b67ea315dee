"""What a person running the tool sees and relies on (issue 14): output that reads at a glance in
100 columns and in an uncoloured CI log, a command line that ends cleanly, forgiving inputs, and
docs that match the tool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import PYTHON, python_env, run_cli
from tests.support.paths import FIXTURES, ROOT
from tests.support.treebuild import fixture_tree

EXAMPLE_LOG = "examples/training/broken/result_0.txt"
GOOD_LOG = str(FIXTURES / "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt")
SEVERITY = r"(waived )?(error|warning|review|info)"


@pytest.fixture
def failing_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real AMD llama31_8b entry with two runs' epsilon changed (HP001 twice, more failed runs
    than scoring drops: RUN004, RUN006), checked from its own folder as `mlperf-audit check .`."""
    root = fixture_tree(tmp_path / "training_results_v5.1")
    for name in ("result_3.txt", "result_4.txt"):
        log = next(root.rglob(name))
        log.write_text(log.read_text().replace('"key": "opt_adamw_epsilon", "value": 1e-05', '"key": "opt_adamw_epsilon", "value": 1e-08'))
    monkeypatch.chdir(root)
    return root


def _finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(rf"^  (line \d+: |\S+: )?{SEVERITY} [A-Z]+\d+ ", line)]


# -- text output ----------------------------------------------------------------------------------


def test_every_finding_line_says_its_severity_in_words_and_its_file_once(failing_tree: Path) -> None:
    result = run_cli("check", ".", "--no-config")
    assert result.code == 1
    assert "\x1b[" not in result.out  # no colour: not a terminal
    lines = _finding_lines(result.out)
    codes = {re.search(r"[A-Z]+\d+", line).group() for line in lines}
    assert {"RUN004", "HP001", "RUN006"} <= codes
    for line in lines:
        head = line.split(" ", 3)
        assert not any(part.count("result_") > 1 for part in head), line  # the path printed once
    # the heading carries the path; the finding under it only what lies below it
    hp = next(line for line in lines if "HP001" in line)
    assert re.match(r"^  line \d+: error HP001 ", hp), hp
    assert "\n== closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b  (llama31_8b, closed)\n" in result.out
    assert "\n== ." not in result.out


def test_the_text_report_fits_100_columns(failing_tree: Path) -> None:
    text = run_cli("check", ".", "--no-config").out
    long = [line for line in text.splitlines() if len(line) > 100 and " " in line.strip()[:100]]
    assert not long, long
    assert "https://" not in text  # no docs URL column


def test_a_tree_is_headed_by_its_name_not_a_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_tree(tmp_path / "my_results", runs=9)
    waivers = tmp_path / "waivers.toml"  # a tree-level finding: the unused waiver
    waivers.write_text('[[waiver]]\ncode = "SEQ"\nsubject = "nothing/*"\nreason = "r"\napprover = "a"\n')
    for folder, name in ((root, "my_results"), (root / "closed" / "AMD", "AMD")):
        monkeypatch.chdir(folder)
        text = run_cli("check", ".", "--no-config", "--waivers", str(waivers)).out
        assert f"\n== {name} (the whole tree, .)\n" in text, text
        assert "\n== .\n" not in text


def test_long_messages_are_cut_and_verbose_shows_them_whole(tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "t")
    short = run_cli("check", str(root), "--no-config").out
    whole = run_cli("check", str(root), "--no-config", "--verbose").out
    assert " …" in short and "--verbose shows them whole" in short
    assert " …" not in whole and "scaling.json has this factor" in whole
    assert "scaling.json has this factor" in json.dumps(json.loads(run_cli("check", str(root), "--format", "json").out))


def test_seen_and_required_differ_and_numbers_are_rounded_for_people() -> None:
    from compliance.reporters import human

    assert human(0.7599999904632568) == "0.76"
    assert human("lr 0.00012345678901 of 1759966206549 ms, version 4.1.68, 3.00%") == "lr 0.000123457 of 1759966206549 ms, version 4.1.68, 3.00%"
    assert human(1.00401234) == "1.00401"


def test_concise_is_one_line_per_finding(failing_tree: Path) -> None:
    full = run_cli("check", ".", "--no-config", "--format", "json")
    findings = json.loads(full.out)["findings"]
    for flag in (("-q",), ("--quiet",), ("--format", "concise")):
        result = run_cli("check", ".", "--no-config", *flag)
        lines = result.out.rstrip("\n").splitlines()
        assert result.code == 1
        assert len(lines) == len(findings) + 1 and lines[-1].startswith("FAILED: ")
        assert all(re.match(rf"^\S+(:\d+)?: {SEVERITY} [A-Z]+\d+ ", line) for line in lines[:-1])


def test_statistics_counts_findings_per_code(failing_tree: Path) -> None:
    result = run_cli("check", ".", "--no-config", "--statistics")
    assert not _finding_lines(result.out)
    assert re.search(r"^RUN004 +too-many-failed-runs +1 ", result.out, re.MULTILINE)
    assert re.search(r"^HP001 +\S+ +2 ", result.out, re.MULTILINE)


def test_exit_zero_and_strict(failing_tree: Path, tmp_path: Path) -> None:
    assert run_cli("check", ".", "--no-config", "--exit-zero").code == 0
    warned = tmp_path / "warned"
    fixture_tree(warned)
    log = next(warned.rglob("result_2.txt"))
    log.write_text(log.read_text().replace('"key": "submission_org", "value": "AMD"', '"key": "submission_org", "value": "ACME"'))
    assert run_cli("check", str(warned), "--no-config").code == 0
    strict = run_cli("check", str(warned), "--no-config", "--strict")
    assert strict.code == 1 and "--strict" in strict.err


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"TERM": "dumb"}, True, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_follows_the_conventions(monkeypatch: pytest.MonkeyPatch, env: dict, tty: bool, expected: bool) -> None:
    from compliance import cli

    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", env.get("TERM", "xterm-256color"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty, raising=False)
    assert cli._use_color("auto") is expected
    assert cli._use_color("never") is False and cli._use_color("always") is True


def test_single_logs_as_csv_have_one_row_per_log() -> None:
    from compliance import audit

    result = run_cli("check", GOOD_LOG, EXAMPLE_LOG, "--round", "5.1", "--format", "csv")
    rows = result.out.strip().splitlines()
    assert rows[0] == "path,benchmark,division,time_to_train_minutes,passed,errors,warnings"
    assert len(rows) == 3
    assert rows[1].endswith(",llama31_8b,closed,95.96895,True,0,0") and rows[2].endswith(",False,1,0")
    frame = audit([GOOD_LOG, ROOT / EXAMPLE_LOG], round="5.1").to_frame()
    assert list(frame["errors"]) == [0, 1] and list(frame["benchmark"]) == ["llama31_8b"] * 2


def test_one_missing_run_is_one_finding(tmp_path: Path) -> None:
    root = tmp_path / "v5.1"
    shutil.copytree(FIXTURES / "inference_tree" / "v5.1", root)
    (run,) = [p for p in root.rglob("run_1") if "/results/" in str(p)]
    shutil.rmtree(run)
    report = json.loads(run_cli("check", str(root), "--round", "5.1", "--format", "json").out)
    blocking = [f for f in report["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in blocking] == ["ITR004"], [(f["code"], f["message"]) for f in blocking]
    assert "performance run" in blocking[0]["message"]


def test_an_empty_training_log_is_one_finding_not_a_cascade(tmp_path: Path) -> None:
    """A run whose log is empty is that log's finding (olympic scoring drops it), not a
    disagreement of every run-set detail with the nine others (RUN002, RUN006) and an RCP check
    that cannot run (RCP003); nothing shows None."""
    root = fixture_tree(tmp_path / "t")
    next(root.rglob("result_3.txt")).write_text("")
    report = json.loads(run_cli("check", str(root), "--format", "json", "--no-config").out)
    codes = sorted(f["code"] for f in report["findings"])
    assert "RUN002" not in codes and "RUN006" not in codes and "RCP003" not in codes, codes
    about_the_run = [f for f in report["findings"] if f["location"]["path"].endswith("result_3.txt")]
    assert [f["code"] for f in about_the_run] == ["LOG007"] and about_the_run[0]["waived_by"]
    assert report["passed"] is True
    assert "None" not in run_cli("check", str(root), "--no-config").out


def test_github_annotations_show_the_notes(tmp_path: Path) -> None:
    out = run_cli("check", str(fixture_tree(tmp_path / "t")), "--format", "github").out
    assert "::notice title=mlperf-audit::Round 5.1 detected" in out


# -- the command line -----------------------------------------------------------------------------


def test_ctrl_c_ends_with_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import engine

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run_audit", interrupted)
    result = run_cli("check", EXAMPLE_LOG)
    assert result.code == 130
    assert result.err.strip() == "mlperf-audit: interrupted" and not result.out


@pytest.mark.parametrize("args", [["rules"], ["schema"], ["rule", "SEQ004"], ["check", EXAMPLE_LOG, "--round", "5.1", "--verbose"]])
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    proc = subprocess.Popen(
        [PYTHON, "-m", "compliance", *args], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    with proc.stderr:
        err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err


def test_the_python_api_accepts_what_people_pass() -> None:
    from compliance import audit

    by_str = audit(str(ROOT / EXAMPLE_LOG), round="5.1")
    assert audit(ROOT / EXAMPLE_LOG, round=5.1).findings == by_str.findings
    assert audit([ROOT / EXAMPLE_LOG], round=5.1).round == "5.1"
    with pytest.raises(TypeError, match="paths must be"):
        audit(5)
    with pytest.raises(TypeError, match="each path"):
        audit([ROOT / EXAMPLE_LOG, 3])
    with pytest.raises(TypeError, match="round must be"):
        audit(ROOT / EXAMPLE_LOG, round=["5.1"])
    with pytest.raises(TypeError, match="suite must be"):
        audit(ROOT / EXAMPLE_LOG, suite=1)
    with pytest.raises(ValueError, match="no such file"):
        audit(ROOT / "no-such-log.txt")
    with pytest.raises(ValueError, match="unknown suite"):
        audit(ROOT / EXAMPLE_LOG, suite="trainig")


def test_a_folder_that_is_no_submission_is_nothing_to_check() -> None:
    result = run_cli("check", "/etc", "--no-config")
    assert result.code == 2 and "nothing to check" in result.err
    assert len(result.err.splitlines()) <= 3 and not result.out


def test_no_fix_suggests_a_command_that_deletes() -> None:
    from compliance.registry import RULES, load_all

    load_all()
    destructive = re.compile(r"\brm\s+-|-delete\b|\bgit\s+clean\b|\bshred\b|rmtree|\bfind\s+\.\s")
    for code, rule in RULES.items():
        assert not destructive.search(rule.doc), f"{code}'s documentation suggests a destructive command"


def test_an_unsupported_round_lists_the_supported_ones() -> None:
    for suite, listed in (("training", "5.0, 5.1"), ("inference", "5.1, 6.0"), ("hpc", "3.0")):
        result = run_cli("check", EXAMPLE_LOG, "--suite", suite, "--round", "2.1")
        assert result.code == 2, result.err
        assert f"no {suite} round 2.1" in result.err and listed in result.err, result.err


def test_help_shows_examples_exit_codes_and_every_subcommand_has_help() -> None:
    check = run_cli("check", "--help").out
    assert "examples:" in check and "exit codes:" in check and "130" in check
    for suite in ("training", "hpc", "inference"):
        assert suite in run_cli("--help").out.lower() or suite in check
    for command in ("rules", "rule", "schema", "diff"):
        text = run_cli(command, "--help").out
        assert len(text.splitlines()) > 4 and ("example" in text or command == "diff"), text


def test_rules_filters_by_suite_and_prefix_and_prints_json() -> None:
    listed = json.loads(run_cli("rules", "--format", "json").out)
    inference = json.loads(run_cli("rules", "--suite", "inference", "--format", "json").out)
    lat = json.loads(run_cli("rules", "LAT", "--format", "json").out)
    assert len(inference) < len(listed) and all("inference" in r["suites"] for r in inference)
    assert lat and all(r["code"].startswith("LAT") for r in lat)
    assert {"code", "name", "severity", "suites", "summary", "url"} <= set(listed[0])
    text = run_cli("rules", "seq").out.splitlines()
    assert text[0].startswith("CODE") and all(line.startswith("SEQ") for line in text[1:])
    assert run_cli("rules", "ZZZ").code == 2


def test_rule_links_point_at_pages_in_this_repository() -> None:
    from compliance.registry import DOCS_URL, RULES, load_all

    load_all()
    assert DOCS_URL.endswith("docs/rules/{code}.md")
    for code in RULES:
        assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()


# -- waivers and baselines ------------------------------------------------------------------------

WAIVER = """[[waiver]]
code = "RUN001"
subject = "{glob}"
reason = "one run lost to a node failure, accepted at review"
approver = "Training WG chair"
expires = 2099-12-31
"""


@pytest.mark.parametrize("glob", ["closed/AMD/results/*", "./closed/AMD/results/*", "closed/AMD/*/llama31_8b"])
def test_a_waiver_matches_however_the_tree_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, glob: str) -> None:
    root = fixture_tree(tmp_path / "repo", runs=9)
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(WAIVER.format(glob=glob))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, target in ((root, "."), (root, "closed/AMD"), (root, "./closed/AMD"), (elsewhere, str(root)), (elsewhere, "../repo/closed/AMD")):
        monkeypatch.chdir(cwd)
        result = run_cli("check", target, "--waivers", str(waivers), "--no-config", "--format", "json")
        report = json.loads(result.out)
        run001 = [f for f in report["findings"] if f["code"] == "RUN001"]
        assert run001 and all(f["waived_by"] for f in run001), (cwd, target, result.err)
        assert not any(f["code"] == "WAV001" for f in report["findings"])


def test_a_baseline_matches_however_the_tree_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_tree(tmp_path / "repo", runs=9)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(run_cli("check", str(root), "--format", "json", "--no-config").out)
    monkeypatch.chdir(root)
    for target in (".", "./closed/AMD", "closed/AMD"):
        result = run_cli("check", target, "--baseline", str(baseline), "--no-config", "--format", "json")
        report = json.loads(result.out)
        assert result.code == 0, (target, [f["code"] for f in report["findings"] if not f["waived_by"]])


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('[[waiver]]\ncode = "RUN001"\nsubject = "x"\nreason = "r"\napprover = "a"\nexpires = "2026-12-31"\n', 6, "quoted"),
        ('[[waiver]]\ncode = "RUN001"\nsubject = "x"\nreason = "r"\napprover = "a"\nowner = "me"\n', 6, "unknown key 'owner'"),
        ('[waiver]\ncode = "RUN001"\n', 1, "[[waiver]]"),
        ('waivers = []\n', 1, "unknown key 'waivers'"),
        ('[[waiver]]\ncode = "RUN001"\n\n[[waiver]]\ncode = "X"\nsubject = "y"\n', 1, "needs subject, reason, approver"),
    ],
)
def test_a_malformed_waiver_file_is_a_usage_error_naming_the_line(tmp_path: Path, text: str, line: int, says: str) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(text)
    result = run_cli("check", EXAMPLE_LOG, "--round", "5.1", "--waivers", str(waivers), "--no-config")
    assert result.code == 2
    assert f"{waivers}:{line}:" in result.err and says in result.err, result.err


def test_the_readme_waiver_example_follows_the_published_schema() -> None:
    import tomllib

    import jsonschema

    schema = json.loads((ROOT / "schemas" / "waivers.schema.json").read_text())
    assert json.loads(run_cli("schema", "waivers").out) == schema
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert example and "[[waiver]]" in example.group(1), "the README shows a waiver file"
    data = tomllib.loads(textwrap.dedent(example.group(1)))
    assert len(data["waiver"]) >= 2 and any("expires" in w for w in data["waiver"])
    for entry in data["waiver"]:  # TOML dates are JSON strings in the schema
        if "expires" in entry:
            entry["expires"] = entry["expires"].isoformat()
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert "schemas/waivers.schema.json" in readme


# -- install and docs -----------------------------------------------------------------------------


def test_runtime_dependencies_take_compatible_ranges() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert "==" not in requirement and ">=" in requirement and "<" in requirement, requirement


def test_readme_commands_after_the_install_run_as_written() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "are not checked yet" not in readme
    # the commands shown after the install command, before the sample output
    try_it = readme.split("## Try it", 1)[1].split("<!-- sample-text:start -->", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", try_it, re.DOTALL)
    commands = [line for block in blocks for line in block.splitlines() if "mlperf-audit" in line]
    assert commands and all(".venv/bin/mlperf-audit" in line for line in commands), commands
    assert "pipx install ." in readme and "uv tool install ." in readme
    for path in re.findall(r"(examples/\S+\.txt)", readme):
        assert (ROOT / path).is_file(), path


def test_readme_action_and_hooks_describe_all_three_suites() -> None:
    for name in ("README.md", "action.yml", ".pre-commit-hooks.yaml"):
        text = (ROOT / name).read_text().lower()
        assert all(suite in text for suite in ("training", "hpc", "inference")), name
    assert all(suite in run_cli("--help").out.lower() for suite in ("training", "hpc", "inference"))


def test_diff_lines_say_the_severity_before_the_code(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    good = fixture_tree(tmp_path / "good")
    bad = fixture_tree(tmp_path / "bad", runs=9)
    old.write_text(run_cli("check", str(good), "--format", "json", "--no-config").out)
    new.write_text(run_cli("check", str(bad), "--format", "json", "--no-config").out)
    result = run_cli("diff", str(old), str(new))
    assert result.code == 1
    added = [line for line in result.out.splitlines() if line.startswith("  + ")]
    assert added and any(re.match(r"^  \+ \S+: error RUN001 ", line) for line in added), added


def test_the_loadgen_pre_commit_hook_checks_changed_runs() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["mlperf-audit-loadgen"]
    runs = [str(p.relative_to(ROOT)) for p in sorted((FIXTURES / "inference_tree").rglob("mlperf_log_detail.txt"))]
    matched = [p for p in runs if re.search(hook["files"], p)]
    assert matched == runs and hook["pass_filenames"] is True
    result = run_cli(*hook["entry"].split()[1:], *matched)
    assert result.code == 0 and "PASSED" in result.out, result.out + result.err


def test_a_ctrl_c_while_the_pool_forks_is_kept_and_raised_when_the_fork_is_done() -> None:
    """Python drops an exception raised inside the fork hooks ("Exception ignored in ..."): a
    Ctrl-C landing then must not be lost, or the check runs to its end and exits 0 or 1."""
    import signal

    from compliance import cli, pool

    pool._fork_begins()
    try:
        cli._on_sigint(signal.SIGINT, None)  # noted, not raised
        assert pool._PENDING[0] is True
    finally:
        pool._fork_ends()
    with pytest.raises(KeyboardInterrupt):
        pool._raise_pending()
    assert pool._PENDING[0] is False
    with pytest.raises(KeyboardInterrupt):  # outside a fork it is raised at once
        cli._on_sigint(signal.SIGINT, None)
