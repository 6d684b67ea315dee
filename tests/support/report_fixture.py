"""One report with passing, failing, waived and for-the-reviewer items, made by
running the engine on a small submission; every reporter renders it (snapshots)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from compliance.engine import AuditOptions, run_audit
from compliance.models.report import Report
from tests.support.logedit import apply_edits
from tests.support.treebuild import fixture_tree

BENCH = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"


def build_submission(root: Path) -> Path:
    """closed/AMD (passes), closed/Initech (shares AMD's set: for the reviewer; one run
    with a wrong epsilon: failing), closed/Globex (too fast for its RCP: waived)."""
    fixture_tree(root)
    for org in ("Initech", "Globex"):
        shutil.copytree(root / "closed/AMD", root / f"closed/{org}")
        system = root / f"closed/{org}/systems/MI355X_EPYC_9575F_pytorch.json"
        data = json.loads(system.read_text())
        data["submitter"] = org
        system.write_text(json.dumps(data))
        for log in sorted((root / f"closed/{org}").rglob("result_*.txt")):
            edits = [{"set": {"key": "submission_org", "value": org}}]
            if org == "Globex":
                edits.append({"set_metadata": {"key": "eval_accuracy", "field": "samples_count", "value": 150000}})
            log.write_text(apply_edits(log.read_text(), edits))
    bad = root / "closed/Initech/results/MI355X_EPYC_9575F_pytorch/llama31_8b/result_3.txt"
    bad.write_text(apply_edits(bad.read_text(), [{"set": {"key": "opt_adamw_epsilon", "value": 1e-8}}]))
    bad2 = root / "closed/Initech/results/MI355X_EPYC_9575F_pytorch/llama31_8b/result_4.txt"
    bad2.write_text(apply_edits(bad2.read_text(), [{"set": {"key": "opt_adamw_epsilon", "value": 1e-8}}]))
    (root / "closed/Globex/results/MI355X_EPYC_9575F_pytorch/llama31_8b/scaling.json").unlink()
    return root


WAIVERS = """\
[[waiver]]
code = "RCP001"
subject = "submission/closed/Globex/*"
reason = "RCP for this batch size under review by the Training WG (ticket 42)"
approver = "Training WG chair"
"""


def fixture_report(workdir: Path) -> Report:
    """Build the submission under ``workdir`` and audit it with relative paths (stable snapshots)."""
    build_submission(workdir / "submission")
    (workdir / "waivers.toml").write_text(WAIVERS)
    old = os.getcwd()
    os.chdir(workdir)
    try:
        report = run_audit(["submission"], AuditOptions(suite="training", round="5.1", waivers="waivers.toml"))
    finally:
        os.chdir(old)
    return report
