"""The round data in checkers/: every round loads, inherits and says where its numbers come from."""

from __future__ import annotations

import re
from pathlib import Path
import tomllib

import pytest

from compliance.rulebook.load import available_rounds, canonical_round, data_dir, load_rulebook, newest_round
from compliance.rulebook.model import RulebookError, build_check, build_key

# Every round the data has is tested (a new round needs no change here); these at least must be.
IN_SCOPE = {
    "training": ["3.0", "3.1", "4.0", "4.1", "5.0", "5.1", "6.0", "6.1"],
    "hpc": ["1.0", "2.0", "3.0"],
}
ROUNDS = {suite: available_rounds(suite) for suite in IN_SCOPE}
ALL = [(suite, r) for suite, rounds in ROUNDS.items() for r in rounds]


def test_the_rounds_in_scope_are_all_present() -> None:
    for suite, rounds in IN_SCOPE.items():
        assert set(rounds) <= set(available_rounds(suite)), suite
    assert newest_round("training") == "6.1" and newest_round("hpc") == "3.0"


@pytest.mark.parametrize(("suite", "round_name"), ALL)
def test_round_loads_and_every_benchmark_has_a_closed_quality_target(suite: str, round_name: str) -> None:
    book = load_rulebook(suite, round_name)
    assert book.round == round_name and book.chain[-1] == round_name
    assert re.fullmatch(r"[0-9a-f]{64}", book.sha256)
    assert book.benchmarks
    for name, info in book.benchmarks.items():
        specs = book.effective("closed", name, {})
        targets = [key for key, spec in specs.items() if spec.target]
        assert targets, f"{suite} {round_name} {name}: no quality target"
        assert info.runs and info.runs >= 3
    limits = {"init_time_closed", "init_time_open"} if suite == "training" else {"init_time"}
    assert limits <= set(book.limits)
    for name, limit in book.limits.items():
        assert limit.unit == ("ms" if name == "clock_skew" else "min") and limit.source


@pytest.mark.parametrize(("suite", "round_name"), ALL)
def test_every_key_spec_names_its_source(suite: str, round_name: str) -> None:
    book = load_rulebook(suite, round_name)
    for section, table in book.sections.items():
        for key, spec in table.items():
            assert spec.source, f"{suite} {round_name} {section}.{key} has no source"


def test_later_rounds_extend_earlier_ones() -> None:
    data = tomllib.loads((data_dir() / "training" / "v6.1.toml").read_text())
    assert data["extends"] == "6.0"
    assert load_rulebook("training", "6.1").chain == ("3.0", "3.1", "4.0", "4.1", "5.0", "5.1", "6.0", "6.1")
    # 6.1 makes the disclosure keys mandatory; 6.0 had them optional
    old = load_rulebook("training", "6.0").effective("closed", "llama31_8b", {})
    new = load_rulebook("training", "6.1").effective("closed", "llama31_8b", {})
    assert old["lowest_numerical_precision_in_linear"].req == "optional"
    assert new["lowest_numerical_precision_in_linear"].req == "exactly_one"
    # retired benchmarks take their rules with them
    assert "bert" in load_rulebook("training", "5.0").benchmarks
    assert "bert" not in load_rulebook("training", "5.1").benchmarks


def test_quality_targets_match_the_published_tables() -> None:
    def target(suite: str, round_name: str, bench: str) -> dict:
        specs = load_rulebook(suite, round_name).effective("closed", bench, {})
        (spec,) = [s for s in specs.values() if s.target]
        return dict(spec.target[0].conditions)

    assert target("training", "5.1", "llama31_8b")["le"] == 3.3
    assert target("training", "5.1", "dlrm_dcnv2")["ge"] == 0.80275
    assert target("training", "5.0", "retinanet")["ge"] == 0.34
    assert target("training", "6.1", "qwen35_397b_grpo")["gt"] == 0.69
    assert target("hpc", "3.0", "cosmoflow")["le"] == 0.124
    assert target("hpc", "3.0", "deepcam")["ge"] == 0.82


def test_variants_select_optimizer_specific_rules() -> None:
    book = load_rulebook("training", "3.1")
    lars = book.effective("closed", "resnet", {"opt_name": "lars"})
    sgd = book.effective("closed", "resnet", {"opt_name": "sgd"})
    assert "lars_opt_base_learning_rate" in lars and "lars_opt_base_learning_rate" not in sgd


@pytest.mark.parametrize(("text", "expected"), [("5.1", "5.1"), ("v5.1", "5.1"), ("5.1.0", "5.1"), ("V4.0", "4.0"), ("5", None), ("5.1.1", None), ("latest", None)])
def test_round_names(text: str, expected: str | None) -> None:
    assert canonical_round(text) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"between": [1, 2]},
        {"ge": "x +"},
        {"ge": True},
        {"one_of": 3},
        {"nonempty": False},
        {"fn": "exec"},
        {"field": "ll.timestamp", "ge": 0},
        {},
        "v['value'] > 0",
    ],
)
def test_malformed_checks_are_refused_at_load_time(raw: object) -> None:
    with pytest.raises(RulebookError):
        build_check(raw, "test")


def test_malformed_key_specs_are_refused() -> None:
    with pytest.raises(RulebookError):
        build_key("k", {"req": "EXACTLY_ONE"}, "common")
    with pytest.raises(RulebookError):
        build_key("k", {"req": "at_least_one_of"}, "common")
    with pytest.raises(RulebookError):
        build_key("k", {"req": "exactly_one", "CHECK": "v > 0"}, "common")


def test_data_files_contain_no_code() -> None:
    for path in data_dir().rglob("*.toml"):
        text = path.read_text()
        for marker in ("v['value']", "s['", "import ", "eval(", "exec(", "lambda", "__"):
            assert marker not in text, f"{path.name} contains {marker!r}"


def test_a_training_round_is_added_from_data_alone(tmp_path: Path) -> None:
    """A new round is one TOML file in a copy of checkers/ (MLPERF_AUDIT_CHECKERS names it): no
    code changes. The round extends the newest one and checks a log exactly as it does."""
    import json
    import shutil
    import subprocess

    from compliance.rulebook.load import available_rounds, data_folder
    from tests.support.cli import PYTHON, python_env
    from tests.support.paths import ROOT

    newest = available_rounds("training")[-1]
    fake = f"{int(newest.split('.')[0]) + 10}.0"
    checkers = tmp_path / "checkers"
    shutil.copytree(data_folder(), checkers)
    (checkers / "training" / f"v{fake}.toml").write_text(
        f'schema = 1\nsuite = "training"\nround = "{fake}"\nextends = "{newest}"\nruleset = "training_{fake}.0"\n\n'
        '[sources]\nchecker = "none: a round for this test"\nrules = "none: a round for this test"\n',
        encoding="utf-8",
    )
    env = {**python_env(), "MLPERF_AUDIT_CHECKERS": str(checkers), "MLPERF_AUDIT_NO_CACHE": "1"}
    log = str(ROOT / "examples" / "training" / "llama31_8b" / "result_0.txt")

    def check(round_name: str) -> dict[str, object]:
        proc = subprocess.run(
            [PYTHON, "-m", "compliance", "check", log, "--round", round_name, "--format", "json", "--no-config"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode in (0, 1), proc.stderr
        report: dict[str, object] = json.loads(proc.stdout)
        return report

    added, base = check(fake), check(newest)
    assert added["round"] == fake and added["round_source"] == "given"
    assert added["rulebook_sha256"] != base["rulebook_sha256"]  # the new file is part of the rules checked

    def findings(report: dict[str, object]) -> list[tuple[object, ...]]:
        return [(f["code"], f["location"]["line"], f["message"]) for f in report["findings"]]  # type: ignore[attr-defined, index]

    assert findings(added) == findings(base) and findings(base)
    rcp = checkers / "training" / "rcp" / f"v{newest}.json"
    rcp.write_text(rcp.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert check(newest)["rulebook_sha256"] != base["rulebook_sha256"], "the hash covers the RCP data used"


def test_two_installs_sharing_a_cache_folder_keep_an_index_entry_each(tmp_path: Path) -> None:
    """The cache index names each round's benchmarks by the round file's path: a second install
    (another checkers/ folder) sharing the cache folder adds its own entry instead of replacing
    the first's, so neither recomputes and rewrites the index on every run."""
    import shutil
    import subprocess
    import sys

    from tests.support.cli import python_env

    cache, copy = tmp_path / "cache", tmp_path / "checkers"
    shutil.copytree(data_dir(), copy)
    code = "from compliance.rulebook.load import round_benchmarks; round_benchmarks('training', '4.1')"
    index = cache / "index-1.json"

    def run(checkers: Path | None) -> bytes:
        env = {**python_env(), "MLPERF_AUDIT_CACHE_DIR": str(cache)}
        env.pop("MLPERF_AUDIT_CHECKERS", None)
        if checkers is not None:
            env["MLPERF_AUDIT_CHECKERS"] = str(checkers)
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        return index.read_bytes()

    run(None)
    both = run(copy)
    assert run(None) == both and run(copy) == both  # nothing rewritten once both are in
    assert both.count(b'"benchmarks:') == 2
