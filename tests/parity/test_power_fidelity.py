"""Power results of whole published rounds against the committed fidelity tables (slow).

Needs the materialised repositories ``/tmp/fid/inference-4.1`` and ``/tmp/fid/inference-5.1``
(``bench/fidelity/materialise.py``); skips without them. The tables and the Power WG checker's
verdicts are in ``tests/fixtures/fidelity/power/`` (see its README).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TABLES = REPO / "tests" / "fixtures" / "fidelity" / "power"
COMPARED = ("state", "official", "ours", "our_errors", "our_notes", "unit", "value")


def _harness() -> ModuleType:
    path = REPO / "bench" / "fidelity" / "power.py"
    spec = importlib.util.spec_from_file_location("power_fidelity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["power_fidelity"] = module
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {row["result"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.mark.slow
@pytest.mark.parametrize("round_name", ["4.1", "5.1"])
def test_power_results_of_a_published_round(round_name: str, tmp_path: Path) -> None:
    repository = Path(f"/tmp/fid/inference-{round_name}")
    if not repository.is_dir():
        pytest.skip(f"{repository} is not materialised")
    argv = [str(repository), "--round", round_name, "--official", str(TABLES / f"power-inference-{round_name}-official.tsv"), "--out", str(tmp_path)]
    if round_name == "4.1":
        argv += ["--recomputed", str(TABLES / "power-inference-4.1-recomputed.tsv")]
    assert _harness().main(argv) == 0
    got, expected = _rows(tmp_path / "power.tsv"), _rows(TABLES / f"expected-{round_name}.tsv")
    assert set(got) == set(expected)
    for result, row in expected.items():
        assert {k: got[result][k] for k in COMPARED} == {k: row[k] for k in COMPARED}, result
    assert not [r for r in got.values() if r["state"] == "differ"]
    assert all(r["value"] == "equal" for r in got.values() if r["state"] != "left out")
