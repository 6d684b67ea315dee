"""Peak memory and time of ``mlperf-audit check`` on hostile sizes: a 2 GB log of noise lines,
and 200 MB single lines in an MLLOG log and in a LoadGen detail log.

Each input is a real log (tests/fixtures) with the noise put in the middle, so
the check runs to a verdict. The inputs are written to a temporary folder
(about 2.5 GB; the free space is checked first) and deleted afterwards. Every
check runs in its own process under ``/usr/bin/time -v`` (Debian package
``time``), which gives the peak resident set size.

    python bench/bench_hostile_memory.py [--noise-gb 2] [--line-mb 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TRAINING_LOG = FIXTURES / "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt"
LOADGEN_RUN = FIXTURES / "inference/v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results/performance/run_1"
TIME = "/usr/bin/time"


def noise_block(size: int) -> bytes:
    """Lines of framework chatter (no MLLOG token), about ``size`` bytes."""
    line = b"[1,0]<stdout>:2025-10-08 12:00:00.000 INFO step 1234 loss=1.2345 lr=2.4e-05 throughput=9876.5 tokens/s\n"
    return line * (size // len(line))


def write_with_noise(target: Path, base: bytes, noise_bytes: int, single_line: bool) -> None:
    """The base log's first half, the noise, then its second half."""
    lines = base.split(b"\n")
    half = len(lines) // 2
    with open(target, "wb") as out:
        out.write(b"\n".join(lines[:half]) + b"\n")
        if single_line:
            chunk = b"x" * (1 << 20)
            for _ in range(noise_bytes >> 20):
                out.write(chunk)
            out.write(b"\n")
        else:
            block = noise_block(8 << 20)
            written = 0
            while written < noise_bytes:
                out.write(block)
                written += len(block)
        out.write(b"\n".join(lines[half:]))


def measure(label: str, args: list[str]) -> dict[str, str]:
    command = [TIME, "-v", sys.executable, "-m", "compliance", "check", *args, "--format", "json", "--output", os.devnull]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
    return {
        "input": label,
        "exit": str(proc.returncode),
        "peak_rss_mb": f"{int(peak.group(1)) / 1024:.0f}" if peak else "?",
        "wall": wall.group(1) if wall else "?",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--noise-gb", type=float, default=2.0, help="size of the noise log (default 2 GB)")
    parser.add_argument("--line-mb", type=int, default=200, help="length of the single line (default 200 MB)")
    parser.add_argument("--keep", metavar="DIR", help="write the inputs to DIR and keep them")
    args = parser.parse_args()
    if not os.path.exists(TIME):
        print(f"{TIME} is missing: apt-get install time", file=sys.stderr)
        return 2
    noise = int(args.noise_gb * 1000**3)
    line = args.line_mb * 1000**2
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    need = noise + 2 * line + (64 << 20)
    free = shutil.disk_usage(folder).free
    if free < need * 1.2:
        print(f"not enough space in {folder}: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed", file=sys.stderr)
        return 2
    try:
        base = TRAINING_LOG.read_bytes()
        noisy = folder / "noise" / "result_0.txt"
        long_line = folder / "line" / "result_0.txt"
        run = folder / "resnet50" / "MultiStream" / "performance" / "run_1"
        for path in (noisy.parent, long_line.parent, run):
            path.mkdir(parents=True, exist_ok=True)
        write_with_noise(noisy, base, noise, single_line=False)
        write_with_noise(long_line, base, line, single_line=True)
        write_with_noise(run / "mlperf_log_detail.txt", (LOADGEN_RUN / "mlperf_log_detail.txt").read_bytes(), line, single_line=True)
        shutil.copyfile(LOADGEN_RUN / "mlperf_log_summary.txt", run / "mlperf_log_summary.txt")
        rows = [
            measure(f"MLLOG log, {noisy.stat().st_size / 1e9:.2f} GB of noise lines", [str(noisy), "--suite", "training", "--round", "5.1"]),
            measure(f"MLLOG log with one {args.line_mb} MB line", [str(long_line), "--suite", "training", "--round", "5.1"]),
            measure(f"LoadGen detail log with one {args.line_mb} MB line", [str(run), "--suite", "inference", "--round", "5.1"]),
        ]
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print("| input | exit code | peak RSS | wall time |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['input']} | {row['exit']} | {row['peak_rss_mb']} MB | {row['wall']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
