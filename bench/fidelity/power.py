"""Fidelity of mlperf-audit's power checks against the Power WG checker and the published power values.

Given a materialised inference results repository (``bench/fidelity/materialise.py``),
its round and the Power WG checker's verdict on each power result (a TSV the
user made by running ``check(path)`` of the round's ``power_checker.py`` on a
private copy of each ``performance/`` folder: columns ``result_perf_dir``,
``exit_code``, ``failed_checks``, ``warned_checks``), this

1. finds every power result (``<division>/<org>/results/<system>/<model>/<scenario>/performance/power/``);
2. runs mlperf-audit once on each organisation folder that has one (the tree is
   only read; ``--format json``);
3. writes ``OUT/power.tsv``: one row per power result with the Power WG verdict
   and its failed and warned checks, our power verdict (no IPW error on the
   result) and IPW codes, our power metric and unit, and the published one
   (``summary_results.json`` ``Power_Result``/``Power_Units`` when the
   repository has it; else ``--recomputed``: a TSV of an independent
   recomputation, columns ``result``, ``avg_watts``, ``mJ_per_query``), and
   ``OUT/summary.md``; and prints the number of differences.

    python bench/fidelity/power.py /tmp/fid/inference-5.1 --round 5.1 \\
        --official /work/notes/suites/power-inference-5.1-official.tsv --out /tmp/power-fid/5.1

The official checker's code is never part of this repository. A result whose
needed files the snapshot lacks (``.absent.tsv``) is listed as ``left out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, absent_paths  # noqa: E402

MAX_DEPTH = 7  # <division>/<org>/results/<system>/<model>/<scenario>/performance
RELATIVE_TOLERANCE = 1e-10  # summary_results.json publishes the power metric rounded to 10 decimals


def power_results(root: Path) -> list[str]:
    """Every scenario result (relative to ``root``) that has ``performance/power/``."""
    found = []
    for dirpath, dirnames, _ in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        depth = 0 if rel == "." else rel.count(os.sep) + 1
        if depth >= MAX_DEPTH:
            dirnames[:] = []
        parts = rel.split(os.sep)
        if depth == MAX_DEPTH - 1 and len(parts) > 2 and parts[2] == "results":
            if os.path.isdir(os.path.join(dirpath, "performance", "power")):
                found.append(rel.replace(os.sep, "/"))
            dirnames[:] = []
    return sorted(found)


def run_ours(root: Path, org: str, round_name: str, out: Path) -> dict[str, Any]:
    target = out / f"ours-{org.replace('/', '_')}.json"
    command = [sys.executable, "-m", "compliance", "check", str(root / org), "--suite", "inference", "--round", round_name]
    command += ["--format", "json", "--output", str(target), "--no-config"]
    subprocess.run(command, cwd=REPO, check=False, capture_output=True)
    report: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return report


def official(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {row["result_perf_dir"].removesuffix("/performance"): row for row in rows}


def published(root: Path, recomputed: Path | None) -> dict[str, tuple[float, str]]:
    summary = root / "summary_results.json"
    if summary.is_file():
        rows = json.loads(summary.read_text(encoding="utf-8"))
        return {r["Location"]: (float(r["Power_Result"]), str(r["Power_Units"])) for r in rows if r.get("has_power")}
    found: dict[str, tuple[float, str]] = {}
    if recomputed is not None:
        with recomputed.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row.get("mJ_per_query"):
                    found[row["result"]] = (float(row["mJ_per_query"]), "millijoules (recomputed)")
                elif row.get("avg_watts"):
                    found[row["result"]] = (float(row["avg_watts"]), "Watts (recomputed)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repository", type=Path)
    parser.add_argument("--round", required=True)
    parser.add_argument("--official", type=Path, required=True, help="the Power WG checker's verdicts (TSV)")
    parser.add_argument("--recomputed", type=Path, help="published values when the repository has no summary_results.json")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    root: Path = args.repository
    args.out.mkdir(parents=True, exist_ok=True)
    results = power_results(root)
    absent = absent_paths(root)
    theirs = official(args.official)
    values = published(root, args.recomputed)
    reports = {org: run_ours(root, org, args.round, args.out) for org in sorted({"/".join(r.split("/")[:2]) for r in results})}
    rows = []
    for result in results:
        org = "/".join(result.split("/")[:2])
        report = reports[org]
        subject = next((s["path"] for s in report["subjects"] if s["path"].endswith("/" + result.split("/", 2)[2])), None)
        row = next((r for r in report["results"] if r["path"] == subject), None)
        mine = [f for f in report["findings"] if f["subject"] == subject and f["code"].startswith("IPW")]
        errors = sorted({f["code"] for f in mine if f["severity"] == "error" and not f.get("waived_by")})
        others = sorted({f["code"] for f in mine if f["severity"] != "error"})
        lacking = [a for a in absent if a.startswith(result + "/")]
        official_row = theirs.get(result, {})
        official_verdict = {"0": "pass", "1": "fail"}.get(official_row.get("exit_code", ""), "none")
        ours_verdict = "fail" if errors else "pass"
        value = row.get("power_value") if row else None
        unit = row.get("power_unit") if row else None
        expected = values.get(result)
        agree_value = ""
        if expected is not None and value is not None:
            agree_value = "equal" if abs(value - expected[0]) <= RELATIVE_TOLERANCE * abs(expected[0]) else f"{value / expected[0] - 1:+.3g}"
        state = "left out" if lacking else ("agree" if official_verdict == ours_verdict else "differ")
        rows.append(
            {
                "result": result,
                "state": state,
                "official": official_verdict,
                "official_failed": official_row.get("failed_checks", ""),
                "official_warned": official_row.get("warned_checks", ""),
                "ours": ours_verdict,
                "our_errors": ",".join(errors),
                "our_notes": ",".join(others),
                "power": "" if value is None else repr(value),
                "unit": unit or "",
                "published": "" if expected is None else repr(expected[0]),
                "published_unit": "" if expected is None else expected[1],
                "value": agree_value,
                "snapshot_absent": ",".join(a[len(result) + 1 :] for a in lacking),
            }
        )
    with (args.out / "power.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["result"], delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    compared = [r for r in rows if r["state"] != "left out"]
    differ = [r for r in compared if r["state"] == "differ"]
    values_equal = sum(1 for r in compared if r["value"] == "equal")
    values_known = sum(1 for r in compared if r["value"])
    lines = [
        f"# Power fidelity, inference {args.round}",
        "",
        f"power results: {len(rows)}; compared: {len(compared)}; left out (snapshot): {len(rows) - len(compared)}",
        f"Power WG pass / ours pass: {sum(r['official'] == 'pass' for r in compared)} / {sum(r['ours'] == 'pass' for r in compared)}",
        f"differences: {len(differ)}",
        f"power values equal to the published ones (relative 1e-10): {values_equal} of {values_known}",
        "",
    ]
    lines += [f"- differ: {r['result']} (official {r['official']}, ours {r['ours']} {r['our_errors']})" for r in differ]
    lines += [f"- left out: {r['result']} (absent: {r['snapshot_absent']}; ours {r['ours']} {r['our_errors']})" for r in rows if r["state"] == "left out"]
    lines += [f"- value: {r['result']}: ours {r['power']} {r['unit']}, published {r['published']} {r['published_unit']}" for r in compared if r["value"] not in ("", "equal")]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
