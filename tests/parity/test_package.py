"""Whole submission trees: scores and RCP verdicts side by side with the official
result_summarizer and rcp_checker, broken trees, and a tree left untouched."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from tests.support.cli import PYTHON, python_env, run_cli
from tests.support.paths import CORPUS, ROOT
from tests.support.logedit import apply_edits
from tests.support.treebuild import fixture_tree, rebuild, throughput_tree

COMPLETE_SETS = [
    # (suite, round, corpus prefix, system, benchmark)
    ("training", "5.1", "training/v5.1/AMD/", "MI355X_EPYC_9575F_pytorch", "llama31_8b"),
    ("training", "5.1", "training/v5.1/NVIDIA/", "tyche_ngpu512_ngc25.09_nemo", "llama31_405b"),
    ("training", "5.0", "training/v5.0/NVIDIA/", "nyx_n1_ngc25.04_nemo", "llama2_70b_lora"),
    ("training", "5.0", "training/v5.0/NVIDIA/", "eos-dfw_n64_ngc25.01_nemo", "llama31_405b"),
    ("training", "5.0", "training/v5.0/NVIDIA/", "nyx_n1_ngc25.04_pytorch", "retinanet"),
    ("training", "4.1", "training/v4.1/NVIDIA/", "eos_ngc24.09_pytorch", "ssd"),
    ("training", "4.1", "training/v4.1/Google/", "cloud-tpu-trillium-512-maxtext", "gpt3"),
    ("training", "4.0", "training/v4.0/tinycorp/", "tinybox_red", "resnet"),
    ("training", "4.0", "training/v4.0/Intel-HabanaLabs/", "HLS-Gaudi2-PT", "llama2_70b_lora"),
    ("training", "3.1", "training/v3.1/Intel-HabanaLabs/", "HLS-Gaudi2-PT", "resnet"),
    ("training", "3.1", "training/v3.1/NVIDIA/", "eos_n8_ngc23.04_pytorch", "maskrcnn"),
    ("hpc", "3.0", "hpc/v3.0/TACC/", "lonestar6-pytorch", "openfold"),
]

needs_corpus = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason="../shared/corpus is not present")


def _official_scores(org_folder: Path, suite: str, round_name: str, workdir: Path) -> dict[tuple[str, str], float]:
    """Run the official result_summarizer on a COPY (it rewrites scaling.json) and read its CSV."""
    out = workdir / "summary.csv"
    subprocess.run(
        [sys.executable, "-m", "mlperf_logging.result_summarizer", str(org_folder), suite, f"{round_name}.0", "--csv", str(out)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    scores = {}
    with out.open(newline="") as handle:
        for row in csv.DictReader(handle):
            system = Path(row["details_url"]).stem
            for column, value in row.items():
                if value and column not in ("details_url", "code_url") and _is_float(value) and column not in (
                    "number_of_nodes", "host_processors_count", "accelerators_count",
                ):
                    scores[(system, column)] = float(value)
    return scores


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@needs_corpus
@pytest.mark.parametrize(("suite", "round_name", "prefix", "system", "benchmark"), COMPLETE_SETS, ids=[f"{s[2]}{s[4]}" for s in COMPLETE_SETS])
def test_scores_and_rcp_verdicts_match_the_official_tools(suite, round_name, prefix, system, benchmark, tmp_path: Path) -> None:
    ours_tree = rebuild(CORPUS, tmp_path / "ours", prefix)
    official_tree = rebuild(CORPUS, tmp_path / "official", prefix)
    report = run_audit([str(ours_tree)], AuditOptions(suite=suite, round=round_name))
    (row,) = [r for r in report.results if r.system == system and r.benchmark == benchmark and r.scale in (None, "strong")]

    org_folder = next((official_tree / "closed").iterdir())
    if suite == "training":
        official = _official_scores(org_folder, suite, round_name, tmp_path)
        assert row.score_minutes is not None
        assert abs(row.score_minutes - official[(system, benchmark)]) < 0.01, (row.score_minutes, official)

    from mlperf_logging.rcp_checker import rcp_checker

    folder = org_folder / "results" / system / ("strong" if suite == "hpc" else "") / benchmark
    passed, message, factor = rcp_checker.check_directory(
        str(folder), suite, f"{round_name}.0", False, False, rcp_pass="pruned_rcps", rcp_bypass=False, set_scaling=False
    )
    ours_passed = row.rcp.startswith("pass")
    assert ours_passed == passed, (row.rcp, message)


def test_a_clean_submission_passes_with_its_results_row(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    result = run_cli("check", str(tree), "--suite", "training", "--round", "5.1", "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0, result.out
    (row,) = report["results"]
    assert row["division"] == "closed" and row["org"] == "AMD" and row["system"] == "MI355X_EPYC_9575F_pytorch"
    assert row["benchmark"] == "llama31_8b" and row["runs"] == 10 and row["dropped"] == 0 and row["passed"]
    assert row["rcp"] == "pass" and abs(row["scaling_factor"] - 1.004011735824202) < 1e-12
    assert 99.70 < row["score_minutes"] < 99.72


def test_csv_output_is_the_results_table(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    result = run_cli("check", str(tree), "--round", "5.1", "--format", "csv")
    rows = list(csv.DictReader(result.out.splitlines()))
    assert [r["benchmark"] for r in rows] == ["llama31_8b"]
    assert set(rows[0]) >= {"division", "org", "system", "benchmark", "score_minutes", "runs", "dropped", "scaling_factor", "rcp", "passed"}


def test_to_frame_gives_results_and_findings(tmp_path: Path) -> None:
    from compliance import audit

    tree = fixture_tree(tmp_path / "sub")
    report = audit(str(tree), suite="training", round="5.1")
    frame = report.to_frame()
    assert list(frame["benchmark"]) == ["llama31_8b"] and frame["passed"].all()
    findings = report.to_frame("findings")
    assert {"code", "severity", "path", "line", "message"} <= set(findings.columns)
    assert list(findings["code"]) == [f.code for f in report.findings]


B = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"
BROKEN = [
    ("missing run", lambda root: (root / B / "result_9.txt").unlink(), "RUN001"),
    ("duplicate seeds", lambda root: _edit_logs(root, ["result_0.txt", "result_1.txt"], [{"set": {"key": "seed", "value": 7}}]), "RUN003"),
    ("entry whose logs are all missing", lambda root: [log.unlink() for log in (root / B).glob("result_*.txt")], "RUN001"),
    ("system JSON without a required field", lambda root: _drop_field(root, "host_networking"), "SYS002"),
    ("empty benchmark folder", lambda root: (root / "closed/AMD/results/MI355X_EPYC_9575F_pytorch/flux1").mkdir(), "STR006"),
    ("scaling.json not JSON", lambda root: (root / B / "scaling.json").write_text("factor: 1.2"), "SCR001"),
    ("symlink outside the tree", lambda root: (root / B / "result_10.txt").symlink_to("/etc/hostname"), "STR004"),
]


def _edit_logs(root: Path, names: list[str], edits: list) -> None:
    for name in names:
        path = root / B / name
        path.write_text(apply_edits(path.read_text(), edits))


def _drop_field(root: Path, field: str) -> None:
    path = root / "closed/AMD/systems/MI355X_EPYC_9575F_pytorch.json"
    data = json.loads(path.read_text())
    del data[field]
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(("name", "breakage", "code"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_trees_fail_with_their_own_code_and_no_traceback(name, breakage, code, tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    breakage(tree)
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(tree), "--round", "5.1", "--format", "json"],
        capture_output=True, text=True, env=python_env(), cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error" and not f["waived_by"]}
    assert code in codes, codes


def _digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def test_checking_leaves_the_tree_byte_for_byte_unchanged(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    # an entry that the official tools would rewrite: faster than its RCP mean, with scaling.json
    before = _digest(tmp_path)
    for fmt in ("text", "json", "csv"):
        run_cli("check", str(tree), "--round", "5.1", "--format", fmt)
    run_cli("check", str(tree), "--round", "5.1", "--rcp-bypass")
    assert _digest(tmp_path) == before


def test_archives_are_checked_like_folders(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    archive = tmp_path / "submission.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree / "closed", arcname="closed")
    report = json.loads(run_cli("check", str(archive), "--round", "5.1", "--format", "json").out)
    assert report["passed"] and report["results"][0]["score_minutes"] > 99
    assert report["results"][0]["path"].startswith(str(archive) + "!")


def test_borrowing_report_names_both_entries_and_flags_a_changed_parameter(tmp_path: Path) -> None:
    tree = throughput_tree(tmp_path / "sub")  # cosmoflow: 7 tunable hyperparameters in the logs
    for org, edits in (("Initech", []), ("Globex", [{"set": {"key": "opt_learning_rate_warmup_epochs", "value": 3}}])):
        shutil.copytree(tree / "NVIDIA", tree / org)
        system = tree / f"{org}/systems/eos_n256_ngc23.09_pytorch.json"
        data = json.loads(system.read_text())
        data["submitter"] = org
        system.write_text(json.dumps(data))
        for log in (tree / org).rglob("result_*.txt"):
            log.write_text(apply_edits(log.read_text(), [{"set": {"key": "submission_org", "value": org}}, *edits]))
    report = run_audit([str(tree)], AuditOptions(suite="hpc", round="3.0"))
    shared = [f for f in report.findings if f.code == "HPB001"]
    assert any("/NVIDIA/" in f.message and "/Initech/" in f.message for f in shared)
    changed = [f for f in report.findings if f.code == "HPB003"]
    assert changed and all("opt_learning_rate_warmup_epochs" in f.message for f in changed)
    assert any("Globex" in f.message for f in changed)


def test_many_logs_use_a_process_pool_with_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import compliance.kinds.training_tree.audit as package
    from compliance import pool

    tree = fixture_tree(tmp_path / "sub")
    serial = run_audit([str(tree)], AuditOptions(suite="training", round="5.1"))
    monkeypatch.setattr(package, "POOL_MIN_LOGS", 2)
    calls = []
    real = pool._executor()

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool, "_executor", lambda: spy)
    pooled = run_audit([str(tree)], AuditOptions(suite="training", round="5.1"))
    assert calls, "the pool was not used"
    assert [(f.code, f.location.path, f.message) for f in pooled.findings] == [
        (f.code, f.location.path, f.message) for f in serial.findings
    ]
    assert pooled.results == serial.results


def test_progress_bar_only_on_a_terminal_and_never_in_json(tmp_path: Path) -> None:
    tree = fixture_tree(tmp_path / "sub")
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(tree), "--round", "5.1", "--format", "json"],
        capture_output=True, text=True, env=python_env(),
    )
    json.loads(proc.stdout)  # nothing but the document on stdout
    assert proc.stderr == ""
    # On a pseudo-terminal the text format shows the bar on stderr.
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - child
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv(PYTHON, [PYTHON, "-m", "compliance", "check", str(tree), "--round", "5.1"])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    assert b"auditing logs" in output and b"PASSED" in output
