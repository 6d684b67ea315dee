"""Side by side with the official checker (mlperf-logging 4.1.68, a test dependency).

Each case edits a real log, runs the official compliance checker and ours, and
asserts the same verdict. Where we differ on purpose, the case names our rule
and why the rules side with us.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compliance.engine import AuditOptions, run_audit
from tests.support.logedit import BASES, apply_edits, base_text

SAME = "same"


def official_passes(path: Path, suite: str, round_name: str, cwd: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "mlperf_logging.compliance_checker", "--usage", suite, "--ruleset", f"{round_name}.0", str(path)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    return proc.returncode == 0


CASES: list[tuple[str, str, list[dict[str, Any]], str, str]] = [
    # (id, base, edits, expectation, reason)
    *[(f"untouched-{b}", b, [], SAME, "") for b in BASES],
    ("crlf", "v3.1_rnnt", [{"replace_text": {"old": "\n", "new": "\r\n"}}], SAME, ""),
    ("rank-prefixes", "v4.1_ssd", [{"replace_text": {"old": ":::MLLOG", "new": "[1,0]<stdout>::::MLLOG"}}], SAME, ""),
    ("noise-lines", "v5.0_llama2_70b_lora", [{"insert_after": {"key": "run_start", "line": "NCCL INFO ring 00 : 0 1 2 3"}}], SAME, ""),
    ("beta2-changed", "v5.1_llama31_8b", [{"set": {"key": "opt_adamw_beta_2", "value": 0.9}}], SAME, ""),
    ("max-steps-missing", "v5.1_llama31_8b", [{"delete": {"key": "max_steps"}}], SAME, ""),
    ("eval-samples-changed", "v5.1_llama31_8b", [{"set": {"key": "eval_samples", "value": 512}}], SAME, ""),
    ("decay-steps-off-formula", "v5.1_llama31_8b", [{"set": {"key": "opt_learning_rate_decay_steps", "value": 5}}], SAME, ""),
    ("target-missed", "v5.1_llama31_8b", [{"set": {"key": "eval_accuracy", "value": 3.31}}], SAME, ""),
    ("target-just-met", "v5.1_llama31_8b", [{"set": {"key": "eval_accuracy", "nth": -1, "value": 3.3}}], SAME, ""),
    ("eval-without-samples-count", "v5.1_llama31_8b", [{"drop_metadata": {"key": "eval_accuracy", "nth": 2, "field": "samples_count"}}], SAME, ""),
    ("open-division-needs-epoch-num", "v5.1_llama31_8b", [{"set": {"key": "submission_division", "value": "open"}}], SAME, ""),
    ("lora-rank-changed", "v5.0_llama2_70b_lora", [{"set": {"key": "lora_rank", "value": 8}}], SAME, ""),
    ("ssd-no-epoch-start", "v4.1_ssd", [{"delete": {"key": "epoch_start"}}], SAME, ""),
    ("ssd-weight-decay", "v4.1_ssd", [{"set": {"key": "opt_weight_decay", "value": 0.1}}], SAME, ""),
    ("resnet-init-stop-missing", "v4.0_resnet", [{"delete": {"key": "init_stop"}}], SAME, ""),
    ("rnnt-init-too-long", "v3.1_rnnt", [{"shift_time": {"key": "init_start", "nth": 0, "ms": -1900000}}], SAME, ""),
    ("openfold-target-missed", "hpc3.0_openfold", [{"set": {"key": "eval_accuracy", "value": 0.5}}], SAME, ""),
    ("cosmoflow-train-samples", "hpc3.0_cosmoflow", [{"set": {"key": "train_samples", "value": 1}}], SAME, ""),
    ("sd-clip-below", "v4.0_stable_diffusion", [{"set": {"key": "eval_accuracy", "value": 0.01}}], SAME, ""),
    ("division-capitalised", "v4.1_ssd", [{"set": {"key": "submission_division", "value": "Closed"}}], SAME, "official crashes; we report SUB001"),
    # Deliberate differences: ours fails, the official checker passes.
    ("run-start-twice", "v5.1_llama31_8b", [{"duplicate": {"key": "run_start"}}], "SEQ005",
     "two run_start records make the time to train ambiguous; the official checker only warns on identical copies"),
    ("seed-missing", "v5.1_llama31_8b", [{"delete": {"key": "seed"}}], "SEED001",
     "closed runs must log a seed from 4.1; the official compliance checker leaves this to the package checker"),
    ("status-aborted", "v4.1_ssd", [{"set_metadata": {"key": "run_stop", "field": "status", "value": "aborted"}}], "SEQ009",
     "an aborted run did not converge; the official checker only checks that a status exists"),
    ("negative-run-time", "v5.0_llama2_70b_lora", [{"time_like": {"key": "run_stop", "as": "run_start", "offset_ms": -60000}}], "SEQ004",
     "run_stop stamped before run_start gives a negative time to train; the official checker ignores timestamps"),
    ("eval-after-run-stop", "v4.0_resnet", [{"duplicate": {"key": "eval_accuracy", "nth": -1, "time_offset_ms": 1000, "at_end": True}}], "SEQ007",
     "a passing result after the clock stopped was not timed"),
    ("eval-before-run-start", "v4.1_ssd", [{"shift_time": {"key": "eval_accuracy", "nth": 0, "ms": -3600000}}], "SEQ006",
     "evaluation before run_start is work outside the timed region"),
    # Deliberate differences: ours passes, the official checker fails.
    ("prose-token", "v4.1_ssd", [{"insert_after": {"key": "run_start", "line": "note: grep for :::MLLOG lines to extract the log"}}], "pass:LOG003",
     "a line that only mentions the token is not a record; we warn, the official parser fails the log"),
    ("keys-logged-out-of-order", "v5.1_llama31_8b", [{"move_after": {"key": "opt_learning_rate_warmup_steps", "after": "opt_learning_rate_decay_steps"}}], "pass:",
     "the rules do not fix the order hyperparameters are logged in; the official checker fails when a formula's input is logged later"),
]


@pytest.mark.parametrize(("name", "base", "edits", "expect", "why"), CASES, ids=[c[0] for c in CASES])
def test_side_by_side(name: str, base: str, edits: list, expect: str, why: str, tmp_path: Path) -> None:
    suite, round_name, _ = BASES[base]
    path = tmp_path / "result_0.txt"
    path.write_text(apply_edits(base_text(base), edits), encoding="utf-8")
    report = run_audit([str(path)], AuditOptions(suite=suite, round=round_name))
    official = official_passes(path, suite, round_name, tmp_path)
    codes = {f.code for f in report.findings if f.blocking}
    if expect == SAME:
        assert report.passed == official, f"official {'pass' if official else 'fail'}, ours {sorted(codes)}"
    elif expect.startswith("pass:"):
        assert not official, "the official checker was expected to fail this log"
        assert report.passed, f"ours should pass ({why}), got {sorted(codes)}"
        warned = expect.split(":", 1)[1]
        if warned:
            assert warned in {f.code for f in report.findings}
    else:
        assert official, "the official checker was expected to pass this log"
        assert not report.passed and expect in codes, f"ours should fail with {expect} ({why}), got {sorted(codes)}"
