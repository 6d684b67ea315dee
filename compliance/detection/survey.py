"""Reading the facts that tell the suite and round, cheaply and safely.

One walk of the input (links never followed, code folders skipped) finds the
result logs and LoadGen runs; only the first records of each are read (a
bounded prefix): a training log's first dated record and its
``submission_benchmark``, a LoadGen detail log's ``test_datetime``,
``loadgen_version`` and seeds. Nothing here judges anything.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache

from compliance.parsers.safefs import NotRegularFile, open_regular, walk
from compliance.parsers.safefs import relative as _relative
from compliance.parsers.mllog import loads_as_json
from compliance.records import field, recordclass

PREFIX_BYTES = 1 << 20  # a training log's first MiB: its first records are there (noise lines included)
DETAIL_PREFIX_BYTES = 48 << 10  # LoadGen writes the version, date and seeds in its first ~25 KB
MAX_SURVEYED = 20_000  # logs read for dates; a results round has about 3,000
CODE_FOLDERS = frozenset({"benchmarks", "code", "src", "documentation", "measurements", "power", "ranging"})
RESULT_LOG = cache(lambda: re.compile(r"^result_.*\.txt$"))
LOADGEN_FILES = ("mlperf_log_detail.txt", "mlperf_log_summary.txt")
ENDPOINTS_FILES = ("result_summary.json", "accuracy_results.json")  # an Endpoints (LoadGen++) result's own files (6.1 on)
SEED_KEYS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
TEST_FOLDER = cache(lambda: re.compile(r"^TEST\d\d$", re.IGNORECASE))
SCALES = ("strong", "weak")


@recordclass(slots=True)
class Survey:
    """What the input holds, for suite and round detection."""

    training_logs: list[str] = field(default_factory=list)  # result_*.txt files (real paths)
    loadgen_runs: list[str] = field(default_factory=list)  # folders with a LoadGen log (performance runs first)
    performance_runs: int = 0  # how many of loadgen_runs are results' performance runs
    folder_benchmarks: set[str] = field(default_factory=set)  # results/<system>/[scale/]<benchmark> names
    models: set[str] = field(default_factory=set)  # results/<system>/<model> names of LoadGen runs
    scales: bool = False  # strong/ or weak/ folders (HPC)
    orgs_beside: set[str] = field(default_factory=set)  # organisation folders with compliance/ beside results/
    orgs_inside: set[str] = field(default_factory=set)  # organisation folders with TESTxx inside results/
    log_dates: list[dt.date | None] = field(default_factory=list)
    logged_benchmarks: set[str] = field(default_factory=set)
    run_dates: list[dt.date | None] = field(default_factory=list)
    run_seeds: list[tuple[int, int, int]] = field(default_factory=list)
    loadgen_versions: list[str] = field(default_factory=list)
    records_seen: int = 0  # MLLOG records read in the training logs' prefixes
    links: list[str] = field(default_factory=list)  # symbolic links met under results/ (never followed)
    endpoints_files: int = 0  # Endpoints result files under results/ (in folders without LoadGen logs)
    truncated: bool = False

    @property
    def benchmarks(self) -> set[str]:
        return self.folder_benchmarks | self.logged_benchmarks

    @property
    def compliance_in_results(self) -> bool | None:
        """Where the organisations keep their compliance tests: inside results/ (True), in
        <org>/compliance/ (False), or None when there are none or the organisations differ."""
        inside = self.orgs_inside - self.orgs_beside  # some keep a few tests in both places
        if not inside and not self.orgs_beside:
            return None
        if not self.orgs_beside:
            return True
        if not inside:
            return False
        share = len(inside) / (len(inside) + len(self.orgs_beside))
        return True if share >= 0.8 else False if share <= 0.2 else None


def _parts_after_results(path: str, top: str) -> list[str] | None:
    """The path's parts below its nearest ``results`` folder (any case), or None."""
    parts = _relative(path, top).split(os.sep)
    lowered = [p.lower() for p in parts]
    if "results" not in lowered:
        return None
    index = len(lowered) - 1 - lowered[::-1].index("results")
    return parts[index + 1 :]


def walk_input(top: str, survey: Survey | None = None) -> Survey:
    """List the logs and runs under a folder (or take one file), without reading them."""
    survey = survey if survey is not None else Survey()
    if not os.path.isdir(top):
        name = os.path.basename(top)
        if name in LOADGEN_FILES:
            survey.loadgen_runs.append(os.path.dirname(top) or ".")
        else:
            survey.training_logs.append(top)
        return survey
    performance: list[str] = []
    others: list[str] = []
    for folder in walk(top):
        names = {e.name for e in folder.others}
        below = _parts_after_results(folder.path, top)
        if any(name in names for name in LOADGEN_FILES):
            parts = below or []
            in_test = any(TEST_FOLDER().match(p) for p in parts)
            (performance if "performance" in [p.lower() for p in parts] and not in_test else others).append(folder.path)
            if len(parts) >= 2:
                survey.models.add(parts[1])
        if below is not None:
            survey.links.extend(e.path for e in folder.others if e.is_symlink())
            if not any(name in names for name in LOADGEN_FILES):
                survey.endpoints_files += sum(1 for name in ENDPOINTS_FILES if name in names)
        logs = [e.path for e in folder.others if RESULT_LOG().match(e.name)]
        if logs:
            survey.training_logs.extend(logs)
            if below:
                bench = below[-1]
                survey.folder_benchmarks.add(bench)
                if len(below) >= 3 and below[-2].lower() in SCALES:
                    survey.scales = True
        for sub in folder.folders:
            if TEST_FOLDER().match(sub.name) and below is not None and len(below) >= 3:
                rel = _relative(folder.path, top).split(os.sep)
                survey.orgs_inside.add(os.sep.join(rel[: len(rel) - len(below) - 1]))
            elif sub.name.lower() == "compliance" and any(f.name.lower() == "results" for f in folder.folders):
                survey.orgs_beside.add(_relative(folder.path, top))
        folder.folders[:] = [f for f in folder.folders if f.name.lower() not in CODE_FOLDERS and not f.name.startswith(".")]
    survey.loadgen_runs.extend(performance + others)
    survey.performance_runs += len(performance)
    return survey


def _records(data: bytes):  # type: ignore[no-untyped-def]
    """The JSON records of ``:::MLLOG`` lines in a prefix (damaged ones skipped), in order: each
    line's first token is found with ``find``, so lines without one cost nothing."""
    pos = 0
    size = len(data)
    while pos <= size:
        at = data.find(b":::MLLOG", pos)
        if at < 0:
            return
        end = data.find(b"\n", at)
        if end < 0:
            end = size
        try:
            record = loads_as_json(data[at + 8 : end])
        except (ValueError, RecursionError):  # damaged, or nested past the interpreter's limit
            record = None
        if isinstance(record, dict):
            yield record
        pos = end + 1


def _prefix(path: str, limit: int, follow: bool) -> bytes:
    try:
        with open_regular(path, follow_links=follow) as stream:
            return stream.read(limit)
    except (OSError, NotRegularFile, ValueError):
        return b""


FIRST_READ = 64 << 10  # a training log's first records are usually in its first lines: read more only when not


def read_training_facts(survey: Survey, follow_named: set[str] | None = None) -> Survey:
    """Each log's first dated record and its submission_benchmark (in its first PREFIX_BYTES)."""
    from compliance.detection.calendar import EARLIEST, to_date

    follow_named = follow_named or set()
    earliest_ms = dt.datetime(EARLIEST.year, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000
    for path in survey.training_logs[:MAX_SURVEYED]:
        stamp, seen, benchmark_line = _prefix_facts(path, path in follow_named, earliest_ms)
        survey.records_seen += seen
        for record in _records(benchmark_line):
            if isinstance(record.get("value"), str):
                survey.logged_benchmarks.add(record["value"])
        survey.log_dates.append(to_date(stamp) if stamp is not None else None)
    survey.truncated = survey.truncated or len(survey.training_logs) > MAX_SURVEYED
    return survey


def _prefix_facts(path: str, follow: bool, earliest_ms: float) -> tuple[float | None, int, bytes]:
    """In a log's first PREFIX_BYTES: the time of its first record stamped after ``earliest_ms``,
    the records read up to it, and the line of the first ``"submission_benchmark"``. The first
    FIRST_READ bytes are read, and the rest of the prefix only when one of them is not there."""
    try:
        stream = open_regular(path, follow_links=follow)
    except (OSError, NotRegularFile, ValueError):
        return None, 0, b""
    stamp: float | None = None
    seen = 0
    scanned = 0  # the lines before this offset were looked at for the first dated record
    dated = False
    benchmark_line: bytes | None = None
    data = b""
    with stream:
        for size in (FIRST_READ, PREFIX_BYTES - FIRST_READ):
            try:
                chunk = stream.read(size)
            except OSError:
                chunk = b""
            data += chunk
            final = len(chunk) < size or len(data) >= PREFIX_BYTES
            if not dated:
                end = len(data) if final else data.rfind(b"\n") + 1  # whole lines until the prefix ends
                for record in _records(data[scanned:end]):  # the first dated record: usually the first line
                    seen += 1
                    value = record.get("time_ms")
                    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= earliest_ms:
                        stamp, dated = value, True
                        break
                scanned = max(scanned, end)
                dated = dated or final
            if benchmark_line is None:
                at = data.find(b'"submission_benchmark"')
                line_end = data.find(b"\n", at) if at >= 0 else -1
                if at >= 0 and (line_end >= 0 or final):
                    benchmark_line = data[data.rfind(b"\n", 0, at) + 1 : line_end if line_end >= 0 else len(data)]
                elif final:
                    benchmark_line = b""
            if dated and benchmark_line is not None:
                break
    return stamp, seen, benchmark_line or b""


SUMMARY_SEED = cache(lambda: re.compile(rb"^\s*(qsl_rng_seed|sample_index_rng_seed|schedule_rng_seed)\s*:\s*(\d+)\s*$", re.MULTILINE))


WANTED = (b'"key": "test_datetime"', b'"key": "loadgen_version"') + tuple(
    f'"key": "effective_{name}"'.encode() for name in SEED_KEYS
)


def _wanted_records(data: bytes):  # type: ignore[no-untyped-def]
    """The records of the keys round detection reads, in file order (other lines are not
    looked at: each key is found with ``find``)."""
    starts = set()
    for key in WANTED:
        at = data.find(key)
        while at >= 0:
            starts.add(data.rfind(b"\n", 0, at) + 1)
            at = data.find(key, at + len(key))
    for start in sorted(starts):
        end = data.find(b"\n", start)
        yield from _records(data[start : end if end >= 0 else len(data)])


FACTS_POOL_MIN = 256  # runs below which reading their facts in a process pool costs more than it saves


def read_loadgen_facts(survey: Survey, follow_named: set[str] | None = None) -> Survey:
    """Each run's test_datetime, loadgen_version and seeds (from the detail log, else the summary).

    The results' performance runs are read when there are any (compliance and
    accuracy runs repeat what they say). Many runs are read in a process pool, the facts
    kept in the runs' order."""
    follow_named = follow_named or set()
    folders = survey.loadgen_runs[: survey.performance_runs] if survey.performance_runs else survey.loadgen_runs
    jobs = [(folder, folder in follow_named) for folder in folders[:MAX_SURVEYED]]
    facts: list[tuple[dt.date | None, list[str], dict[str, int]]]
    if len(jobs) >= FACTS_POOL_MIN:
        from compliance.pool import run_pool

        facts = run_pool(_run_facts, jobs, None, FACTS_POOL_MIN)
    else:
        facts = [_run_facts(job) for job in jobs]
    for date, versions, seeds in facts:
        survey.loadgen_versions.extend(versions)
        survey.run_dates.append(date)
        if all(k in seeds for k in SEED_KEYS):
            survey.run_seeds.append(tuple(seeds[k] for k in SEED_KEYS))  # type: ignore[arg-type]
    survey.truncated = survey.truncated or len(folders) > MAX_SURVEYED
    return survey


def _run_facts(job: tuple[str, bool]) -> tuple[dt.date | None, list[str], dict[str, int]]:
    """One run folder's test date, LoadGen versions and seeds (a pool job of ``read_loadgen_facts``)."""
    folder, follow = job
    detail = _prefix(os.path.join(folder, LOADGEN_FILES[0]), DETAIL_PREFIX_BYTES, follow)
    seeds: dict[str, int] = {}
    versions: list[str] = []
    date = None
    for record in _wanted_records(detail):
        key, value = record.get("key"), record.get("value")
        if key == "test_datetime" and isinstance(value, str):
            try:
                date = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                date = None
        elif key == "loadgen_version" and isinstance(value, str):
            versions.append(value)
        elif isinstance(key, str) and key.startswith("effective_") and key[len("effective_"):] in SEED_KEYS:
            if isinstance(value, int) and not isinstance(value, bool):
                seeds[key[len("effective_"):]] = value
    if not detail:
        summary = _prefix(os.path.join(folder, LOADGEN_FILES[1]), 1 << 20, follow)
        for match in SUMMARY_SEED().finditer(summary):
            seeds[match.group(1).decode()] = int(match.group(2))
    return date, versions, seeds
