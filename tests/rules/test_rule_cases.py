"""Per-code pass and fail cases (tests/rules/cases/<CODE>.yaml), run through the engine.

expect: pass    -> the code is not reported
        fail    -> the code is reported as an error and the file fails
        warning -> the code is reported as a warning and does not fail the file
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.engine import AuditOptions, run_audit
from compliance.parsers import mllog as mllog_parser
from tests.logedit import BASES, apply_edits, base_text
from tests.treebuild import fixture_tree

CASES_DIR = Path(__file__).parent / "cases"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            found.append((path.stem, case))
    return found


CASES = load_cases()


def _tree_edit(root: Path, edit: dict[str, Any]) -> None:
    ((op, args),) = edit.items()
    if op == "remove":
        target = root / args
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    elif op == "write":
        (root / args["path"]).parent.mkdir(parents=True, exist_ok=True)
        (root / args["path"]).write_text(args["text"])
    elif op == "mkdir":
        (root / args).mkdir(parents=True, exist_ok=True)
    elif op == "sparse":
        with open(root / args["path"], "wb") as handle:
            handle.truncate(args["size"])
    elif op == "fifo":
        os.mkfifo(root / args)
    elif op == "symlink":
        (root / args["path"]).symlink_to(args["target"])
    elif op == "rename":
        (root / args["from"]).rename(root / args["to"])
    elif op == "log":
        for path in sorted(root.glob(args["path"])):
            path.write_text(apply_edits(path.read_text(), args["edits"]))
    elif op == "json":
        path = root / args["path"]
        data = json.loads(path.read_text())
        data.update(args.get("set", {}))
        for key in args.get("delete", []):
            data.pop(key, None)
        path.write_text(json.dumps(data))
    elif op == "copy_org":
        source, target = root / "closed" / args.get("from", "AMD"), root / "closed" / args["to"]
        shutil.copytree(source, target)
        for system in (target / "systems").glob("*.json"):
            data = json.loads(system.read_text())
            data["submitter"] = args["to"]
            system.write_text(json.dumps(data))
        for log in target.rglob("result_*.txt"):
            log.write_text(apply_edits(log.read_text(), [{"set": {"key": "submission_org", "value": args["to"]}}, *args.get("edits", [])]))
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown tree edit {op!r}")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def build_case(case: dict[str, Any], tmp_path: Path) -> tuple[list[str], str, str, str]:
    """Write the case's log or tree; return (paths, the subject, suite, round)."""
    if "tree" in case:
        root = fixture_tree(tmp_path / "submission")
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        if "archive" in case:
            archive = tmp_path / "submission.tar.gz"
            with tarfile.open(archive, "w:gz") as tar:
                if "archive_only" in case:
                    for name in case["archive_only"]:
                        _add_bytes(tar, name, b"loose file")
                else:
                    tar.add(root / "closed", arcname="closed")
                    for name in case.get("archive_extra", []):
                        _add_bytes(tar, name, b"outside")
            return [str(archive)], str(archive) + "!", case.get("suite", "training"), str(case.get("round", "5.1"))
        return [str(root)], str(root), case.get("suite", "training"), str(case.get("round", "5.1"))
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
    extra = {}
    if "waivers" in case:
        waiver_file = tmp_path / "waivers.toml"
        waiver_file.write_text(case["waivers"])
        extra["waivers"] = str(waiver_file)
    report = run_audit(paths, AuditOptions(suite=suite, round=round_name, rcp_bypass=case.get("rcp_bypass", False), **extra))
    if "tree" in case:
        mine = list(report.findings)
        subject = report
    else:
        mine = [f for f in report.findings if f.subject == path]
        subject = next(s for s in report.subjects if s.path == path)
    reported = [f for f in mine if f.code == code]
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
    elif expect in ("warning", "info", "review"):
        assert reported and all(f.severity.value == expect for f in reported), described
        assert not any(f.blocking for f in mine if f.code == code)
    elif expect == "waived":
        assert reported and all(f.waived_by for f in reported), described
        assert not any(f.blocking for f in mine if f.code == code)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown expectation {expect!r}")
