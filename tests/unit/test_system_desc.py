"""System descriptions (systems/<system>.json): schemas, reader, validator, and the
official mlperf_logging.system_desc_checker side by side."""

from __future__ import annotations

import copy
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from compliance.parsers.system_desc import (
    MAX_BYTES,
    SystemProblem,
    SystemSchemaError,
    _compile,
    known_rounds,
    read_system_file,
    schema_dir,
    validate_system,
)
from tests.support.paths import CORPUS, FIXTURES, ROOT

SCHEMAS = ROOT / "schemas" / "system_desc"
SYSTEM_FIXTURES = FIXTURES / "systems"
TRAINING_ROUNDS = ["3.0", "3.1", "4.0", "4.1", "5.0", "5.1", "6.0", "6.1"]
HPC_ROUNDS = ["1.0", "2.0", "3.0"]
INFERENCE_ROUNDS = ["4.1", "5.0", "5.1", "6.0", "6.1"]  # tests/unit/test_inference_system_desc.py
CATEGORIES = [
    "Available on-premise",
    "Available cloud",
    "Research, Development, or Internal (RDI)",
    "Preview",
]
# The official checker joins these into its results-table row with ",".join and
# raises TypeError when one is not a string (system_desc_checker.py, 4.1.68).
JOINED = {
    "submitter",
    "system_name",
    "host_processor_model_name",
    "host_processor_core_count",
    "accelerator_model_name",
    "accelerators_per_node",
    "framework",
}
_ROUND_IN_PATH = re.compile(r"(?:^|/)(training|hpc)/v(\d+\.\d+)/")


def suite_and_round(path: Path) -> tuple[str, str]:
    match = _ROUND_IN_PATH.search(path.as_posix())
    assert match, f"no <suite>/v<round>/ in {path}"
    return match.group(1), match.group(2)


def in_scope(path: Path) -> bool:
    suite, round_name = suite_and_round(path)
    return round_name in known_rounds(suite)


def system_files(root: Path) -> list[Path]:
    return sorted([*root.glob("training/*/*/systems/*.json"), *root.glob("hpc/*/*/systems/*.json")])


FIXTURE_FILES = system_files(SYSTEM_FIXTURES)
GOOGLE = SYSTEM_FIXTURES / "training/v5.0/Google/systems/cloud-tpu-trillium-256-maxdiffusion.json"
TINYBOX = SYSTEM_FIXTURES / "training/v4.0/tinycorp/systems/tinybox_red.json"
CORPUS_FILES = system_files(CORPUS) if CORPUS.is_dir() else []


def ids(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def load(path: Path) -> dict[str, Any]:
    data, error = read_system_file(str(path))
    assert error is None and data is not None, error
    return data


def fields(problems: list[SystemProblem]) -> dict[str, str]:
    return {p.field: p.kind for p in problems}


# --------------------------------------------------------------------------- schemas


def test_schema_dir_is_the_source_trees_schemas_folder() -> None:
    assert schema_dir() == ROOT / "schemas"


def test_one_schema_per_suite_and_round_in_scope() -> None:
    assert known_rounds("training") == TRAINING_ROUNDS
    assert known_rounds("hpc") == HPC_ROUNDS
    names = {p.name for p in SCHEMAS.glob("*.json")}
    expected = {f"training-{r}.schema.json" for r in TRAINING_ROUNDS}
    expected |= {f"hpc-{r}.schema.json" for r in HPC_ROUNDS} | {"common.schema.json"}
    expected |= {f"inference-{r}.schema.json" for r in INFERENCE_ROUNDS}
    expected |= {"inference_common.schema.json"}
    assert names == expected


def test_schema_rounds_are_the_rounds_of_the_round_data() -> None:
    from compliance.rulebook.load import available_rounds

    for suite in ("training", "hpc"):
        assert known_rounds(suite) == available_rounds(suite)


@pytest.mark.parametrize(
    "path",
    sorted([*SCHEMAS.glob("*.json"), *(SCHEMAS.parent / "measurements").glob("*.json")]),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_schema_files_are_draft_2020_12_with_id_and_title(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/schemas/{path.parent.name}/{path.name}")
    assert schema["title"] and schema["description"]


def test_every_common_field_and_definition_is_described() -> None:
    common = json.loads((SCHEMAS / "common.schema.json").read_text(encoding="utf-8"))
    assert len(common["required"]) == 33
    assert set(common["properties"]) == set(common["required"])
    for name, sub in common["properties"].items():
        assert len(sub.get("description", "")) > 20, name
    for name, definition in common["$defs"].items():
        assert definition.get("title") and definition.get("description"), name


def test_later_rounds_reference_earlier_ones_instead_of_copying() -> None:
    for path in SCHEMAS.glob("*-*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert "$ref" in schema, path.name
        assert "required" not in schema and "$defs" not in schema, path.name


def test_validators_are_compiled_once_per_suite_and_round() -> None:
    data = load(GOOGLE)
    validate_system(data, "training", "5.1")
    before = _compile.cache_info()
    validate_system(data, "training", "v5.1")
    validate_system(data, "training", "5.1.0")
    after = _compile.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 2


# --------------------------------------------------------------------------- real files


def test_the_fixtures_are_real_files_listed_in_the_manifest() -> None:
    assert len(FIXTURE_FILES) >= 3
    manifest = (SYSTEM_FIXTURES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(line.split("\t")[0] for line in manifest) == ids(FIXTURE_FILES, SYSTEM_FIXTURES)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=ids(FIXTURE_FILES, SYSTEM_FIXTURES))
def test_real_fixture_files_validate(path: Path) -> None:
    suite, round_name = suite_and_round(path)
    assert validate_system(load(path), suite, round_name) == []


@pytest.mark.parametrize(
    "path",
    CORPUS_FILES or [None],
    ids=ids(CORPUS_FILES, CORPUS) if CORPUS_FILES else ["no-corpus"],
)
def test_every_real_corpus_file_validates(path: Path | None) -> None:
    if path is None:
        pytest.skip("../shared/corpus is not present on this machine")
    suite, round_name = suite_and_round(path)
    data = load(path)
    if round_name not in known_rounds(suite):
        # Rounds before training 3.0 are out of scope: a clear error, not a crash.
        with pytest.raises(SystemSchemaError, match=f"round '{round_name}'"):
            validate_system(data, suite, round_name)
        return
    assert validate_system(data, suite, round_name) == []


# --------------------------------------------------------------------------- problems


def test_missing_field_and_invalid_status_are_both_reported(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from mlperf_logging.system_desc_checker.system_desc_checker import check_system_desc

    data = load(GOOGLE)
    del data["host_networking"]
    data["status"] = "onprem"
    problems = validate_system(data, "training", "5.0")
    assert fields(problems) == {"/status": "value", "/host_networking": "missing"}
    status = next(p for p in problems if p.field == "/status")
    assert '"onprem"' in status.message and "Available on-premise" in status.message
    assert status.suggestion == "Available on-premise"
    missing = next(p for p in problems if p.field == "/host_networking")
    assert "'host_networking' is missing" in missing.message and "training 5.0" in missing.message

    # The official checker overwrites its list of reasons with the status problem.
    path = tmp_path / "sys.json"
    path.write_text(json.dumps(data))
    with caplog.at_level(logging.ERROR):
        valid = check_system_desc(str(path), "training", "5.0.0")[0]
    assert valid is False
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "onprem" in logged and "host_networking" not in logged


def test_every_missing_field_is_reported_one_problem_each() -> None:
    problems = validate_system({}, "hpc", "3.0")
    assert len(problems) == 33 and {p.kind for p in problems} == {"missing"}
    assert problems[0].field == "/submitter" and problems[-1].field == "/sw_notes"


def test_a_field_breaking_several_keywords_gets_one_problem() -> None:
    data = load(GOOGLE)
    data["status"] = ""  # minLength and enum in 5.1
    problems = validate_system(data, "training", "5.1")
    assert len(problems) == 1 and problems[0].field == "/status" and problems[0].kind == "value"


def test_a_misspelt_field_name_is_pointed_out() -> None:
    data = load(GOOGLE)
    data["accelerator_on_chip_memories"] = data.pop("accelerator_on-chip_memories")
    (problem,) = validate_system(data, "training", "5.0")
    assert problem.field == "/accelerator_on-chip_memories" and problem.kind == "missing"
    assert "'accelerator_on_chip_memories'" in problem.message


@pytest.mark.parametrize(
    ("field", "value", "kind", "suggestion"),
    [
        ("number_of_nodes", 1.5, "type", None),
        ("number_of_nodes", "eight", "value", None),
        ("number_of_nodes", "0", "value", None),
        ("number_of_nodes", 0, "value", None),
        ("number_of_nodes", True, "type", None),
        ("accelerators_per_node", 8, "type", "8"),
        ("accelerators_per_node", 8.0, "type", "8"),
        ("accelerators_per_node", "8 GPUs", "value", None),
        ("host_processors_per_node", "two", "value", None),
        ("host_processors_per_node", -1, "value", None),
        ("host_processor_core_count", 64, "type", "64"),
        ("submitter", None, "type", None),
        ("submitter", "", "value", None),
        ("system_name", ["a"], "type", None),
        ("cooling", 5, "type", "5"),
        ("hw_notes", None, "type", None),
        ("other_software_stack", 5, "type", "5"),
        ("other_software_stack", None, "type", None),
        ("division", "Closed", "value", "closed"),
        ("division", "network", "value", None),
        ("division", 1, "type", None),
        ("status", 3, "type", None),
    ],
)
def test_wrong_types_and_values(field: str, value: Any, kind: str, suggestion: str | None) -> None:
    data = load(GOOGLE)
    data[field] = value
    problems = validate_system(data, "training", "5.1")
    assert [(p.field, p.kind, p.suggestion) for p in problems] == [("/" + field, kind, suggestion)]
    message = problems[0].message
    assert f"'{field}'" in message and "must be" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number_of_nodes", 8),
        ("number_of_nodes", 1.0),
        ("number_of_nodes", "1024"),
        ("host_processors_per_node", 2),
        ("accelerators_per_node", "0"),
        ("host_processor_core_count", "48 computing cores + 4 assistant cores (4 CMGs)"),
        ("host_processor_vcpu_count", ""),
        ("other_software_stack", {"JAX": "0.6.0"}),
        ("other_software_stack", ["CUDA 12.8", "NCCL 2.26"]),
        ("other_software_stack", ""),
        ("division", "open"),
        ("system_type", "datacenter"),  # extra fields are allowed
        ("power_supply_details", 7),
    ],
)
def test_what_real_files_do_is_accepted(field: str, value: Any) -> None:
    data = load(GOOGLE)
    data[field] = value
    assert validate_system(data, "training", "6.1") == []


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("onprem", "Available on-premise"),
        ("cloud", "Available cloud"),
        ("Cloud", "Available cloud"),
        ("research", "Research, Development, or Internal (RDI)"),
        ("RDI", "Research, Development, or Internal (RDI)"),
        ("preview", "Preview"),
        ("Available on premise", "Available on-premise"),
        ("Available in cloud", "Available cloud"),
        ("available", None),  # on-premise or cloud: no guess
        ("xyz", None),
    ],
)
def test_status_suggestions(value: str, suggestion: str | None) -> None:
    data = load(GOOGLE)
    data["status"] = value
    (problem,) = validate_system(data, "training", "4.1")
    assert problem.field == "/status" and problem.suggestion == suggestion


@pytest.mark.parametrize(
    ("suite", "round_name"),
    [("training", r) for r in TRAINING_ROUNDS] + [("hpc", r) for r in HPC_ROUNDS],
)
def test_status_spelling_is_fixed_from_training_4_1_only(suite: str, round_name: str) -> None:
    data = load(GOOGLE)
    strict = suite == "training" and round_name not in ("3.0", "3.1", "4.0")
    for category in CATEGORIES:
        data["status"] = category
        assert validate_system(data, suite, round_name) == []
    for legacy in ("onprem", "available", "Cloud", "Available on premise"):
        data["status"] = legacy
        assert bool(validate_system(data, suite, round_name)) is strict, legacy
    data["status"] = ""
    assert fields(validate_system(data, suite, round_name)) == {"/status": "value"}


def test_a_non_object_gets_one_problem() -> None:
    (problem,) = validate_system([1, 2], "training", "5.1")  # type: ignore[arg-type]
    assert problem.field == "" and problem.kind == "type" and "JSON list" in problem.message


@pytest.mark.parametrize(
    ("suite", "round_name", "words"),
    [
        ("training", "7.0", "3.0, 3.1, 4.0, 4.1, 5.0, 5.1, 6.0, 6.1"),
        ("training", "2.1", "training round '2.1'"),
        ("hpc", "4.0", "1.0, 2.0, 3.0"),
        ("training", "five", "round 'five'"),
        ("tiny", "1.3", "training, hpc, inference"),
        ("inference", "4.0", "4.1, 5.0, 5.1, 6.0, 6.1"),
    ],
)
def test_unknown_round_or_suite_is_a_clear_error(suite: str, round_name: str, words: str) -> None:
    with pytest.raises(SystemSchemaError) as caught:
        validate_system({}, suite, round_name)
    assert words in str(caught.value)


@pytest.mark.parametrize("spelling", ["5.1", "v5.1", "V5.1", "5.1.0", " 5.1 "])
def test_round_spellings(spelling: str) -> None:
    assert validate_system(load(GOOGLE), "Training", spelling) == []


def test_messages_do_not_carry_terminal_escapes() -> None:
    data = load(GOOGLE)
    data["status"] = "\x1b]0;pwned\x07\x9b2J"
    (problem,) = validate_system(data, "training", "5.1")
    assert not any(ch in problem.message for ch in "\x1b\x07\x9b")


# --------------------------------------------------------------------------- reading


def _write(tmp_path: Path, content: bytes, name: str = "sys.json") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    raw = TINYBOX.read_bytes()
    data, error = read_system_file(_write(tmp_path, b"\xef\xbb\xbf" + raw))
    assert error is None and data is not None and data["submitter"] == "tinycorp"
    assert validate_system(data, "training", "4.0") == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"submitter": "x",', "not valid JSON"),
        (b'{"a": 1} {"b": 2}', "not valid JSON: Extra data at line 1, column 10"),
        (b"[1, 2, 3]", "JSON list, not a JSON object"),
        (b'"text"', "JSON string, not a JSON object"),
        (b"null", "null, not a JSON object"),
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'{"number_of_nodes": NaN}', "NaN is not a JSON value"),
        (b'{"number_of_nodes": Infinity}', "Infinity is not a JSON value"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"submitter": "\xff"}', "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_files_give_an_error_string(tmp_path: Path, content: bytes, words: str) -> None:
    data, error = read_system_file(_write(tmp_path, content))
    assert data is None and error is not None and words in error


def test_oversized_missing_and_folder_paths(tmp_path: Path) -> None:
    big = b'{"sw_notes": "' + b"x" * MAX_BYTES + b'"}'
    data, error = read_system_file(_write(tmp_path, big))
    assert data is None and error is not None and "MiB limit" in error
    data, error = read_system_file(str(tmp_path / "absent.json"))
    assert data is None and error is not None and "cannot read" in error
    data, error = read_system_file(str(tmp_path))
    assert data is None and error is not None and "not a regular file" in error
    data, error = read_system_file("bad\x00path.json")
    assert data is None and error is not None


# --------------------------------------------------------------------------- side by side


def official_ok(path: Path, suite: str, round_name: str) -> bool:
    """The official verdict; a crash (TypeError, JSONDecodeError) fails the package check."""
    from mlperf_logging.system_desc_checker.system_desc_checker import check_system_desc

    try:
        return bool(check_system_desc(str(path), suite, round_name + ".0")[0])
    except (TypeError, ValueError):  # ",".join on a non-string; a BOM or bad JSON
        return False


def ours_ok(path: Path, suite: str, round_name: str) -> bool:
    data, error = read_system_file(str(path))
    return error is None and data is not None and not validate_system(data, suite, round_name)


# Where we are stricter than the official checker, and why (see the $comment of
# schemas/system_desc/common.schema.json):
DIVISION = "the package checker runs the closed-division checks only when division == 'closed'"
INT = "the result summarizer computes int(...) of the count fields"
TEXT = "every published file writes these fields as strings (the results table shows them as text)"
NAMED = "the results table row is identified by submitter and system name"
EMPTY_STATUS = "a system must be in an availability category"
# Where we are more lenient, and why:
NOT_RETROACTIVE = (
    "the status list is not applied to round 4.0 (see test_training_4_0_status_is_not_retroactive)"
)
OFFICIAL_CHECKS_STATUS = ("4.0", "4.1", "5.0", "5.1", "6.0", "6.1")  # training rulesets >= 4

Relation = tuple[str, str] | None  # None: verdicts agree; ("strict" | "lenient", reason)


def perturbations(
    data: dict[str, Any], suite: str, round_name: str
) -> list[tuple[str, dict[str, Any], Relation]]:
    """(name, perturbed data, how our verdict relates to the official one)."""
    cases: list[tuple[str, dict[str, Any], Relation]] = []
    official_checks_status = suite == "training" and round_name in OFFICIAL_CHECKS_STATUS

    def add(name: str, relation: Relation = None, **changes: Any) -> None:
        changed = copy.deepcopy(data)
        changed.update(changes)
        cases.append((name, changed, relation))

    def strict(reason: str) -> Relation:
        return ("strict", reason)

    add("unchanged")
    for key in list(data):
        changed = copy.deepcopy(data)
        del changed[key]
        cases.append((f"drop {key}", changed, None))  # fails iff the official requires it
    for category in CATEGORIES:
        add(f"status {category}", status=category)
    # agree: passes before 4.0 and in HPC, fails from 4.1; 4.0 is not retroactive
    add(
        "status onprem",
        ("lenient", NOT_RETROACTIVE) if round_name == "4.0" and suite == "training" else None,
        status="onprem",
    )
    add("extra field", system_type="datacenter")
    add("number_of_nodes number", number_of_nodes=8)
    add("number_of_nodes 1.0", number_of_nodes=1.0)
    add("host_processors_per_node number", host_processors_per_node=2)
    add("other_software_stack list", other_software_stack=["CUDA 12.8"])
    add("other_software_stack object", other_software_stack={"CUDA": "12.8"})
    for key in sorted(JOINED):
        add(f"{key} number", **{key: 8})  # official crashes: agree (fail)
    add("division Closed", strict(DIVISION), division="Closed")
    add("division network", strict(DIVISION), division="network")
    add("number_of_nodes eight", strict(INT), number_of_nodes="eight")
    add("number_of_nodes 0", strict(INT), number_of_nodes="0")
    add("number_of_nodes 1.5", strict(INT), number_of_nodes=1.5)
    add("host_processors_per_node two", strict(INT), host_processors_per_node="two")
    add("accelerators_per_node 8 GPUs", strict(INT), accelerators_per_node="8 GPUs")
    add("cooling number", strict(TEXT), cooling=5)
    add("hw_notes null", strict(TEXT), hw_notes=None)
    add("operating_system list", strict(TEXT), operating_system=["Ubuntu"])
    add("other_software_stack number", strict(TEXT), other_software_stack=5)
    add("submitter empty", strict(NAMED), submitter="")
    add("system_name empty", strict(NAMED), system_name="")
    # An empty status fails the official list where it applies (agree), else we are strict.
    add("status empty", None if official_checks_status else strict(EMPTY_STATUS), status="")
    return cases


SIDE_BY_SIDE = FIXTURE_FILES + [
    # one real file of each round in scope, when the corpus is here
    next(p for p in CORPUS_FILES if suite_and_round(p) == (suite, r))
    for suite, rounds in (("training", TRAINING_ROUNDS), ("hpc", HPC_ROUNDS))
    for r in rounds
    if any(suite_and_round(p) == (suite, r) for p in CORPUS_FILES)
]


@pytest.mark.parametrize(
    "path",
    SIDE_BY_SIDE,
    ids=[
        ("fixture:" if SYSTEM_FIXTURES in p.parents else "corpus:")
        + p.relative_to(p.parents[4]).as_posix()
        for p in SIDE_BY_SIDE
    ],
)
def test_side_by_side_with_the_official_checker(path: Path, tmp_path: Path) -> None:
    suite, round_name = suite_and_round(path)
    base = load(path)
    if base["status"] not in CATEGORIES:
        base["status"] = "Available on-premise"  # see test_training_4_0_status_is_not_retroactive
    wrong: list[str] = []
    for name, data, relation in perturbations(base, suite, round_name):
        target = tmp_path / "sys.json"
        target.write_text(json.dumps(data), encoding="utf-8")
        theirs, ours = official_ok(target, suite, round_name), ours_ok(target, suite, round_name)
        if relation is None:
            if theirs != ours:
                wrong.append(f"{name}: official {theirs}, ours {ours}")
            continue
        how, reason = relation
        expected = (True, False) if how == "strict" else (False, True)
        if (theirs, ours) != expected:
            wrong.append(
                f"{name}: expected official {expected[0]}, ours {expected[1]} ({reason}); got {theirs}, {ours}"
            )
    assert not wrong, "\n".join(wrong)


def test_training_4_0_status_is_not_retroactive(tmp_path: Path) -> None:
    """Official 4.1.68 checks status for every ruleset >= 4.0; that check came with
    mlcommons/logging PR #370 (merged 2024-09-19, for 4.1), after round 4.0 was
    published with 'available', 'onprem', 'cloud' and 'Cloud'. We accept those in 4.0."""
    path = TINYBOX
    assert load(path)["status"] == "available"
    assert official_ok(path, "training", "4.0") is False
    assert ours_ok(path, "training", "4.0") is True
    assert official_ok(path, "training", "3.1") is True  # same file, the round before
    assert ours_ok(path, "training", "4.1") is False  # and 4.1 does check it


def test_a_bom_is_accepted_where_the_official_checker_crashes(tmp_path: Path) -> None:
    raw = GOOGLE.read_bytes()
    path = Path(_write(tmp_path, b"\xef\xbb\xbf" + raw))
    assert official_ok(path, "training", "5.0") is False  # json.load: Unexpected UTF-8 BOM
    assert ours_ok(path, "training", "5.0") is True


def test_messages_use_the_rounds_own_words() -> None:
    data = load(GOOGLE)
    data["status"] = 3
    (problem,) = validate_system(data, "training", "5.1")
    assert "Available cloud" in problem.message  # the round's list, not just "a string"
    del data["status"]
    (problem,) = validate_system(data, "training", "5.1")
    assert problem.kind == "missing" and "spelt exactly" in problem.message
    (problem,) = validate_system(data, "hpc", "3.0")
    assert problem.kind == "missing" and "availability category" in problem.message
