"""Rebuild official submission trees from corpus files (MANIFEST.tsv gives each file's
original path in its results repository) or from the fixtures."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.support.logedit import FIXTURES


def manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def rebuild(corpus: Path, dest: Path, prefix: str, kinds: tuple[str, ...] = ("training_log", "hpc_training_log", "system_desc", "scaling_json")) -> Path:
    """Copy every corpus file under ``prefix`` (e.g. 'training/v5.1/AMD/') to
    ``dest/<division>/<path in repo>``; return dest."""
    for row in manifest(corpus):
        if row["local_path"].startswith(prefix) and row["kind"] in kinds:
            target = dest / row["division"] / row["path_in_repo"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(corpus / row["local_path"], target)
            target.chmod(0o644)
    return dest


def fixture_tree(dest: Path, runs: int = 10) -> Path:
    """The real, complete AMD v5.1 closed llama31_8b entry (10 runs, scaling.json, system JSON)."""
    source = FIXTURES / "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b"
    org = dest / "closed" / "AMD"
    bench = org / "results" / "MI355X_EPYC_9575F_pytorch" / "llama31_8b"
    bench.mkdir(parents=True)
    for i in range(runs):
        shutil.copyfile(source / f"result_{i}.txt", bench / f"result_{i}.txt")
    shutil.copyfile(source / "scaling.json", bench / "scaling.json")
    (org / "systems").mkdir()
    shutil.copyfile(
        FIXTURES / "systems/training/v5.1/AMD/systems/MI355X_EPYC_9575F_pytorch.json",
        org / "systems" / "MI355X_EPYC_9575F_pytorch.json",
    )
    return dest


def throughput_tree(dest: Path) -> Path:
    """A real HPC 3.0 Throughput (weak scaling) entry: 12 of NVIDIA's 59 cosmoflow instances, its
    system JSON and the organisation's package_checker_params, laid out as in the results
    repository (no division folder). Origin: tests/fixtures/fidelity/README.md."""
    shutil.copytree(FIXTURES / "fidelity" / "trees" / "hpc3.0-throughput", dest)
    return dest
