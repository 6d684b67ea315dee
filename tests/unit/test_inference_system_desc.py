"""Inference system descriptions (systems/<system>.json) and measurements files:
the schemas, real files, hand-edited broken copies, and a model of the official
submission checker's file checks side by side."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from compliance.parsers.system_desc import (
    MEASUREMENTS_FOLDER,
    SystemProblem,
    SystemSchemaError,
    known_rounds,
    network_mode,
    pick_measurements_file,
    read_measurements_file,
    schema_dir,
    validate_measurements,
    validate_system,
)
from tests.support.paths import CORPUS, FIXTURES, ROOT
from tests.unit.test_system_desc import fields, ids, load

ROUNDS = ["4.1", "5.0", "5.1", "6.0", "6.1"]
SYSTEM_SCHEMAS = ROOT / "schemas" / "system_desc"
MEASUREMENT_SCHEMAS = ROOT / "schemas" / "measurements"
OWN_FIXTURES = FIXTURES / "inference_systems"
CORPUS_INFERENCE = CORPUS / "inference"

# The official checker's lists (mlcommons/inference tools/submission: the v4.1
# monolith submission_checker.py and the package's submission_checker/constants.py,
# which hold the same lists): SYSTEM_DESC_REQUIRED_FIELDS,
# SYSTEM_DESC_MEANINGFUL_RESPONSE_REQUIRED_FIELDS, SYSTEM_DESC_REQUIRED_FIELDS_NETWORK_MODE,
# SYSTEM_IMP_REQUIRED_FILES, VALID_AVAILABILITIES and the system types of its check.
REQUIRED = """division submitter status system_name number_of_nodes host_processor_model_name
host_processors_per_node host_processor_core_count host_memory_capacity host_storage_capacity
host_storage_type accelerators_per_node accelerator_model_name accelerator_memory_capacity
framework operating_system system_type other_software_stack host_processor_frequency
host_processor_caches host_memory_configuration host_processor_interconnect host_networking
host_networking_topology accelerator_frequency accelerator_host_interconnect
accelerator_interconnect accelerator_interconnect_topology accelerator_memory_configuration
accelerator_on-chip_memories cooling hw_notes sw_notes host_network_card_count
system_type_detail""".split()
MEANINGFUL = """division submitter system_type status system_name number_of_nodes
host_processor_model_name host_processors_per_node host_processor_core_count
host_memory_capacity host_memory_configuration host_storage_capacity host_storage_type
host_networking host_network_card_count host_networking_topology accelerators_per_node
accelerator_model_name accelerator_memory_capacity accelerator_host_interconnect
accelerator_memory_configuration accelerator_interconnect cooling framework operating_system
other_software_stack""".split()
NETWORK = """is_network network_type network_media network_rate nic_loadgen number_nic_loadgen
net_software_stack_loadgen network_protocol number_connections nic_sut number_nic_sut
net_software_stack_sut network_topology""".split()
MEASUREMENT_FIELDS = [
    "input_data_types",
    "retraining",
    "starting_weights_filename",
    "weight_data_types",
    "weight_transformations",
]
AVAILABILITIES = ("available", "preview", "rdi")
SYSTEM_TYPES = ("datacenter", "edge", "datacenter,edge", "edge,datacenter")
PACKAGE_ROUNDS = ("6.0", "6.1")  # checked by the modular package, not the monolith

_ROUND_IN_PATH = re.compile(r"(?:^|/)v(\d+\.\d+)/")


def round_of(path: Path) -> str:
    match = _ROUND_IN_PATH.search(path.as_posix())
    assert match, f"no v<round>/ in {path}"
    return match.group(1)


def system_files(root: Path) -> list[Path]:
    return sorted(root.glob("v*/*/systems/*.json"))


def measurement_files(root: Path) -> list[Path]:
    """The file the official checker reads in each measurements folder."""
    found = []
    for folder in sorted(root.glob("v*/*/*/*/*/measurements")):
        system, scenario = folder.parts[-4], folder.parts[-2]
        name = pick_measurements_file((p.name for p in folder.iterdir()), system, scenario)
        assert name is not None, f"no measurements file in {folder}"
        found.append(folder / name)
    return found


def in_scope(paths: list[Path]) -> list[Path]:
    return [p for p in paths if round_of(p) in ("4.1", "5.1")]


FIXTURE_SYSTEMS = system_files(OWN_FIXTURES)
FIXTURE_MEASUREMENTS = measurement_files(OWN_FIXTURES)
UNTETHER = OWN_FIXTURES / "v4.1/UntetherAI/systems/h13_u1_preview.json"
NVIDIA = OWN_FIXTURES / "v5.1/NVIDIA/systems/B200-SXM-180GBx8_TRT.json"
CPU_ONLY = OWN_FIXTURES / "v5.1/Intel/systems/1-node-2S-GNR_128C.json"
SDXL = (
    OWN_FIXTURES
    / "v5.1/Cisco/C885_H200x8_TRT/stable-diffusion-xl/Server/measurements/C885_H200x8_TRT_Server.json"
)
HAVE_CORPUS = CORPUS_INFERENCE.is_dir()
CORPUS_SYSTEMS = system_files(CORPUS_INFERENCE) if HAVE_CORPUS else []
CORPUS_MEASUREMENTS = measurement_files(CORPUS_INFERENCE) if HAVE_CORPUS else []


def load_measurements(path: Path) -> dict[str, Any]:
    data, error = read_measurements_file(str(path))
    assert error is None and data is not None, error
    return data


def one(problems: list[SystemProblem]) -> SystemProblem:
    assert len(problems) == 1, problems
    return problems[0]


def corpus_param(paths: list[Path]) -> Any:
    """Parametrize over corpus files, or one case that skips when the corpus is absent."""
    if paths:
        return pytest.mark.parametrize("path", paths, ids=ids(paths, CORPUS_INFERENCE))
    return pytest.mark.parametrize("path", [None], ids=["no-corpus"])


def skip_without(path: Path | None) -> Path:
    if path is None:
        pytest.skip("../shared/corpus/inference is not present on this machine")
    return path


# --------------------------------------------------------------------------- schemas


def test_one_schema_per_inference_round_for_both_files() -> None:
    from compliance.rulebook.load import available_rounds

    assert known_rounds("inference") == ROUNDS == available_rounds("inference")
    assert known_rounds("inference", MEASUREMENTS_FOLDER) == ROUNDS
    names = {p.name for p in MEASUREMENT_SCHEMAS.glob("*.json")}
    assert names == {f"inference-{r}.schema.json" for r in ROUNDS} | {
        "inference_common.schema.json"
    }
    assert (schema_dir() / MEASUREMENTS_FOLDER) == MEASUREMENT_SCHEMAS
    # test_system_desc.py checks that every schema file is a valid draft 2020-12 schema


def test_later_rounds_reference_earlier_ones_instead_of_copying() -> None:
    for folder in (SYSTEM_SCHEMAS, MEASUREMENT_SCHEMAS):
        for path in folder.glob("inference-*.schema.json"):
            schema = json.loads(path.read_text(encoding="utf-8"))
            assert "$ref" in schema, path.name
            assert "required" not in schema and "$defs" not in schema, path.name


@pytest.mark.parametrize("folder", [SYSTEM_SCHEMAS, MEASUREMENT_SCHEMAS], ids=lambda p: p.name)
def test_every_base_field_and_definition_is_described(folder: Path) -> None:
    base = json.loads((folder / "inference_common.schema.json").read_text(encoding="utf-8"))
    for name, sub in base["properties"].items():
        assert len(sub.get("description", "")) > 20, name
    for name, definition in base["$defs"].items():
        assert definition.get("title") and definition.get("description"), name


def test_the_base_requires_the_official_lists() -> None:
    base = json.loads((SYSTEM_SCHEMAS / "inference_common.schema.json").read_text(encoding="utf-8"))
    assert base["required"] == REQUIRED and len(REQUIRED) == 35
    assert set(base["properties"]) == set(REQUIRED) | set(NETWORK)
    measurements = json.loads(
        (MEASUREMENT_SCHEMAS / "inference_common.schema.json").read_text(encoding="utf-8")
    )
    assert measurements["required"] == MEASUREMENT_FIELDS
    for name in ("4.1", "6.0"):
        then = json.loads((SYSTEM_SCHEMAS / f"inference-{name}.schema.json").read_text())["then"]
        assert set(then["required"]) | {"is_network"} == set(NETWORK)


@pytest.mark.parametrize("round_name", ROUNDS)
def test_exactly_the_meaningful_fields_may_not_be_empty(round_name: str) -> None:
    data = load(NVIDIA)
    refused = {
        name for name in REQUIRED if validate_system({**data, name: ""}, "inference", round_name)
    }
    assert refused == set(MEANINGFUL) and len(MEANINGFUL) == 26


# --------------------------------------------------------------------------- real files


def test_the_fixtures_are_real_files_listed_in_the_manifest() -> None:
    lines = (OWN_FIXTURES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    present = {
        p.relative_to(OWN_FIXTURES).as_posix()
        for p in OWN_FIXTURES.rglob("*")
        if p.is_file() and p.name != "MANIFEST.tsv"
    }
    assert {row["local_path"] for row in rows} == present
    assert len(FIXTURE_SYSTEMS) >= 3 and len(FIXTURE_MEASUREMENTS) >= 3
    for row in rows:
        raw = (OWN_FIXTURES / row["local_path"]).read_bytes()
        assert len(raw) == int(row["bytes"]) and hashlib.sha256(raw).hexdigest() == row["sha256"]
        assert row["source_repo"].startswith("mlcommons/inference_results_v")


@pytest.mark.parametrize("path", FIXTURE_SYSTEMS, ids=ids(FIXTURE_SYSTEMS, OWN_FIXTURES))
def test_real_fixture_systems_validate_in_every_round(path: Path) -> None:
    data = load(path)
    for round_name in ROUNDS:
        assert validate_system(data, "inference", round_name) == [], round_name


@pytest.mark.parametrize("path", FIXTURE_MEASUREMENTS, ids=ids(FIXTURE_MEASUREMENTS, OWN_FIXTURES))
def test_real_fixture_measurements_validate_in_every_round(path: Path) -> None:
    data = load_measurements(path)
    for round_name in ROUNDS:
        assert validate_measurements(data, round_name) == [], round_name


@corpus_param(in_scope(CORPUS_SYSTEMS))
def test_every_corpus_system_of_4_1_and_5_1_validates(path: Path | None) -> None:
    path = skip_without(path)
    assert validate_system(load(path), "inference", round_of(path)) == []


@corpus_param(in_scope(CORPUS_MEASUREMENTS))
def test_every_corpus_measurements_file_of_4_1_and_5_1_validates(path: Path | None) -> None:
    path = skip_without(path)
    assert validate_measurements(load_measurements(path), round_of(path)) == []


def test_the_corpus_has_files_of_both_rounds() -> None:
    if not HAVE_CORPUS:
        pytest.skip("../shared/corpus/inference is not present on this machine")
    for paths in (CORPUS_SYSTEMS, CORPUS_MEASUREMENTS):
        rounds = [round_of(p) for p in paths]
        assert rounds.count("4.1") >= 10 and rounds.count("5.1") >= 10


@corpus_param([p for p in CORPUS_SYSTEMS if round_of(p) not in ROUNDS])
def test_older_rounds_are_a_clear_error(path: Path | None) -> None:
    path = skip_without(path)
    round_name = round_of(path)
    with pytest.raises(SystemSchemaError, match=f"inference round '{round_name}'.*4.1, 5.0"):
        validate_system(load(path), "inference", round_name)
    with pytest.raises(SystemSchemaError, match="measurements file schema"):
        validate_measurements({}, round_name)


# --------------------------------------------------------------------------- problems


def test_a_missing_field_names_the_round_and_what_the_field_gives() -> None:
    data = load(NVIDIA)
    del data["host_networking"]
    problem = one(validate_system(data, "inference", "5.1"))
    assert (problem.field, problem.kind) == ("/host_networking", "missing")
    assert problem.message.startswith(
        "Field 'host_networking' is missing; every inference 5.1 system description must have it."
    )
    assert "It gives: the host's network" in problem.message


def test_every_missing_field_is_reported_in_the_official_order() -> None:
    problems = validate_system({}, "inference", "6.1")
    assert [p.field for p in problems] == ["/" + name for name in REQUIRED]
    assert {p.kind for p in problems} == {"missing"}


def test_a_misspelt_field_name_is_pointed_out() -> None:
    data = load(UNTETHER)
    data["host_networking_card_count"] = data.pop("host_network_card_count")  # the 3.1 spelling
    problem = one(validate_system(data, "inference", "4.1"))
    assert problem.field == "/host_network_card_count" and problem.kind == "missing"
    assert "'host_networking_card_count'; is that a misspelling" in problem.message


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("onprem", None),
        ("Available on-premise", "available"),  # the training spelling
        ("availble", "available"),
        ("research", None),
        ("", None),
    ],
)
def test_a_bad_status(value: str, suggestion: str | None) -> None:
    data = load(NVIDIA)
    data["status"] = value
    problem = one(validate_system(data, "inference", "5.1"))
    assert (problem.field, problem.kind, problem.suggestion) == ("/status", "value", suggestion)
    assert problem.message.startswith("Field 'status' is ")
    assert 'must be one of "available", "preview", "rdi" (in any case)' in problem.message


@pytest.mark.parametrize(
    "value", ["available", "Available", "AVAILABLE", "preview", "Preview", "rdi", "RDI"]
)
def test_status_is_compared_in_lower_case_as_the_checker_does(value: str) -> None:
    data = load(NVIDIA)
    data["status"] = value
    for round_name in ROUNDS:
        assert validate_system(data, "inference", round_name) == []


@pytest.mark.parametrize(
    ("value", "kind", "suggestion"),
    [
        ("Datacenter", "value", "datacenter"),
        ("datacenter, edge", "value", "datacenter,edge"),
        ("Edge,Datacenter", "value", "edge,datacenter"),
        ("cloud", "value", None),
        ("", "value", None),
        (["datacenter"], "type", None),
    ],
)
def test_a_bad_system_type(value: Any, kind: str, suggestion: str | None) -> None:
    data = load(UNTETHER)
    data["system_type"] = value
    problem = one(validate_system(data, "inference", "4.1"))
    assert (problem.field, problem.kind, problem.suggestion) == ("/system_type", kind, suggestion)
    assert '"datacenter", "edge", "datacenter,edge", "edge,datacenter"' in problem.message


@pytest.mark.parametrize("value", ["datacenter", "edge", "datacenter,edge", "edge,datacenter"])
def test_every_system_type_of_the_checker_is_accepted(value: str) -> None:
    data = load(UNTETHER)
    data["system_type"] = value
    assert validate_system(data, "inference", "6.0") == []


@pytest.mark.parametrize("name", MEANINGFUL)
def test_an_empty_meaningful_field(name: str) -> None:
    data = load(NVIDIA)
    data[name] = ""
    problem = one(validate_system(data, "inference", "5.1"))
    assert (problem.field, problem.kind) == ("/" + name, "value")
    assert problem.message.startswith(f'Field {name!r} is empty text ("")')


def test_an_empty_meaningful_field_says_why() -> None:
    data = load(NVIDIA)
    data["cooling"] = ""
    problem = one(validate_system(data, "inference", "5.1"))
    assert problem.message == (
        "Field 'cooling' is empty text (\"\"), but it must be a non-empty string "
        "(the official checker rejects an empty value: the field requires a meaningful response)."
    )


@pytest.mark.parametrize(
    "name",
    [n for n in REQUIRED if n not in MEANINGFUL],
)
def test_other_fields_may_be_empty(name: str) -> None:
    data = load(NVIDIA)
    data[name] = ""
    assert validate_system(data, "inference", "5.1") == []


def test_network_fields_are_required_when_is_network_is_true() -> None:
    data = load(NVIDIA)
    data["is_network"] = "True"
    problems = validate_system(data, "inference", "5.1")
    assert [p.field for p in problems] == ["/" + n for n in NETWORK if n != "is_network"]
    assert {p.kind for p in problems} == {"missing"}
    assert problems[0].message.startswith(
        "Field 'network_type' is missing; every inference 5.1 system description must have it "
        'when is_network is "true" (a system measured over the network).'
    )
    for name in NETWORK[1:]:
        data[name] = "described"
    assert validate_system(data, "inference", "5.1") == []
    assert network_mode(data) is True


@pytest.mark.parametrize("round_name", ROUNDS)
def test_is_network_false_asks_for_the_network_fields_from_6_0_only(round_name: str) -> None:
    data = load(NVIDIA)
    data["is_network"] = "false"
    problems = validate_system(data, "inference", round_name)
    if round_name not in PACKAGE_ROUNDS:
        assert problems == []
        return
    assert len(problems) == 12 and {p.kind for p in problems} == {"missing"}
    assert 'even when it is "false"; leave is_network out' in problems[0].message
    del data["is_network"]
    assert validate_system(data, "inference", round_name) == []
    assert network_mode(data) is False


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "type"), (False, "type"), ("yes", "value"), ("", "value"), (1, "type")],
)
def test_is_network_must_be_true_or_false_as_text(value: Any, kind: str) -> None:
    data = load(NVIDIA)
    data["is_network"] = value
    for round_name in ("5.1", "6.0"):
        problems = validate_system(data, "inference", round_name)
        problem = next(p for p in problems if p.field == "/is_network")
        assert problem.kind == kind
        assert '"true" or "false" as text (in any case)' in problem.message
        # 6.0 asks for the network fields for any non-empty text ("yes" too)
        network_asked = round_name in PACKAGE_ROUNDS and value == "yes"
        assert len(problems) == (13 if network_asked else 1)
    assert network_mode(data) is False


@pytest.mark.parametrize(
    ("field", "value", "kind", "suggestion"),
    [
        ("status", 3, "type", None),
        ("status", None, "type", None),
        ("division", "Closed", "value", "closed"),
        ("division", "closed/", "value", "closed"),
        ("division", 1, "type", None),
        ("submitter", None, "type", None),
        ("system_name", ["a"], "type", None),
        ("number_of_nodes", "one", "value", None),
        ("number_of_nodes", 0, "value", None),
        ("number_of_nodes", 1.5, "type", None),
        ("number_of_nodes", True, "type", None),
        ("host_processors_per_node", "0", "value", None),
        ("accelerators_per_node", 0, "value", None),
        ("accelerators_per_node", "8 GPUs", "value", None),
        ("accelerators_per_node", -1, "value", None),
        ("host_processor_core_count", 0, "value", None),
        ("host_network_card_count", None, "type", None),
        ("other_software_stack", {}, "value", None),
        ("other_software_stack", [], "value", None),
        ("other_software_stack", 5, "type", "5"),
        ("cooling", 5, "type", "5"),
        ("framework", 10, "type", "10"),
        ("hw_notes", None, "type", None),
        ("system_type_detail", 1, "type", "1"),
        ("number_nic_sut", -2, "value", None),
    ],
)
def test_wrong_types_and_values(field: str, value: Any, kind: str, suggestion: str | None) -> None:
    data = load(NVIDIA)
    data[field] = value
    problem = one(validate_system(data, "inference", "6.1"))
    assert (problem.field, problem.kind, problem.suggestion) == ("/" + field, kind, suggestion)
    assert f"'{field}'" in problem.message and "must be" in problem.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("accelerators_per_node", "0"),
        ("accelerators_per_node", 8),
        ("accelerators_per_node", "8"),
        ("number_of_nodes", "1"),
        ("number_of_nodes", 1.0),
        ("host_processor_core_count", "48 computing cores + 4 assistant cores"),
        ("host_network_card_count", "2x 100Gbe"),
        ("host_network_card_count", 2),
        ("other_software_stack", {"KILT": "mlperf_4.1"}),
        ("other_software_stack", ["CUDA 12.9"]),
        ("host_processor_vcpu_count", 0),  # not a field of the inference lists
        ("power_supply_details", 7),
        ("system_power_capacity", 10200),
        ("number_connections", "8 for data exchange"),
    ],
)
def test_what_real_files_do_is_accepted(field: str, value: Any) -> None:
    data = load(CPU_ONLY)
    data[field] = value
    assert validate_system(data, "inference", "6.1") == []


def test_system_power_capacity_is_a_6_1_field() -> None:
    data = load(CPU_ONLY)
    data["system_power_capacity"] = -1
    assert fields(validate_system(data, "inference", "6.1")) == {"/system_power_capacity": "value"}
    assert validate_system(data, "inference", "6.0") == []  # not a field of 6.0: not checked


def test_a_non_object_gets_one_problem() -> None:
    problem = one(validate_system("x", "inference", "5.1"))  # type: ignore[arg-type]
    assert problem.field == "" and problem.kind == "type"
    assert problem.message.startswith("The system description is a JSON string")
    problem = one(validate_measurements([1], "5.1"))  # type: ignore[arg-type]
    assert problem.message.startswith("The measurements file is a JSON list")


@pytest.mark.parametrize("spelling", ["5.1", "v5.1", "5.1.0", " V5.1 "])
def test_round_and_suite_spellings(spelling: str) -> None:
    assert validate_system(load(NVIDIA), "Inference", spelling) == []
    assert validate_measurements(load_measurements(SDXL), spelling) == []


def test_unknown_rounds_are_a_clear_error() -> None:
    with pytest.raises(SystemSchemaError, match="inference round '7.0'.*4.1, 5.0, 5.1, 6.0, 6.1"):
        validate_system({}, "inference", "7.0")
    with pytest.raises(
        SystemSchemaError, match="no measurements file schema for inference round '4.0'"
    ):
        validate_measurements({}, "4.0")


# --------------------------------------------------------------------------- measurements


@pytest.mark.parametrize("name", MEASUREMENT_FIELDS)
def test_a_missing_measurements_field(name: str) -> None:
    data = load_measurements(SDXL)
    del data[name]
    problem = one(validate_measurements(data, "5.1"))
    assert (problem.field, problem.kind) == ("/" + name, "missing")
    assert problem.message.startswith(
        f"Field {name!r} is missing; every inference 5.1 measurements file must have it. It gives: "
    )


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("retraining", "", "value"),
        ("retraining", None, "type"),
        ("retraining", False, "type"),
        ("input_data_types", ["int8"], "type"),
        ("weight_data_types", "", "value"),
        ("weight_data_types", {}, "value"),
        ("weight_data_types", ["fp8"], "type"),
        ("weight_transformations", 0, "type"),
    ],
)
def test_empty_or_mistyped_measurements_fields(field: str, value: Any, kind: str) -> None:
    data = load_measurements(SDXL)
    data[field] = value
    problem = one(validate_measurements(data, "6.0"))
    assert (problem.field, problem.kind) == ("/" + field, kind)
    assert "must be a non-empty string" in problem.message


def test_each_part_of_weight_data_types_must_be_named() -> None:
    data = load_measurements(SDXL)
    data["weight_data_types"]["unet"] = ""
    problem = one(validate_measurements(data, "5.1"))
    assert problem.field == "/weight_data_types/unet" and problem.kind == "value"
    assert problem.message == (
        "Field 'weight_data_types.unet' is empty text (\"\"), but it must be a non-empty string "
        '(the data type of that part of the model, e.g. "fp8").'
    )


def test_reading_a_bad_measurements_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "sys.json"
    path.write_bytes(b"")
    data, error = read_measurements_file(str(path))
    assert (
        data is None
        and error == "the file is empty; a measurements file is one JSON object of fields"
    )
    path.write_bytes(b"[1]")
    data, error = read_measurements_file(str(path))
    assert data is None and error is not None and "a measurements file is one JSON object" in error


def test_the_last_of_two_equal_keys_is_read_as_json_does() -> None:
    data = load_measurements(
        OWN_FIXTURES
        / "v5.1/Intel/1-node-2S-GNR_128C/whisper/Offline/measurements/1-node-2S-GNR_128C.json"
    )
    assert data["weight_transformations"].startswith("Weight quantization from BF16")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["sysA_Offline.json", "sysA.json", "README.md"], "sysA_Offline.json"),
        (["sysA.json", "cpu_info.json", "user.conf"], "sysA.json"),
        (["sysA_impl_offline.json"], "sysA_impl_offline.json"),
        (["sysA_Server.json", "sysA_Offline.json"], "sysA_Offline.json"),
        (["cpu_info.json", "README.md"], None),
        ([], None),
    ],
)
def test_pick_measurements_file(names: list[str], expected: str | None) -> None:
    assert pick_measurements_file(names, "sysA", "Offline") == expected


# --------------------------------------------------------------------------- side by side


def official_system_ok(data: dict[str, Any], round_name: str, folder_division: str) -> bool:
    """What the official checker decides from a system description alone (a model
    written from its source: the availability, system type, required-field and
    meaningful-response checks, and the division compared with its folder). The
    network mode against the division is a check of the tree and is left out."""
    status, flag, division = data.get("status"), data.get("is_network"), data.get("division")
    if not isinstance(status, str) or status.lower() not in AVAILABILITIES:
        return False  # a non-string crashes .lower()
    if data.get("system_type") not in SYSTEM_TYPES:
        return False
    if flag is not None and not isinstance(flag, str):
        return False  # .lower() again
    package = round_name in PACKAGE_ROUNDS
    if (
        not isinstance(division, str)
        or (division.lower() if package else division) != folder_division
    ):
        return False
    network = bool(flag) if package else flag is not None and flag.lower() == "true"
    for name in REQUIRED + (NETWORK if network else []):
        if name not in data or (name in MEANINGFUL and not data[name]):
            return False
    return True


def official_measurements_ok(data: dict[str, Any]) -> bool:
    return all(name in data and data[name] for name in MEASUREMENT_FIELDS)


# Where the schemas are stricter than the official checker, and why (see the
# $comment of each inference_common.schema.json):
TEXT = "every published file writes the descriptive fields as text"
COUNT = "every published file writes the counts as whole numbers"
FLAG = "any is_network other than true/false is silently read as 'not over the network'"
DIVISION = "the 4.1-5.1 checker compares division with its folder exactly; we keep that from 6.0"

Relation = str | None  # None: the verdicts agree; else: why ours fails where the official passes


def system_perturbations(
    data: dict[str, Any], round_name: str
) -> list[tuple[str, dict[str, Any], Relation]]:
    cases: list[tuple[str, dict[str, Any], Relation]] = []

    def add(name: str, relation: Relation = None, **changes: Any) -> None:
        changed = copy.deepcopy(data)
        changed.update(changes)
        cases.append((name, changed, relation))

    add("unchanged")
    for key in list(data):
        changed = copy.deepcopy(data)
        del changed[key]
        cases.append((f"drop {key}", changed, None))
    for key in REQUIRED:
        add(f"{key} empty", **{key: ""})
        add(f"{key} zero", None if key in MEANINGFUL else TEXT, **{key: 0})
        add(f"{key} null", None if key in MEANINGFUL else TEXT, **{key: None})
    for status in ("Available", "RDI", "preview", "onprem", "available "):
        add(f"status {status!r}", status=status)
    for system_type in (*SYSTEM_TYPES, "Datacenter", "datacenter, edge"):
        add(f"system_type {system_type!r}", system_type=system_type)
    network = {name: "described" for name in NETWORK[1:]}
    for flag in ("true", "TRUE", "false", "False"):
        add(f"is_network {flag}", is_network=flag)
        add(f"is_network {flag} with the network fields", is_network=flag, **network)
    add("is_network yes", None if round_name in PACKAGE_ROUNDS else FLAG, is_network="yes")
    add("is_network boolean", is_network=True, **network)
    add("accelerators_per_node text zero", accelerators_per_node="0")
    add("accelerators_per_node 8 GPUs", COUNT, accelerators_per_node="8 GPUs")
    add("number_of_nodes one", COUNT, number_of_nodes="one")
    add("cooling number", TEXT, cooling=5)
    add("framework list", TEXT, framework=["TensorRT"])
    add("other_software_stack object", other_software_stack={"CUDA": "12.9"})
    add(
        "division upper case",
        DIVISION if round_name in PACKAGE_ROUNDS else None,
        division=data["division"].title(),
    )
    add("an extra field", extra_field="anything")
    return cases


def disagreements(cases: list[tuple[str, bool, bool, Relation]]) -> list[str]:
    """The cases where (official, ours) is not what the relation says: equal verdicts,
    or, with a reason, official pass and ours fail."""
    wrong = []
    for name, theirs, ours, reason in cases:
        expected = (True, False) if reason else (theirs, theirs)
        if (theirs, ours) != expected:
            wrong.append(f"{name}: official {theirs}, ours {ours} ({reason or 'agree'})")
    return wrong


def side_ids(paths: list[Path]) -> list[str]:
    return [("fixture:" if OWN_FIXTURES in p.parents else "corpus:") + p.name for p in paths]


SIDE_BY_SIDE = FIXTURE_SYSTEMS + in_scope(CORPUS_SYSTEMS)


@pytest.mark.parametrize("path", SIDE_BY_SIDE, ids=side_ids(SIDE_BY_SIDE))
def test_system_verdicts_side_by_side_with_the_official_checks(path: Path) -> None:
    base = load(path)
    cases = [
        (
            f"{round_name} {name}",
            official_system_ok(data, round_name, base["division"]),
            not validate_system(data, "inference", round_name),
            reason,
        )
        for round_name in ROUNDS
        for name, data, reason in system_perturbations(base, round_name)
    ]
    wrong = disagreements(cases)
    assert not wrong, "\n".join(wrong)


SIDE_BY_SIDE_MEASUREMENTS = FIXTURE_MEASUREMENTS + in_scope(CORPUS_MEASUREMENTS)


@pytest.mark.parametrize("path", SIDE_BY_SIDE_MEASUREMENTS, ids=side_ids(SIDE_BY_SIDE_MEASUREMENTS))
def test_measurement_verdicts_side_by_side_with_the_official_checks(path: Path) -> None:
    base = load_measurements(path)
    perturbed: list[tuple[str, dict[str, Any], Relation]] = [("unchanged", base, None)]
    for name in MEASUREMENT_FIELDS:
        perturbed.append((f"drop {name}", {k: v for k, v in base.items() if k != name}, None))
        for value, reason in (
            ("", None),
            (None, None),
            (False, None),
            (0, None),
            (True, TEXT),
            (["x"], TEXT),
        ):
            perturbed.append((f"{name} {value!r}", {**base, name: value}, reason))
    perturbed.append(
        ("weight_data_types per part", {**base, "weight_data_types": {"unet": "fp8"}}, None)
    )
    cases = [
        (name, official_measurements_ok(data), not validate_measurements(data, "5.1"), reason)
        for name, data, reason in perturbed
    ]
    wrong = disagreements(cases)
    assert not wrong, "\n".join(wrong)
