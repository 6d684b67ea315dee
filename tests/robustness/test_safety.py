"""Hostile and broken input: never a crash, never a write into the checked tree."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from compliance.engine import AuditOptions, run_audit
from compliance.reporters import json as json_reporter
from compliance.reporters import text as text_reporter
from tests.support.cli import run_cli
from tests.support.logedit import TOKEN, base_text

WEIRD_VALUES = [None, [], {}, "", "x", -1, 0, 1e308, -1e308, float("nan"), float("inf"), True, {"a": [1, {"b": None}]}, [1, 2, 3], "\x1b[31mred"]


def audit_text(tmp_path: Path, text: str | bytes, suite: str = "training", round_name: str = "5.1"):
    path = tmp_path / "result_0.txt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    companion = tmp_path / "ok" / "result_1.txt"
    companion.parent.mkdir(exist_ok=True)
    companion.write_text(base_text("v5.1_llama31_8b"))
    report = run_audit([str(path), str(companion)], AuditOptions(suite=suite, round=round_name))
    # every reporter renders whatever the rules produced
    text_reporter.render(report)
    json.loads(json_reporter.render(report))
    return report


def _swap(text: str, key: str, field: str, value: object) -> str:
    out = []
    for line in text.splitlines():
        pos = line.find(TOKEN)
        if pos >= 0:
            obj = json.loads(line[pos + len(TOKEN):])
            if obj["key"] == key:
                if field == "value":
                    obj["value"] = value
                else:
                    obj["metadata"] = {**obj["metadata"], field: value} if field != "metadata" else value
                line = line[:pos] + TOKEN + json.dumps(obj)
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("value", WEIRD_VALUES, ids=repr)
def test_any_value_in_any_checked_key_is_a_finding_not_a_crash(tmp_path: Path, value: object) -> None:
    base = base_text("v5.1_llama31_8b")
    keys = sorted({json.loads(line[line.find(TOKEN) + len(TOKEN):])["key"] for line in base.splitlines() if TOKEN in line})
    for key in keys:
        audit_text(tmp_path, _swap(base, key, "value", value))
        audit_text(tmp_path, _swap(base, key, "status", value))
        audit_text(tmp_path, _swap(base, key, "samples_count", value))


def test_random_byte_damage_never_crashes(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    base = base_text("v4.1_ssd").encode()
    for _ in range(150):
        data = bytearray(base)
        for _ in range(rng.randint(1, 40)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.4:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                del data[pos : pos + rng.randint(1, 200)]
            else:
                data[pos:pos] = rng.choice([b"{", b"}", b'"', b"\n", b":::MLLOG ", b"\x00", b"NaN", b"\xff\xfe"])
        cut = rng.randrange(len(data)) if rng.random() < 0.3 else len(data)
        audit_text(tmp_path, bytes(data[:cut]), round_name="4.1")


def test_pathological_records(tmp_path: Path) -> None:
    base = base_text("v5.1_llama31_8b")
    nasty = [
        ":::MLLOG {" + '"a":' * 0 + '"key": "x", "time_ms": 1, "value": ' + "[" * 5000 + "]" * 5000 + ', "metadata": {}}',
        ':::MLLOG {"key": "x", "time_ms": ' + "9" * 6000 + ', "value": 1, "metadata": {}}',
        ':::MLLOG {"key": "' + "k" * 100000 + '", "time_ms": 1, "value": 1, "metadata": {}}',
        ':::MLLOG {"key": "run_stop", "time_ms": 1e999, "value": null, "metadata": {"status": "success"}}',
        ":::MLLOG " * 1000,
        "\x00" * 10000,
    ]
    for line in nasty:
        report = audit_text(tmp_path, base + line + "\n")
        assert report.subjects[0].records > 0


def test_control_characters_in_names_do_not_reach_the_terminal(tmp_path: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2J"
    text = _swap(base_text("v5.1_llama31_8b"), "submission_benchmark", "value", evil)
    report = audit_text(tmp_path, text)
    rendered = text_reporter.render(report)
    assert "\x1b" not in rendered and "\x07" not in rendered


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def test_checking_never_writes_into_the_tree_or_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree" / "llama31_8b"
    tree.mkdir(parents=True)
    (tree / "result_0.txt").write_text(base_text("v5.1_llama31_8b"))
    (tree / "result_1.txt").write_text(base_text("v5.1_llama31_8b").replace("run_stop", "run_stopp"))
    os.chmod(tree / "result_0.txt", 0o444)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree_digest(tmp_path)
    for fmt in ("text", "json"):
        result = run_cli("check", str(tmp_path / "tree"), "--round", "5.1", "--format", fmt)
        assert result.code == 1
    assert _tree_digest(tmp_path) == before
