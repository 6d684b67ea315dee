"""Fidelity of mlperf-audit on a published MLPerf Mobile results repository, result by result.

There is no official checker for Mobile: what a round published is the reference. Given a
materialised results repository (``bench/fidelity/materialise.py``), this runs mlperf-audit on
it once (no ``--suite``, no ``--round``: both detected, and the detected round must be the one
given), then reads every result file of the repository itself with the standard ``json``
module (not through our parser) and compares, benchmark by benchmark:

- our row's value with the published throughput (``performance_run.throughput``; the 2.0
  app's ``score``), equal to 1e-9 relative;
- our row's accuracy with the published accuracy (``accuracy_run.accuracy.normalized``; the
  2.0 app's text), to the 4 decimals the row shows;
- our verdict (``pass``: the row passed) with the publication (every published result was
  accepted), listing our error codes for each difference;

and the system folders with LoadGen runs but no result file (published without one).

mlperf-audit runs on a private copy (``OUT/tree``, hard links where possible) in which each
file the snapshot lacks (``.absent.tsv``: files of 4 MiB and more, e.g. the parts of a split
accuracy log) is an empty file of its name: the published repository has them, and the rules
only ask that they be there (their content is not read).

    python bench/fidelity/mobile.py /tmp/fid/mobile-5.0 --round 5.0 --out /tmp/mobile-fid/5.0

Writes ``OUT/results.tsv`` and ``OUT/summary.md`` and prints the counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
RESULT_NAMES = ("result.json", "results.json")
_NUMBER = re.compile(r"[-+]?\d+\.?\d*")


def published(root: Path) -> dict[tuple[str, str], tuple[float | None, float | None, str]]:
    """(result folder relative to root, benchmark_id) -> (value, accuracy text number, accuracy text)."""
    found: dict[tuple[str, str], tuple[float | None, float | None, str]] = {}
    for path in sorted(root.rglob("*.json")):
        if path.name not in RESULT_NAMES or "results" not in path.parts or path.is_symlink():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        folder = str(path.parent.relative_to(root))
        if isinstance(data, list) and data and isinstance(data[0], dict) and "results" in data[0]:
            data = data[0]
        if isinstance(data, dict):
            for item in data["results"]:
                perf = item.get("performance_run") or {}
                raw = perf.get("throughput")
                value = raw.get("value") if isinstance(raw, dict) else raw
                acc = (item.get("accuracy_run") or {}).get("accuracy") or {}
                text = str(acc.get("formatted", acc.get("string", "")))
                number = acc.get("normalized", acc.get("value"))
                found[(folder, item["benchmark_id"])] = (value, number, text)
        else:
            for record in data:
                key = (folder, record["benchmark_id"])
                value, number, text = found.get(key, (None, None, ""))
                if "accuracy" in record["mode"]:
                    text = record["accuracy"]
                else:
                    value = float(record["score"])
                found[key] = (value, number, text)
    return found


def run_ours(root: Path, out: Path) -> dict[str, Any]:
    target = out / "ours.json"
    command = [sys.executable, "-m", "compliance", "check", str(root), "--format", "json", "--output", str(target)]
    subprocess.run(command, cwd=REPO, check=False, capture_output=True)
    return json.loads(target.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def private_copy(root: Path, out: Path) -> Path:
    """The repository as published: the snapshot, with its absent files as empty placeholders."""
    import shutil

    target = out / "tree"
    if target.exists():
        shutil.rmtree(target)

    def link(source: str, destination: str) -> None:
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    shutil.copytree(root, target, copy_function=link, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    absent = root / ".absent.tsv"
    if absent.is_file():
        for line in absent.read_text(encoding="utf-8").splitlines()[1:]:
            name = line.split("\t", 1)[0]
            placeholder = target / name
            if name and not placeholder.exists() and ".." not in Path(name).parts:
                placeholder.parent.mkdir(parents=True, exist_ok=True)
                placeholder.touch()
    return target


def compare(root: Path, round_name: str, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    tree = private_copy(root, out)
    ours = run_ours(tree, out)
    reference = published(root)
    prefix = str(tree).rstrip("/") + "/"
    errors: dict[str, list[str]] = {}
    for finding in ours["findings"]:
        if finding["severity"] == "error" and not finding.get("waived_by"):
            errors.setdefault(finding["subject"], []).append(finding["code"])
    rows = []
    for row in ours["results"]:
        folder, benchmark_id = row["path"][len(prefix):].rsplit("/", 1)
        value, number, text = reference.get((folder, benchmark_id), (None, None, ""))
        shown = row["accuracy"] or ""
        ours_accuracy = float(shown.split()[0]) if shown else None
        if number is None and text:
            match = _NUMBER.search(text)
            number = None if match is None else float(match.group(0))
            if number is not None and ("%" in text or not text.strip().endswith(("mAP", "mIoU"))):
                number /= 100.0
        rows.append(
            {
                "folder": folder, "benchmark_id": benchmark_id, "scenario": row["scenario"],
                "published_value": value, "our_value": row["value"],
                "value_agrees": value is not None and row["value"] is not None and abs(row["value"] - value) <= 1e-9 * abs(value),
                "published_accuracy": text, "our_accuracy": shown,
                "accuracy_agrees": number is not None and ours_accuracy is not None and abs(ours_accuracy - number) < 5.1e-5,
                "published": "pass", "ours": "pass" if row["passed"] else "fail",
                "our_errors": ",".join(sorted(set(errors.get(row["path"], [])))),
            }
        )
    systems = [s["path"][len(prefix):] for s in ours["subjects"] if s["kind"] == "mobile_system"]
    with open(out / "results.tsv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["folder"], delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    summary = {
        "round": ours["round"], "round_expected": round_name, "round_source": ours["round_source"],
        "results": len(rows), "published_in_reference": len(reference),
        "values_agree": sum(r["value_agrees"] for r in rows), "accuracies_agree": sum(r["accuracy_agrees"] for r in rows),
        "verdicts_agree": sum(r["ours"] == "pass" for r in rows),
        "systems_without_result_file": systems,
        "codes": sorted({c for codes in errors.values() for c in codes}),
    }
    lines = [f"# Mobile {round_name}", "", *(f"- {k}: {v}" for k, v in summary.items()), ""]
    lines += [f"- differs: {r['folder']}/{r['benchmark_id']} {r['ours']} {r['our_errors']}" for r in rows if r["ours"] != "pass"]
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--round", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    summary = compare(args.root, args.round, args.out)
    print(json.dumps(summary, indent=1))
    differences = summary["results"] - summary["verdicts_agree"] + summary["results"] - summary["values_agree"]
    print(f"{differences} differences (verdicts and values) on {summary['results']} results")
    return 0 if summary["round"] == args.round else 1


if __name__ == "__main__":
    raise SystemExit(main())
