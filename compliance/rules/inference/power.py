"""IPW: power results: the workflow's files, its session, PTDaemon's logs and the power metric.

A result with ``performance/power/`` was measured with the MLPerf power
workflow: ``ranging/`` is the LoadGen run during which the analyzer chose its
ranges, ``run_1/`` the testing run whose power is reported. The rules read
``ctx.power`` (``compliance.models.power.PowerResult``, read by
``compliance.parsers.power``) and the round's ``[power]`` data
(``compliance.rulebook.power``); the numbers are the Power WG checker's of the
round (``checkers/inference/v4.1.toml`` and ``v5.0.toml``, ``[power]``). The
power metric (``power_metric``) is the official checker's: the average of the
positive samples strictly inside LoadGen's ``power_begin``..``power_end``, in
watts, or in millijoules per query for SingleStream and MultiStream.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from compliance.models.findings import Finding, Severity
from compliance.models.power import PowerResult, SampleLog
from compliance.records import recordclass
from compliance.rulebook.power import PowerRules, power_rules
from compliance.registry import Rule, checker, define, doc_page
from compliance.rules.inference.common import ALL, SUITES
from compliance.rules.inference.tree_context import (
    MISSING,
    RESULT_SUBJECT,
    ResultContext,
)
from compliance.wording import are, article, plural

IPW001 = define(
    "IPW001",
    "power-files-incomplete",
    Severity.ERROR,
    "A power result lacks one of the files a power measurement must have.",
    """
## What it checks
When `performance/power/` exists: `client.json`, `client.log`,
`ptd_logs.txt`, `server.json`, `server.log` in it, `spl.txt` in
`performance/run_1/`, and `performance/ranging/` with its detail and summary
logs and `spl.txt`.

## Why it matters
The power metric is computed from these files; the power working group's
checker needs all of them.

## Example
A power result without `performance/ranging/`.

## How to fix
Copy every file the power director and LoadGen wrote.

## Rule reference
MLPerf Power rules; the checker's power check.
""",
    suites=SUITES,
    divisions=ALL,
)


POWER_FILES = ("client.json", "client.log", "ptd_logs.txt", "server.json", "server.log")


RANGING_FILES = ("mlperf_log_detail.txt", "mlperf_log_summary.txt", "spl.txt")


# -- the result's metric and accuracy (also used by the results table) -------------------------------


@checker(RESULT_SUBJECT, IPW001)
def power(ctx: ResultContext) -> Iterator[Finding]:
    if not any(name.startswith("performance/power/") for name in ctx.files):
        return
    wanted = [f"performance/power/{n}" for n in POWER_FILES] + ["performance/run_1/spl.txt"]
    wanted += [f"performance/ranging/{n}" for n in RANGING_FILES]
    for relative in wanted:
        if relative not in ctx.files:
            yield ctx.finding(
                IPW001,
                f"{MISSING}: {relative} (a power result needs it)",
                path=ctx.shown(relative),
                observed="absent",
                required=relative,
            )


_WORKFLOW = "MLPerf Power rules (`power_measurement.adoc`), Preamble: all submitters must use the MLPerf Power workflow"


def _code(code: str, name: str, severity: Severity, summary: str, doc: str, requires: str | None = None) -> Any:
    return define(code, name, severity, summary, doc, suites=SUITES, divisions=ALL, requires=requires)


IPW002 = _code(
    "IPW002",
    "power-file-unreadable",
    Severity.ERROR,
    "A power file cannot be read: a session file that is not a JSON object with the workflow's fields, an spl.txt without samples, an unreadable PTD log.",
    doc_page(
        "That `power/client.json` and `power/server.json` are JSON objects with the fields the workflow writes "
        "(`version`, `timezone`, `modules`, `sources`, `messages`, `uuid`, `session_name`, `results`, `phases`; "
        "`server.json` also `ptd_messages`, `ptd_config`), that `ptd_logs.txt` can be read, and that each `spl.txt` "
        "has readable `Time,...` samples (stopping at the `power-samples` limit is reported too).",
        "Every other power check and the power metric read these files.",
        "`power/server.json` cut off in the middle of a message.",
        "Copy the files the power director and PTDaemon wrote, unchanged.",
        "The Power WG checker's `SessionDescriptor.required_fields_check` (a missing field is a failure); " + _WORKFLOW + ".",
    ),
)

IPW003 = _code(
    "IPW003",
    "power-sources-unknown",
    Severity.ERROR,
    "The power workflow's sources (client.json/server.json `sources`) are not a release the round's Power WG checker accepts.",
    doc_page(
        "That the `sources` table (sha1 of each file of `ptd_client_server`) of `client.json` and of `server.json` "
        "equals one of the round's accepted sets (`[power] source_checksums`).",
        "Only the MLPerf power workflow may measure power; changed sources are another tool.",
        "`lib/server.py` with a sha1 no release has.",
        "Measure with the power workflow release of the round, unmodified.",
        "The Power WG checker's `sources_check` and `sources_checksums.json` of the round; " + _WORKFLOW + ".",
    ),
)

IPW004 = _code(
    "IPW004",
    "power-analyzer-unsupported",
    Severity.ERROR,
    "The analyzer or PTDaemon version is not one the round's Power WG checker accepts (Identify reply, ptd_config).",
    doc_page(
        "From `server.json`: the PTDaemon `Identify` reply is there, its `version=` is one of the round's "
        "(`[power] ptd_versions`), its model and each `ptd_config` `device_type` are supported analyzers "
        "(`[power] analyzers`), and a two-channel analyzer (`two_channel_devices`) is configured with two channels.",
        "Only SPEC PTDaemon with an approved analyzer measures power for MLPerf; each round names the PTDaemon release.",
        "`version=1.10.0-...` in a 5.1 result (5.0 on accept 1.11.1).",
        "Use the round's PTDaemon release and an analyzer from the approved list.",
        "The Power WG checker's `ptd_messages_check` (SUPPORTED_VERSION, SUPPORTED_MODEL) and `check_ptd_config`; "
        "MLPerf Power rules, FAQ \"Which power analyzers are supported?\".",
    ),
)

IPW005 = _code(
    "IPW005",
    "power-ptd-protocol",
    Severity.ERROR,
    "PTDaemon's replies are not the expected ones, the analyzer's ranges were not restored, or the server ran in debug mode.",
    doc_page(
        "From `server.json` `ptd_messages`: each `SR,A`, `SR,V`, `Go,1000,` and `Stop` command got the reply the "
        "round expects (`[power] replies`; the third `Stop` finds no measurement), the initial amps and volts ranges "
        "were set again at the end (`amps_restore_command`, `volts_restore_command`), and `debug` is not true.",
        "The replies show that PTDaemon measured one sample a second with fixed ranges in the testing run.",
        "`Go,1000,0,...` answered by an error.",
        "Run the unmodified workflow; do not use `--debug` for a submission.",
        "The Power WG checker's `ptd_messages_check` and `debug_check`; " + _WORKFLOW + ".",
    ),
)

IPW006 = _code(
    "IPW006",
    "power-session-mismatch",
    Severity.ERROR,
    "client.json and server.json are not of the same session (UUIDs, session name, messages or protocol version differ).",
    doc_page(
        "That both session files carry the same client and server UUIDs and session name, the same messages "
        "(commands, and replies except to `time`), and that the client's protocol version is the server's.",
        "The power log and the performance log must come from the same run.",
        "`client.json` of one session beside `server.json` of another.",
        "Submit the session files written together, by one run of the workflow.",
        "The Power WG checker's `uuid_check`, `session_name_check`, `messages_check`; MLPerf Power rules, "
        "\"Power and Performance Measurement and Reporting\".",
    ),
)

IPW007 = _code(
    "IPW007",
    "power-checksum-mismatch",
    Severity.ERROR,
    "A power result's file differs from the sha1 its session files record, or the two session files record different files.",
    doc_page(
        "The sha1 of each file the workflow records (`[power] result_files`: logs and `spl.txt` of both runs, the "
        "power logs) against `results` of `client.json` and `server.json`, and the two records against each other.",
        "The checksums show the logs are the ones the workflow measured, unedited.",
        "`run_1/mlperf_log_summary.txt` edited after the run.",
        "Submit the files exactly as the workflow wrote them.",
        "The Power WG checker's `results_check`; MLPerf Power rules, \"Performance and Power Logs\".",
    ),
)

IPW008 = _code(
    "IPW008",
    "power-clock-difference",
    Severity.ERROR,
    "The client's and the server's times of a session phase differ by more than the round's tolerance.",
    doc_page(
        "`phases` (session start, load start, load stop, session end) of `client.json` and `server.json`, for the "
        "ranging and the testing run: as many phases, and each pair within `[power] clock_tolerance` (800 ms).",
        "The power window is cut from the analyzer's samples by LoadGen's times: the clocks must agree.",
        "The server's load start 1.2 s after the client's.",
        "Synchronise both machines with NTP (the workflow does it when its NTP server is reachable).",
        "The Power WG checker's `phases_check` (TIME_DELTA_TOLERANCE); MLPerf Power rules, Definitions (NTP).",
    ),
)

IPW009 = _code(
    "IPW009",
    "power-ptd-log-invalid",
    Severity.ERROR,
    "The PTD log lacks the uncertainty check before the ranging run, or the ranging run's marks.",
    doc_page(
        "In `ptd_logs.txt`: the \"Uncertainty checking ... is activated\" line before the ranging run's `Go with mark`, "
        "and that run's `Go with mark '<session>_ranging'` and its `Completed test`.",
        "Uncertainty checking is how PTDaemon vouches for each sample; the ranging marks delimit the run whose errors are expected.",
        "A PTD log with no \"Uncertainty checking\" line.",
        "Run PTDaemon as the workflow starts it.",
        "The Power WG checker's `check_ptd_logs` (each is an assertion there); " + _WORKFLOW + ".",
    ),
)

IPW010 = _code(
    "IPW010",
    "power-window-outside",
    Severity.ERROR,
    "LoadGen's power_begin/power_end are missing or fall outside the load phase the workflow recorded for the run.",
    doc_page(
        "For `ranging/` and `run_1/`: `power_begin` and `power_end` of the detail log are there and lie between the "
        "run's load start and load stop (`phases`, client side); a time exactly `[power] dst_shift` late is accepted as "
        "the Power WG checker accepts it.",
        "The power window is LoadGen's: outside the load phase, the power measured is not the run's.",
        "`power_begin` of a run logged an hour before the session.",
        "Submit the LoadGen logs of the runs the workflow ran.",
        "MLPerf Power rules, \"LoadGen and Start/End TimeStamps\"; the Power WG checker's `phases_check`.",
    ),
)

IPW011 = _code(
    "IPW011",
    "power-testing-below-ranging",
    Severity.ERROR,
    "The testing run's average power is lower than the ranging run's by more than the round's bound (5 %).",
    doc_page(
        "The average of the positive samples inside each run's LoadGen window, rounded as the checker rounds: "
        "(testing / ranging - 1) x 100 must be above -`[power] testing_power_drop`.",
        "Both runs are the same workload; a much lower testing power means the two runs differ.",
        "Ranging 5,000 W, testing 4,600 W (-8 %).",
        "Run the ranging and the testing run alike, with the same settings.",
        "The Power WG checker's `phases_check` (assert delta > -5); MLPerf Power rules, \"Realistic Power Management\".",
    ),
)

IPW012 = _code(
    "IPW012",
    "power-testing-shorter",
    Severity.WARNING,
    "The testing run's LoadGen window is shorter than the ranging run's by more than the round's bound (50 %).",
    doc_page(
        "(ranging duration - testing duration) / ranging duration against `[power] testing_duration_drop`.",
        "Both runs should be the same workload; the Power WG checker warns (its message says 5 percent, its test 50).",
        "A 600 s ranging run and a 250 s testing run.",
        "Run the testing run with the ranging run's settings.",
        "The Power WG checker's `phases_check` `compare_duration` (a warning there too).",
    ),
)

IPW013 = _code(
    "IPW013",
    "power-analyzer-errors",
    Severity.WARNING,
    "PTDaemon logged errors outside the ranging run, uncommon errors during ranging, or warnings during the load.",
    doc_page(
        "`ERROR:` lines of `ptd_logs.txt` outside the ranging run (`Go with mark`..`Completed test`), errors during "
        "ranging other than the expected ones (`[power] ranging_errors`), `USB.` errors, and `WARNING:` lines inside the "
        "testing load window. All are counted; the Power WG checker stops at the first such line, so errors after "
        "an accepted one are never seen there.",
        "An analyzer error during the testing run (a current over the range's peak) means samples of the reported "
        "power were not measured correctly; the rules do not say what follows, so the reviewers must judge it.",
        "59 \"Current exceeds peak value allowed for range 0.50A\" errors inside the testing window.",
        "Measure again with a range that suits the load (let the ranging run choose it).",
        "The Power WG checker's `check_ptd_logs` (errors outside ranging fail, uncommon ones warn; its scan ends at the first warning).",
    ),
)

IPW014 = _code(
    "IPW014",
    "power-samples-dropped",
    Severity.WARNING,
    "Samples inside the testing run's window are zero or negative: the power metric leaves them out.",
    doc_page(
        "The samples of `run_1/spl.txt` strictly inside `power_begin`..`power_end` whose watts are not positive.",
        "The official metric drops them silently, which raises the average; negative watts are not a measurement.",
        "59 samples near -40 W in a 600 s window.",
        "Measure again with a range that suits the load.",
        "The official checker's power metric (`get_power_metric`: only samples > 0 are averaged); the rules are silent.",
    ),    requires="positive samples",
)

IPW015 = _code(
    "IPW015",
    "power-no-samples",
    Severity.ERROR,
    "No positive sample of run_1/spl.txt falls inside LoadGen's power window: the result has no power metric.",
    doc_page(
        "That `run_1/spl.txt` has at least one sample with positive watts strictly between `power_begin` and "
        "`power_end` of `run_1/mlperf_log_detail.txt`.",
        "The power metric is the average of those samples.",
        "An `spl.txt` of another day.",
        "Submit the `spl.txt` of the run.",
        "The official checker's power metric (\"has no power samples falling in power range\" is an error); MLPerf Power rules, "
        "\"Power is measured in the Performance phase\".",
    ),
)

IPW016 = _code(
    "IPW016",
    "power-clock-offset",
    Severity.WARNING,
    "The client's and the server's clocks differed by more than a tenth of the tolerance when the session started.",
    doc_page(
        "The time-synchronisation lines of `power/client.log` (\"within range A ms..B ms\") against "
        "`[power] clock_offset_warning` (100 ms).",
        "Both machines must be NTP-synchronised; an offset this large is inside the checker's 800 ms but far from "
        "what synchronised machines show (a few ms), and it shifts the power window against the samples.",
        "\"within range 246.586 ms..253.833 ms\".",
        "Synchronise the director and the SUT with the same NTP server before measuring.",
        "MLPerf Power rules, Definitions (SUT and director synchronised with NTP); no bound is stated.",
    ),
)

IPW017 = _code(
    "IPW017",
    "power-uncertainty-over-limit",
    Severity.WARNING,
    "PTDaemon reported a sample uncertainty over 1 % inside the testing run's load window.",
    doc_page(
        "`WARNING: Uncertainty N%, which is above 1.00% limit for the last sample` lines of `ptd_logs.txt` (also the "
        "per-channel form of multichannel analyzers, `..., logical channel N!`) inside the testing run's LoadGen window, "
        "less the clock tolerance (0.8 s) at each end; all are counted.",
        "The Power WG checker means this as a failure, but its scan of the log ends at the first warning-level line, "
        "it adds the 800 ms tolerance to times in seconds (so it looks only at lines more than 800 s inside the window), "
        "and its pattern misses the per-channel form: round 5.1 published 9 of its 24 power results with such lines. The rules do "
        "not state an uncertainty bound: a warning for the reviewers.",
        "543 samples at 1.08 % in a 600 s window.",
        "Measure again with a range that suits the load (a lower current range for a small SUT).",
        "The Power WG checker's `check_ptd_logs` (WARNING_NEEDS_TO_BE_ERROR_TESTING_RE); the rules are silent.",
    ),
)
# a kind of PTD log line: its noun (counted) and the words after it
OVER_LIMIT = ("uncertainty warning", "over the limit inside the testing load window")

IPW018 = _code(
    "IPW018",
    "power-system-fields",
    Severity.WARNING,
    "The system description of a system with power results lacks power fields (power_management, power_supply_details ...) or leaves them empty.",
    doc_page(
        "For a result with `performance/power/`: that its `systems/<system>.json` has each field of `[power] system_fields` "
        "(`power_management`, `filesystem`, firmware versions, NIC details, `network_speed_mbit`, power supplies, disks, "
        "`system_power_only`), not empty.",
        "The power rules say a valid submission has \"all the mandatory fields of the SUT description ... filled\" "
        "without naming them; the official checker has the list but its check is switched off (`if False and not "
        "check_system_desc_id_power(...)`) and no field must be filled there, so this is a warning.",
        "A system JSON without `power_supply_details`, or with `\"power_management\": \"\"`.",
        "Add and fill the fields (see the system description template of the round).",
        "MLPerf Power rules, \"Platform Description\"; the checker's SYSTEM_DESC_REQUIRED_FIELDS_POWER.",
    ),
)

IPW019 = _code(
    "IPW019",
    "power-samples-missing",
    Severity.WARNING,
    "run_1/spl.txt has fewer samples in LoadGen's power window than one per sampling interval, or does not cover the window.",
    doc_page(
        "The samples of `run_1/spl.txt` strictly inside `power_begin`..`power_end`: at least the window's length over "
        "`[power] sample_interval` (1 s), less `sample_gap_warning` (10 %), and a sample before the window begins and "
        "after it ends.",
        "The metric averages what was sampled: a gap leaves part of the run unmeasured.",
        "420 samples in a 600 s window; or an `spl.txt` that stops before `power_end`.",
        "Submit the whole `spl.txt` of the run; measure again if the analyzer stopped.",
        "The Power WG checker's `ptd_messages_check` (one sample each 1000 ms); the rules are silent on gaps.",
    ),
)

IPW020 = _code(
    "IPW020",
    "power-inferred",
    Severity.REVIEW,
    "The result's power comes from a run of another scenario (an edge result inferred from a SingleStream or MultiStream run).",
    doc_page(
        "A power result whose `run_1` LoadGen run is of another scenario than its folder (a MultiStream or Offline "
        "folder holding a SingleStream run): its power metric is then that run's, converted as the official checker "
        "converts it (MultiStream: x 8 samples per query; Offline: the run's average watts).",
        "The rules allow inferring an edge result's performance; they say power and performance come from the same "
        "run but not how power is inferred. The reviewers should know the number was not measured in that scenario.",
        "`offline/performance/run_1` holding the SingleStream run of `singlestream/`.",
        "Nothing, if the inference is intended; otherwise measure the scenario with its own run.",
        "MLPerf Power rules, \"Power and Performance Measurement and Reporting\"; the official checker's power metric "
        "(MultiStream from SingleStream: samples_per_query x).",
    ),
)

# -- reading helpers (no file is opened here) ------------------------------------------------


@lru_cache(maxsize=None)
def _rules_of(round_name: str) -> PowerRules | None:
    from compliance.rulebook.inference import load_inference_rulebook

    return power_rules(load_inference_rulebook(round_name).power)


def _power(ctx: ResultContext) -> tuple[PowerResult, PowerRules] | None:
    power = getattr(ctx, "power", None)
    if power is None:
        return None
    rules = _rules_of(ctx.book.round)
    return (power, rules) if rules is not None else None


PowerCheck = Callable[[ResultContext, PowerResult, PowerRules], Iterator[Finding]]


def _power_check(*codes: Any) -> Callable[[PowerCheck], Callable[[ResultContext], Iterator[Finding]]]:
    """Register a result rule that runs only on a power result of a round with power rules."""

    def wrap(function: PowerCheck) -> Callable[[ResultContext], Iterator[Finding]]:
        @checker(RESULT_SUBJECT, *codes)
        @functools.wraps(function)
        def run(ctx: ResultContext) -> Iterator[Finding]:
            found = _power(ctx)
            if found is not None:
                yield from function(ctx, *found)

        return run

    return wrap


def _short(value: Any, most: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def _session(data: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The session object when it has every field named, else None."""
    if data is None or any(name not in data for name in names):
        return None
    return data


def _sessions(power: PowerResult, rules: PowerRules) -> tuple[dict[str, Any], dict[str, Any]] | None:
    client = _session(power.client.data, rules.session_fields)
    server = _session(power.server.data, rules.session_fields + rules.server_fields)
    return (client, server) if client is not None and server is not None else None


def _window(run: Any, rules: PowerRules) -> tuple[float, float] | None:
    """LoadGen's power_begin and power_end of a run, in seconds since the epoch (UTC)."""
    from compliance.parsers.power import epoch

    if run is None or not getattr(run.detail, "present", False):
        return None
    begin, end = run.detail.value("power_begin"), run.detail.value("power_end")
    if not isinstance(begin, str) or not isinstance(end, str):
        return None
    start, stop = epoch(begin, rules.datetime_format), epoch(end, rules.datetime_format)
    return (start, stop) if start is not None and stop is not None else None


@recordclass(frozen=True, slots=True)
class WindowSamples:
    """The samples of one spl.txt strictly inside a LoadGen window."""

    inside: int
    positive: int
    watts: float | None  # average of the positive samples
    pf: float | None  # average of the positive power factors
    nonpositive_lines: tuple[int, ...]


def window_samples(log: SampleLog, window: tuple[float, float]) -> WindowSamples:
    begin, end = window
    inside = positive = pf_count = 0
    total = pf_total = 0.0
    bad: list[int] = []
    for when, watts, pf, line in zip(log.times, log.watts, log.pf, log.lines):
        if not begin < when < end:
            continue
        inside += 1
        if watts > 0:
            positive += 1
            total += watts
        else:
            bad.append(line)
        if pf > 0:
            pf_count += 1
            pf_total += pf
    return WindowSamples(inside, positive, total / positive if positive else None, pf_total / pf_count if pf_count else None, tuple(bad))


def _phases(session: dict[str, Any], mode: str) -> list[float] | None:
    """The epoch times of a mode's phases ('ranging', 'testing'), or None when they are not numbers."""
    phases = session.get("phases")
    entries = phases.get(mode) if isinstance(phases, dict) else None
    if not isinstance(entries, list):
        return None
    times = []
    for entry in entries:
        if not isinstance(entry, list) or not entry or isinstance(entry[0], bool) or not isinstance(entry[0], (int, float)):
            return None
        times.append(float(entry[0]))
    return times


# -- the checks ---------------------------------------------------------------------------------


@_power_check(IPW002)
def power_files_readable(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    from compliance.limits import reached

    for session, extra in ((power.client, ()), (power.server, rules.server_fields)):
        if session.error == "absent":
            continue  # IPW001
        if session.error is not None or session.data is None:
            yield ctx.finding(IPW002, f"{session.error}", path=session.path, observed="unreadable", required="a JSON object")
            continue
        absent = [name for name in (*rules.session_fields, *extra) if name not in session.data]
        if absent:
            yield ctx.finding(
                IPW002,
                f"no {', '.join(absent)} (the power workflow writes them)",
                path=session.path,
                observed=f"{len(absent)} field(s) absent",
                required=", ".join((*rules.session_fields, *extra)),
            )
    for log in (power.testing, power.ranging):
        if log.error not in (None, "absent"):
            yield ctx.finding(IPW002, f"{log.error}", path=log.path, observed="unreadable", required="PTDaemon's sample log")
        elif log.error is None and not log.times:
            yield ctx.finding(IPW002, "no readable Time,... sample line", path=log.path, line=log.first_bad_line, observed="0 samples", required="one sample a second")
        if log.stopped_at is not None:
            yield ctx.finding(
                IPW002,
                f"samples read up to line {log.stopped_at}: {reached('power-samples')}",
                path=log.path,
                line=log.stopped_at,
                observed="more samples than the limit",
                required="a log within the limit",
            )
    if power.ptd_log.error not in (None, "absent"):
        yield ctx.finding(IPW002, f"{power.ptd_log.error}", path=power.ptd_log.path, observed="unreadable", required="PTDaemon's log")


@_power_check(IPW003)
def power_sources(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    for session in (power.client, power.server):
        sources = (session.data or {}).get("sources")
        if session.data is None or "sources" not in session.data:
            continue
        if sources in rules.source_checksums:
            continue
        changed: list[str] = []
        if isinstance(sources, dict) and rules.source_checksums:
            nearest = min(rules.source_checksums, key=lambda known: sum(sources.get(k) != v for k, v in known.items()))
            changed = sorted({k for k in nearest if sources.get(k) != nearest[k]} | (set(sources) - set(nearest)))
        what = f"files not of an accepted release: {', '.join(_short(c, 40) for c in changed[:8])}" if changed else "not a table of file checksums"
        yield ctx.finding(
            IPW003,
            f"the power workflow's sources are not one of the {len(rules.source_checksums)} set(s) the round accepts ({what})",
            path=session.path,
            key="sources",
            observed=f"{len(changed)} file(s) differ" if changed else "not accepted",
            required="the round's power workflow release",
        )


def _identify(messages: list[Any]) -> str:
    for message in messages:
        if isinstance(message, dict) and message.get("cmd") == "Identify":
            return str(message.get("reply") or "")
    return ""


def _ptd_messages(server: dict[str, Any]) -> list[dict[str, Any]]:
    messages = server.get("ptd_messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


@_power_check(IPW004)
def power_analyzer(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    server = _session(power.server.data, rules.server_fields)
    if server is None:
        return
    where = power.server.path
    reply = _identify(_ptd_messages(server))
    if not reply:
        yield ctx.finding(IPW004, "PTDaemon's Identify command has no reply", path=where, key="ptd_messages", observed="no Identify reply", required="the analyzer and PTDaemon version")
    else:
        model = reply.split(",")[0]
        version = reply.split("version=", 1)[1].split("-", 1)[0] if "version=" in reply else ""
        if version not in rules.ptd_versions:
            yield ctx.finding(
                IPW004,
                f"PTDaemon version {_short(version)} is not the round's ({', '.join(rules.ptd_versions)})",
                path=where,
                key="ptd_messages",
                observed=version or "none",
                required=" or ".join(rules.ptd_versions),
            )
        if model not in rules.analyzers:
            yield ctx.finding(IPW004, f"analyzer {_short(model)} is not a supported one", path=where, key="ptd_messages", observed=model, required="a supported analyzer")
    config = server.get("ptd_config")
    analyzers = config if isinstance(config, list) else [config]
    supported = set(rules.analyzers.values())
    for analyzer in analyzers:
        if not isinstance(analyzer, dict):
            yield ctx.finding(IPW004, "ptd_config is not a table of the analyzer's settings", path=where, key="ptd_config", observed=_short(analyzer), required="device_type, command, channel")
            continue
        device = analyzer.get("device_type")
        if device not in supported:
            yield ctx.finding(IPW004, f"device type {_short(device)} is not a supported analyzer", path=where, key="ptd_config", observed=_short(device), required=", ".join(map(str, sorted(supported))))
        elif device in rules.two_channel_devices:
            raw = analyzer.get("command")
            command: list[Any] = raw if isinstance(raw, list) else []
            channels = next((str(command[i + 1]) for i in range(len(command) - 1) if command[i] == "-c"), "")
            listed = analyzer.get("channel")
            if len(channels.split(",")) != 2 or not isinstance(listed, list) or len(listed) != 2:
                yield ctx.finding(IPW004, f"device type {device} is a two-channel analyzer but is configured with one channel", path=where, key="ptd_config", observed="one channel", required="two channels (-c a,b)")


def _initial_range(reply: str, index: int) -> str | None:
    """The initial range a PTDaemon RR reply gives for amps (index 1) or volts (3): a number, or Auto."""
    fields = reply.split(",")
    try:
        if fields[index] == "0" and float(fields[index + 1]) > 0:
            return fields[index + 1]
    except (ValueError, IndexError):
        return None
    return "Auto"


@_power_check(IPW005)
def power_protocol(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    server = _session(power.server.data, rules.server_fields)
    if server is None:
        return
    where = power.server.path
    messages = _ptd_messages(server)
    for prefix, expected in rules.replies.items():
        stops = 0
        for message in messages:
            command = str(message.get("cmd", ""))
            if not command.startswith(prefix):
                continue
            wanted = expected
            if command == "Stop":
                stops += 1
                if stops == 3:
                    wanted = rules.third_stop_reply
            if message.get("reply") != wanted:
                yield ctx.finding(
                    IPW005,
                    f"PTDaemon answered {_short(command)} with {_short(message.get('reply'))}, not {wanted!r}",
                    path=where,
                    key="ptd_messages",
                    observed=_short(message.get("reply")),
                    required=wanted,
                )
                break
    if len(messages) > 2:
        reply = str(messages[2].get("reply", ""))
        for what, index, numbers in (("SR,A", 1, rules.amps_restore_command), ("SR,V", 3, (rules.volts_restore_command,))):
            initial = _initial_range(reply, index)
            commands = [str(m.get("cmd", "")) for m in messages if str(m.get("cmd", "")).startswith(what)]
            restored = [commands[n - 1] for n in numbers if n <= len(commands)]
            if initial is None or f"{what},{initial}" not in restored:
                yield ctx.finding(
                    IPW005,
                    f"the initial {what[-1]} range ({initial or 'unreadable'}) was not set again at the end: {', '.join(map(_short, restored)) or 'no such command'}",
                    path=where,
                    key="ptd_messages",
                    observed=", ".join(restored) or "none",
                    required=f"{what},{initial}",
                )
    if server.get("debug", False) is not False:
        yield ctx.finding(IPW005, "the server ran in debug mode", path=where, key="debug", observed=_short(server.get("debug")), required="false")


def _same_uuid(one: Any, two: Any) -> bool:
    try:
        return uuid.UUID(str(one)) == uuid.UUID(str(two))
    except ValueError:
        return False


@_power_check(IPW006)
def power_session(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    both = _sessions(power, rules)
    if both is None:
        return
    client, server = both
    where = power.server.path
    ids_c, ids_s = client.get("uuid"), server.get("uuid")
    for side in ("client", "server"):
        one = ids_c.get(side) if isinstance(ids_c, dict) else None
        two = ids_s.get(side) if isinstance(ids_s, dict) else None
        if not _same_uuid(one, two):
            yield ctx.finding(IPW006, f"the {side} UUID differs from client.json's ({_short(two)} against {_short(one)})", path=where, key=f"uuid.{side}", observed=_short(two), required=_short(one))
    if client.get("session_name") != server.get("session_name"):
        yield ctx.finding(
            IPW006,
            f"session {_short(server.get('session_name'))}, client.json says {_short(client.get('session_name'))}",
            path=where,
            key="session_name",
            observed=_short(server.get("session_name")),
            required=_short(client.get("session_name")),
        )
    yield from _messages_agree(ctx, where, client.get("messages"), server.get("messages"))


def _messages_agree(ctx: ResultContext, where: str, ours: Any, theirs: Any) -> Iterator[Finding]:
    if not isinstance(ours, list) or not isinstance(theirs, list) or len(ours) != len(theirs):
        count = [len(m) if isinstance(m, list) else "no" for m in (ours, theirs)]
        yield ctx.finding(IPW006, f"{count[1]} messages, client.json has {count[0]}", path=where, key="messages", observed=str(count[1]), required=str(count[0]))
        return
    for index, (mine, other) in enumerate(zip(ours, theirs)):
        if not isinstance(mine, dict) or not isinstance(other, dict) or mine.get("cmd") != other.get("cmd") or (mine.get("cmd") != "time" and mine.get("reply") != other.get("reply")):
            yield ctx.finding(IPW006, f"message {index + 1} differs from client.json's", path=where, key="messages", observed=_short(other), required=_short(mine))
            return
    first = theirs[0] if theirs else {}
    client_v = str(first.get("cmd", "")).rsplit(" v", 1)[-1] if isinstance(first, dict) else ""
    server_v = str(first.get("reply", "")).rsplit(" v", 1)[-1] if isinstance(first, dict) else ""
    if not client_v.isdigit() or client_v != server_v:
        yield ctx.finding(IPW006, f"client protocol version {_short(client_v)}, server {_short(server_v)}", path=where, key="messages", observed=_short(server_v), required=_short(client_v))


def _recorded(session: dict[str, Any], wanted: tuple[str, ...]) -> dict[str, str]:
    results = session.get("results")
    if not isinstance(results, dict):
        return {}
    return {str(k): str(v) for k, v in results.items() if k in wanted}


@_power_check(IPW007)
def power_checksums(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    both = _sessions(power, rules)
    if both is None:
        return
    client, server = (_recorded(s, rules.result_files) for s in both)
    for name in sorted(set(client) & set(server)):
        if client[name] != server[name]:
            yield ctx.finding(IPW007, f"{name} recorded with sha1 {server[name]}, client.json says {client[name]}", path=power.server.path, key=f"results.{name}", observed=server[name], required=client[name])
    recorded = {**client, **server}
    for name in rules.result_files:
        shown = f"{power.folder}/{name}"
        if name not in recorded:
            yield ctx.finding(IPW007, "not recorded in client.json or server.json results", path=shown, observed="not recorded", required="its sha1 in results")
        elif name in power.hashes and power.hashes[name] != recorded[name]:
            yield ctx.finding(IPW007, f"sha1 {power.hashes[name]}, the session recorded {recorded[name]} (changed after the run)", path=shown, observed=power.hashes[name], required=recorded[name])
        elif name in power.unhashed and power.unhashed[name] != "absent":
            yield ctx.finding(IPW007, f"{power.unhashed[name]}; its sha1 cannot be compared", path=shown, observed="unreadable", required=recorded[name])


@_power_check(IPW008)
def power_clocks(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    both = _sessions(power, rules)
    if both is None:
        return
    client, server = both
    names = ("session start", "load start", "load stop", "session end")
    for mode in ("ranging", "testing"):
        ours, theirs = _phases(client, mode), _phases(server, mode)
        if ours is None or theirs is None or len(ours) != len(theirs):
            yield ctx.finding(IPW008, f"the {mode} phases are not comparable with client.json's", path=power.server.path, key=f"phases.{mode}", observed="different phases", required="the same phases, times in seconds")
            continue
        for index, (one, two) in enumerate(zip(ours, theirs)):
            apart = abs(one - two) * 1000
            if apart > rules.clock_tolerance_ms:
                label = names[index] if index < len(names) else f"phase {index + 1}"
                yield ctx.finding(
                    IPW008,
                    f"{mode} {label}: client and server times differ by {apart:.0f} ms (at most {rules.clock_tolerance_ms:.0f} ms)",
                    path=power.server.path,
                    key=f"phases.{mode}",
                    observed=f"{apart:.0f} ms",
                    required=f"<= {rules.clock_tolerance_ms:.0f} ms",
                )


@recordclass(frozen=True)
class _AgainstRanging:
    """What IPW011 and IPW012 differ in when they hold a testing-run figure against the ranging run's.

    ``fails(value, limit)`` is the rule's comparison with the round's limit, made on the value
    rounded to ``digits`` (None: as computed); ``message`` formats ``testing``, ``ranging`` and
    ``value``, ``observed`` the ``value``, ``required`` the ``limit``.
    """

    rule: Rule
    fails: Callable[[float, float], bool]
    digits: int | None
    message: str
    observed: str
    required: str


# the checker's `assert delta > -5` on the delta rounded to 2 digits
_BELOW = _AgainstRanging(
    IPW011,
    lambda delta, limit: not delta > -limit,
    2,
    "the testing run averaged {testing:.2f} W, {value:.2f} % against the ranging run's {ranging:.2f} W",
    "{value:.2f} %",
    "> -{limit:g} %",
)

# the checker's `compare_duration`: a drop above the limit
_SHORTER = _AgainstRanging(
    IPW012,
    lambda drop, limit: drop > limit,
    None,
    "the testing run's window ({testing:.1f} s) is {value:.1f} % shorter than the ranging run's ({ranging:.1f} s)",
    "{value:.1f} % shorter",
    "<= {limit:g} %",
)


def _against_ranging(
    ctx: ResultContext, power: PowerResult, compared: _AgainstRanging, value: float, limit: float, testing: float, ranging: float
) -> Iterator[Finding]:
    """IPW011 / IPW012: the finding when ``value`` (testing against ranging) breaks the round's ``limit``."""
    if compared.digits is not None:
        value = round(value, compared.digits)
    if compared.fails(value, limit):
        yield ctx.finding(
            compared.rule,
            compared.message.format(testing=testing, ranging=ranging, value=value),
            path=power.folder,
            observed=compared.observed.format(value=value),
            required=compared.required.format(limit=limit),
        )


@_power_check(IPW010, IPW012)
def power_windows(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    client = _session(power.client.data, rules.session_fields)
    durations: dict[str, float] = {}
    for mode, run, folder in (("ranging", power.ranging_run, "ranging"), ("testing", ctx.perf, "run_1")):
        detail = f"{power.folder}/{folder}/mlperf_log_detail.txt"
        if run is None or not run.detail.present:
            continue  # IPW001 / ITR
        window = _window(run, rules)
        if window is None:
            yield ctx.finding(IPW010, "no readable power_begin and power_end", path=detail, key="power_begin", observed="absent", required="LoadGen's power window")
            continue
        durations[mode] = window[1] - window[0]
        phases = _phases(client, mode) if client is not None else None
        if phases is None or len(phases) < 3:
            continue  # IPW002 / IPW008
        for key, when in (("power_begin", window[0]), ("power_end", window[1])):
            if not any(phases[1] < when - shift < phases[2] for shift in (0.0, rules.dst_shift_s)):
                yield ctx.finding(
                    IPW010,
                    f"{key} is {when - phases[1]:+.3f} s from the {mode} load start, outside the load phase ({phases[2] - phases[1]:.3f} s)",
                    path=detail,
                    key=key,
                    observed=f"{when - phases[1]:+.3f} s",
                    required=f"within 0 .. {phases[2] - phases[1]:.3f} s",
                )
    if "ranging" in durations and "testing" in durations and durations["ranging"] > 0:
        drop = (durations["ranging"] - durations["testing"]) / durations["ranging"] * 100
        yield from _against_ranging(ctx, power, _SHORTER, drop, rules.testing_duration_drop_percent, durations["testing"], durations["ranging"])


@_power_check(IPW011, IPW014, IPW015)
def power_samples(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    testing_window = _window(ctx.perf, rules)
    if testing_window is None or not power.testing.times:
        return  # IPW010 / IPW002
    testing = window_samples(power.testing, testing_window)
    where = power.testing.path
    if testing.watts is None:
        yield ctx.finding(IPW015, f"no positive sample between power_begin and power_end ({testing.inside} in the window)", path=where, observed=f"{testing.inside} samples, none positive", required="samples in the window")
        return
    if testing.nonpositive_lines:
        lines = testing.nonpositive_lines
        yield ctx.finding(
            IPW014,
            f"{len(lines)} of the {testing.inside} samples in the window {are(len(lines))} zero or negative (first on line {lines[0]}); the metric averages the other {testing.positive}",
            path=where,
            line=lines[0],
            observed=f"{plural(len(lines), 'sample')} <= 0 W",
        )
    ranging_window = _window(power.ranging_run, rules)
    if ranging_window is None or not power.ranging.times:
        return
    ranging = window_samples(power.ranging, ranging_window)
    if ranging.watts is None:
        return
    delta = (round(testing.watts, 5) / round(ranging.watts, 5) - 1) * 100
    yield from _against_ranging(ctx, power, _BELOW, delta, rules.testing_power_drop_percent, testing.watts, ranging.watts)


@_power_check(IPW009, IPW013, IPW017)
def power_ptd_log(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    log = power.ptd_log
    server = power.server.data
    if log.error is not None or server is None or not isinstance(server.get("session_name"), str):
        return  # IPW001 / IPW002
    mark = f"Go with mark '{server['session_name']}_ranging'"
    start = next((e for e in log.events if e.message == mark), None)
    stop = next((e for e in log.events if start is not None and e.line > start.line and e.message == "Completed test"), None)
    if start is None or stop is None:
        yield ctx.finding(IPW009, f"no {mark!r} and 'Completed test' lines: the ranging run cannot be found", path=log.path, observed="no ranging marks", required=mark)
        return
    begin_text, end_text = rules.uncertainty_activated
    activated = next((e for e in log.events if e.message.startswith(begin_text) and e.message.endswith(end_text)), None)
    if activated is None or not activated.time < start.time:
        yield ctx.finding(
            IPW009,
            f"{'no' if activated is None else 'a late'} 'Uncertainty checking ... is activated' line (it must come before the ranging run)",
            path=log.path,
            line=activated.line if activated else None,
            observed="absent" if activated is None else "after the ranging run started",
            required="before the ranging Go",
        )
    yield from _ptd_events(ctx, power, rules, start.time, stop.time)


def _ptd_events(ctx: ResultContext, power: PowerResult, rules: PowerRules, start: float, stop: float) -> Iterator[Finding]:
    log = power.ptd_log
    window = _window(ctx.perf, rules)
    margin = rules.clock_tolerance_ms / 1000
    over_begin, over_end = rules.uncertainty_over
    kinds: dict[tuple[str, str], list[int]] = {}
    for event in log.events:
        if event.message.startswith("ERROR:"):
            text = event.message[len("ERROR:") :].strip()
            if text in rules.testing_errors:
                kinds.setdefault(("USB error", "(tolerated)"), []).append(event.line)
            elif not start < event.time < stop:
                kinds.setdefault(("error", "outside the ranging run"), []).append(event.line)
            elif not text.startswith(rules.ranging_errors):
                kinds.setdefault(("uncommon error", "during ranging"), []).append(event.line)
        elif event.message.startswith("WARNING:") and window is not None and window[0] + margin < event.time < window[1] - margin:
            text = event.message[len("WARNING:") :].strip()
            if text.startswith(over_begin) and over_end in text:
                kinds.setdefault(OVER_LIMIT, []).append(event.line)
            else:
                kinds.setdefault(("warning", "inside the testing load window"), []).append(event.line)
    for kind, lines in kinds.items():
        first = next(e for e in log.events if e.line == lines[0])
        yield ctx.finding(
            IPW017 if kind == OVER_LIMIT else IPW013,
            f"{plural(len(lines), kind[0])} {kind[1]} (first on line {lines[0]}: {_short(first.message)})",
            path=log.path,
            line=lines[0],
            observed=plural(len(lines), "line"),
            required="none",
        )
    if log.dropped:
        from compliance.limits import reached

        yield ctx.finding(IPW013, f"{log.dropped} more lines not read: {reached('power-samples')}", path=log.path, observed=f"{log.dropped} lines", required="a log within the limit")


@_power_check(IPW018)
def power_system_fields(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    system = ctx.system.file
    data = ctx.system.data
    if system is None or not isinstance(data, dict):
        return  # the system rules report a missing or unreadable description
    absent = [name for name in rules.system_fields if name not in data]
    empty = [name for name in rules.system_fields if name in data and data[name] in ("", None, [], {})]
    said = [f"{len(names)} {what}: {', '.join(names)}" for what, names in (("absent", absent), ("empty", empty)) if names]
    if said:
        yield ctx.finding(
            IPW018,
            f"power fields of a system with power results: {'; '.join(said)}",
            path=system.path,
            key=(absent or empty)[0],
            observed=f"{len(absent)} absent, {len(empty)} empty",
            required="every power field, filled",
        )


@_power_check(IPW019)
def power_sample_coverage(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    window = _window(ctx.perf, rules)
    log = power.testing
    if window is None or not log.times:
        return
    inside = window_samples(log, window).inside
    wanted = (window[1] - window[0]) * 1000 / rules.sample_interval_ms
    uncovered = [what for what, bad in (("before power_begin", log.times[0] >= window[0]), ("after power_end", log.times[-1] <= window[1])) if bad]
    if inside < wanted * (1 - rules.sample_gap_warning_percent / 100) or uncovered:
        gaps = f"; no sample {' nor '.join(uncovered)}" if uncovered else ""
        yield ctx.finding(
            IPW019,
            f"{inside} samples in a {window[1] - window[0]:.1f} s window (one each {rules.sample_interval_ms:g} ms would be {wanted:.0f}){gaps}",
            path=log.path,
            observed=f"{inside} samples",
            required=f"about {wanted:.0f}, covering the window",
        )


@_power_check(IPW020)
def power_inferred(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    ran = ctx.perf.scenario if ctx.perf is not None else None
    if ran and ctx.scenario and ran != ctx.scenario:
        metric = power_metric(ctx)
        value = f": {metric.value:.6g} {metric.unit}" if metric is not None else ""
        yield ctx.finding(
            IPW020,
            f"the {ctx.scenario} result's power is that of its {ran} run{value}",
            path=f"{power.folder}/run_1/mlperf_log_detail.txt",
            key="effective_scenario",
            observed=ran,
            required=f"{article(ctx.scenario)} run, or a reviewer's acceptance",
        )


@_power_check(IPW016)
def power_clock_offset(ctx: ResultContext, power: PowerResult, rules: PowerRules) -> Iterator[Finding]:
    worst = max(power.client_log.sync, key=lambda s: max(abs(s.low_ms), abs(s.high_ms)), default=None)
    if worst is not None and max(abs(worst.low_ms), abs(worst.high_ms)) > rules.clock_offset_warning_ms:
        yield ctx.finding(
            IPW016,
            f"the client and the server clocks differed by {worst.low_ms:g} .. {worst.high_ms:g} ms",
            path=power.client_log.path,
            line=worst.line,
            observed=f"{worst.low_ms:g} .. {worst.high_ms:g} ms",
            required=f"within {rules.clock_offset_warning_ms:g} ms",
        )


# -- the power metric, for the results table ------------------------------------------------------------


@recordclass(frozen=True, slots=True)
class PowerMetric:
    value: float
    unit: str  # Watts or millijoules, as the official results table writes it


def power_metric(ctx: ResultContext) -> PowerMetric | None:
    """The official checker's power metric of a result, or None (no power, no samples in the window)."""
    found = _power(ctx)
    if found is None:
        return None
    power, rules = found
    window = _window(ctx.perf, rules)
    if window is None or not power.testing.times or ctx.scenario is None:
        return None
    samples = window_samples(power.testing, window)
    if samples.watts is None:
        return None
    if ctx.scenario in rules.metric_watts_scenarios:
        return PowerMetric(samples.watts, "Watts")
    if ctx.scenario not in rules.metric_energy_scenarios:
        return None
    queries = ctx.perf.detail.value("result_query_count") if ctx.perf is not None else None
    if isinstance(queries, bool) or not isinstance(queries, (int, float)) or queries <= 0:
        return None
    from compliance.parsers.power import seconds_between

    assert ctx.perf is not None  # a window was read from it
    duration = seconds_between(str(ctx.perf.detail.value("power_begin")), str(ctx.perf.detail.value("power_end")), rules.datetime_format)
    energy = samples.watts * (window[1] - window[0] if duration is None else duration) * 1000 / queries
    ran = ctx.perf.scenario if ctx.perf is not None else None
    per_query = ctx.book.settings.multistream_samples_per_query
    if ctx.scenario == "MultiStream" and ran == "SingleStream" and per_query is not None and per_query.value:
        energy *= per_query.value  # a MultiStream result inferred from a SingleStream run
    return PowerMetric(energy, "millijoules") if math.isfinite(energy) else None

