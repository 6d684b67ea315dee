"""Per-code pass and fail cases (tests/rules/cases/<CODE>.yaml), run through the engine.

expect: pass    -> the code is not reported
        fail    -> the code is reported as an error and the file fails
        warning -> the code is reported as a warning and does not fail the file
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.engine import AuditOptions, run_audit
from compliance.parsers import mllog as mllog_parser
from tests.logedit import BASES, apply_edits, base_text

CASES_DIR = Path(__file__).parent / "cases"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            found.append((path.stem, case))
    return found


CASES = load_cases()


def build_case(case: dict[str, Any], tmp_path: Path) -> tuple[list[str], str, str, str]:
    """Write the case's log; return (paths, the case log's path, suite, round)."""
    if "content" in case:
        text = case["content"]
        suite, round_name = case["suite"], case["round"]
    else:
        suite, round_name, _ = BASES[case["base"]]
        text = base_text(case["base"])
        edits = case.get("edits", [])
        if case.get("repeat_inserted_line"):
            edits = [
                {"insert_after": {**e["insert_after"], "line": e["insert_after"]["line"] * case["repeat_inserted_line"]}}
                if "insert_after" in e
                else e
                for e in edits
            ]
        text = apply_edits(text, edits)
    suite = case.get("suite", suite)
    round_name = str(case.get("round", round_name))
    path = tmp_path / "result_0.txt"
    path.write_bytes(text.encode(case.get("encoding", "utf-8")))
    paths = [str(path)]
    if case.get("companion"):
        companion = tmp_path / "companion" / "result_1.txt"
        companion.parent.mkdir()
        companion.write_text(base_text("v5.1_llama31_8b"), encoding="utf-8")
        paths.append(str(companion))
    return paths, str(path), suite, round_name


@pytest.mark.parametrize(
    ("code", "case"), CASES, ids=[f"{code}-{case['name']}" for code, case in CASES]
)
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = case.get("options", {})
    if "block_size" in options:
        monkeypatch.setattr(mllog_parser, "BLOCK_SIZE", options["block_size"])
    if "max_line_bytes" in options:
        monkeypatch.setattr(mllog_parser, "MAX_LINE_BYTES", options["max_line_bytes"])
    paths, path, suite, round_name = build_case(case, tmp_path)
    report = run_audit(paths, AuditOptions(suite=suite, round=round_name))
    mine = [f for f in report.findings if f.subject == path]
    reported = [f for f in mine if f.code == code]
    subject = next(s for s in report.subjects if s.path == path)
    expect = case["expect"]
    described = "\n".join(f"{f.code} {f.severity.value} line {f.location.line}: {f.message}" for f in mine)
    if expect == "pass":
        assert not reported, f"{code} reported but the case expects it not to be:\n{described}"
    elif expect == "fail":
        assert any(f.severity.value == "error" for f in reported), f"{code} not reported as an error:\n{described}"
        assert not subject.passed
        for finding in reported:
            assert finding.message and finding.name and finding.url
            assert finding.evidence.get("required") is not None or finding.code.startswith("LOG")
    elif expect == "warning":
        assert reported and all(f.severity.value == "warning" for f in reported), described
        assert not any(f.blocking for f in mine if f.code == code)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown expectation {expect!r}")
