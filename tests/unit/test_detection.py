"""Round, suite and submission detection: no flags needed (docs/detection.md).

Each evidence source has its own tests; then whole checks at every level of a
real training and a real inference tree (from tests/fixtures), and the
ambiguous cases that must exit 2 naming the candidates.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from compliance.detection import AmbiguousRound, Evidence, decide_round, given_round
from compliance.detection import calendar as cal
from compliance.detection import sources
from compliance.rulebook.load import available_rounds
from tests.support.cli import run_cli
from tests.support.paths import FIXTURES
from tests.support.logedit import apply_edits, base_text
from tests.support.treebuild import fixture_tree

D = dt.date


# -- the calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["training", "hpc", "inference", "tiny"])
def test_every_supported_round_is_in_the_calendar_in_order(suite: str) -> None:
    rows = cal.calendar(suite)
    assert set(available_rounds(suite)) <= {r.round for r in rows}
    for before, after in zip(rows, rows[1:]):
        assert before.deadline < after.deadline and before.publication < after.publication
    for row in rows:
        assert row.deadline <= row.publication and row.source
        assert row.deadline.weekday() == 4, f"{suite} {row.round}: deadlines fall on a Friday (schedule)"


def test_a_date_inside_a_window_names_its_round() -> None:
    found = cal.dates_evidence("training", [D(2025, 9, 1), D(2025, 10, 9)], today=D(2026, 12, 3))
    assert found.rounds == frozenset({"5.1"}) and not found.hard


def test_review_week_reruns_belong_to_the_round_whose_deadline_the_older_logs_meet() -> None:
    # 2025-10-19 is after the 5.1 deadline (10-10) and before its publication: a rerun or an early 6.0 run
    rerun = cal.dates_evidence("training", [D(2025, 10, 8), D(2025, 10, 19)], today=D(2026, 12, 3))
    assert rerun.rounds == frozenset({"5.1"}) and "review weeks" in rerun.detail
    alone = cal.dates_evidence("training", [D(2025, 10, 19)], today=D(2026, 12, 3))
    assert alone.rounds == frozenset({"5.1", "6.0"})


def test_clocks_at_zero_and_in_the_future_say_nothing() -> None:
    assert cal.dates_evidence("training", [D(1970, 1, 19)], today=D(2026, 12, 3)).rounds is None
    assert cal.dates_evidence("training", [D(2031, 1, 1)], today=D(2026, 12, 3)).rounds is None
    # one log with a zero clock among dated ones does not matter
    assert cal.dates_evidence("training", [D(1970, 1, 1), D(2024, 5, 1)], today=D(2026, 12, 3)).rounds == frozenset({"4.0"})


def test_logs_newer_than_every_round_point_to_no_known_round() -> None:
    found = cal.dates_evidence("hpc", [D(2024, 6, 1)], today=D(2026, 12, 3))
    assert found.rounds == frozenset() and "no data for" in found.detail


def test_unsupported_old_rounds_are_named() -> None:
    found = cal.dates_evidence("training", [D(2022, 10, 7)], today=D(2026, 12, 3))
    assert found.rounds == frozenset({"2.1"})


# -- the other sources -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "suite", "round_name"),
    [
        ("/data/training_results_v5.1/AMD/results", "training", "5.1"),
        ("/x/mlperf_inference_results_v5.0-main/closed", "inference", "5.0"),
        ("hpc_results_v3.0", "hpc", "3.0"),
    ],
)
def test_the_results_repository_name_states_the_round(path: str, suite: str, round_name: str) -> None:
    found_suite, found = sources.repository_name([path])
    assert found_suite == suite and found.rounds == frozenset({round_name}) and found.hard


def test_no_repository_name_says_nothing_and_two_names_contradict() -> None:
    assert sources.repository_name(["/tmp/work/AMD"])[1].rounds is None
    assert sources.repository_name(["training_results_v4.1/a", "training_results_v5.1/b"])[1].rounds == frozenset()


ROUNDS = {"4.0": frozenset({"bert", "resnet"}), "5.1": frozenset({"llama31_8b", "flux1"}), "6.0": frozenset({"llama31_8b"})}


def test_the_benchmarks_allow_the_rounds_that_know_them_all() -> None:
    found = sources.benchmark_set({"llama31_8b", "a_typo"}, ROUNDS)
    assert found.rounds == frozenset({"5.1", "6.0"}) and found.hard
    assert sources.benchmark_set({"a_typo"}, ROUNDS).rounds is None


def test_benchmarks_of_two_rounds_contradict_and_say_which_round_knows_which() -> None:
    found = sources.benchmark_set({"bert", "flux1"}, ROUNDS)
    assert found.rounds == frozenset() and "bert (round 4.0)" in found.detail and "flux1 (round 5.1)" in found.detail


SEEDS = {"5.1": (1, 2, 3), "6.0": (4, 5, 6)}


def test_the_official_seeds_name_the_round_and_a_stray_run_is_outvoted() -> None:
    assert sources.loadgen_seeds([(1, 2, 3)] * 3, SEEDS).rounds == frozenset({"5.1"})
    assert sources.loadgen_seeds([(1, 2, 3)] * 9 + [(4, 5, 6)], SEEDS).rounds == frozenset({"5.1"})
    assert sources.loadgen_seeds([(1, 2, 3)] * 5 + [(4, 5, 6)] * 5, SEEDS).rounds == frozenset()
    assert sources.loadgen_seeds([(0, 0, 0)], SEEDS).rounds is None  # a test harness's seeds


def test_loadgen_version_rules_out_older_rounds() -> None:
    found = sources.loadgen_version(["6.0.17 @ d6147c7eb7"], ["5.1", "6.0", "6.1"])
    assert found.rounds == frozenset({"6.0", "6.1"}) and not found.hard


def test_the_layout_tells_inference_rounds_apart() -> None:
    layouts = {"5.1": False, "6.0": True}
    assert sources.inference_layout(True, layouts).rounds == frozenset({"6.0"})
    assert sources.inference_layout(None, layouts).rounds is None


# -- deciding ---------------------------------------------------------------------------------------


def test_constraints_then_preferences_decide() -> None:
    hard = Evidence("benchmarks", frozenset({"5.1", "6.0"}), "llama31_8b", hard=True)
    soft = Evidence("log dates", frozenset({"5.1"}), "1 log", hard=False)
    decision = decide_round("training", ["4.0", "5.1", "6.0"], [hard, soft])
    assert decision.round == "5.1" and decision.source == "detected" and decision.used == (hard, soft)


def test_a_preference_that_disagrees_is_set_aside_and_named() -> None:
    hard = Evidence("LoadGen seeds", frozenset({"6.0"}), "runs", hard=True)
    soft = Evidence("log dates", frozenset({"6.1"}), "a late upload")
    decision = decide_round("inference", ["5.1", "6.0", "6.1"], [hard, soft])
    assert decision.round == "6.0" and decision.unused == (soft,) and "Set aside" in decision.summary()


def test_contradicting_constraints_and_leftover_candidates_are_ambiguous() -> None:
    a = Evidence("repository name", frozenset({"5.1"}), "training_results_v5.1", hard=True)
    b = Evidence("benchmarks", frozenset({"6.1"}), "dlrmv4", hard=True)
    with pytest.raises(AmbiguousRound) as err:
        decide_round("training", ["5.1", "6.1"], [a, b])
    assert "contradicts" in str(err.value) and "--round" in str(err.value)
    with pytest.raises(AmbiguousRound) as err:
        decide_round("training", ["5.1", "6.0"], [Evidence("benchmarks", frozenset({"5.1", "6.0"}), "x", hard=True)])
    assert err.value.candidates == ["5.1", "6.0"] and "5.1 and 6.0" in str(err.value)


def test_a_given_round_that_the_evidence_contradicts_gets_a_note() -> None:
    decision = given_round("training", "6.1", "given", [Evidence("benchmarks", frozenset({"5.1"}), "retinanet", hard=True)])
    assert decision.round == "6.1" and decision.notes and "retinanet" in decision.notes[0]


# -- whole checks at every level -----------------------------------------------------------------


def _json(*args: str) -> tuple[int, dict, str]:
    result = run_cli("check", *args, "--format", "json")
    assert "Traceback" not in result.err
    return result.code, (json.loads(result.out) if result.out else {}), result.err


def _training_repository(tmp_path: Path) -> Path:
    """A results repository named as published (org folders at the top, no division level),
    holding the real AMD v5.1 llama31_8b entry."""
    made = fixture_tree(tmp_path / "made")
    repo = tmp_path / "training_results_v5.1"
    shutil.move(str(made / "closed" / "AMD"), str(repo / "AMD"))
    return repo


def _entry_verdicts(report: dict) -> dict[str, bool]:
    return {row["path"].split("/results/", 1)[1]: row["passed"] for row in report["results"]}


def test_training_levels_give_the_whole_tree_verdicts_without_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _training_repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, whole, _ = _json("training_results_v5.1")
    assert code == 0 and whole["round"] == "5.1" and whole["round_source"] == "detected"
    assert any(line.startswith("repository name: the folder 'training_results_v5.1'") for line in whole["round_evidence"])
    expected = _entry_verdicts(whole)
    assert expected == {"MI355X_EPYC_9575F_pytorch/llama31_8b": True}
    for part in ("AMD", "AMD/results", "AMD/results/MI355X_EPYC_9575F_pytorch", "AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"):
        code, report, _ = _json(str(Path("training_results_v5.1") / part))
        assert code == 0 and report["round"] == "5.1", part
        assert _entry_verdicts(report) == expected, part
        # the run set, RCP and system checks ran for the part: the entry has a score and an RCP verdict
        assert report["results"][0]["score_minutes"] and report["results"][0]["rcp"] == "pass", part
    _code, entry, _ = _json(str(repo / "AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"))
    assert any("checked as part of it" in note for note in entry["notes"])


def test_training_division_level_and_a_broken_entry_fail_alike(tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "tree")
    for n in (3, 5):  # two failed runs: more than olympic scoring may drop
        log = root / f"closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b/result_{n}.txt"
        log.write_text(apply_edits(log.read_text(), [{"duplicate": {"key": "run_start"}}]))
    whole = _json(str(root))[1]
    for part in (root / "closed", root / "closed/AMD", log.parent):
        code, report, _ = _json(str(part))
        assert code == 1 and report["round"] == "5.1"
        assert _entry_verdicts(report) == _entry_verdicts(whole) == {"MI355X_EPYC_9575F_pytorch/llama31_8b": False}


def test_an_entry_outside_any_submission_says_which_checks_could_not_run(tmp_path: Path) -> None:
    entry = tmp_path / "llama31_8b"
    entry.mkdir()
    (entry / "result_0.txt").write_text(base_text("v5.1_llama31_8b"))
    code, report, _ = _json(str(entry))
    assert code == 0 and report["round"] == "5.1"
    assert any("could not run" in note and "RCP" in note for note in report["notes"])


INFERENCE = FIXTURES / "inference_tree" / "v5.1"
SCENARIO = "closed/Intel/results/1-node-2S-GNR_128C/whisper/Offline"


def test_inference_levels_give_the_whole_tree_verdicts_without_flags(tmp_path: Path) -> None:
    root = tmp_path / "v5.1"
    shutil.copytree(INFERENCE, root)
    code, whole, _ = _json(str(root))
    assert whole["suite"] == "inference" and whole["round"] == "5.1" and whole["round_source"] == "detected"
    assert any(line.startswith("LoadGen seeds: 1 run with round 5.1's seeds") for line in whole["round_evidence"])
    expected = {row["scenario"]: (row["passed"], row["value"]) for row in whole["results"]}
    assert expected == {"Offline": (True, expected["Offline"][1])} and code == 0
    parts = ["closed", "closed/Intel", "closed/Intel/results", "closed/Intel/results/1-node-2S-GNR_128C",
             "closed/Intel/results/1-node-2S-GNR_128C/whisper", SCENARIO, f"{SCENARIO}/performance",
             "closed/Intel/compliance/1-node-2S-GNR_128C/whisper/Offline"]
    for part in parts:
        code, report, _ = _json(str(root / part))
        assert code == 0 and report["round"] == "5.1", part
        assert {row["scenario"]: (row["passed"], row["value"]) for row in report["results"]} == expected, part


def test_a_run_folder_is_checked_as_a_run_of_its_round(tmp_path: Path) -> None:
    root = tmp_path / "v5.1"
    shutil.copytree(INFERENCE, root)
    code, report, _ = _json(str(root / SCENARIO / "performance/run_1"))
    assert report["round"] == "5.1" and report["round_source"] == "detected" and code == 0
    assert [s["kind"] for s in report["subjects"]] == ["loadgen_run"]


# -- ambiguous evidence exits 2 --------------------------------------------------------------------


def test_a_log_without_timestamps_is_ambiguous(tmp_path: Path) -> None:
    lines = []
    for line in base_text("v5.1_llama31_8b").splitlines():
        if ":::MLLOG " in line:
            head, _, body = line.partition(":::MLLOG ")
            record = json.loads(body)
            record["time_ms"] = 1000.0 + len(lines)  # a clock that starts at zero
            line = head + ":::MLLOG " + json.dumps(record)
        lines.append(line)
    log = tmp_path / "result_0.txt"
    log.write_text("\n".join(lines) + "\n")
    result = run_cli("check", str(log))
    assert result.code == 2 and "Traceback" not in result.err
    assert "fits 5.1, 6.0 and 6.1" in result.err and "--round" in result.err
    assert run_cli("check", str(log), "--round", "5.1").code == 0


def test_a_tree_mixing_two_rounds_is_ambiguous(tmp_path: Path) -> None:
    root = fixture_tree(tmp_path / "tree")
    old = root / "closed/tinycorp"
    (old / "results/tinybox_red/resnet").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "corpus/training/v4.0/tinycorp/tinybox_red/resnet/result_0.txt", old / "results/tinybox_red/resnet/result_0.txt")
    (old / "systems").mkdir()
    shutil.copyfile(FIXTURES / "systems/training/v4.0/tinycorp/systems/tinybox_red.json", old / "systems/tinybox_red.json")
    result = run_cli("check", str(root))
    assert result.code == 2 and "Traceback" not in result.err
    assert "llama31_8b (rounds 5.1 to 6.1)" in result.err and "resnet (rounds 3.0 to 4.0)" in result.err
    assert "--round" in result.err


# -- the published rounds (fetched results repositories; skipped when absent) -----------------------

import os  # noqa: E402

REPOS = Path(os.environ.get("MLPERF_AUDIT_RESULTS_REPOS", "/tmp/fid"))
PUBLISHED = [
    ("training-3.0", "training", "3.0"), ("training-3.1", "training", "3.1"), ("training-4.0", "training", "4.0"),
    ("training-4.1", "training", "4.1"), ("training-5.0", "training", "5.0"), ("training-5.1", "training", "5.1"),
    ("hpc-1.0", "hpc", "1.0"), ("hpc-2.0", "hpc", "2.0"), ("hpc-3.0", "hpc", "3.0"),
    ("inference-4.1", "inference", "4.1"), ("inference-5.1", "inference", "5.1"), ("inference-6.0", "inference", "6.0"),
    *((f"mobile-{r}", "mobile", r) for r in ("2.0", "2.1", "3.0", "3.1", "4.0", "4.1", "5.0")),
    ("tiny-0.5", "tiny", "0.5"), ("tiny-0.7", "tiny", "0.7"), ("tiny-1.0", "tiny", "1.0"), ("tiny-1.1", "tiny", "1.1"),
    ("tiny-1.2", "tiny", "1.2"), ("tiny-1.3", "tiny", "1.3"),
]


def _repo_or_skip(name: str) -> Path:
    path = REPOS / name
    if not path.is_dir():
        pytest.skip(f"{path} is not here (materialise it with bench/fidelity/materialise.py)")
    return path


@pytest.mark.parametrize(("name", "suite", "round_name"), PUBLISHED)
def test_published_rounds_are_detected_as_a_whole_and_org_by_org(name: str, suite: str, round_name: str) -> None:
    from compliance.detection.resolve import plan
    from compliance.discover import is_org_folder
    from compliance.options import AuditOptions

    repo = _repo_or_skip(name)
    whole = plan([str(repo)], AuditOptions())
    assert (whole.suite, whole.decision.round) == (suite, round_name)
    divisions = [d for d in repo.iterdir() if d.name in ("closed", "open", "network")] or [repo]
    orgs = [o for d in divisions for o in sorted(d.iterdir()) if o.is_dir() and is_org_folder(str(o), strict=True)]
    for org in orgs[:3]:
        part = plan([str(org)], AuditOptions())
        assert (part.suite, part.decision.round) == (suite, round_name), org


@pytest.mark.slow
@pytest.mark.parametrize(("name", "suite", "round_name"), PUBLISHED)
def test_published_rounds_get_the_same_verdicts_with_and_without_flags(name: str, suite: str, round_name: str) -> None:
    repo = _repo_or_skip(name)
    _c1, bare, _ = _json(str(repo))
    _c2, flagged, _ = _json(str(repo), "--suite", suite, "--round", round_name)
    for report in (bare, flagged):
        for key in ("notes", "round_source", "suite_source", "round_evidence"):
            report.pop(key)
    assert bare == flagged


def test_results_that_are_only_links_are_named_not_hidden(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(INFERENCE / "closed/Intel/results/1-node-2S-GNR_128C/whisper", outside / "whisper")
    org = tmp_path / "tree/closed/ACME"
    (org / "results/sysA").mkdir(parents=True)
    (org / "systems").mkdir()
    (org / "results/sysA/whisper").symlink_to(outside / "whisper", target_is_directory=True)
    bare = run_cli("check", str(tmp_path / "tree"))
    assert bare.code == 2 and "links are never followed" in bare.err and "results/sysA/whisper" in bare.err
    given = run_cli("check", str(tmp_path / "tree"), "--suite", "inference", "--round", "5.1", "--format", "json")
    assert given.code == 1 and "STR004" in {f["code"] for f in json.loads(given.out)["findings"]}


@pytest.mark.parametrize("given", ["7", "9.9", "round-5"])
def test_a_round_that_is_not_one_names_the_rounds_there_are(given: str) -> None:
    result = run_cli("check", "--round", given, "examples/training")
    assert result.code == 2
    assert "the training rounds are 3.0, 3.1," in result.err, result.err


def test_run_facts_read_in_a_pool_are_the_ones_read_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many runs' dates, LoadGen versions and seeds are read in a process pool; the survey holds
    them in the runs' order, as when they are read one after the other."""
    from compliance.detection import survey as sv
    from compliance.pool import run_pool as real_pool

    tree = str(FIXTURES / "fidelity" / "v6.0")

    def surveyed(pool_from: int) -> sv.Survey:
        monkeypatch.setattr(sv, "FACTS_POOL_MIN", pool_from)
        found = sv.walk_input(tree)
        found.loadgen_runs *= 20  # enough runs for a pool, each read again
        found.performance_runs *= 20
        return sv.read_loadgen_facts(found)

    pooled: list[int] = []
    monkeypatch.setattr("compliance.pool.run_pool", lambda *a, **k: pooled.append(1) or real_pool(*a, **k))
    serial = surveyed(10**9)
    assert not pooled
    in_pool = surveyed(2)
    assert pooled
    assert serial.run_dates and serial.run_seeds and serial.loadgen_versions
    assert (in_pool.run_dates, in_pool.run_seeds, in_pool.loadgen_versions) == (serial.run_dates, serial.run_seeds, serial.loadgen_versions)
