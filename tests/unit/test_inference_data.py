"""The inference round data (checkers/inference/) parses, inherits, and cites its sources."""

from __future__ import annotations

import tomllib

import pytest

from compliance.rulebook.load import available_rounds, data_dir

ROUNDS = available_rounds("inference")  # every round of the data, oldest first


def load(round_name: str) -> dict:
    return tomllib.loads((data_dir() / "inference" / f"v{round_name}.toml").read_text(encoding="utf-8"))


def test_every_round_is_present_and_extends_the_one_before() -> None:
    previous = None
    for round_name in ROUNDS:
        data = load(round_name)
        assert data["suite"] == "inference" and data["round"] == round_name
        assert data.get("extends") == previous
        previous = round_name


@pytest.mark.parametrize("round_name", ROUNDS)
def test_targets_and_bounds_carry_units_and_sources(round_name: str) -> None:
    data = load(round_name)
    for name, model in data.get("models", {}).items():
        for entry in model.get("accuracy", []):
            assert entry.get("source") and entry.get("unit"), f"{round_name} {name} {entry.get('metric')}"
            if "threshold" in entry and "reference" in entry and "fraction" in entry:
                # thresholds as the checker computes them, or as the rules state them (rounded)
                assert abs(entry["threshold"] - entry["reference"] * entry["fraction"]) <= 1e-4 * max(1.0, entry["reference"])
        for scenario, bounds in model.get("latency", {}).items():
            if bounds.get("drop"):
                continue
            for what, quantity in bounds.items():
                if isinstance(quantity, dict):
                    assert quantity.get("unit") == "ms" and quantity.get("source"), f"{round_name} {name} {scenario} {what}"


def test_disagreements_are_recorded_with_what_was_chosen() -> None:
    entries = {}
    for round_name in ROUNDS:
        entries.update(load(round_name).get("disagreements", {}))
    assert any("dlrm" in name.lower() for name in entries)
    for entry in entries.values():
        if entry.get("drop"):
            continue
        assert entry.get("chosen") and entry.get("source") and entry.get("what")
