#!/usr/bin/env python3
"""Time mlperf-audit's whole-tree MLPerf Inference audit on a large tree of real files.

The script builds, in a temporary folder, one submission tree of ``--results`` scenario
results (default 1000). It rebuilds the corpus's scenario results of ``--round`` at their
official paths (``../shared/corpus``, via ``tests/support/inference_trees.py``), then copies them
again and again under new system names (``<system>_copyNNN``: the system folders,
``systems/<system>.json`` and system-named measurement JSONs are renamed; the official layout
is kept). Files are hard links where the file system allows, so the tree costs little disk.

It then times, as a whole process::

    python -m compliance check <tree> --suite inference --round <round> --format json --output <file>

and prints its wall time and peak RSS (``ru_maxrss`` of the process, read by the small
launcher of ``bench_training_log.py``), next to the official checker's published figure:
21.1-28.1 s for the whole v5.1 round (1,437 scenario results, 2.2 GB), from
``../shared/reference/inference.md`` section 10. The official checker is not on PyPI, so it
is not run here; the ratio is per scenario result.

Before the timed runs, one untimed run checks a single performance run of the tree
(``... check <...>/performance/run_1 --suite inference --round <round>``): it compiles our
modules into the cache and shows the tree is readable even where the whole-tree audit is not
there yet (then the timed command stops with a usage error, and the script says so).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [HERE, REPO]

from bench_training_log import note, run_measured, set_child_env, verdict  # noqa: E402

from tests.support.inference_trees import CORPUS, copy_case, rebuild_inference_trees  # noqa: E402

MB = 1_000_000
MIB = 1 << 20
ROUNDS = ("5.1", "4.1")  # the corpus rounds with scenario results to copy
OFFICIAL = {
    "tool": "mlcommons/inference submission_checker (new package, HEAD b66003e1)",
    "tree": "inference_results_v5.1 @965182b0 without the rgat folders",
    "results": 1437,
    "size": "2.2 GB, 53,771 files, 3,254 detail logs",
    "wall_s": (21.1, 28.1),  # CI skip flags .. all checks on
    "rss_mb": (238, 240),
    "machine": "2 cores, Python 3.11",
    "source": "../shared/reference/inference.md, section 10",
}


def build_tree(corpus_round: str, results: int, scratch: str) -> dict:
    """The big tree: the round's corpus cases, copied round-robin under new system names."""
    cases = rebuild_inference_trees(
        os.path.join(scratch, "corpus"), rounds=(f"v{corpus_round}",), corpus=CORPUS, link=True
    )
    if not cases:
        raise SystemExit(f"no scenario results of round {corpus_round} in {CORPUS}")
    tree = os.path.join(scratch, "tree")
    made = []
    copy = 0
    while len(made) < results:
        for case in cases[: results - len(made)]:
            system = case.system if copy == 0 else f"{case.system}_copy{copy:03d}"
            made.append(copy_case(case, tree, system, link=True))
        copy += 1
    files = sizes = 0
    for folder, _, names in os.walk(tree):
        for name in names:
            files += 1
            sizes += os.path.getsize(os.path.join(folder, name))
    run = made[0].results_dir / "performance" / "run_1"
    return {
        "root": tree,
        "cases": len(cases),
        "copies": copy,
        "results": len(made),
        "systems": len({(c.division, c.org, c.system) for c in made}),
        "files": files,
        "bytes": sizes,
        "sample_run": str(run),
    }


def ours_argv(path: str, round_name: str, output: str | None) -> list[str]:
    argv = [sys.executable, "-m", "compliance", "check", path, "--suite", "inference", "--round", round_name]
    if output is not None:
        argv += ["--format", "json", "--output", output]
    return argv


def report_summary(path: str) -> dict | None:
    """Counts from our JSON report, when the run wrote one."""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
    except (OSError, ValueError):
        return None
    findings = report.get("findings", [])
    return {
        "findings": len(findings),
        "errors": sum(1 for f in findings if f.get("severity") == "error"),
        "codes": sorted({f.get("code") for f in findings}),
    }


def compare(wall_s: float, results: int) -> dict:
    ours_ms = wall_s * 1000 / results
    official_ms = [s * 1000 / OFFICIAL["results"] for s in OFFICIAL["wall_s"]]
    return {"ours_ms_per_result": ours_ms, "official_ms_per_result": official_ms,
            "speedup": [ms / ours_ms for ms in official_ms]}


def measured(result: dict) -> str:
    if result["wall_s"] is None:
        return "timed out"
    return (f"wall {result['wall_s']:.2f} s, peak RSS {result['maxrss_kib'] / 1024:.1f} MiB, "
            f"exit {result['exit_code']} ({verdict(result['exit_code'])})")


def print_text(meta: dict, tree: dict, single: dict, timed: list[dict], whole: dict | None) -> None:
    print(f"round {meta['round']}: {tree['results']} scenario results ({tree['cases']} corpus cases, "
          f"{tree['copies']} copies, {tree['systems']} systems), {tree['files']:,} files, "
          f"{tree['bytes'] / MB:.1f} MB, built in {tree['build_s']:.1f} s")
    print(f"single run: python {' '.join(single['argv'][1:])}")
    print(f"  {measured(single)}")
    print(f"whole tree: python {' '.join(timed[0]['argv'][1:])}")
    best = min(timed, key=lambda r: r["wall_s"] if r["wall_s"] is not None else float("inf"))
    if whole is None:
        print(f"  no verdict ({measured(best)}): the whole-tree audit is missing or failed")
        tail = best.get("stderr_tail", "").strip().splitlines()
        if tail:
            print(f"  it said: {tail[-1][:300]}")
    else:
        walls = [r["wall_s"] for r in timed]
        print(f"  {measured(best)}, best of {len(walls)} (median {statistics.median(walls):.2f} s), "
              f"{whole['ours_ms_per_result']:.2f} ms per result")
        if best.get("report"):
            report = best["report"]
            print(f"  report: {report['findings']} findings ({report['errors']} errors), codes "
                  f"{', '.join(map(str, report['codes'][:12]))}{' ...' if len(report['codes']) > 12 else ''}")
    low, high = OFFICIAL["wall_s"]
    print(f"official:   {low}-{high} s for {OFFICIAL['results']:,} results ({OFFICIAL['size']}), "
          f"{low * 1000 / OFFICIAL['results']:.1f}-{high * 1000 / OFFICIAL['results']:.1f} ms per result, "
          f"{OFFICIAL['rss_mb'][0]}-{OFFICIAL['rss_mb'][1]} MB RSS")
    print(f"  published figure, not run here (not on PyPI): {OFFICIAL['tool']} on {OFFICIAL['tree']}, "
          f"{OFFICIAL['machine']}; source {OFFICIAL['source']}")
    if whole is not None:
        fast, slow = whole["speedup"]
        print(f"ratio:      official / ours per result: {fast:.1f}x-{slow:.1f}x")
    for message in meta["notes"]:
        print(f"note: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=1000, help="scenario results in the tree (default 1000)")
    parser.add_argument("--round", default="5.1", choices=ROUNDS,
                        help="corpus round to copy, and the round our tool is told (default 5.1)")
    parser.add_argument("--repeat", type=int, default=1, help="timed whole-tree runs (default 1)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run (default 900)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (tree, report, output)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the text")
    args = parser.parse_args(argv)
    if args.results < 1 or args.repeat < 1:
        parser.error("--results and --repeat must be at least 1")
    if not CORPUS.is_dir():
        print(f"{CORPUS} is absent: this benchmark copies its real inference results", file=sys.stderr)
        return 2

    scratch = tempfile.mkdtemp(prefix="mlperf-audit-bench-inference-")
    note(f"temporary folder: {scratch}")
    set_child_env("cache", scratch)
    notes: list[str] = []
    try:
        started = time.perf_counter()
        tree = build_tree(args.round, args.results, scratch)
        tree["build_s"] = time.perf_counter() - started
        note(f"built {tree['results']} scenario results, {tree['files']} files, {tree['bytes'] / MB:.1f} MB")
        single_argv = ours_argv(tree["sample_run"], args.round, None)
        single = run_measured(single_argv, scratch, scratch, "single-run", args.timeout)
        single["argv"] = single_argv
        timed = []
        for index in range(args.repeat):
            output = os.path.join(scratch, f"report-{index}.json")
            whole_argv = ours_argv(tree["root"], args.round, output)
            note(f"whole-tree run {index + 1} of {args.repeat}")
            result = run_measured(whole_argv, scratch, scratch, f"whole-tree-{index}", args.timeout)
            result["argv"] = whole_argv
            result["report"] = report_summary(output)
            timed.append(result)
            if result["exit_code"] not in (0, 1):
                break
        whole = None
        if all(r["exit_code"] in (0, 1) for r in timed):
            whole = compare(min(r["wall_s"] for r in timed), tree["results"])
        else:
            notes.append("no verdict from the whole-tree command: only the single-run check was measured")
        if single["exit_code"] not in (0, 1):
            notes.append(f"the single-run check gave no verdict either: {single.get('stderr_tail', '')[-300:]}")
    finally:
        if args.keep:
            note(f"kept {scratch}")
        else:
            note("removing the temporary folder (slow where the file system discards freed blocks)")
            shutil.rmtree(scratch, ignore_errors=True)

    meta = {
        "round": args.round,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "official": OFFICIAL,
        "notes": notes,
        "temp_dir": scratch if args.keep else None,
    }
    if args.json:
        json.dump({"meta": meta, "tree": tree, "single_run": single, "whole_tree": timed, "comparison": whole},
                  sys.stdout, indent=2)
        print()
    else:
        print_text(meta, tree, single, timed, whole)
    return 0 if whole is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
