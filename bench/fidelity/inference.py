"""Fidelity of mlperf-audit against the official MLPerf Inference submission checker, result by result.

Given a materialised results repository (``bench/fidelity/materialise.py``), its
round and one or more checkouts of the official checker (the folder holding
``tools/submission``, at the commit the round was published with, and the
newest), this

1. makes a private copy of the repository without the results whose files the
   snapshot lacks (``.absent.tsv``) and without ``--exclude`` paths; the
   official checker runs on that copy (it may write into its input), never on
   the repository itself;
2. runs each official checker once on the whole copy (cached in
   ``OUT/cache/``: the command, its log and CSV) and mlperf-audit on the whole
   copy and on each organisation folder alone;
3. writes ``OUT/results.tsv`` (one row per result: division, org, system,
   model, scenario, every verdict, both values and units, our error codes, the
   official ERROR lines that name the result or a folder above it) and
   ``OUT/summary.md`` (agreement counts, per organisation, the differences).

    python bench/fidelity/inference.py /tmp/fid/inference-5.1 --round 5.1 \\
        --official /tmp/inference-fid-official/e20506b2 --official /tmp/inference-fid-official/b66003e1 \\
        --out /tmp/inference-fid-work/5.1

MLPerf Automotive (a fork of the inference checker, ``mlcommons/mlperf_automotive``) with
``--suite automotive``; its checker takes only ``--skip-extra-files-in-root-check``:

    python bench/fidelity/inference.py /tmp/fid/automotive-0.5 --suite automotive --round 0.5 \\
        --official /tmp/ck/autochk-79b9c535 --official /tmp/ck/autochk-HEAD --label 79b9c535 --label HEAD \\
        --official-flags=--skip-extra-files-in-root-check --python /tmp/ck-venv/bin/python \\
        --out /tmp/auto-fid --verdicts tests/fixtures/fidelity/automotive-0.5.tsv

The official checker's code is never part of this repository: the user points
the script at a checkout (``--official PATH``). The first ``--official`` is the
reference (the publication commit). ``--python`` is the interpreter that runs
it (it needs PyYAML from 6.0 on).

A verdict is ``pass`` or ``fail``. Official ``pass``: the result has a row in
the checker's CSV and no ERROR line rejects a folder above it (a model without
its required scenarios, an organisation without a calibration document).
Ours ``pass``: the result's row passed and no error finding is located in a
folder above it inside its organisation.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DIVISIONS = ("closed", "open", "network")
# Files the checkers read: a result that lacks one of them in the snapshot is left out.
NEEDED = (
    "mlperf_log_detail.txt",
    "mlperf_log_summary.txt",
    "mlperf_log_accuracy.json",
    "accuracy.txt",
    "baseline_accuracy.txt",
    "compliance_accuracy.txt",
    "verify_accuracy.txt",
    "verify_performance.txt",
    "verify_output_len.txt",
    "measurements.json",
    "ptd_logs.txt",
    "client.json",
    "server.json",
    "client.log",
    "server.log",
    "spl.txt",
    "user.conf",
    "README.md",
)
# The official checker in the monolith (up to 5.1) and in the package (6.0 on) prints these
# options' checks against what a results repository keeps: the root holds the repository's own
# files, and SDXL's images are not published.
DEFAULT_OFFICIAL_FLAGS = ("--skip-extra-files-in-root-check", "--skip-extra-accuracy-files-check")
LOG_LINE = re.compile(r"^\[(?P<time>[^\]]*?) (?P<where>[\w.]+:\d+) (?P<level>[A-Z]+)\] (?P<message>.*)$")
PLACE = re.compile(
    r"(?P<division>closed|open|network)/(?P<org>[^/\s'\"(),]+)"
    r"(?:/(?P<part>results|compliance|measurements)"
    r"(?:/(?P<system>[^/\s'\"(),]+)(?:/(?P<model>[^/\s'\"(),]+)(?:/(?P<scenario>[^/\s'\"(),]+))?)?)?)?"
)


def result_key_of(path: str) -> tuple[str, ...] | None:
    """(division, org, system, model, scenario) of a path inside a result's results, compliance or
    measurements folder, else None."""
    parts = path.strip("/").split("/")
    if len(parts) < 6 or parts[0].lower() not in DIVISIONS or parts[2] not in ("results", "compliance", "measurements"):
        return None
    return (parts[0], parts[1], parts[3], parts[4], parts[5])


def absent_results(repo: Path) -> dict[tuple[str, ...], list[str]]:
    """Results whose needed files the snapshot lacks, with those files."""
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    listing = repo / ".absent.tsv"
    if not listing.exists():
        return out
    for line in listing.read_text(encoding="utf-8").splitlines()[1:]:
        path = line.split("\t", 1)[0]
        key = result_key_of(path)
        name = path.rsplit("/", 1)[-1]
        if key is None or name not in NEEDED:
            continue
        if name == "mlperf_log_accuracy.json" and path.split("/")[6:] not in (["accuracy", name], ["TEST01", "accuracy", name]):
            continue  # a performance run's or TEST07/09's: no checker reads it or lists the folder it is in
        out[key].append(path)
    return dict(out)


# -- the private copy ----------------------------------------------------------------------


def _excluded_folders(repo: Path, absent: dict[tuple[str, ...], list[str]], exclude: list[str]) -> list[str]:
    """What the copies leave out: ``--exclude`` paths, and each result with absent files. In the
    closed and network divisions that is the whole model folder (its other scenarios would fail the
    required-scenarios check only because the snapshot lacks a file)."""
    folders = set(exclude)
    for division, org, system, model, scenario in absent:
        for part in ("results", "compliance", "measurements"):
            base = f"{division}/{org}/{part}/{system}/{model}"
            folders.add(base if division in ("closed", "network") else f"{base}/{scenario}")
    return sorted(f for f in folders if (repo / f).exists())


def left_out(repo_keys: list[tuple[str, ...]], kept: list[tuple[str, ...]], absent: dict[tuple[str, ...], list[str]]) -> dict[tuple[str, ...], str]:
    """Every result the copies leave out, and why."""
    models = {key[:4] for key in absent}
    out = {}
    for key in sorted(set(repo_keys) - set(kept)):
        if key in absent:
            out[key] = "absent: " + ", ".join(sorted({f.rsplit("/", 1)[-1] for f in absent[key]}))
        elif key[:4] in models:
            out[key] = "another scenario of its model has absent files"
        else:
            out[key] = "excluded (--exclude)"
    return out


def make_copy(repo: Path, dest: Path, drop: list[str]) -> None:
    """Copy ``repo`` into ``dest`` without ``drop`` (relative paths) and without the folders that
    dropping leaves empty (the official checker fails an organisation with an empty folder)."""
    if dest.exists():
        shutil.rmtree(dest)
    dropped = {str(repo / d) for d in drop}

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if os.path.join(folder, n) in dropped or n == ".absent.tsv"]

    shutil.copytree(repo, dest, symlinks=True, ignore=ignore)
    for item in drop:
        parent = (dest / item).parent
        while parent != dest and parent.exists() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def tree_fingerprint(repo: Path, drop: list[str]) -> str:
    """A cheap fingerprint of what the checkers read: every file's path and size, and what is left out."""
    digest = hashlib.sha256("\n".join(drop).encode())
    for folder, dirs, files in os.walk(repo):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                size = os.lstat(path).st_size
            except OSError:
                size = -1
            digest.update(f"{os.path.relpath(path, repo)}\t{size}\n".encode())
    return digest.hexdigest()[:16]


# -- the official checker -----------------------------------------------------------------------


@dataclass
class OfficialRun:
    label: str
    command: list[str]
    returncode: int
    seconds: float
    rows: list[dict[str, str]]
    log: list[tuple[str, str]]  # (level, message) with continuation lines joined
    copy: Path  # the tree it checked (paths in its CSV are made relative to it)
    cached: bool = False


def official_command(checkout: Path, python: str, copy: Path, version: str, csv_path: Path, flags: list[str], entry: str) -> tuple[list[str], Path]:
    tools = checkout / "tools" / "submission" if (checkout / "tools" / "submission").is_dir() else checkout
    package = tools / "submission_checker" / "main.py"
    if entry == "auto":
        entry = "package" if package.exists() else "monolith"
    if entry == "package":
        program = ["-m", "submission_checker.main"]
    elif entry == "old":
        program = [str(tools / "submission_checker_old.py")]
    else:
        program = [str(tools / "submission_checker.py")]
    return [python, *program, "--input", str(copy), "--version", version, "--csv", str(csv_path), *flags], tools


def parse_log(text: str, copy: Path) -> list[tuple[str, str]]:
    """The checker's log records, (level, message), paths made relative to the copy."""
    records: list[tuple[str, str]] = []
    prefix = str(copy).rstrip("/") + "/"
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            records.append((match["level"], match["message"].replace(prefix, "")))
        elif records and line.strip():
            level, message = records[-1]
            records[-1] = (level, f"{message} / {line.strip().replace(prefix, '')}")
    return records


def run_official(label: str, checkout: Path, python: str, copy_maker, version: str, flags: list[str], entry: str, cache: Path, key: str) -> OfficialRun:
    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / f"official-{label}-{key}"
    meta = stem.with_suffix(".json")
    csv_path = stem.with_suffix(".csv")
    log_path = stem.with_suffix(".log")
    if meta.exists() and csv_path.exists() and log_path.exists():
        info = json.loads(meta.read_text())
        copy = Path(info["copy"])
        rows = list(csv.DictReader(csv_path.open(encoding="utf-8", newline="")))
        return OfficialRun(label, info["command"], info["returncode"], info["seconds"], rows, parse_log(log_path.read_text(encoding="utf-8", errors="replace"), copy), copy, True)
    copy = copy_maker()
    command, cwd = official_command(checkout, python, copy, version, csv_path, flags, entry)
    started = time.monotonic()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, errors="replace")
    seconds = time.monotonic() - started
    log_path.write_text(proc.stderr + proc.stdout, encoding="utf-8")
    if not csv_path.exists():
        csv_path.write_text("", encoding="utf-8")
    meta.write_text(json.dumps({"command": command, "cwd": str(cwd), "returncode": proc.returncode, "seconds": round(seconds, 1), "copy": str(copy)}, indent=1))
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8", newline="")))
    return OfficialRun(label, command, proc.returncode, seconds, rows, parse_log(proc.stderr + proc.stdout, copy), copy)


def place_of(message: str) -> list[tuple[str, ...]]:
    """Every folder a log message names: tuples of 2 (org) to 5 (result) parts."""
    found = []
    for match in PLACE.finditer(message):
        parts = [match["division"], match["org"]]
        if match["system"]:
            parts.append(match["system"])
            if match["model"]:
                parts.append(match["model"])
                if match["scenario"]:
                    parts.append(match["scenario"])
        found.append(tuple(parts))
    return found


# -- mlperf-audit ----------------------------------------------------------------------------------


def run_ours(target: Path, round_name: str, out: Path, extra: list[str], suite: str = "inference") -> tuple[dict, float]:
    command = [sys.executable, "-m", "compliance", "check", str(target), "--suite", suite, "--round", round_name, "--no-config", "--format", "json", "--output", str(out), *extra]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1) or not out.exists():
        raise SystemExit(f"mlperf-audit failed on {target} (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8")), seconds


def _relative(path: str, root: Path) -> str:
    text = str(path)
    base = str(root).rstrip("/") + "/"
    return text[len(base):] if text.startswith(base) else text


@dataclass
class OurVerdicts:
    rows: dict[tuple[str, ...], dict] = field(default_factory=dict)
    findings: dict[tuple[str, ...], list[dict]] = field(default_factory=dict)  # by result
    above: dict[tuple[str, ...], list[dict]] = field(default_factory=dict)  # error findings above a result, by folder
    crashed: list[str] = field(default_factory=list)  # INT001 subjects

    def verdict(self, key: tuple[str, ...]) -> str:
        row = self.rows.get(key)
        if row is None:
            return "absent"
        for depth in (2, 3, 4):
            if any(f["severity"] == "error" for f in self.above.get(key[:depth], [])):
                return "fail"
        return "pass" if row["passed"] else "fail"


def our_verdicts(report: dict, root: Path) -> OurVerdicts:
    seen = OurVerdicts()
    for row in report.get("results", []):
        key = result_key_of(_relative(row["path"], root))
        if key is not None:
            seen.rows[key] = row
    for finding in report.get("findings", []):
        where = _relative((finding.get("location") or {}).get("path") or finding.get("subject") or "", root)
        subject = _relative(finding.get("subject") or "", root)
        if finding["code"] == "INT001":
            seen.crashed.append(subject)
        key = result_key_of(subject) or result_key_of(where)
        if key is not None and key in seen.rows:
            seen.findings.setdefault(key, []).append(finding)
            continue
        parts = where.strip("/").split("/")
        if len(parts) >= 2 and parts[0] in DIVISIONS:
            if len(parts) > 3 and parts[2] == "results":
                folder = (parts[0], parts[1], *parts[3:5])
            elif len(parts) == 4 and parts[2] == "systems" and parts[3].endswith(".json"):
                folder = (parts[0], parts[1], parts[3][: -len(".json")])  # a system description: its system's results
            else:
                folder = (parts[0], parts[1])
            seen.above.setdefault(folder, []).append(finding)
    return seen


# -- joining -----------------------------------------------------------------------------------------


UNIT_NAMES = {
    "latency (ms)": "ms",
    "ms": "ms",
    "samples/s": "samples/s",
    "queries/s": "queries/s",
    "tokens/s": "tokens/s",
    "watts": "W",
    "millijoules": "mJ",
}


def same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    return abs(a - b) <= 1e-4 * max(abs(a), abs(b))


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def official_index(run: OfficialRun) -> tuple[dict[tuple[str, ...], dict], dict[tuple[str, ...], list[str]], dict[tuple[str, ...], list[str]]]:
    """Rows by result (the performance row; the power row apart), ERROR lines by the folder they name."""
    rows: dict[tuple[str, ...], dict] = {}
    for row in run.rows:
        key = result_key_of(_relative(row.get("Location", ""), run.copy))
        if key is None:
            continue
        unit = (row.get("Units") or "").strip()
        if unit.lower() in ("watts", "millijoules"):
            rows.setdefault(key, {})["power"] = row
        else:
            rows.setdefault(key, {})["perf"] = row
    errors: dict[tuple[str, ...], list[str]] = defaultdict(list)
    others: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for level, message in run.log:
        if level not in ("ERROR", "WARNING", "CRITICAL"):
            continue
        for place in dict.fromkeys(place_of(message)):
            (errors if level in ("ERROR", "CRITICAL") else others)[place].append(message)
    return rows, errors, others


# Messages about a folder above the result that make the official checker reject what is below it.
ABOVE_REJECTS = re.compile(
    r"does not have all required scenarios|has an invalid model|no system_desc|has invalid (status|system type)"
    r"|has not calibration file|has the following (empty directories|directories with no results|files with no results)"
    r"|contains (files|broken)|git unfriendly|spaces in their names|__pycache__|files with size greater"
)


def official_verdict(key: tuple[str, ...], rows: dict, errors: dict) -> str:
    if "perf" not in rows.get(key, {}):
        return "fail"
    for depth in (2, 3, 4):
        if any(ABOVE_REJECTS.search(m) for m in errors.get(key[:depth], [])):
            return "fail"
    return "pass"


def all_results(root: Path) -> list[tuple[str, ...]]:
    keys = []
    for division in sorted(os.listdir(root)):
        if division not in DIVISIONS or not (root / division).is_dir():
            continue
        for org in sorted(os.listdir(root / division)):
            results = root / division / org / "results"
            if not results.is_dir():
                continue
            for system in sorted(os.listdir(results)):
                if not (results / system).is_dir():
                    continue
                for model in sorted(os.listdir(results / system)):
                    if not (results / system / model).is_dir():
                        continue
                    for scenario in sorted(os.listdir(results / system / model)):
                        if (results / system / model / scenario).is_dir():
                            keys.append((division, org, system, model, scenario))
    return keys


def _codes(findings: list[dict]) -> str:
    counts = Counter(f["code"] for f in findings if f["severity"] == "error")
    return " ".join(f"{c}x{n}" if n > 1 else c for c, n in sorted(counts.items()))


def _clip(messages: list[str], limit: int = 6) -> str:
    shown = [m[:300] for m in dict.fromkeys(messages)][:limit]
    more = len(dict.fromkeys(messages)) - len(shown)
    return " | ".join(shown) + (f" | (+{more} more)" if more > 0 else "")


def compare(keys, officials, ours_whole: OurVerdicts, ours_org: OurVerdicts | None) -> list[dict]:
    indexed = [(run, *official_index(run)) for run in officials]
    table = []
    for key in keys:
        row: dict[str, object] = dict(zip(("division", "org", "system", "model", "scenario"), key))
        for run, rows, errors, _ in indexed:
            row[f"official_{run.label}"] = official_verdict(key, rows, errors)
        ref_run, ref_rows, ref_errors, ref_warnings = indexed[0]
        row["ours"] = ours_whole.verdict(key)
        row["ours_org_alone"] = ours_org.verdict(key) if ours_org is not None else ""
        perf = ref_rows.get(key, {}).get("perf")
        power = ref_rows.get(key, {}).get("power")
        ours = ours_whole.rows.get(key) or {}
        row["official_value"] = perf.get("Result", "") if perf else ""
        row["official_unit"] = perf.get("Units", "") if perf else ""
        row["official_inferred"] = perf.get("inferred", "") if perf else ""
        row["official_power"] = f"{power.get('Result')} {power.get('Units')}" if power else ""
        row["our_value"] = "" if ours.get("value") is None else repr(ours.get("value"))
        row["our_unit"] = ours.get("unit") or ""
        official_value, our_value = _float(row["official_value"]), ours.get("value")
        if official_value is None:
            row["value_match"] = ""
        else:
            units_agree = UNIT_NAMES.get(str(row["official_unit"]).lower(), row["official_unit"]) == UNIT_NAMES.get(str(row["our_unit"]).lower(), row["our_unit"])
            row["value_match"] = "yes" if same_value(official_value, our_value) and units_agree else ("unit" if same_value(official_value, our_value) else "no")
        row["our_errors"] = _codes(ours_whole.findings.get(key, []) + [f for d in (2, 3, 4) for f in ours_whole.above.get(key[:d], [])])
        own = [m for m in ref_errors.get(key, [])]
        above = [m for d in (2, 3, 4) for m in ref_errors.get(key[:d], [])]
        row["official_errors"] = _clip(own + [m for m in above if ABOVE_REJECTS.search(m)])
        row["official_warnings"] = _clip(ref_warnings.get(key, []), 3)
        table.append(row)
    return table


# -- reports -------------------------------------------------------------------------------------------


def write_tsv(table: list[dict], path: Path) -> None:
    if not table:
        path.write_text("", encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in table:
            writer.writerow({k: str(v).replace("\t", " ").replace("\n", " ") for k, v in row.items()})


VERDICT_COLUMNS = ("result", "official", "official_newest", "ours", "official_value", "official_unit", "our_value", "our_unit", "our_errors")


def write_verdicts(table: list[dict], officials: list[OfficialRun], path: Path) -> None:
    """The compact verdict table committed under tests/fixtures/fidelity/: one row per result."""
    ref = f"official_{officials[0].label}"
    newest = f"official_{officials[-1].label}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# official = {officials[0].label} (publication), official_newest = {officials[-1].label}; written by bench/fidelity/inference.py\n")
        fh.write("\t".join(VERDICT_COLUMNS) + "\n")
        for row in table:
            result = "/".join(str(row[k]) for k in ("division", "org", "system", "model", "scenario"))
            values = (result, row[ref], row[newest], row["ours"], row["official_value"], row["official_unit"], row["our_value"], row["our_unit"], row["our_errors"])
            fh.write("\t".join(str(v) for v in values) + "\n")


def _agreement(table: list[dict], official: str, ours: str = "ours") -> Counter:
    return Counter((row[official], row[ours]) for row in table)


def write_summary(table: list[dict], officials: list[OfficialRun], missing: dict, args, seconds: dict, path: Path, crashed: list[str]) -> None:
    ref = f"official_{officials[0].label}"
    lines = [f"# {args.suite.capitalize()} {args.round}: mlperf-audit against the official submission checker", ""]
    lines.append(f"Repository: `{args.repo}`; results compared: {len(table)}; left out: {len(missing)} (listed at the end).")
    lines.append("")
    for run in officials:
        shown = " ".join(c if " " not in c else repr(c) for c in run.command)
        lines.append(f"- official `{run.label}`: exit {run.returncode}, {run.seconds:.1f} s{' (cached)' if run.cached else ''}, {len(run.rows)} CSV rows: `{shown}`")
    for name, value in seconds.items():
        lines.append(f"- mlperf-audit {name}: {value:.1f} s")
    if crashed:
        lines.append(f"- mlperf-audit INT001 (internal errors): {len(crashed)}: " + ", ".join(sorted(set(crashed))[:10]))
    lines += ["", "## Agreement (reference: " + officials[0].label + ")", "", "| official | ours (whole) | results |", "|---|---|---|"]
    for (a, b), n in sorted(_agreement(table, ref).items()):
        lines.append(f"| {a} | {b} | {n} |")
    same = sum(1 for r in table if r[ref] == r["ours"])
    lines.append("")
    lines.append(f"Agree on {same} of {len(table)} results ({100 * same / max(1, len(table)):.1f}%).")
    if table and table[0].get("ours_org_alone", "") != "":
        split = [r for r in table if r["ours"] != r["ours_org_alone"]]
        lines.append(f"Whole repository vs each organisation alone: {len(table) - len(split)} of {len(table)} verdicts equal.")
        for r in split[:20]:
            lines.append(f"- differs alone: {'/'.join(str(r[k]) for k in ('division', 'org', 'system', 'model', 'scenario'))}: whole {r['ours']}, alone {r['ours_org_alone']}")
    for run in officials[1:]:
        col = f"official_{run.label}"
        moved = [r for r in table if r[col] != r[ref]]
        lines.append(f"Official `{run.label}` vs `{officials[0].label}`: {len(table) - len(moved)} of {len(table)} verdicts equal.")
        for r in moved[:40]:
            lines.append(f"- {'/'.join(str(r[k]) for k in ('division', 'org', 'system', 'model', 'scenario'))}: {officials[0].label} {r[ref]}, {run.label} {r[col]}: {str(r.get('official_errors', ''))[:200]}")
    valued = [r for r in table if r["value_match"]]
    labelled = [r for r in valued if r["value_match"] == "unit"]
    wrong = [r for r in valued if r["value_match"] == "no"]
    lines.append(
        f"Values: {len(valued) - len(wrong)} of {len(valued)} official values equal ours within 0.01%; "
        f"{len(labelled)} of them under another unit name than the official table's:"
    )
    for (model, unit, ours), count in sorted(Counter((r["model"], r["official_unit"], r["our_unit"]) for r in labelled).items()):
        lines.append(f"- {model}: official {unit}, ours {ours} ({count} results)")
    lines += ["", "## Per organisation", "", "| division/org | results | agree | official pass | ours pass |", "|---|---|---|---|---|"]
    by_org: dict[str, list[dict]] = defaultdict(list)
    for r in table:
        by_org[f"{r['division']}/{r['org']}"].append(r)
    orgs_agree = 0
    for org, rows in sorted(by_org.items()):
        agree = sum(1 for r in rows if r[ref] == r["ours"])
        orgs_agree += agree == len(rows)
        lines.append(f"| {org} | {len(rows)} | {agree} | {sum(r[ref] == 'pass' for r in rows)} | {sum(r['ours'] == 'pass' for r in rows)} |")
    lines.append("")
    lines.append(f"Organisations in full agreement: {orgs_agree} of {len(by_org)}.")
    lines += ["", "## Differences", ""]
    for r in table:
        if r[ref] == r["ours"] and r["value_match"] in ("", "yes", "unit"):
            continue  # unit names are listed above
        name = "/".join(str(r[k]) for k in ("division", "org", "system", "model", "scenario"))
        lines.append(f"- `{name}`: official {r[ref]}, ours {r['ours']}; values {r['official_value']} {r['official_unit']} / {r['our_value']} {r['our_unit']} ({r['value_match'] or '-'}); ours: {r['our_errors'] or '-'}; official: {r['official_errors'] or '-'}")
    if missing:
        lines += ["", "## Left out", ""]
        for key, why in sorted(missing.items()):
            lines.append(f"- `{'/'.join(key)}`: {why}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path, help="a materialised results repository (read only)")
    ap.add_argument("--round", required=True, help="the round, e.g. 5.1")
    ap.add_argument("--suite", choices=("inference", "automotive"), default="inference", help="the suite (automotive: mlcommons/mlperf_automotive's checker, a fork of the inference one)")
    ap.add_argument("--official", type=Path, action="append", required=True, help="a checkout of mlcommons/inference (or its tools/submission); the first is the reference")
    ap.add_argument("--label", action="append", default=[], help="a label per --official (default: the checkout folder's name)")
    ap.add_argument("--entry", choices=("auto", "package", "monolith", "old"), default="auto", help="which official program to run (auto: the package when the checkout has it)")
    ap.add_argument("--python", default=shutil.which("python3") or sys.executable, help="the interpreter for the official checker")
    ap.add_argument("--official-flags", default=" ".join(DEFAULT_OFFICIAL_FLAGS), help="flags passed to the official checker")
    ap.add_argument("--exclude", action="append", default=[], help="a path (relative to the repository) left out of both runs")
    ap.add_argument("--out", type=Path, required=True, help="output folder (the copy, the cache, results.tsv, summary.md)")
    ap.add_argument("--no-org", action="store_true", help="skip the organisation-by-organisation run of mlperf-audit")
    ap.add_argument("--verdicts", type=Path, help="also write the compact verdict table (tests/fixtures/fidelity/inference-X.Y.tsv)")
    args = ap.parse_args(argv)

    repo = args.repo.resolve()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if repo == out or repo in out.parents:
        raise SystemExit("--out must not be inside the repository")
    version = "v" + args.round.lstrip("v")
    absent = absent_results(repo)
    drop = _excluded_folders(repo, absent, args.exclude)
    key = tree_fingerprint(repo, drop)
    copy = out / f"tree-{key}"
    flags = args.official_flags.split()

    def fresh(folder: Path) -> Path:
        marker = folder.with_name(folder.name + ".complete")
        if not marker.exists():
            make_copy(repo, folder, drop)
            marker.write_text("")
        return folder

    def copy_maker() -> Path:
        return fresh(copy)

    officials = []
    for index, checkout in enumerate(args.official):
        label = args.label[index] if index < len(args.label) else checkout.resolve().name
        digest = hashlib.sha256(f"{checkout.resolve()}|{version}|{flags}|{args.entry}|{key}".encode()).hexdigest()[:12]
        officials.append(run_official(label, checkout.resolve(), args.python, copy_maker, version, flags, args.entry, out / "cache", digest))
    # The official checker may have written into its copy: ours reads a fresh one.
    ours_tree = fresh(out / f"ours-tree-{key}")
    seconds = {}
    whole, seconds["whole repository"] = run_ours(ours_tree, args.round, out / "ours-whole.json", [], args.suite)
    ours_whole = our_verdicts(whole, ours_tree)
    ours_org = None
    if not args.no_org:
        merged: dict = {"results": [], "findings": []}
        started = time.monotonic()
        for division in DIVISIONS:
            if not (ours_tree / division).is_dir():
                continue
            for org in sorted(os.listdir(ours_tree / division)):
                target = ours_tree / division / org
                if not (target / "results").is_dir():
                    continue
                report, _ = run_ours(target, args.round, out / "ours-org.json", [], args.suite)
                merged["results"] += report.get("results", [])
                merged["findings"] += report.get("findings", [])
        seconds["organisation by organisation"] = time.monotonic() - started
        ours_org = our_verdicts(merged, ours_tree)
    keys = all_results(ours_tree)
    missing = left_out(all_results(repo), keys, absent)
    table = compare(keys, officials, ours_whole, ours_org)
    write_tsv(table, out / "results.tsv")
    if args.verdicts:
        write_verdicts(table, officials, args.verdicts)
    write_summary(table, officials, missing, args, seconds, out / "summary.md", ours_whole.crashed)
    print((out / "summary.md").read_text(encoding="utf-8").split("## Per organisation")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
