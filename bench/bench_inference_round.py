#!/usr/bin/env python3
"""Benchmark mlperf-audit against the official submission checker on a whole Inference round.

In one run, on a materialised results repository (``bench/fidelity/materialise.py``):

1. a private copy of the repository is made as ``bench/fidelity/inference.py`` makes it
   (results whose files the snapshot lacks and ``--exclude`` folders left out), so both
   tools read the same tree;
2. ours on the whole copy, best of ``--repeat`` whole processes;
3. the official checker of a checkout of mlcommons/inference on the same copy, as the
   fidelity harness runs it (``--input COPY --version vX.Y --csv ...`` and the repository
   skip flags), from its ``tools/submission`` folder, ``--official-repeat`` times (it runs
   after ours: it may write into its input).

Every process is timed from spawn to exit and its peak RSS taken by the launcher of
``bench_training_log.py``; both tools cache compiled modules in the temporary folder, and
an untimed run of each fills the caches first. The verdicts are compared result by result by
``bench/fidelity/inference.py``, not here.
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
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "fidelity"))

from bench_training_log import best, note, run_measured, set_child_env  # noqa: E402
from inference import DEFAULT_OFFICIAL_FLAGS, _excluded_folders, absent_results, all_results, make_copy, official_command  # noqa: E402

# The official checkout each round was published with (docs/fidelity.md), where the fidelity
# runs keep them.
REFERENCE = {"5.1": "/tmp/inference-fid-official/e20506b2", "6.0": "/tmp/inference-fid-official/6d0cf9dc"}
EXCLUDE = {"6.0": ["open/Lattix"]}  # as docs/fidelity.md runs the round


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", type=Path, default=Path("/tmp/fid/inference-5.1"),
                    help="a materialised results repository (default /tmp/fid/inference-5.1)")
    ap.add_argument("--round", default="5.1", help="the round, e.g. 5.1")
    ap.add_argument("--official", type=Path, help="a checkout of mlcommons/inference (default: the round's reference commit under /tmp/inference-fid-official)")
    ap.add_argument("--exclude", action="append", default=None, help="a path (relative to the repository) left out of both runs")
    ap.add_argument("--copy", type=Path, help="an existing private copy to check instead of making one (e.g. a tree-* folder the "
                    "fidelity harness made under its --out: both tools then read it; the official checker may write into it)")
    ap.add_argument("--repeat", type=int, default=3, help="whole-process runs of ours (best taken)")
    ap.add_argument("--official-repeat", type=int, default=1, help="runs of the official checker (best taken)")
    ap.add_argument("--python", default=sys.executable, help="the interpreter for the official checker (it needs PyYAML from 6.0)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed for one process")
    ap.add_argument("--keep-temp", action="store_true", help="keep the temporary folder (the copy, the reports)")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the text")
    args = ap.parse_args(argv)
    args.python = shutil.which(args.python) or args.python  # the launcher spawns a path, not a name
    root = args.root.resolve()
    if not root.is_dir():
        raise SystemExit(f"{root} is not a folder (materialise a results repository first: bench/fidelity/materialise.py)")
    official = args.official or (Path(REFERENCE[args.round]) if args.round in REFERENCE else None)
    if official is None or not official.is_dir():
        raise SystemExit(f"no official checkout for round {args.round}: give --official CHECKOUT")
    exclude = args.exclude if args.exclude is not None else EXCLUDE.get(args.round, [])
    version = "v" + args.round.lstrip("v")

    scratch = Path(tempfile.mkdtemp(prefix="mlperf-audit-bench-inference-round-"))
    note(f"temporary folder: {scratch}")
    set_child_env("cache", str(scratch))
    result: dict = {}
    try:
        if args.copy is not None:
            copy = args.copy.resolve()
            note(f"checking the existing copy {copy}")
        else:
            copy = scratch / "tree"
            note(f"copying {root} (what the fidelity harness checks)")
            make_copy(root, copy, _excluded_folders(root, absent_results(root), exclude))
        results = len(all_results(copy))
        ours_argv = [sys.executable, "-m", "compliance", "check", str(copy), "--suite", "inference", "--round", args.round,
                     "--no-config", "--format", "json", "--output", str(scratch / "ours.json")]
        command, tools = official_command(official.resolve(), args.python, copy, version, scratch / "official.csv",
                                          list(DEFAULT_OFFICIAL_FLAGS), "auto")
        note(f"{results} results; warm-up run of ours")
        run_measured(ours_argv, str(scratch), str(scratch), "warm-ours", args.timeout)
        note(f"ours x{args.repeat}")
        result["ours"] = best([run_measured(ours_argv, str(scratch), str(scratch), "ours", args.timeout) for _ in range(args.repeat)])
        result["ours"]["argv"] = ours_argv
        note(f"official ({official.name}): warm-up, then x{args.official_repeat}")
        run_measured(command, str(tools), str(scratch), "warm-official", args.timeout)
        result["official"] = best([run_measured(command, str(tools), str(scratch), "official", args.timeout) for _ in range(args.official_repeat)])
        result["official"]["argv"] = command
    finally:
        if args.keep_temp:
            note(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    ours, theirs = result["ours"], result["official"]
    ratio = theirs["wall_s"] / ours["wall_s"] if ours["wall_s"] and theirs["wall_s"] else None
    cpu_ratio = theirs["cpu_s"] / ours["cpu_s"] if ours["cpu_s"] and theirs["cpu_s"] else None
    result["meta"] = {"root": str(root), "round": args.round, "results": results, "official": str(official), "exclude": exclude,
                      "python": platform.python_version(), "cpus": os.cpu_count(), "ratio": ratio, "cpu_ratio": cpu_ratio,
                      "load": os.getloadavg()}
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return 0
    print(f"inference {args.round}: {root} ({results} results{', without ' + ', '.join(exclude) if exclude else ''}); "
          f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print(f"  ours:     {ours['wall_s']:.2f} s (best of {args.repeat}), CPU {ours['cpu_s']:.2f} s, peak RSS {ours['peak_rss_mib']:.0f} MiB, "
          f"exit {ours['exit_codes']}")
    print(f"  official: {theirs['wall_s']:.2f} s (best of {args.official_repeat}, {official.name}), CPU {theirs['cpu_s']:.2f} s, "
          f"peak RSS {theirs['peak_rss_mib']:.0f} MiB, exit {theirs['exit_codes']}")
    print(f"  ratio:    {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU" if ratio and cpu_ratio else "  ratio:    -")
    print("  load average at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
