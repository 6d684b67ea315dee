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
