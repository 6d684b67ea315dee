#!/usr/bin/env python3
"""Benchmark mlperf-audit against the official tools on a whole Training or HPC round.

In one run, on a materialised results repository (``bench/fidelity/materialise.py``):

* ours on the whole repository in one command, best of ``--repeat`` whole processes;
* ours on each organisation folder alone, best of ``--repeat`` per organisation, summed;
* the official tools on each organisation, as the round's verify script runs them: the
  package checker (with the organisation's ``package_checker_params``), then the result
  summarizer on the same private copy (``mlperf-logging`` in this Python), once each.

Every process is timed from spawn to exit and its peak RSS taken by the small launcher of
``bench_training_log.py`` (``ru_maxrss`` from ``wait4``). Both tools cache compiled modules
in the temporary folder (as an installed package has them); an untimed run of each on the
smallest organisation fills the caches first. Ours reads the repository in place (it never
writes); the official tools get a fresh private copy per organisation (the package checker
writes or deletes ``scaling.json``), made before their timed runs. The verdicts are compared
entry by entry by ``bench/fidelity/training.py``, not here.

Progress goes to standard error, the table (or ``--json``) to standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "fidelity"))

from bench_training_log import best, note, run_measured, set_child_env  # noqa: E402
from common import private_copy  # noqa: E402
from training import NOT_COPIED, organisations, verify_script_flags  # noqa: E402


def ours_argv(target: Path, args: argparse.Namespace, out: Path) -> list[str]:
    return [sys.executable, "-m", "compliance", "check", str(target), "--suite", args.suite, "--round", args.round,
            "--no-config", "--format", "json", "--output", str(out)]


def official_runs(root: Path, org: str, args: argparse.Namespace, scratch: Path, label: str) -> dict:
    """The package checker then the result summarizer on a fresh private copy of one organisation."""
    work = scratch / "official" / org
    private_copy(root / org, work / org, NOT_COPIED)
    ruleset = f"{args.round}.0"
    flags = verify_script_flags(root / org)
    out = scratch / "official-out" / org
    out.mkdir(parents=True, exist_ok=True)
    tools = {
        "package_checker": [args.python, "-m", "mlperf_logging.package_checker", org, args.suite, ruleset,
                            "--log_output", str(out / "package_checker.log"), *flags],
        "result_summarizer": [args.python, "-m", "mlperf_logging.result_summarizer", org, args.suite, ruleset,
                              "--csv", str(out / "summary.csv")],
    }
    done = {name: run_measured(argv, str(work), str(scratch), f"{label}-{name}", args.timeout) for name, argv in tools.items()}
    shutil.rmtree(work, ignore_errors=True)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", type=Path, default=Path("/tmp/fid/training-5.0"),
                    help="a materialised results repository, organisation folders at its top (default /tmp/fid/training-5.0)")
    ap.add_argument("--suite", default="training", choices=("training", "hpc"))
    ap.add_argument("--round", default="5.0", help="the round, e.g. 5.0 (the official tools get X.Y.0)")
    ap.add_argument("--repeat", type=int, default=3, help="whole-process runs of ours, whole and per organisation (best taken)")
    ap.add_argument("--orgs", help="comma-separated organisations (default: all)")
    ap.add_argument("--no-official", action="store_true", help="time ours only")
    ap.add_argument("--python", default=sys.executable, help="the interpreter with mlperf-logging for the official tools")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed for one process")
    ap.add_argument("--keep-temp", action="store_true", help="keep the temporary folder (reports, copies' outputs)")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    args = ap.parse_args(argv)
    args.python = shutil.which(args.python) or args.python  # the launcher spawns a path, not a name
    root = args.root.resolve()
    if not root.is_dir():
        raise SystemExit(f"{root} is not a folder (materialise a results repository first: bench/fidelity/materialise.py)")
    orgs = organisations(root)
    if args.orgs:
        wanted = [o.strip() for o in args.orgs.split(",") if o.strip()]
        orgs = [o for o in orgs if o in wanted]
    orgs = [o for o in orgs if (root / o / "results").is_dir()]
    if not orgs:
        raise SystemExit(f"no organisation with results/ in {root}")

    scratch = Path(tempfile.mkdtemp(prefix="mlperf-audit-bench-round-"))
    note(f"temporary folder: {scratch}")
    set_child_env("cache", str(scratch))
    results: dict = {"orgs": {}}
    try:
        smallest = min(orgs, key=lambda o: sum(f.stat().st_size for f in (root / o).rglob("result_*.txt")))
        note(f"warm-up: each tool once on {smallest}")
        run_measured(ours_argv(root / smallest, args, scratch / "warm.json"), str(scratch), str(scratch), "warm", args.timeout)
        if not args.no_official:
            official_runs(root, smallest, args, scratch, "warm")
        note(f"ours on the whole repository, {args.repeat} run(s)")
        results["ours_whole"] = best([
            run_measured(ours_argv(root, args, scratch / "whole.json"), str(scratch), str(scratch), "whole", args.timeout)
            for _ in range(args.repeat)
        ])
        for org in orgs:
            note(f"{org}: ours x{args.repeat}" + ("" if args.no_official else ", official once"))
            row = {"ours": best([
                run_measured(ours_argv(root / org, args, scratch / f"{org}.json"), str(scratch), str(scratch), "org", args.timeout)
                for _ in range(args.repeat)
            ])}
            if not args.no_official:
                done = official_runs(root, org, args, scratch, "official")
                row["official"] = {
                    "wall_s": sum(r["wall_s"] or 0 for r in done.values()),
                    "cpu_s": sum((r.get("user_s") or 0) + (r.get("sys_s") or 0) for r in done.values()),
                    "peak_rss_mib": max((r.get("maxrss_kib") or 0) for r in done.values()) / 1024,
                    "tools": {name: {"wall_s": r["wall_s"], "peak_rss_mib": (r.get("maxrss_kib") or 0) / 1024, "exit_code": r.get("exit_code")}
                              for name, r in done.items()},
                }
            results["orgs"][org] = row
    finally:
        if args.keep_temp:
            note(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    rows = results["orgs"]
    ours_org_total = sum(r["ours"]["wall_s"] or 0 for r in rows.values())
    official_total = sum(r["official"]["wall_s"] for r in rows.values()) if not args.no_official else None
    results["totals"] = {
        "ours_whole_s": results["ours_whole"]["wall_s"],
        "ours_whole_cpu_s": results["ours_whole"]["cpu_s"],
        "ours_org_by_org_cpu_s": sum(r["ours"]["cpu_s"] or 0 for r in rows.values()),
        "official_org_by_org_cpu_s": sum(r["official"]["cpu_s"] for r in rows.values()) if not args.no_official else None,
        "ours_org_by_org_s": ours_org_total,
        "official_org_by_org_s": official_total,
        "ratio_whole": official_total / results["ours_whole"]["wall_s"] if official_total else None,
        "ratio_org_by_org": official_total / ours_org_total if official_total else None,
        "ours_peak_rss_mib": max([results["ours_whole"]["peak_rss_mib"], *(r["ours"]["peak_rss_mib"] for r in rows.values())]),
        "official_peak_rss_mib": max(r["official"]["peak_rss_mib"] for r in rows.values()) if not args.no_official else None,
    }
    results["meta"] = {
        "root": str(root), "suite": args.suite, "round": args.round, "repeat": args.repeat, "orgs": len(rows),
        "python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg(),
    }
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    t = results["totals"]
    print(f"{args.suite} {args.round}: {root} ({len(rows)} organisations); Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print()
    print(f"{'organisation':28} {'ours s':>8} {'official s':>11} {'ratio':>7} {'ours RSS MiB':>13} {'official RSS MiB':>17}")
    for org, r in rows.items():
        off = r.get("official")
        ratio = off["wall_s"] / r["ours"]["wall_s"] if off and r["ours"]["wall_s"] else None
        print(f"{org:28} {r['ours']['wall_s']:8.3f} {off['wall_s'] if off else float('nan'):11.1f} "
              f"{(f'{ratio:.0f}x' if ratio else '-'):>7} {r['ours']['peak_rss_mib']:13.1f} "
              f"{off['peak_rss_mib'] if off else float('nan'):17.1f}")
    print()
    print(f"ours, whole repository in one command: {t['ours_whole_s']:.2f} s, peak RSS {results['ours_whole']['peak_rss_mib']:.0f} MiB")
    print(f"ours, organisation by organisation:    {t['ours_org_by_org_s']:.2f} s")
    if official_total is not None:
        print(f"official, organisation by organisation (package_checker + result_summarizer): {official_total:.1f} s, "
              f"peak RSS {t['official_peak_rss_mib']:.0f} MiB")
        print(f"ratio per organisation (sum): {t['ratio_org_by_org']:.1f}x; whole repository in one command: {t['ratio_whole']:.1f}x")
        print(f"CPU (user + system): ours whole {t['ours_whole_cpu_s']:.2f} s, ours org by org {t['ours_org_by_org_cpu_s']:.2f} s, "
              f"official {t['official_org_by_org_cpu_s']:.1f} s: {t['official_org_by_org_cpu_s'] / t['ours_whole_cpu_s']:.0f}x whole, "
              f"{t['official_org_by_org_cpu_s'] / t['ours_org_by_org_cpu_s']:.1f}x org by org")
    print(f"(ours: best of {args.repeat} whole processes each; official: one run each; "
          "load average at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
