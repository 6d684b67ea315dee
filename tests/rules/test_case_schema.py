"""Every rule case file follows one schema (schemas/rule-case.schema.json): a misspelt key is an
error, not a case that silently checks less."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "rule-case.schema.json").read_text(encoding="utf-8"))
FILES = sorted((ROOT / "tests" / "rules" / "cases").glob("*.yaml"))


def test_the_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_case_file_follows_the_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def test_the_schema_refuses_a_misspelt_key() -> None:
    case = {"cases": [{"name": "a", "base": "v5.1_llama31_8b", "expect": "pass"}, {"name": "b", "base": "x", "expct": "fail"}]}
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(case))


def _errors(case: dict) -> list:
    other = {"name": "a pass", "base": "v5.1_llama31_8b", "expect": "pass"}
    return list(jsonschema.Draft202012Validator(SCHEMA).iter_errors({"cases": [other, case]}))


FAIL = {"name": "b", "base": "v5.1_llama31_8b", "expect": "fail"}


def test_a_case_that_expects_the_code_reported_pins_its_finding() -> None:
    assert _errors({**FAIL, "line": 3, "message": "the text"}) == []
    assert _errors({**FAIL, "expect": "warning", "line": None, "message_contains": "part", "file": "a/b.txt"}) == []
    assert _errors({**FAIL, "expect": "info", "line": 7, "message_regex": r"took \d+ ms"}) == []
    assert _errors({**FAIL, "findings": [{"line": 1, "message": "one"}, {"line": 2, "message_contains": "two"}]}) == []


@pytest.mark.parametrize(
    "case",
    [
        FAIL,  # nothing pinned
        {**FAIL, "expect": "warning", "message": "the text"},  # no line
        {**FAIL, "line": 3},  # no message
        {**FAIL, "line": 3, "message": "the text", "message_contains": "text"},  # two kinds of message
        {**FAIL, "line": 3, "message": "the text", "findings": [{"line": 3, "message": "the text"}]},
        {**FAIL, "findings": [{"line": 3}]},
        {**FAIL, "expect": "pass", "line": 3, "message": "the text"},  # a pass reports nothing to pin
    ],
    ids=["nothing", "no-line", "no-message", "two-messages", "pin-and-list", "list-item-without-message", "pass-with-pin"],
)
def test_a_case_without_its_finding_pinned_or_pinned_twice_is_refused(case: dict) -> None:
    assert _errors(case)
