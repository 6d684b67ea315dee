"""Fidelity of mlperf-audit against the official MLPerf Tiny submission checker, result by result.

Given a materialised Tiny results repository (``bench/fidelity/materialise.py``), its round and
the official checker's verdicts on it (a TSV: ``checker``, ``result_path``, ``verdict``,
``reported_value``, ``error_lines``, ``first_error_or_crash``; the committed ones are in
``tests/fixtures/tiny/official/``, made by running mlcommons/tiny ``tools/submission/
submission_checker.py`` on a private copy of the repository, see their README), this runs
mlperf-audit on the whole repository and writes ``OUT/results.tsv`` (one row per result: both
verdicts, both values, our error codes, the official first error) and ``OUT/summary.md`` (the
agreement table and every difference), and prints the number of differences.

    python bench/fidelity/tiny.py /tmp/fid/tiny-1.3 --round 1.3 \\
        --official tests/fixtures/tiny/official/tiny-1.3-official.tsv --checker head --out /tmp/tiny-fid-1.3

Official verdicts: ``Results`` is a pass; ``NoResults`` (the result, or its system folder) a
fail; ``not-listed`` (the checker raised on the result and dropped it from both lists) a fail
that it never reported; ``CRASH`` no verdict. Ours: a result passes when every row of it
passes (a blocking finding about its system or organisation fails it too).

The official checker always exits 0, whatever it finds; mlperf-audit's exit code follows the
findings (1 when a result fails).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import md_table, ours, write_tsv  # noqa: E402

OFFICIAL_PASS = "Results"


def official_verdicts(path: Path, checker: str) -> dict[str, tuple[str, str, str]]:
    """result path -> (verdict, reported value, first error) for the checker named ``checker``."""
    found: dict[str, tuple[str, str, str]] = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["checker"].split(" ", 1)[0] != checker:
                continue
            found[row["result_path"]] = (row["verdict"], row["reported_value"], row.get("first_error_or_crash", ""))
    return found


def our_verdicts(report: dict, root: str) -> dict[str, dict]:
    """result path (relative to the repository) -> its verdict, value and error codes."""
    prefix = root.rstrip("/") + "/"
    results: dict[str, dict] = {}
    for row in report["results"]:
        rel = row["path"][len(prefix):] if row["path"].startswith(prefix) else row["path"]
        entry = results.setdefault(rel, {"passed": True, "value": None, "energy": None, "codes": set()})
        entry["passed"] = entry["passed"] and row["passed"]
        if row["scenario"] == "performance":
            entry["value"] = row["value"]
        elif row["scenario"] == "energy":
            entry["energy"] = row["value"]
    for finding in report["findings"]:
        if finding["severity"] != "error" or finding.get("waived_by"):
            continue
        place = finding["location"]["path"]
        rel = place[len(prefix):] if place.startswith(prefix) else place
        for path, entry in results.items():
            system_file = path.split("/results/")[0] + "/systems/" + path.split("/results/")[1].split("/")[0] + ".json" if "/results/" in path else ""
            if rel == path or rel.startswith(path + "/") or rel == system_file:
                entry["codes"].add(finding["code"])
    return results


def _same(official: str, mine: object) -> bool:
    """The official checker prints values with 6 decimals."""
    return isinstance(mine, (int, float)) and abs(float(official) - float(mine)) <= 5e-7 + 1e-12 * abs(float(mine))


def category(official: str, passed: bool) -> str:
    if official == "CRASH":
        return "official crashed" + (", ours pass" if passed else ", ours fail")
    if official == OFFICIAL_PASS:
        return "both pass" if passed else "ours fail, official pass"
    if official == "not-listed":
        return "official dropped it silently" + (", ours pass" if passed else ", ours fail")
    return "ours pass, official fail" if passed else "both fail"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("root", type=Path, help="a materialised tiny_results_v<round> repository")
    parser.add_argument("--round", required=True)
    parser.add_argument("--official", type=Path, required=True, help="the official checker's verdicts (TSV)")
    parser.add_argument("--checker", default="head", help="which checker's rows of the TSV (its first word: head, 4b503b8, d3f7e57)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    root = str(args.root.resolve())
    report = ours(Path(root), "tiny", args.round, args.out / "ours.json")
    mine = our_verdicts(report, root)
    theirs = official_verdicts(args.official, args.checker)
    rows = []
    for path in sorted(set(mine) | set(theirs)):
        verdict, value, error = theirs.get(path, ("absent", "", ""))
        entry = mine.get(path, {"passed": None, "value": None, "energy": None, "codes": set()})
        value, _, power = value.partition(" with power_metric = ")
        rows.append(
            {
                "result": path,
                "official": verdict,
                "official_value": value,
                "ours": "absent" if entry["passed"] is None else ("pass" if entry["passed"] else "fail"),
                "our_value": entry["value"],
                "official_power": power,
                "our_energy": entry["energy"],
                "our_errors": ",".join(sorted(entry["codes"])),
                "category": category(verdict, bool(entry["passed"])) if entry["passed"] is not None else "ours: no such result",
                "official_first_error": error,
            }
        )
    columns = ["result", "official", "official_value", "ours", "our_value", "official_power", "our_energy", "our_errors", "category", "official_first_error"]
    write_tsv(args.out / "results.tsv", columns, rows)
    counts = Counter(r["category"] for r in rows)
    same = counts["both pass"] + counts["both fail"]
    values = [r for r in rows if r["official"] == OFFICIAL_PASS and r["official_value"] and r["our_value"] is not None]
    value_diff = [r for r in values if not _same(r["official_value"], r["our_value"]) or (r["official_power"] and not _same(r["official_power"], r["our_energy"]))]
    differences = [r for r in rows if r["category"] not in ("both pass", "both fail")]
    by_codes: dict[str, list[str]] = defaultdict(list)
    for r in differences:
        by_codes[f"{r['category']} ({r['our_errors'] or 'no error'})"].append(r["result"])
    lines = [
        f"# Tiny {args.round}: mlperf-audit vs the official checker ({args.checker})",
        "",
        f"{len(rows)} results; same verdict: {same}; differences: {len(differences)}; "
        f"values compared (throughput, and energy or power where the checker reads it): {len(values)}, different: {len(value_diff)}.",
        "",
        md_table(["category", "results"], sorted(counts.items())),
        "",
        "## Differences",
        "",
    ]
    for what, paths in sorted(by_codes.items()):
        lines.append(f"- {what}: {len(paths)}")
        lines.extend(f"  - {p}" for p in paths)
    if value_diff:
        lines += ["", "## Value differences", ""]
        lines.extend(f"- {r['result']}: official {r['official_value']} / {r['official_power']}, ours {r['our_value']} / {r['our_energy']}" for r in value_diff)
    (args.out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"tiny {args.round}: {len(rows)} results, {same} same verdict, {len(differences)} differences, {len(value_diff)} value differences")
    for what, paths in sorted(by_codes.items()):
        print(f"  {what}: {len(paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
