#!/usr/bin/env python3
"""Benchmark mlperf-audit against the official MLPerf compliance checker.

For each input log this script, in one run:

* times ``python -m compliance check`` (ours) and
  ``python -m mlperf_logging.compliance_checker`` (official) as whole
  processes, best and median wall time over N repeats;
* records each child's peak RSS (``ru_maxrss`` from ``wait4``, taken inside a
  small launcher process so the figure is not inflated by this script's own
  memory: on Linux a child inherits its parent's RSS high-water mark across
  fork/exec);
* checks that both tools give the same verdict (exit code 0 = pass, 1 = fail);
* times our in-process parser (``compliance.parsers.mllog.parse_mllog``) on the
  same file and reports MB/s.

Inputs (``--inputs``, comma separated):

``real``       the 2.7 MB v4.1 NVIDIA gpt3 log from ``../shared/corpus`` (skipped
               with a note when ``../shared`` is absent);
``timed``      a ~``--size-mb`` MB log made of a real log's timed region: its first
               training block (blocks, evaluations) repeated, each copy a block later
               in time and counters, before the real blocks and the end of the run;
``synthetic``  a ~``--size-mb`` MB log made from a real log by adding
               ``tracked_stats`` progress records inside each training block, with
               times spread between the block's start and stop, so it still
               passes both checkers;
``mixed``      the same size, but every MLLOG record is followed by three
               non-MLLOG noise lines (framework progress output);
any path       an existing log file, checked with ``--suite``/``--round``.

Generated logs go to a temporary folder outside the repository, removed at
the end unless ``--keep-temp``. Progress goes to standard error; the table (or
with ``--json`` a JSON document) goes to standard output.

Sizes and throughputs use MB = 10**6 bytes; RSS is in MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
REAL_LOG_REL = "corpus/training/v4.1/NVIDIA/eos-dfw_n1452_ngc24.04_nemo/gpt3/result_0.txt"
REAL_LOG = os.path.join(SHARED, REAL_LOG_REL)
# Used as the seed of the synthetic logs when ../shared is not there.
FALLBACK_SOURCE = os.path.join(
    REPO, "tests/fixtures/corpus/training/v4.1/NVIDIA/eos_ngc24.09_pytorch/ssd/result_0.txt"
)
TOKEN = b":::MLLOG "
MB = 1_000_000
MIB = 1 << 20
LARGE_BYTES = 20 * MB  # inputs at least this big get the "large" repeat counts

# Runs inside its own small Python process: spawns the measured command, waits
# for it with wait4 and prints wall time and resource usage as JSON. Keeping the
# spawning process small matters: Linux carries the parent's RSS high-water
# mark into the child's ru_maxrss across fork/exec.
_LAUNCHER = r"""
import json, os, resource, sys, time
spec = json.loads(sys.argv[1])
os.chdir(spec["cwd"])
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
actions = [
    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, spec["stdout"], flags, 0o644),
    (os.POSIX_SPAWN_OPEN, 2, spec["stderr"], flags, 0o644),
]
# The launcher's own high-water mark (VmHWM of its current memory map) is the
# floor the child's ru_maxrss cannot go below; getrusage(RUSAGE_SELF) would
# also include what this launcher inherited from its parent.
floor_kib = 0
try:
    with open("/proc/self/status") as status_file:
        for status_line in status_file:
            if status_line.startswith("VmHWM:"):
                floor_kib = int(status_line.split()[1])
except OSError:
    floor_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
pid = os.posix_spawn(spec["argv"][0], spec["argv"], spec["env"], file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps({
    "wall_s": wall,
    "exit_code": os.waitstatus_to_exitcode(status),
    "maxrss_kib": usage.ru_maxrss,
    "launcher_maxrss_kib": floor_kib,
    "user_s": usage.ru_utime,
    "sys_s": usage.ru_stime,
}))
"""


def note(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Synthetic logs
# --------------------------------------------------------------------------

_NOISE = (
    "Epoch 0: : {pct}%|{bar}| {step}/57441 [{mins:02d}:{secs:02d}<1:02:11, reduced_train_loss={loss:.3f}, "
    "global_step={step}.0, consumed_samples={samples}.0, train_step_timing in s={dt:.3f}]",
    " [default0]:[NeMo I 2024-05-02 21:{mins:02d}:{secs:02d} nemo_logging:349] iteration {step}/57441 | "
    "consumed samples: {samples} | elapsed time per iteration (ms): {ms:.1f} | learning rate: 1.999E-05 | "
    "lm loss: {loss:.6E} | grad norm: 0.{gn} |",
    "[1,{rank}]<stderr>:[rank{rank}]:[W502 21:{mins:02d}:{secs:02d}.{ms3:03d}] Warning: grad strides do not match "
    "bucket view strides (function operator())",
)


def _noise_lines(rng: random.Random, step: int) -> bytes:
    out = []
    for template in _NOISE:
        pct = rng.randrange(0, 100)
        out.append(
            template.format(
                pct=pct,
                bar="\u2588" * (pct // 10) + " " * (10 - pct // 10),
                step=step,
                mins=rng.randrange(60),
                secs=rng.randrange(60),
                loss=2.6 + rng.random(),
                samples=step * 2904,
                dt=8.0 + rng.random(),
                ms=8000 + 1000 * rng.random(),
                ms3=rng.randrange(1000),
                gn=rng.randrange(10**6),
                rank=rng.randrange(1452 * 8),
            )
        )
    return ("\n".join(out) + "\n").encode("utf-8")


def _bulk_record(time_ms: int, step: int, rng: random.Random) -> bytes:
    return (
        ':::MLLOG {"namespace": "", "time_ms": %d, "event_type": "POINT_IN_TIME", "key": "tracked_stats", '
        '"value": {"throughput": %.6f, "train_step_time": %.6f}, '
        '"metadata": {"file": "/workspace/llm/custom_callbacks.py", "lineno": 303, "step": %d}}\n'
        % (time_ms, 350.0 + 10.0 * rng.random(), 8.0 + rng.random(), step)
    ).encode("ascii")


def _intervals(records: list[tuple[int, str, float]]) -> list[tuple[int, int, float, float]]:
    """(line index of start, line index of stop, start ms, stop ms) to fill.

    Training blocks if the log has them, else epochs, else the whole run.
    """
    for start_key, stop_key in (("block_start", "block_stop"), ("epoch_start", "epoch_stop"), ("run_start", "run_stop")):
        found = []
        open_at: tuple[int, float] | None = None
        for index, key, time_ms in records:
            if key == start_key:
                open_at = (index, time_ms)
            elif key == stop_key and open_at is not None:
                if time_ms >= open_at[1]:
                    found.append((open_at[0], index, open_at[1], time_ms))
                open_at = None
        if found:
            return found
    raise SystemExit("cannot make a synthetic log: the source has no run_start/run_stop pair")


def make_synthetic(source: str, dest: str, size_bytes: int, noise: bool, seed: int = 41) -> dict:
    """Write a ~size_bytes log at dest from source; return what was written."""
    with open(source, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    records: list[tuple[int, str, float]] = []
    for index, line in enumerate(lines):
        at = line.find(TOKEN)
        if at < 0:
            continue
        try:
            obj = json.loads(line[at + len(TOKEN) :])
            records.append((index, obj["key"], float(obj["time_ms"])))
        except (ValueError, KeyError, TypeError):
            continue
    intervals = _intervals(records)
    rng = random.Random(seed)
    sample = _bulk_record(1714684958647, 100000, rng)
    per_bulk = len(sample)
    noise_len = len(_noise_lines(rng, 100000)) if noise else 0
    base = sum(len(line) for line in lines) + noise_len * len(records)
    wanted = max(0, (size_bytes - base) // (per_bulk + noise_len))
    per_interval, extra = divmod(wanted, len(intervals))
    plan = {start: (i, stop_ms) for i, (start, _stop, _t0, stop_ms) in enumerate(intervals)}
    starts = {start: t0 for start, _stop, t0, _t1 in intervals}
    is_record = {index for index, _k, _t in records}
    rng = random.Random(seed)
    step = 0
    written = 0
    bulk_total = 0
    with open(dest, "wb", buffering=1 << 20) as out:
        for index, line in enumerate(lines):
            chunk = [line]
            if noise and index in is_record:
                chunk.append(_noise_lines(rng, step))
            if index in plan:
                slot, stop_ms = plan[index]
                count = per_interval + (1 if slot < extra else 0)
                t0 = starts[index]
                span = stop_ms - t0
                for j in range(count):
                    step += 1
                    # Strictly inside [start, stop], never decreasing.
                    chunk.append(_bulk_record(int(t0 + span * (j + 1) / (count + 1)), step, rng))
                    if noise:
                        chunk.append(_noise_lines(rng, step))
                bulk_total += count
            data = b"".join(chunk)
            out.write(data)
            written += len(data)
    return {
        "source": source,
        "path": dest,
        "bytes": written,
        "records": len(records) + bulk_total,
        "added_records": bulk_total,
        "intervals": len(intervals),
        "noise_lines_per_record": 3 if noise else 0,
    }


CYCLE_KEYS = ("block_start", "epoch_start")  # a training block, else an epoch, opens a cycle of the timed region
COUNTERS = ("epoch_num", "first_epoch_num", "samples_count", "step_num")


def _read_records(lines: list[bytes]) -> list[tuple[int, dict]]:
    found = []
    for index, line in enumerate(lines):
        at = line.find(TOKEN)
        if at < 0:
            continue
        try:
            obj = json.loads(line[at + len(TOKEN) :])
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("key"), str):
            found.append((index, obj))
    return found


def _shifted(line: bytes, obj: dict | None, ms: float, deltas: dict[tuple[str, str], float], k: int, quality: dict | None) -> bytes:
    """A copy of one line of the cycle, ``k`` cycles later: time, counters (and the first
    evaluation's value for quality records) moved; a line without a record unchanged."""
    if obj is None:
        return line
    copy = json.loads(json.dumps(obj))
    copy["time_ms"] = obj["time_ms"] + k * ms
    metadata = copy.get("metadata")
    if isinstance(metadata, dict):
        for field in COUNTERS:
            delta = deltas.get((copy["key"], field))
            if delta is not None and isinstance(metadata.get(field), (int, float)):
                metadata[field] = metadata[field] + k * delta
    if quality is not None and copy["key"] in quality:
        copy["value"] = quality[copy["key"]]
    at = line.find(TOKEN)
    return line[:at] + TOKEN + json.dumps(copy).encode() + b"\n"


def make_timed(source: str, dest: str, size_bytes: int) -> dict:
    """A ~size_bytes log made of a real log's timed region: its first cycle (from the first
    block_start, else epoch_start, to the next) repeated before the real cycles, each copy moved
    one cycle later in time and in its epoch/sample counters, its evaluations logging the real
    first evaluation's value (which does not meet the target); the real cycles and the end of the
    run follow, moved after the copies. Non-record lines of the cycle are copied as they are."""
    with open(source, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    records = _read_records(lines)
    by_index = dict(records)
    start_key = next((k for k in CYCLE_KEYS if sum(1 for _, o in records if o["key"] == k) >= 3), None)
    if start_key is None:
        raise SystemExit("cannot make a timed-region log: the source has fewer than 3 block_start or epoch_start records")
    starts = [i for i, o in records if o["key"] == start_key]
    c0, c1, c2 = starts[0], starts[1], starts[2]
    first = [by_index[i] for i in range(c0, c1) if i in by_index]
    second = [by_index[i] for i in range(c1, c2) if i in by_index]
    period = by_index[c1]["time_ms"] - by_index[c0]["time_ms"]
    deltas: dict[tuple[str, str], float] = {}
    if [o["key"] for o in first] == [o["key"] for o in second]:
        for a, b in zip(first, second):
            for field in COUNTERS:
                va, vb = a.get("metadata", {}).get(field), b.get("metadata", {}).get(field)
                if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and (a["key"], field) not in deltas:
                    deltas[(a["key"], field)] = vb - va
    quality = {o["key"]: o["value"] for o in first if o["key"] in ("eval_accuracy", "eval_error")}
    head, cycle, tail = lines[:c0], lines[c0:c1], lines[c0:]
    cycle_bytes = sum(len(line) for line in cycle)
    base = sum(len(line) for line in head) + sum(len(line) for line in tail)
    copies = max(1, (size_bytes - base) // max(1, cycle_bytes))
    written = 0
    with open(dest, "wb", buffering=1 << 20) as out:
        for line in head:
            out.write(line)
            written += len(line)
        for k in range(copies):
            chunk = b"".join(_shifted(line, by_index.get(c0 + j), period, deltas, k, quality) for j, line in enumerate(cycle))
            out.write(chunk)
            written += len(chunk)
        for j, line in enumerate(tail):
            data = _shifted(line, by_index.get(c0 + j), period, deltas, copies, None)
            out.write(data)
            written += len(data)
    cycle_records = sum(1 for j in range(len(cycle)) if c0 + j in by_index)
    return {
        "source": source,
        "path": dest,
        "bytes": written,
        "records": len(records) + copies * cycle_records,
        "added_records": copies * cycle_records,
        "cycles_added": copies,
        "cycle": [o["key"] for o in first],
        "noise_lines_per_record": 0,
    }


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


_CHILD_ENV: dict[str, str] = {}


def set_child_env(bytecode: str, scratch: str) -> None:
    """Environment of every measured child: our package on PYTHONPATH and, with
    --bytecode cache, compiled modules cached under the scratch folder, so
    neither tool pays for compiling its sources on every run even where
    PYTHONDONTWRITEBYTECODE is set (as a pip install would have them compiled).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if bytecode == "cache":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(scratch, "pycache")
    _CHILD_ENV.clear()
    _CHILD_ENV.update(env)


def _child_env() -> dict[str, str]:
    return dict(_CHILD_ENV)


def run_measured(argv: list[str], cwd: str, scratch: str, label: str, timeout: float) -> dict:
    """Run argv once under the launcher; return wall time, exit code, peak RSS."""
    stdout = os.path.join(scratch, f"{label}.stdout")
    stderr = os.path.join(scratch, f"{label}.stderr")
    spec = {"argv": argv, "cwd": cwd, "env": _child_env(), "stdout": stdout, "stderr": stderr}
    launcher = subprocess.Popen(
        [sys.executable, "-S", "-c", _LAUNCHER, json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = launcher.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.communicate()
        return {"wall_s": None, "exit_code": None, "maxrss_kib": None, "timed_out": True}
    if launcher.returncode != 0:
        raise RuntimeError(f"launcher failed for {argv!r}: {err.decode(errors='replace')}")
    result = json.loads(out)
    result["stdout_tail"] = _tail(stdout)
    result["stderr_tail"] = _tail(stderr)
    return result


def best(runs: list[dict]) -> dict:
    """Several runs of one command: the best wall time and the best CPU time (user + system, the
    pool workers' included: wait4 counts the children a process waited for), every wall time, the
    highest peak RSS, the exit codes."""
    walls = [r["wall_s"] for r in runs if r.get("wall_s") is not None]
    cpus = [r["user_s"] + r["sys_s"] for r in runs if r.get("user_s") is not None]
    return {
        "wall_s": min(walls) if walls else None,
        "walls_s": walls,
        "cpu_s": min(cpus) if cpus else None,
        "peak_rss_mib": max((r.get("maxrss_kib") or 0) for r in runs) / 1024,
        "exit_codes": sorted({r.get("exit_code") for r in runs}, key=str),
    }


def _tail(path: str, limit: int = 600) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def verdict(exit_code: int | None) -> str:
    return {0: "pass", 1: "fail"}.get(exit_code, "error" if exit_code is not None else "timeout")


def _argvs(path: str, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    ours_argv = [sys.executable, "-m", "compliance", "check", path, "--suite", args.suite, "--round", args.round]
    if args.ours_format != "text":
        ours_argv += ["--format", args.ours_format]
    official_argv = [
        sys.executable, "-m", "mlperf_logging.compliance_checker",
        "--usage", args.suite, "--ruleset", args.ruleset, path,
    ]
    return ours_argv, official_argv


def warm_up(path: str, args: argparse.Namespace, scratch: str) -> None:
    """One untimed run of each tool, so imports are compiled and cached."""
    ours_argv, official_argv = _argvs(path, args)
    official_cwd = os.path.join(scratch, "official-cwd")
    os.makedirs(official_cwd, exist_ok=True)
    run_measured(ours_argv, scratch, scratch, "warmup-ours", args.timeout)
    if not args.no_official:
        run_measured(official_argv, official_cwd, scratch, "warmup-official", args.timeout)


def measure_processes(path: str, args: argparse.Namespace, repeat: int, scratch: str) -> dict:
    ours_argv, official_argv = _argvs(path, args)
    official_cwd = os.path.join(scratch, "official-cwd")  # it writes compliance_checker.log here
    os.makedirs(official_cwd, exist_ok=True)
    runs: dict[str, list[dict]] = {"ours": [], "official": []}
    for i in range(repeat):
        note(f"  run {i + 1}/{repeat}: ours")
        runs["ours"].append(run_measured(ours_argv, scratch, scratch, "ours", args.timeout))
        if not args.no_official:
            note(f"  run {i + 1}/{repeat}: official")
            runs["official"].append(run_measured(official_argv, official_cwd, scratch, "official", args.timeout))
    summary = {}
    for tool, results in runs.items():
        if not results:
            summary[tool] = None
            continue
        walls = [r["wall_s"] for r in results if r["wall_s"] is not None]
        codes = sorted({r["exit_code"] for r in results}, key=str)
        rss = [r["maxrss_kib"] for r in results if r["maxrss_kib"] is not None]
        summary[tool] = {
            "argv": ours_argv if tool == "ours" else official_argv,
            "wall_best_s": min(walls) if walls else None,
            "wall_median_s": statistics.median(walls) if walls else None,
            "walls_s": walls,
            "cpu_best_s": min((r["user_s"] + r["sys_s"] for r in results if r["wall_s"] is not None), default=None),
            "peak_rss_mib": max(rss) / 1024 if rss else None,
            "launcher_floor_mib": max(r.get("launcher_maxrss_kib", 0) for r in results) / 1024,
            "exit_codes": codes,
            "verdict": verdict(codes[0]) if len(codes) == 1 else "unstable",
            "stdout_tail": results[-1].get("stdout_tail", ""),
            "stderr_tail": results[-1].get("stderr_tail", ""),
        }
    return summary


def engine_keep_set(suite: str, round_name: str):
    """The key set the engine keeps records for and its round's rules, so the parse mirrors the CLI."""
    try:
        from compliance.registry import load_all
        from compliance.rulebook.load import canonical_round, load_rulebook
        from compliance.rules.training.context import kept_keys

        load_all()
        book = load_rulebook(suite, canonical_round(round_name))
        return kept_keys(book), book
    except Exception as err:  # the bench must still run if internals move
        note(f"could not build the engine's key set ({err}); parsing with keep=None")
        return None, None


def measure_parse(path: str, keep, repeat: int) -> dict:
    """In-process reads as the engine does them: the engine's key set, records tallied while read."""
    from compliance.parsers.mllog import parse_mllog

    keys, book = keep
    walls, cpus = [], []
    log = None
    for _ in range(repeat):
        log = None
        router = None
        if book is not None:
            from compliance.rules.training.stream import LogStream

            router = LogStream(book)
        t_wall, t_cpu = time.perf_counter(), time.process_time()
        log = parse_mllog(path, keys, max_bytes=None, router=router)
        walls.append(time.perf_counter() - t_wall)
        cpus.append(time.process_time() - t_cpu)
    size = os.path.getsize(path)
    best = min(walls)
    return {
        "repeats": repeat,
        "best_s": best,
        "median_s": statistics.median(walls),
        "mb_per_s": size / MB / best if best > 0 else None,
        "mb_per_cpu_s": size / MB / min(cpus) if min(cpus) > 0 else None,
        "records": log.records,
        "lines": log.lines,
        "issues": len(log.issues),
        "keep": "engine key set, tallied while read" if keep[0] is not None else "all keys",
    }


def profile_ours(path: str, args: argparse.Namespace, scratch: str, top: int = 15) -> dict:
    """cProfile our CLI on path in a child process; return the top functions."""
    import pstats

    out = os.path.join(scratch, "ours.prof")
    argv = [
        sys.executable, "-m", "cProfile", "-o", out, "-m", "compliance", "check", path,
        "--suite", args.suite, "--round", args.round,
    ]
    subprocess.run(argv, cwd=scratch, env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    stats = pstats.Stats(out)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        where = filename
        if where.startswith(REPO + os.sep):
            where = os.path.relpath(where, REPO)
        elif "site-packages" + os.sep in where:
            where = where.split("site-packages" + os.sep, 1)[1]
        elif where.startswith(sys.prefix) or where.startswith(sys.base_prefix):
            where = os.path.basename(where)
        rows.append({"function": f"{where}:{line}({name})", "calls": calls, "tottime_s": tottime, "cumtime_s": cumtime})
    return {
        "input": path,
        "total_s": stats.total_tt,
        "by_cumulative": sorted(rows, key=lambda r: -r["cumtime_s"])[:top],
        "by_total": sorted(rows, key=lambda r: -r["tottime_s"])[:top],
    }


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[dict], meta: dict) -> None:
    headers = (
        "input", "size MB", "MLLOG records", "ours wall s", "official wall s", "speed-up",
        "ours RSS MB", "official RSS MB", "parse MB/s", "verdicts equal",
    )
    rows = []
    for r in results:
        ours, official = r["ours"], r["official"]
        speedup = None
        if ours and official and ours["wall_best_s"] and official["wall_best_s"]:
            speedup = official["wall_best_s"] / ours["wall_best_s"]
        if official is None:
            equal = f"n/a ({ours['verdict']})"
        else:
            same = ours["verdict"] == official["verdict"]
            equal = f"{'yes' if same else 'NO'} ({ours['verdict']}/{official['verdict']})"
        rows.append((
            r["name"],
            _fmt(r["size_bytes"] / MB, ".1f"),
            str(r["records"]),
            _fmt(ours["wall_best_s"], ".3f"),
            _fmt(official and official["wall_best_s"], ".3f"),
            _fmt(speedup, ".1f") + ("x" if speedup else ""),
            _fmt(ours["peak_rss_mib"], ".1f"),
            _fmt(official and official["peak_rss_mib"], ".1f"),
            _fmt(r["parse"]["mb_per_s"], ".0f"),
            equal,
        ))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    left = {0, 9}

    def line(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(
        f"mlperf-audit benchmark - Python {meta['python']}, {meta['cpus']} CPU(s), "
        f"suite {meta['suite']} round {meta['round']} (official ruleset {meta['ruleset']})"
    )
    print(
        f"bytecode: {'cached per run folder' if meta['bytecode'] == 'cache' else 'as the environment says'}; "
        f"warm-up run: {'yes' if meta['warmup'] else 'no'}"
    )
    print()
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print()
    print("Wall: best of N whole-process runs (median in --json). RSS: peak resident set of the child")
    print("process. speed-up = official / ours. parse MB/s: in-process parse_mllog, best of N, one core.")
    for r in results:
        ours, official = r["ours"], r["official"]
        reps = len(ours["walls_s"])
        extra = ""
        if r.get("generated"):
            kind = "timed-region" if r["name"] == "timed" else "tracked_stats"
            extra = f"; {r['generated']['added_records']} {kind} records added"
        print(
            f"  {r['name']}: {r['path']} ({reps} run(s) each; ours median {_fmt(ours['wall_median_s'], '.3f')} s, "
            f"official median {_fmt(official and official['wall_median_s'], '.3f')} s; parse best of "
            f"{r['parse']['repeats']}{extra})"
        )
    for message in meta["notes"]:
        print(f"  note: {message}")


def print_profile(profile: dict) -> None:
    print()
    print(f"cProfile of ours on {profile['input']} (total {profile['total_s']:.3f} s):")
    for title, key in (("cumulative", "by_cumulative"), ("total (own) time", "by_total")):
        print(f"  top {len(profile[key])} by {title}:")
        print(f"    {'cumtime s':>9}  {'tottime s':>9}  {'calls':>9}  function")
        for row in profile[key]:
            print(f"    {row['cumtime_s']:9.3f}  {row['tottime_s']:9.3f}  {row['calls']:9d}  {row['function']}")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", default="real,timed,synthetic",
                        help="comma-separated: real, timed, synthetic, mixed, or paths (default: real,timed,synthetic)")
    parser.add_argument("--size-mb", type=float, default=100.0, help="size of synthetic/mixed logs (default 100)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="process runs per tool and input (default 3 below 20 MB, 1 above)")
    parser.add_argument("--parse-repeat", type=int, default=None,
                        help="in-process parse repeats (default 5 below 20 MB, 3 above)")
    parser.add_argument("--source", default=None,
                        help="real log the synthetic logs are made from (default: the gpt3 log in ../shared)")
    parser.add_argument("--suite", default="training")
    parser.add_argument("--round", default="4.1", help="round for our tool (default 4.1)")
    parser.add_argument("--ruleset", default=None, help="official ruleset (default: ROUND.0)")
    parser.add_argument("--ours-format", choices=("text", "json"), default="text", help="our report format")
    parser.add_argument("--no-official", action="store_true", help="do not run the official checker")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile our tool on the largest input and print the top 15 functions")
    parser.add_argument("--bytecode", choices=("cache", "env"), default="cache",
                        help="cache: children cache compiled modules in the temp folder (default); "
                             "env: leave PYTHONDONTWRITEBYTECODE etc. as they are")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed warm-up run of each tool on the source log")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per child process (default 900)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder and generated logs")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of the table")
    args = parser.parse_args(argv)
    args.ruleset = args.ruleset or (args.round if args.round.count(".") == 2 else args.round + ".0")
    if args.repeat is not None and args.repeat < 1 or args.parse_repeat is not None and args.parse_repeat < 1:
        parser.error("--repeat and --parse-repeat must be at least 1")

    sys.path.insert(0, REPO)
    notes: list[str] = []
    have_shared = os.path.isdir(SHARED)
    source = args.source
    if source is None:
        if have_shared and os.path.isfile(REAL_LOG):
            source = REAL_LOG
        else:
            source = FALLBACK_SOURCE
            notes.append(f"{SHARED} is absent: synthetic logs are made from the test fixture {os.path.relpath(source, REPO)}")
    if not args.no_official:
        try:
            import mlperf_logging  # noqa: F401
        except ImportError:
            notes.append("mlperf_logging is not installed in this Python: the official checker is skipped")
            args.no_official = True

    scratch = tempfile.mkdtemp(prefix="mlperf-audit-bench-")
    note(f"temporary folder: {scratch}")
    keep = engine_keep_set(args.suite, args.round)
    results = []
    profile = None
    set_child_env(args.bytecode, scratch)
    try:
        if not args.no_warmup and os.path.isfile(source):
            note(f"warm-up run of each tool on {source}")
            warm_up(source, args, scratch)
        for name in [n.strip() for n in args.inputs.split(",") if n.strip()]:
            generated = None
            if name == "real":
                if not (have_shared and os.path.isfile(REAL_LOG)):
                    notes.append(f"input 'real' skipped: {REAL_LOG} is absent (../shared not present)")
                    note(notes[-1])
                    continue
                path = REAL_LOG
            elif name in ("synthetic", "mixed", "timed"):
                path = os.path.join(scratch, f"{name}_{args.size_mb:g}MB.txt")
                note(f"generating {name} log ({args.size_mb:g} MB) from {source}")
                t0 = time.perf_counter()
                if name == "timed":
                    generated = make_timed(source, path, int(args.size_mb * MB))
                else:
                    generated = make_synthetic(source, path, int(args.size_mb * MB), noise=(name == "mixed"))
                note(f"  wrote {generated['bytes'] / MB:.1f} MB, {generated['records']} records in {time.perf_counter() - t0:.1f} s")
            elif os.path.isfile(name):
                path = os.path.abspath(name)
            else:
                parser.error(f"unknown input {name!r}: use real, timed, synthetic, mixed or a file path")
            size = os.path.getsize(path)
            large = size >= LARGE_BYTES
            repeat = args.repeat or (1 if large else 3)
            parse_repeat = args.parse_repeat or (3 if large else 5)
            note(f"{name}: {size / MB:.1f} MB, {repeat} process run(s) per tool")
            procs = measure_processes(path, args, repeat, scratch)
            note(f"{name}: in-process parse x{parse_repeat}")
            parse = measure_parse(path, keep, parse_repeat)
            result = {
                "name": name,
                "path": path,
                "size_bytes": size,
                "records": parse["records"],
                "ours": procs["ours"],
                "official": procs["official"],
                "parse": parse,
                "generated": generated,
            }
            if procs["official"] is not None:
                result["verdicts_equal"] = procs["ours"]["verdict"] == procs["official"]["verdict"]
                if not result["verdicts_equal"]:
                    notes.append(
                        f"{name}: verdicts differ (ours {procs['ours']['verdict']}, official {procs['official']['verdict']})"
                    )
            if generated and procs["ours"]["verdict"] != "pass":
                notes.append(f"{name}: the generated log did not pass our tool; see --keep-temp and {scratch}")
            results.append(result)
        if args.profile and results:
            biggest = max(results, key=lambda r: r["size_bytes"])
            note(f"profiling ours on {biggest['name']}")
            profile = profile_ours(biggest["path"], args, scratch)
    finally:
        if args.keep_temp:
            note(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    meta = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "suite": args.suite,
        "round": args.round,
        "ruleset": args.ruleset,
        "bytecode": args.bytecode,
        "warmup": not args.no_warmup,
        "notes": notes,
        "temp_dir": scratch if args.keep_temp else None,
    }
    if args.json:
        json.dump({"meta": meta, "results": results, "profile": profile}, sys.stdout, indent=2)
        print()
    else:
        if results:
            print_table(results, meta)
        else:
            print("no input could be measured")
            for message in notes:
                print(f"  note: {message}")
        if profile:
            print_profile(profile)
    if not results:
        return 1
    return 0 if all(r.get("verdicts_equal", True) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
