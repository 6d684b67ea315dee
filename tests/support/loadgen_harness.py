"""Real LoadGen runs for the tests: a tiny SUT and QSL driven by the PyPI LoadGen.

Nothing here writes a LoadGen log by hand. ``make_run`` starts a fresh Python
process that builds a ``mlperf_loadgen.TestSettings`` from explicit values,
runs a trivial system under test (it answers each sample with the sample's
index as an int64, after a configurable delay) and lets LoadGen write its
usual files into a new folder, which ``make_run`` returns. Each run gets its
own process because LoadGen keeps configuration state per process (a second
``FromConfig`` in one process is itself logged as an error), and its own
working directory so that no stray ``audit.config`` is picked up.

How the SUT answers (``sut=``):

- ``"sync"``: in LoadGen's issue thread, one sample at a time, ``delay_ms``
  each (a single serial server; blocks the issue thread, as a naive SUT would).
- ``"pool"``: on ``workers`` threads, ``delay_ms`` per sample (a server with
  ``workers`` parallel slots and a queue in front).
- ``"llm"``: like ``"pool"``, but each sample first reports a first token
  (``FirstTokenComplete``) after ``first_token_ms``, then its ``tokens``
  tokens after ``delay_ms`` more, so runs with ``use_token_latencies`` get
  time-to-first-token and time-per-output-token results.

``CASES`` names the runs the parser tests use: every scenario in performance
and accuracy mode, and runs LoadGen itself declares INVALID or erroneous, each
with what LoadGen is expected to log (``expect``). Keep every run short
(LoadGen's ``min_duration_ms`` of about a second): the whole set runs in
parallel in well under a minute on two cores (``make_runs``).

The LoadGen Python API used (from LoadGen's own demos): ``TestSettings``,
``TestScenario``, ``TestMode``, ``ConstructSUT``, ``ConstructQSL``,
``QuerySampleResponse``, ``QuerySamplesComplete``, ``FirstTokenComplete``,
``LogOutputSettings``, ``LogSettings``, ``StartTestWithLogSettings``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = ("SingleStream", "MultiStream", "Server", "Offline")
MODES = {"performance": "PerformanceOnly", "accuracy": "AccuracyOnly"}
SUT_KINDS = ("sync", "pool", "llm")

DEFAULT_MIN_DURATION_MS = 1000
DEFAULT_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class RunSpec:
    """Everything one LoadGen run needs; ``settings`` go to ``TestSettings`` as they are."""

    scenario: str
    mode: str = "performance"
    sut: str = "sync"
    delay_ms: float = 1.0
    workers: int = 4
    first_token_ms: float = 1.0
    tokens: int = 8
    qsl_total: int = 1024
    qsl_performance: int = 256
    trace: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; one of {', '.join(SCENARIOS)}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")
        if self.sut not in SUT_KINDS:
            raise ValueError(f"unknown SUT kind {self.sut!r}; one of {', '.join(SUT_KINDS)}")
        if self.workers < 1 or self.tokens < 1 or self.qsl_total < 1 or self.qsl_performance < 1:
            raise ValueError("workers, tokens and the QSL counts must be at least 1")

    def to_json(self) -> str:
        payload = {
            "scenario": self.scenario,
            "mode": self.mode,
            "sut": self.sut,
            "delay_ms": self.delay_ms,
            "workers": self.workers,
            "first_token_ms": self.first_token_ms,
            "tokens": self.tokens,
            "qsl_total": self.qsl_total,
            "qsl_performance": self.qsl_performance,
            "trace": self.trace,
            "settings": dict(self.settings),
        }
        return json.dumps(payload, sort_keys=True)


@dataclass(frozen=True)
class Case:
    """A named run and what LoadGen is expected to log for it (detail-log key -> value)."""

    spec: RunSpec
    why: str
    expect: Mapping[str, Any] = field(default_factory=dict)


def run_spec(
    scenario: str,
    mode: str = "performance",
    *,
    sut: str = "sync",
    delay_ms: float = 1.0,
    workers: int = 4,
    first_token_ms: float = 1.0,
    tokens: int = 8,
    qsl_total: int = 1024,
    qsl_performance: int = 256,
    trace: bool = False,
    **settings: Any,
) -> RunSpec:
    settings.setdefault("min_duration_ms", DEFAULT_MIN_DURATION_MS)
    return RunSpec(
        scenario=scenario,
        mode=mode,
        sut=sut,
        delay_ms=delay_ms,
        workers=workers,
        first_token_ms=first_token_ms,
        tokens=tokens,
        qsl_total=qsl_total,
        qsl_performance=qsl_performance,
        trace=trace,
        settings=settings,
    )


class PendingRun:
    """A LoadGen run going on in a child process; ``wait()`` returns its folder."""

    def __init__(self, spec: RunSpec, folder: Path, timeout_s: float):
        self.spec = spec
        self.folder = folder
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.seconds: float | None = None
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).resolve()), spec.to_json()],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

    def wait(self) -> Path:
        try:
            out, err = self._process.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            out, err = self._process.communicate()
            raise RuntimeError(
                f"LoadGen run in {self.folder} did not finish within {self.timeout_s:.0f} s\n"
                + err.decode("utf-8", "replace")[-2000:]
            ) from None
        self.seconds = time.monotonic() - self.started
        if self._process.returncode != 0:
            raise RuntimeError(
                f"LoadGen run in {self.folder} failed (exit {self._process.returncode})\n"
                + (out + err).decode("utf-8", "replace")[-4000:]
            )
        return self.folder


def start_run(
    tmp_dir: Path | str,
    spec: RunSpec,
    name: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> PendingRun:
    """Start a run in a new folder under ``tmp_dir`` (named ``name`` if given)."""
    base = Path(tmp_dir)
    base.mkdir(parents=True, exist_ok=True)
    if name is None:
        folder = Path(tempfile.mkdtemp(prefix=f"{spec.scenario.lower()}_{spec.mode}_", dir=base))
    else:
        folder = base / name
        folder.mkdir()
    return PendingRun(spec, folder, timeout_s)


def make_run(
    tmp_dir: Path | str, scenario: str, mode: str = "performance", **settings: Any
) -> Path:
    """Run LoadGen once in a subprocess and return the folder it wrote its logs into.

    Keyword arguments named like ``RunSpec`` fields (``sut``, ``delay_ms``,
    ``workers``, ``first_token_ms``, ``tokens``, ``qsl_total``,
    ``qsl_performance``, ``trace``) shape the SUT; ``name`` names the folder,
    ``timeout_s`` bounds the run; every other keyword is a ``TestSettings``
    attribute (``min_duration_ms=1000``, ``server_target_qps=200``, ...).
    """
    name = settings.pop("name", None)
    timeout_s = float(settings.pop("timeout_s", DEFAULT_TIMEOUT_S))
    return start_run(
        tmp_dir, run_spec(scenario, mode, **settings), name=name, timeout_s=timeout_s
    ).wait()


def logged_values(folder: Path | str) -> dict[str, Any]:
    """First value of each key of a run's detail log, read plainly with the stdlib."""
    found: dict[str, Any] = {}
    with open(Path(folder) / "mlperf_log_detail.txt", encoding="utf-8") as stream:
        for line in stream:
            if line.startswith(":::MLLOG "):
                record = json.loads(line[len(":::MLLOG ") :])
                found.setdefault(record["key"], record["value"])
    return found


def unmet(case: Case, folder: Path | str) -> dict[str, tuple[Any, Any]]:
    """The expectations of ``case`` its run did not meet: key -> (expected, logged)."""
    logged = logged_values(folder)
    return {
        key: (expected, logged.get(key))
        for key, expected in case.expect.items()
        if logged.get(key) != expected
    }


def make_runs(
    tmp_dir: Path | str,
    cases: Mapping[str, Case | RunSpec],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = 2,
) -> dict[str, Path]:
    """Run several cases at once (one process each) and return their folders by name.

    The runs mostly sleep (the SUT's delays, LoadGen's schedule), so running
    them side by side costs about as long as the longest one. A run is timed,
    so on a busy machine a case meant to be VALID can come out INVALID (a
    Python SUT stalled past a latency bound): a case whose ``expect`` does not
    hold is run again, alone, up to ``retries`` times; the last run is returned
    either way, and the caller's assertions show what LoadGen said.
    """
    pending = {
        name: start_run(
            tmp_dir, case.spec if isinstance(case, Case) else case, name=name, timeout_s=timeout_s
        )
        for name, case in cases.items()
    }
    folders = {name: run.wait() for name, run in pending.items()}
    for name, case in cases.items():
        if not isinstance(case, Case):
            continue
        for attempt in range(1, retries + 1):
            if not unmet(case, folders[name]):
                break
            folders[name] = start_run(
                tmp_dir, case.spec, name=f"{name}.retry{attempt}", timeout_s=timeout_s
            ).wait()
    return folders


# The cases. Each keeps LoadGen's own semantics in mind (reference section 5.6):
# SingleStream/MultiStream early stopping needs 64 queries (90th percentile) or
# 662 (99th); Server early stopping needs several hundred queries at the 99th
# percentile when none is over the latency bound; Offline's minimum duration is
# met only if the single query takes at least min_duration to complete.
CASES: dict[str, Case] = {
    "singlestream_perf": Case(
        run_spec("SingleStream", sut="sync", delay_ms=1.0, min_query_count=100),
        "1 ms per query for 1 s: hundreds of queries, early stopping met",
        {"result_validity": "VALID", "early_stopping_met": True, "result_min_duration_met": True},
    ),
    "singlestream_accuracy": Case(
        run_spec("SingleStream", "accuracy", delay_ms=0.1, qsl_total=64, qsl_performance=16),
        "the 64 QSL samples once each, loaded 16 at a time (loaded_qsl_set logged 4 times)",
        {},
    ),
    "multistream_perf": Case(
        run_spec(
            "MultiStream",
            sut="sync",
            delay_ms=0.1,
            multi_stream_samples_per_query=8,
            multi_stream_expected_latency_ns=1_000_000,
            min_query_count=662,
        ),
        "8 samples per query, enough queries for the 99th-percentile early stopping (662)",
        {"result_validity": "VALID", "early_stopping_met": True},
    ),
    "multistream_accuracy": Case(
        run_spec(
            "MultiStream",
            "accuracy",
            delay_ms=0.05,
            qsl_total=64,
            qsl_performance=64,
            multi_stream_samples_per_query=8,
        ),
        "every QSL sample once, 8 per query",
        {},
    ),
    "server_perf": Case(
        run_spec(
            "Server",
            sut="pool",
            workers=4,
            delay_ms=1.0,
            server_target_qps=600,
            server_target_latency_ns=1_000_000_000,
            min_query_count=100,
        ),
        "600 QPS into four 1 ms workers, a 1 s bound (a busy machine stalls the SUT for 0.3 s)",
        {
            "result_validity": "VALID",
            "result_perf_constraints_met": True,
            "early_stopping_met": True,
        },
    ),
    "server_accuracy": Case(
        run_spec(
            "Server",
            "accuracy",
            sut="pool",
            workers=4,
            delay_ms=0.5,
            qsl_total=64,
            qsl_performance=64,
            server_target_qps=500,
            server_target_latency_ns=100_000_000,
        ),
        "every QSL sample once at 500 QPS",
        {},
    ),
    "offline_perf": Case(
        run_spec(
            "Offline",
            sut="pool",
            workers=2,
            delay_ms=2.0,
            offline_expected_qps=1000,
            min_query_count=100,
        ),
        "1100 samples at 1000 samples/s: the single query lasts over a second",
        {"result_validity": "VALID", "result_min_duration_met": True},
    ),
    "offline_accuracy": Case(
        run_spec(
            "Offline",
            "accuracy",
            sut="pool",
            workers=2,
            delay_ms=0.0,
            qsl_total=512,
            qsl_performance=512,
        ),
        "all 512 QSL samples in one query: an accuracy log of ~32 KB, long enough to truncate",
        {},
    ),
    "singlestream_invalid_early_stopping": Case(
        run_spec("SingleStream", sut="sync", delay_ms=100.0, min_query_count=5),
        "100 ms per query for 1 s: about 10 queries, far from the 64 early stopping needs",
        {"result_validity": "INVALID", "early_stopping_met": False, "result_min_queries_met": True},
    ),
    "server_invalid_latency": Case(
        run_spec(
            "Server",
            sut="pool",
            workers=1,
            delay_ms=5.0,
            server_target_qps=300,
            server_target_latency_ns=10_000_000,
            min_query_count=100,
        ),
        "300 QPS into one 5 ms worker (200 QPS at most): the queue grows, p99 far over 10 ms",
        {"result_validity": "INVALID", "result_perf_constraints_met": False},
    ),
    "offline_invalid_min_duration": Case(
        run_spec("Offline", sut="sync", delay_ms=0.0, offline_expected_qps=100, min_query_count=100),
        "an instant SUT answers the one query of ~110 samples long before min_duration (1 s)",
        {"result_validity": "INVALID", "result_min_duration_met": False},
    ),
    "singlestream_error_max_duration": Case(
        run_spec(
            "SingleStream",
            sut="sync",
            delay_ms=1.0,
            min_duration_ms=2000,
            max_duration_ms=500,
            min_query_count=100,
        ),
        "max_duration (0.5 s) below min_duration (2 s): LoadGen stops early and logs an error",
        {"result_validity": "INVALID", "result_min_duration_met": False, "num_errors": 1},
    ),
    "server_tokens": Case(
        run_spec(
            "Server",
            sut="llm",
            workers=8,
            first_token_ms=1.0,
            delay_ms=2.0,
            tokens=8,
            server_target_qps=600,
            server_target_latency_ns=1_000_000_000,
            use_token_latencies=True,
            ttft_latency=1_000_000_000,
            tpot_latency=500_000_000,
            min_query_count=100,
        ),
        "an LLM-like SUT: first token after 1 ms, 8 tokens after 3 ms; TTFT/TPOT bounds met",
        {"result_validity": "VALID", "result_perf_constraints_met": True},
    ),
    "offline_tokens": Case(
        run_spec(
            "Offline",
            sut="llm",
            workers=2,
            first_token_ms=0.5,
            delay_ms=2.0,
            tokens=16,
            offline_expected_qps=1000,
            use_token_latencies=True,
            min_query_count=100,
        ),
        "16 tokens a sample at ~800 samples/s in Offline: tokens per second",
        {"result_validity": "VALID", "result_min_duration_met": True},
    ),
}


# ---------------------------------------------------------------------------
# The child process: runs exactly one LoadGen test and exits.


def _child(spec: dict[str, Any]) -> None:
    import array
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import mlperf_loadgen as lg

    delay = float(spec["delay_ms"]) / 1000.0
    first_token_delay = float(spec["first_token_ms"]) / 1000.0
    n_tokens = int(spec["tokens"])
    kind = spec["sut"]

    def complete(sample: Any) -> None:
        payload = array.array("q", [sample.index])
        address, length = payload.buffer_info()
        lg.QuerySamplesComplete(
            [lg.QuerySampleResponse(sample.id, address, length * payload.itemsize)]
        )

    def serve(sample: Any) -> None:
        if delay > 0:
            time.sleep(delay)
        complete(sample)

    def serve_llm(sample: Any) -> None:
        tokens = array.array("i", [sample.index + k for k in range(n_tokens)])
        address, _ = tokens.buffer_info()
        if first_token_delay > 0:
            time.sleep(first_token_delay)
        lg.FirstTokenComplete([lg.QuerySampleResponse(sample.id, address, tokens.itemsize)])
        if delay > 0:
            time.sleep(delay)
        lg.QuerySamplesComplete(
            [lg.QuerySampleResponse(sample.id, address, n_tokens * tokens.itemsize, n_tokens)]
        )

    pool = ThreadPoolExecutor(max_workers=int(spec["workers"])) if kind in ("pool", "llm") else None
    lock = threading.Lock()

    def issue_query(samples: list[Any]) -> None:
        if pool is None:
            with lock:
                for sample in samples:
                    serve(sample)
            return
        work = serve_llm if kind == "llm" else serve
        for sample in samples:
            pool.submit(work, sample)

    def flush_queries() -> None:
        pass

    def load_samples(indices: list[int]) -> None:
        pass

    def unload_samples(indices: list[int]) -> None:
        pass

    settings = lg.TestSettings()
    settings.scenario = getattr(lg.TestScenario, spec["scenario"])
    settings.mode = getattr(lg.TestMode, MODES[spec["mode"]])
    for name, value in spec["settings"].items():
        if not hasattr(settings, name) or name in ("scenario", "mode", "FromConfig"):
            raise SystemExit(f"not a TestSettings attribute: {name}")
        setattr(settings, name, value)

    output = lg.LogOutputSettings()
    output.outdir = "."
    output.copy_summary_to_stdout = False
    output.copy_detail_to_stdout = False
    log_settings = lg.LogSettings()
    log_settings.log_output = output
    log_settings.enable_trace = bool(spec["trace"])

    sut = lg.ConstructSUT(issue_query, flush_queries)
    qsl = lg.ConstructQSL(
        int(spec["qsl_total"]), int(spec["qsl_performance"]), load_samples, unload_samples
    )
    try:
        # No audit.config exists in the fresh working directory; name one that cannot exist either.
        lg.StartTestWithLogSettings(sut, qsl, settings, log_settings, "no-audit-config-here.config")
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        lg.DestroyQSL(qsl)
        lg.DestroySUT(sut)


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
