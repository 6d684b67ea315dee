"""Per-code pass and fail cases (tests/rules/cases/<CODE>.yaml), run through the engine.

expect: pass    -> the code is not reported
        fail    -> the code is reported as an error and the file fails
        warning -> the code is reported as a warning and does not fail the file
        (review, info: at that severity; waived: reported and waived)

Every case but a pass also pins the finding it expects (schemas/rule-case.schema.json):
``line`` (1-based, or null when the finding has no line), ``message`` (its exact text) or,
where part of it varies between runs (a temporary path, a time the real LoadGen run measured),
``message_contains`` (a stable part) or ``message_regex`` (a pattern the whole message
matches), and optionally ``file`` (relative to the case's input). That finding must be among
the code's findings; a ``findings`` list instead pins every one of them, in report order.

Case kinds: ``base``/``content`` (an MLLOG log), ``tree`` (a submission tree) and
``loadgen`` (a real LoadGen run from ``LOADGEN_RUNS``, made once per session by
``tests/support/loadgen_harness.py``, copied, then changed by byte ``edits`` only where
LoadGen cannot be made to write the case: a corrupt record, a BOM, CR LF).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.engine import AuditOptions, run_audit
from compliance.models.findings import Finding
from compliance.parsers import mllog as mllog_parser
from tests.support.loadgen_harness import CASES as HARNESS_CASES
from tests.support.loadgen_harness import Case, PendingRun, RunSpec, make_runs, run_spec
from tests.support.logedit import BASES, apply_edits, base_text
from tests.support.treebuild import fixture_tree, throughput_tree

TREES = {"amd": fixture_tree, "hpc_throughput": throughput_tree}

CASES_DIR = Path(__file__).parent / "cases"
INFERENCE_TREES = Path(__file__).parents[1] / "fixtures" / "inference_tree"
MOBILE_TREES = Path(__file__).parents[1] / "fixtures" / "mobile"
TINY_TREES = Path(__file__).parents[1] / "fixtures" / "tiny"
FIXTURES = Path(__file__).parents[1] / "fixtures"
EXAMPLES = Path(__file__).parents[2] / "examples"  # real published files (examples/<suite>/README.md says whose)


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            found.append((path.stem, case))
    return found


CASES = load_cases()


def _tree_edit(root: Path, edit: dict[str, Any]) -> None:
    ((op, args),) = edit.items()
    if op == "remove":
        target = root / args
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    elif op == "write":
        (root / args["path"]).parent.mkdir(parents=True, exist_ok=True)
        (root / args["path"]).write_text(args["text"])
    elif op == "mkdir":
        (root / args).mkdir(parents=True, exist_ok=True)
    elif op == "sparse":
        with open(root / args["path"], "wb") as handle:
            handle.truncate(args["size"])
    elif op == "fifo":
        os.mkfifo(root / args)
    elif op == "bad_name":  # a file whose name is not UTF-8: {folder, name_hex}
        os.makedirs(root / args["folder"], exist_ok=True)
        name = bytes.fromhex(args["name_hex"])
        with open(os.path.join(os.fsencode(root / args["folder"]), name), "wb") as handle:
            handle.write(b"x")
    elif op == "deep":  # a chain of folders {path, levels} with a file at the bottom
        folder = (root / args["path"]).joinpath(*["d"] * args["levels"])
        folder.mkdir(parents=True)
        (folder / "file.txt").write_text("deep")
    elif op == "symlink":
        (root / args["path"]).symlink_to(args["target"])
    elif op == "rename":
        (root / args["from"]).rename(root / args["to"])
    elif op == "copy":
        source = root / args["from"]
        if source.is_dir():
            shutil.copytree(source, root / args["to"])
        else:
            shutil.copyfile(source, root / args["to"])
    elif op == "log":
        for path in sorted(root.glob(args["path"])):
            path.write_text(apply_edits(path.read_text(), args["edits"]))
    elif op == "json":
        path = root / args["path"]
        data = json.loads(path.read_text())
        data.update(args.get("set", {}))
        for key in args.get("delete", []):
            data.pop(key, None)
        path.write_text(json.dumps(data))
    elif op == "keep_entries":  # a copied JSON list cut to its first entries: {path, keep}
        path = root / args["path"]
        path.write_text(json.dumps(json.loads(path.read_text())[: args["keep"]]))
    elif op == "replace":  # a text change in one copied file: {path, old, new}
        path = root / args["path"]
        text = path.read_text(encoding="utf-8")
        assert args["old"] in text, (args, text[:200])
        path.write_text(text.replace(args["old"], args["new"]), encoding="utf-8")
    elif op == "json_repeat":  # {path, key, count}: the first entry of a JSON object repeated (a big real file's shape)
        path = root / args["path"]
        data = json.loads(path.read_text())
        first = next(iter(data[args["key"]].values()))
        data[args["key"]] = {f"{i:032x}": first for i in range(args["count"])}
        path.write_text(json.dumps(data, indent=2))
    elif op == "copy_org":
        parent = root / "closed" if (root / "closed").is_dir() else root  # results repositories have no division level
        source, target = parent / args.get("from", "AMD"), parent / args["to"]
        shutil.copytree(source, target)
        for system in (target / "systems").glob("*.json"):
            data = json.loads(system.read_text())
            data["submitter"] = args["to"]
            system.write_text(json.dumps(data))
        for log in target.rglob("result_*.txt"):
            log.write_text(apply_edits(log.read_text(), [{"set": {"key": "submission_org", "value": args["to"]}}, *args.get("edits", [])]))
    elif op == "result_json":  # an MLPerf Mobile result file: {path, keep_results, set: {pointer: value}}
        _edit_result_json(root / args["path"], args)
    elif op == "loadgen_run":  # a real LoadGen run of LOADGEN_RUNS in place of a folder: {run, to}
        target = root / args["to"]
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(_RUNS[args["run"]], target)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown tree edit {op!r}")


def _edit_result_json(path: Path, args: dict[str, Any]) -> None:
    data = json.loads(path.read_text())
    if "keep_results" in args:
        data["results"] = [data["results"][i] for i in args["keep_results"]]
    for pointer, value in args.get("set", {}).items():
        *parents, last = pointer.strip("/").split("/")
        target = data
        for name in parents:
            target = target[int(name)] if isinstance(target, list) else target[name]
        target[int(last) if isinstance(target, list) else last] = value
    path.write_text(json.dumps(data))


# ---------------------------------------------------------------------------
# LoadGen runs: real runs made once per session, in parallel, then copied per case


# Round 5.1's official seeds (checkers/inference/v5.1.toml), set in code as mlperf.conf would.
SEEDS_V51 = {
    "qsl_rng_seed": 1780908523862526354,
    "sample_index_rng_seed": 14771362308971278857,
    "schedule_rng_seed": 18209322760996052031,
}
# TEST04's audit.config: LoadGen reads it from the working directory and warns.
TEST04_AUDIT_CONFIG = (
    "*.*.mode = 2\n*.*.performance_issue_unique = 0\n*.*.performance_issue_same = 1\n*.*.performance_issue_same_index = 3\n"
)

# Runs the cases need besides the harness's own (which every scenario and INVALID kind has).
EXTRA_RUNS: dict[str, Case] = {
    "singlestream_official": Case(
        run_spec("SingleStream", delay_ms=1.0, min_query_count=100, qsl_performance=1024, **SEEDS_V51),
        "round 5.1 seeds and ResNet-50's 1024 performance samples",
        {"result_validity": "VALID"},
    ),
    "singlestream_long_min_duration": Case(
        run_spec("SingleStream", delay_ms=1.0, min_duration_ms=600_000, max_duration_ms=800, min_query_count=100),
        "configured for 600 s (the round's minimum), stopped by a 0.8 s max_duration",
        {"effective_min_duration_ms": 600_000, "result_min_duration_met": False},
    ),
    "singlestream_min_queries_unmet": Case(
        run_spec("SingleStream", delay_ms=1.0, min_query_count=2000, min_duration_ms=300, max_duration_ms=600),
        "2000 queries wanted, stopped after 0.6 s",
        {"result_min_queries_met": False},
    ),
    "singlestream_p99": Case(
        run_spec("SingleStream", delay_ms=0.5, single_stream_target_latency_percentile=0.99, min_query_count=700),
        "a SingleStream run targeting the 99th percentile instead of the 90th",
        {"effective_target_latency_percentile": 0.99},
    ),
    "singlestream_issue_same": Case(
        run_spec("SingleStream", delay_ms=1.0, min_query_count=100, performance_issue_same=True, performance_issue_same_index=3),
        "TEST04's setting (the same sample every query) in a plain run",
        {"effective_performance_issue_same": True},
    ),
    "singlestream_sampling": Case(
        run_spec("SingleStream", delay_ms=1.0, min_query_count=100, accuracy_log_sampling_target=64, accuracy_log_rng_seed=720381539243781796),
        "TEST01's setting (responses logged in performance mode) in a plain run",
        {"effective_accuracy_log_sampling_target": 64},
    ),
    "server_resnet_bound": Case(
        run_spec("Server", sut="pool", workers=8, delay_ms=1.0, server_target_qps=600, server_target_latency_ns=15_000_000, min_query_count=100),
        "ResNet-50's 15 ms Server bound as the target, met (p99 within it)",
        {"result_perf_constraints_met": True},
    ),
    "server_slow": Case(
        run_spec("Server", sut="pool", workers=8, delay_ms=20.0, server_target_qps=100, server_target_latency_ns=1_000_000_000, min_query_count=100),
        "every query takes 20 ms: within the run's 1 s target, over ResNet-50's 15 ms",
        {"result_perf_constraints_met": True},
    ),
    "server_tokens_slow": Case(
        run_spec(
            "Server", sut="llm", workers=8, first_token_ms=5.0, delay_ms=20.0, tokens=8, server_target_qps=100,
            server_target_latency_ns=1_000_000_000, use_token_latencies=True, ttft_latency=2_000_000, tpot_latency=1_000_000,
            min_query_count=100,
        ),
        "first token after 5 ms (bound 2 ms), ~3 ms per token (bound 1 ms)",
        {"result_perf_constraints_met": False},
    ),
    "offline_24576": Case(
        run_spec("Offline", sut="pool", workers=2, delay_ms=0.0, offline_expected_qps=100, min_query_count=24576, qsl_total=2048, qsl_performance=1024),
        "an Offline query of 24 576 samples",
        {"effective_samples_per_query": 24576},
    ),
    "accuracy_43": Case(
        run_spec("Offline", "accuracy", sut="pool", workers=2, delay_ms=0.0, qsl_total=43, qsl_performance=43),
        "an accuracy run over 43 samples (3D-UNet's data set)",
        {},
    ),
}
# Runs made in a working directory holding an audit.config (LoadGen reads the file name the harness passes).
AUDIT_RUNS: dict[str, tuple[RunSpec, str]] = {
    "singlestream_audit_config": (run_spec("SingleStream", delay_ms=1.0, min_query_count=100), TEST04_AUDIT_CONFIG),
}
LOADGEN_RUNS: dict[str, Case] = {**HARNESS_CASES, **EXTRA_RUNS}
AUDIT_CONFIG_NAME = "no-audit-config-here.config"  # the name tests/support/loadgen_harness.py passes to StartTest

_RUNS: dict[str, Path] = {}


def loadgen_runs(factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every LoadGen run the cases and tests use, made once per session (a few seconds, in parallel)."""
    if not _RUNS:
        pytest.importorskip("mlperf_loadgen", reason="mlcommons-loadgen (a test dependency) is not installed")
        base = factory.mktemp("loadgen-cases")
        audited = {}
        for name, (spec, config) in AUDIT_RUNS.items():
            folder = base / name
            folder.mkdir()
            (folder / AUDIT_CONFIG_NAME).write_text(config)
            audited[name] = PendingRun(spec, folder, 90.0)
        made = make_runs(base / "runs", LOADGEN_RUNS)
        for name, pending in audited.items():
            made[name] = pending.wait()
            (made[name] / AUDIT_CONFIG_NAME).unlink()
        _RUNS.update(made)
    return _RUNS


def _file_edit(folder: Path, edit: dict[str, Any]) -> None:
    """One byte edit of a copied run's file (for what LoadGen cannot be made to write)."""
    ((op, args),) = edit.items()
    if op == "remove":
        (folder / args).unlink()
        return
    path = folder / (args if isinstance(args, str) else args["file"])
    data = path.read_bytes()
    if op == "empty":
        data = b""
    elif op == "prepend":
        data = args["text"].encode("utf-8") + data
    elif op == "append":
        data = data + args["text"].encode("utf-8")
    elif op == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif op == "cut_tail":
        data = data[: -args["bytes"]]
    elif op in ("replace", "drop_line", "corrupt_line", "duplicate_line"):
        lines = data.split(b"\n")
        wanted = args.get("line_containing", args.get("containing", "")).encode("utf-8")
        index = next(i for i, line in enumerate(lines) if wanted in line)
        if op == "replace":
            if args.get("regex"):
                lines[index] = re.sub(args["old"].encode(), args["new"].encode(), lines[index], count=1)
            else:
                assert args["old"].encode() in lines[index], (args, lines[index][:200])
                lines[index] = lines[index].replace(args["old"].encode(), args["new"].encode(), 1)
        elif op == "drop_line":
            del lines[index]
        elif op == "duplicate_line":
            lines.insert(index, lines[index])
        else:  # corrupt_line: the record loses its closing braces
            lines[index] = lines[index].rstrip(b"}")
        data = b"\n".join(lines)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown LoadGen edit {op!r}")
    path.write_bytes(data)


def build_loadgen_case(case: dict[str, Any], tmp_path: Path, factory: pytest.TempPathFactory) -> tuple[list[str], str, AuditOptions]:
    """Copy the case's run (to ``place`` under tmp_path if given), apply its edits; return paths, subject, options."""
    source = loadgen_runs(factory)[case["loadgen"]]
    folder = tmp_path / case.get("place", "run")
    shutil.copytree(source, folder)
    for edit in case.get("edits", []):
        _file_edit(folder, edit)
    target = str(folder / "mlperf_log_detail.txt") if case.get("target") == "detail" else str(folder)
    options = AuditOptions(
        suite="inference",
        round=str(case["round"]) if "round" in case else None,
        benchmark=case.get("benchmark"),
        scenario=case.get("scenario"),
    )
    return [target], target, options


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def build_case(case: dict[str, Any], tmp_path: Path) -> tuple[list[str], str, str, str]:
    """Write the case's log or tree; return (paths, the subject, suite, round)."""
    if "mobile" in case:
        root = tmp_path / "mobile_results"
        shutil.copytree(MOBILE_TREES / case["mobile"], root)
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        return [str(root)], str(root), "mobile", str(case.get("round", "5.0"))
    if "example_tree" in case or "fixture_tree" in case:  # real files (a bundled example or a fixture), edited
        root = tmp_path / "submission"
        shutil.copytree(EXAMPLES / case["example_tree"] if "example_tree" in case else FIXTURES / case["fixture_tree"], root)
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        for edit in case.get("file_edits", []):
            _file_edit(root, edit)
        return [str(root)], str(root), case["suite"], str(case["round"])
    if "inference_tree" in case:
        root = tmp_path / "submission"
        shutil.copytree(INFERENCE_TREES / case["inference_tree"], root)
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        return [str(root)], str(root), "inference", str(case.get("round", "5.1"))
    if "tiny_tree" in case:  # a copy of tests/fixtures/tiny/<name> (real files of a Tiny results repository)
        root = tmp_path / "submission"
        shutil.copytree(TINY_TREES / case["tiny_tree"], root)
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        return [str(root)], str(root), "tiny", str(case.get("round", "1.3"))
    if "tree" in case:
        root = TREES[case["tree"]](tmp_path / "submission")
        for edit in case.get("tree_edits", []):
            _tree_edit(root, edit)
        if "archive" in case:
            archive = tmp_path / "submission.tar.gz"
            with tarfile.open(archive, "w:gz") as tar:
                if "archive_only" in case:
                    for name in case["archive_only"]:
                        _add_bytes(tar, name, b"loose file")
                else:
                    tar.add(root / "closed", arcname="closed")
                    for name in case.get("archive_extra", []):
                        _add_bytes(tar, name, b"outside")
            return [str(archive)], str(archive) + "!", case.get("suite", "training"), str(case.get("round", "5.1"))
        return [str(root)], str(root), case.get("suite", "training"), str(case.get("round", "5.1"))
    if "content" in case:
        text = case["content"]
        suite, round_name = case["suite"], case["round"]
    else:
        suite, round_name, _ = BASES[case["base"]]
        text = base_text(case["base"])
        edits = case.get("edits", [])
        if case.get("repeat_inserted_line"):
            edits = [
                {"insert_after": {**e["insert_after"], "line": e["insert_after"]["line"] * case["repeat_inserted_line"]}}
                if "insert_after" in e
                else e
                for e in edits
            ]
        text = apply_edits(text, edits)
    suite = case.get("suite", suite)
    round_name = str(case.get("round", round_name))
    path = tmp_path / "result_0.txt"
    path.write_bytes(text.encode(case.get("encoding", "utf-8")))
    paths = [str(path)]
    if case.get("companion"):
        companion = tmp_path / "companion" / "result_1.txt"
        companion.parent.mkdir()
        companion.write_text(base_text("v5.1_llama31_8b"), encoding="utf-8")
        paths.append(str(companion))
    return paths, str(path), suite, round_name


TREE_INPUTS = ("tree", "inference_tree", "mobile", "tiny_tree", "example_tree", "fixture_tree")


@dataclass(frozen=True)
class Ran:
    """A case run through the engine: the findings about its input, and what passes or fails."""

    findings: list[Finding]
    subject: Any  # the report for a tree; the log's or the run's subject otherwise
    input: str  # the case's input (a log, a run folder, a tree, an archive): a pinned ``file`` is relative to it


def audit_case(
    code: str,
    case: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Ran:
    """Build the case's input as its file says (options, edits, settings, waivers) and audit it."""
    options = case.get("options", {})
    if "block_size" in options:
        monkeypatch.setattr(mllog_parser, "BLOCK_SIZE", options["block_size"])
    if "max_line_bytes" in options:
        monkeypatch.setattr(mllog_parser, "MAX_LINE_BYTES", options["max_line_bytes"])
    if "archive_limits" in options:
        from compliance.parsers import archive
        from compliance.records import replace

        monkeypatch.setattr(archive, "DEFAULT_LIMITS", replace(archive.DEFAULT_LIMITS, **options["archive_limits"]))
    if "limits" in options:  # bounds on what is read, as --limit NAME=N sets them
        from compliance import limits

        monkeypatch.setattr(limits, "_values", dict(options["limits"]))
    if "crash_rule" in options:  # the checker that emits this code raises (INT001 must contain it)
        from compliance import registry
        from compliance.registry import CHECKERS, Checker

        def crash(ctx: object) -> Any:
            yield from ()
            raise ZeroDivisionError("a rule's bug")

        registry.load_all()  # every checker registered before the list is copied
        patched = [
            Checker(entry.subject, entry.codes, crash) if options["crash_rule"] in entry.codes else entry
            for entry in CHECKERS
        ]
        monkeypatch.setattr(registry, "CHECKERS", patched)
    if any("loadgen_run" in edit for edit in case.get("tree_edits", [])):
        loadgen_runs(tmp_path_factory)  # made once per session
    if "loadgen" in case:
        paths, path, audit_options = build_loadgen_case(case, tmp_path, tmp_path_factory)
    else:
        paths, path, suite, round_name = build_case(case, tmp_path)
        audit_options = AuditOptions(suite=suite, round=round_name, rcp_bypass=case.get("rcp_bypass", False))
    if "settings" in case:  # what the repository's settings file said (as the command line passes it)
        settings = case["settings"]
        audit_options.ignore = settings.get("ignore")
        audit_options.settings_file = "mlperf-audit.toml"
        audit_options.from_settings = tuple(key for key in ("ignore",) if key in settings)
        audit_options.strict_config = settings.get("strict", False)
    if "waivers" in case:
        waiver_file = tmp_path / "waivers.toml"
        waiver_file.write_text(case["waivers"])
        audit_options.waivers = str(waiver_file)
    report = run_audit(paths, audit_options)
    if any(k in case for k in TREE_INPUTS):
        return Ran(list(report.findings), report, path)
    mine = [f for f in report.findings if f.subject == path]
    return Ran(mine, next(s for s in report.subjects if s.path == path), path)


def _relative(where: str, root: str) -> str:
    """A finding's file as a case pins it: relative to the case's input."""
    base = root.rstrip("!").rstrip("/") + "/"
    return where[len(base):] if where.startswith(base) else where


def _pin_matches(finding: Finding, pin: dict[str, Any], root: str) -> bool:
    """Whether a finding is the one a case pins: its line, its message (exact, a part, or a pattern
    the whole message matches) and, when the pin names one, its file."""
    if finding.location.line != pin["line"]:
        return False
    if "file" in pin and _relative(finding.location.path, root) != pin["file"]:
        return False
    if "message" in pin:
        return finding.message == pin["message"]
    if "message_contains" in pin:
        return pin["message_contains"] in finding.message
    return re.fullmatch(pin["message_regex"], finding.message) is not None


def _pin_text(pin: dict[str, Any]) -> str:
    told = {k: pin[k] for k in ("file", "message", "message_contains", "message_regex") if k in pin}
    return f"line {pin['line']}, " + ", ".join(f"{k} {v!r}" for k, v in told.items())


def check_pins(code: str, case: dict[str, Any], reported: list[Finding], root: str) -> None:
    """The finding a case pins (``line`` and ``message``...) is among the code's findings; a
    ``findings`` list pins every one of them, in report order."""
    listed = "\n".join(f"  line {f.location.line} in {_relative(f.location.path, root)!r}: {f.message}" for f in reported)
    if "findings" in case:
        pins = case["findings"]
        paired = len(pins) == len(reported) and all(_pin_matches(f, pin, root) for f, pin in zip(reported, pins))
        assert paired, f"{code}: the findings are not the {len(pins)} pinned ones; {code} reported {len(reported)}:\n{listed}"
    elif "line" in case:
        assert any(_pin_matches(f, case, root) for f in reported), (
            f"{code}: no finding at {_pin_text(case)}; {code} reported {len(reported)}:\n{listed}"
        )


@pytest.mark.parametrize(
    ("code", "case"), CASES, ids=[f"{code}-{case['name']}" for code, case in CASES]
)
def test_rule_case(
    code: str,
    case: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ran = audit_case(code, case, tmp_path, monkeypatch, tmp_path_factory)
    mine, subject = ran.findings, ran.subject
    reported = [f for f in mine if f.code == code]
    expect = case["expect"]
    described = "\n".join(f"{f.code} {f.severity.value} line {f.location.line}: {f.message}" for f in mine)
    if expect == "pass":
        assert not reported, f"{code} reported but the case expects it not to be:\n{described}"
    elif expect == "fail":
        assert any(f.severity.value == "error" for f in reported), f"{code} not reported as an error:\n{described}"
        assert not subject.passed
        for finding in reported:
            assert finding.message and finding.name and finding.url
            assert finding.evidence.get("required") is not None or finding.code.startswith("LOG")
    elif expect in ("warning", "info", "review"):
        assert reported and all(f.severity.value == expect for f in reported), described
        assert not any(f.blocking for f in mine if f.code == code)
    elif expect == "waived":
        assert reported and all(f.waived_by for f in reported), described
        assert not any(f.blocking for f in mine if f.code == code)
    else:  # pragma: no cover - a typo in a case file
        raise AssertionError(f"unknown expectation {expect!r}")
    check_pins(code, case, reported, ran.input)  # where, and what a person reads
    for finding in mine:  # what every reporter shows a person (issue 14)
        seen, required = finding.evidence.get("observed"), finding.evidence.get("required")
        assert seen is None or str(seen) != str(required), f"{finding.code}: seen and required both say {seen!r}"
        for shown in (finding.message, seen, required, finding.fix):
            assert not re.search(r"\b(None|null)\b", str(shown or "")), f"{finding.code} shows a null: {shown!r}"
        if seen is not None and finding.location.path not in ("", "."):
            assert str(seen) != finding.location.path, f"{finding.code}: seen repeats the location {seen!r}"
