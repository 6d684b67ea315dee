"""Fidelity of mlperf-audit on a whole published Training or HPC results repository.

Runs, on a materialised results repository (``materialise.py``) of one round:

* mlperf-audit on the whole repository in one command, and on each
  organisation folder on its own (both read the tree in place: we never write);
* the official ``mlperf_logging.package_checker`` and
  ``mlperf_logging.result_summarizer`` (the installed ``mlperf-logging``) on
  each organisation, each on a fresh private copy (they write ``scaling.json``
  and summaries into what they check). Their outputs are cached under
  ``--cache`` keyed by the organisation's files and the tool version, so a
  re-run of ours takes seconds.

and writes, into ``--out``, ``entries.tsv`` (one row per benchmark entry: both
verdicts, both scores, RCP status from each, our error codes, the official
ERROR lines), ``orgs.tsv`` (one row per organisation) and ``summary.md``.

Entries with a result log the snapshot lacks (``.absent.tsv``) are left out of
the comparison, listed as such, and removed from the official tools' copies
(so an org is not failed for a file the snapshot did not bring).

    python bench/fidelity/training.py /tmp/fid/training-5.1 --suite training --round 5.1
    python bench/fidelity/training.py /tmp/fid/hpc-3.0 --suite hpc --round 3.0

The official package_checker always exits 0: its verdict is its ERROR lines
and final line. The summarizer's verdict on an entry is whether its output
row has a score for it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    absent_paths,
    cached,
    fingerprint,
    md_table,
    ours,
    package_version,
    private_copy,
    run_command,
    save_meta,
    write_tsv,
)

SCALES = ("strong", "weak")
NOT_COPIED = ("benchmarks",)  # neither official tool reads it (the package checker lists its source files, unused)
SCORE_TOLERANCE = 0.01
ENTRY_COLUMNS = [
    "org", "system", "scale", "benchmark", "division", "excluded", "official", "official_pc", "official_summarizer",
    "ours", "ours_org_run", "agree", "official_score", "official_score_alone", "our_score", "score_delta",
    "score_delta_alone", "official_models",
    "our_models", "official_rcp_pc", "official_rcp", "our_rcp", "our_errors", "our_warnings", "official_errors",
]
EXPECTED_COLUMNS = ["org", "system", "scale", "benchmark", "excluded", "official", "ours", "score", "throughput"]
ORG_COLUMNS = ["org", "official", "ours", "ours_org_run", "agree", "entries", "excluded", "our_org_errors", "official_org_errors"]

Key = tuple[str, str, str, str]  # org, system, scale ("" for training), benchmark


# -- paths ---------------------------------------------------------------------------------


def entry_of(parts: list[str], suite: str) -> tuple[Key, int] | None:
    """The entry a path (split in parts, starting at the org) lies in, and how many parts name it."""
    if len(parts) < 4 or parts[1] != "results":
        return None
    if suite == "hpc":
        if len(parts) < 5 or parts[3] not in SCALES:
            return None
        return (parts[0], parts[2], parts[3], parts[4]), 5
    return (parts[0], parts[2], "", parts[3]), 4


def entry_dir(key: Key) -> str:
    org, system, scale, benchmark = key
    return "/".join(p for p in (org, "results", system, scale, benchmark) if p)


def organisations(root: Path) -> list[str]:
    return sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and ((p / "results").is_dir() or (p / "systems").is_dir())
    )


def excluded_entries(root: Path, suite: str) -> dict[Key, int]:
    """Entries with result logs the snapshot lacks, and how many."""
    found: Counter[Key] = Counter()
    for rel in absent_paths(root):
        parts = rel.split("/")
        where = entry_of(parts, suite)
        if where is not None and re.fullmatch(r"result_.*\.txt", parts[-1]):
            found[where[0]] += 1
    return dict(found)


# -- the official tools ------------------------------------------------------------------------


def official_dir(cache: Path, suite: str, round_name: str) -> Path:
    return cache / f"{suite}-{round_name}"


def run_official(job: tuple[str, str, str, str, str, list[str], bool]) -> tuple[str, dict]:
    """The official tools on fresh private copies of one org (cached).

    As the round's verify script runs them: package_checker, then result_summarizer
    on the same copy (it reads the scaling.json the package checker's RCP test wrote
    or deleted); and, for comparison, result_summarizer alone on a fresh copy (it reads
    the scaling.json the submission has) into ``alone/``.
    """
    root_s, org, suite, round_name, cache_s, remove, refresh = job
    root, cache = Path(root_s), Path(cache_s)
    out = official_dir(cache, suite, round_name) / org
    ruleset = f"{round_name}.0"
    flags = verify_script_flags(root / org)
    key = {
        "files": fingerprint(root / org, NOT_COPIED),
        "mlperf-logging": package_version("mlperf-logging"),
        "suite": suite,
        "ruleset": ruleset,
        "removed": sorted(remove),
        "copies": "shared (verify script order)",
    }
    if flags:
        key["package_checker_params"] = flags
    work = official_dir(cache, suite, round_name) / ".work" / org
    rel_remove = [r.split("/", 1)[1] for r in remove]
    runs = {}
    for folder, tools in (
        (out, {
            "package_checker": ["-m", "mlperf_logging.package_checker", org, suite, ruleset,
                                "--log_output", str(out / "package_checker.log"), *flags],
            "result_summarizer": ["-m", "mlperf_logging.result_summarizer", org, suite, ruleset,
                                  "--csv", str(out / "summary.csv")],
        }),
        (out / "alone", {
            "result_summarizer": ["-m", "mlperf_logging.result_summarizer", org, suite, ruleset,
                                  "--csv", str(out / "alone" / "summary.csv")],
        }),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "meta.json"
        if not refresh and cached(meta, key):
            runs[folder.name] = json.loads(meta.read_text(encoding="utf-8"))["runs"]
            continue
        for stale in [*folder.glob("package_checker*"), *folder.glob("summary*"), *folder.glob("result_summarizer*")]:
            stale.unlink()
        if work.exists():
            shutil.rmtree(work)
        private_copy(root / org, work / org, NOT_COPIED, rel_remove)
        done = {}
        for name, args in tools.items():
            done[name] = run_command([sys.executable, *args], work, folder / f"{name}.stdout", folder / f"{name}.stderr")
        shutil.rmtree(work)
        save_meta(meta, key, done)
        runs[folder.name] = done
    return org, runs


def verify_script_flags(org_folder: Path) -> list[str]:
    """The flags the round's official verify script passes to the package checker.

    ``scripts/verify_for_vX.Y_<suite>.sh`` (mlcommons/logging) turns each line
    of the organisation folder's ``package_checker_params`` into ``--<line>``;
    rounds before 4.1 spelt the flags with underscores, which the installed
    checker spells with dashes.
    """
    params = org_folder / "package_checker_params"
    if not params.is_file():
        return []
    lines = params.read_text(encoding="utf-8", errors="replace").splitlines()
    return ["--" + line.strip().replace("_", "-") for line in lines if line.strip()]


_LEVEL = re.compile(r"^(INFO|WARNING|ERROR|CRITICAL|DEBUG) - ")
_SECTION = re.compile(r"^INFO - +Running compliance checks in dir (.+)$")


@dataclass
class OfficialEntry:
    pc_seen: bool = False
    pc_errors: list[str] = field(default_factory=list)
    pc_rcp: str = ""
    summarizer_lines: list[str] = field(default_factory=list)
    score: float | None = None  # strong: time to train (minutes); weak: time to train all
    models: float | None = None  # weak: number of models
    instance_scale: float | None = None
    rcp: str = ""  # the summarizer's RCP column
    in_summary: bool = False
    alone_score: float | None = None  # the summarizer run alone on a fresh copy
    alone_models: float | None = None


@dataclass
class OfficialOrg:
    final: str = ""  # the package checker's last verdict line
    org_errors: list[str] = field(default_factory=list)
    entries: dict[Key, OfficialEntry] = field(default_factory=dict)
    crashed: list[str] = field(default_factory=list)


def _logical_lines(text: str) -> list[str]:
    """Log lines, with a message's continuation lines joined to it."""
    lines: list[str] = []
    for raw in text.splitlines():
        if _LEVEL.match(raw) or not lines:
            lines.append(raw)
        else:
            lines[-1] += " | " + raw.strip()
    return lines


def parse_package_checker(text: str, org: str, suite: str, result: OfficialOrg) -> None:
    current: OfficialEntry | None = None
    for line in _logical_lines(text):
        section = _SECTION.match(line)
        if section:
            parts = section.group(1).strip().split("/")
            where = entry_of(parts, suite)
            current = None
            if where is not None:
                current = result.entries.setdefault(where[0], OfficialEntry())
                current.pc_seen = True
            continue
        if "PACKAGE CHECKER FOUND" in line:
            result.final = line.split(" - ", 1)[1]
            current = None
            continue
        if line.startswith("INFO - RCP Test Passed") or line.startswith("ERROR - RCP Test Failed"):
            if current is not None:
                current.pc_rcp = line.split(" - ", 1)[1]
        if line.startswith(("ERROR", "CRITICAL")):
            (current.pc_errors if current is not None else result.org_errors).append(line)
        elif not _LEVEL.match(line) and line.strip() and "Traceback" in line:
            result.crashed.append(line)


def _csv_sections(text: str) -> list[list[dict[str, str]]]:
    """The summarizer appends tables with their own header to one CSV: split them."""
    import csv
    import io

    sections: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("division,"):
            sections.append([])
        if sections:
            sections[-1].append(line)
    return [list(csv.DictReader(io.StringIO("".join(s)))) for s in sections]


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value == value else None  # NaN is no score


def _system_of(row: dict[str, str]) -> str | None:
    url = row.get("details_url") or ""
    match = re.search(r"/systems/(.+)\.json$", url)
    return match.group(1) if match else None


def parse_summarizer(out: Path, org: str, suite: str, result: OfficialOrg) -> None:
    main = out / "summary.csv"
    detailed = out / "summary_detailed.csv"
    tables = _csv_sections(main.read_text(encoding="utf-8")) if main.is_file() else []
    for table in tables:
        for row in table:
            system = _system_of(row)
            if system is None:
                continue
            weak = any(c.endswith(":time_to_train_all") for c in row)
            for column, value in row.items():
                if weak and column.endswith(":time_to_train_all"):
                    bench = column.rsplit(":", 1)[0]
                    entry = result.entries.setdefault((org, system, "weak", bench), OfficialEntry())
                    entry.in_summary = True
                    entry.score = _number(value)
                    entry.models = _number(row.get(f"{bench}:number_of_models"))
                    entry.instance_scale = _number(row.get(f"{bench}:instance_scale"))
    if detailed.is_file():
        for table in _csv_sections(detailed.read_text(encoding="utf-8")):
            for row in table:
                system = _system_of(row)
                if system is None:
                    continue
                for column, value in row.items():
                    if column.endswith(":time_to_train"):
                        bench = column.rsplit(":", 1)[0]
                        score = _number(value)
                        rcp = row.get(f"{bench}:RCP") or ""
                        scale = "strong" if suite == "hpc" else ""
                        key = (org, system, scale, bench)
                        if score is None and not rcp and key not in result.entries:
                            continue  # a benchmark this system has no folder for
                        entry = result.entries.setdefault(key, OfficialEntry())
                        entry.in_summary = True
                        entry.score = score
                        entry.rcp = rcp
    stdout = out / "result_summarizer.stdout"
    text = stdout.read_text(encoding="utf-8", errors="replace") if stdout.is_file() else ""
    stderr = out / "result_summarizer.stderr"
    err = stderr.read_text(encoding="utf-8", errors="replace") if stderr.is_file() else ""
    if "Traceback" in err:
        result.crashed.append("result_summarizer: " + err.strip().splitlines()[-1])
    for line in text.splitlines():
        if not re.search(r"ERROR|failed in|not recorded|Parse error|Not enough", line):
            continue
        for key, entry in result.entries.items():
            here = entry_dir(key).split("/", 1)[1]  # results/<system>/[scale/]<benchmark>
            short = f"{key[1]}/{key[3]}"
            if here in line or f" {short}" in line or f"/{short}" in line.replace(f"/{key[2]}/", "/"):
                entry.summarizer_lines.append(line.strip())


def official_results(cache: Path, org: str, suite: str, round_name: str) -> OfficialOrg:
    out = official_dir(cache, suite, round_name) / org
    result = OfficialOrg()
    log = out / "package_checker.log"
    if log.is_file():
        parse_package_checker(log.read_text(encoding="utf-8", errors="replace"), org, suite, result)
    err = out / "package_checker.stderr"
    if err.is_file() and "Traceback" in err.read_text(encoding="utf-8", errors="replace"):
        result.crashed.append("package_checker: " + err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1])
    parse_summarizer(out, org, suite, result)
    alone = OfficialOrg()
    parse_summarizer(out / "alone", org, suite, alone)
    for key, entry in alone.entries.items():
        if key in result.entries:
            result.entries[key].alone_score = entry.score
            result.entries[key].alone_models = entry.models
    return result


# -- ours ------------------------------------------------------------------------------------


@dataclass
class OurEntry:
    passed: bool | None = None
    score: float | None = None
    models: float | None = None
    rcp: str = ""
    division: str = ""
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


@dataclass
class OurRun:
    entries: dict[Key, OurEntry] = field(default_factory=dict)
    org_errors: dict[str, Counter[str]] = field(default_factory=dict)  # org -> codes outside any entry
    top_errors: Counter[str] = field(default_factory=Counter)  # outside any org
    passed: bool = False


def _rel_parts(path: str, base: str) -> list[str] | None:
    base = base.rstrip("/")
    if path == base:
        return []
    if not path.startswith(base + "/"):
        return None
    return path[len(base) + 1:].rstrip("!").split("/")


def read_ours(report: dict, base: str, org_prefix: str | None, suite: str) -> OurRun:
    """Our report, by entry. ``base`` is the folder checked; ``org_prefix`` its org when one org was checked."""
    run = OurRun(passed=bool(report.get("passed")))

    def parts_of(path: str | None) -> list[str] | None:
        if not path:
            return None
        parts = _rel_parts(path, base)
        if parts is None:
            return None
        return ([org_prefix] + parts) if org_prefix else parts

    for row in report.get("results", []):
        parts = parts_of(row["path"])
        where = entry_of(parts, suite) if parts else None
        if where is None:
            continue
        entry = run.entries.setdefault(where[0], OurEntry())
        entry.passed = bool(row["passed"])
        entry.division = row.get("division") or ""
        if row.get("scale") == "weak":
            entry.score = row.get("time_to_train_all_minutes")
            entry.models = row.get("models")
        else:
            entry.score = row.get("score_minutes")
        entry.rcp = row.get("rcp") or ""
    for finding in report.get("findings", []):
        if finding.get("waived_by") or finding["severity"] not in ("error", "warning"):
            continue
        location = (finding.get("location") or {}).get("path")
        parts = parts_of(location) or parts_of(finding.get("subject"))
        if parts is None:
            parts = parts_of(finding.get("subject")) or []
        where = entry_of(parts, suite) if parts else None
        code = finding["code"]
        if where is not None:
            entry = run.entries.setdefault(where[0], OurEntry())
            (entry.errors if finding["severity"] == "error" else entry.warnings)[code] += 1
        elif finding["severity"] == "error":
            if parts:
                run.org_errors.setdefault(parts[0], Counter())[code] += 1
            else:
                run.top_errors[code] += 1
    return run


def _codes(counter: Counter[str]) -> str:
    return ", ".join(f"{c}x{n}" if n > 1 else c for c, n in sorted(counter.items()))


# -- the comparison ----------------------------------------------------------------------------


def compare(whole: OurRun, per_org: dict[str, OurRun], official: dict[str, OfficialOrg],
            excluded: dict[Key, int]) -> tuple[list[dict], list[dict]]:
    entries: list[dict] = []
    orgs: list[dict] = []
    for org in sorted(official):
        off = official[org]
        # the summarizer's weak-scaling table has a column for every benchmark: keep real entries only
        keys = {k for k, e in off.entries.items() if k[0] == org and (e.pc_seen or e.score is not None)}
        keys |= {k for k in whole.entries if k[0] == org}
        keys |= {k for k in excluded if k[0] == org}
        org_rows = []
        for key in sorted(keys):
            o = off.entries.get(key, OfficialEntry())
            w = whole.entries.get(key, OurEntry())
            p = per_org.get(org, OurRun()).entries.get(key, OurEntry())
            pc_ok = o.pc_seen and not o.pc_errors
            weak = key[2] == "weak"
            sum_ok = o.score is not None
            official_ok = pc_ok and sum_ok
            delta = None
            if o.score is not None and w.score is not None:
                delta = round(w.score - o.score, 6)
            alone_delta = None
            if o.alone_score is not None and w.score is not None:
                alone_delta = round(w.score - o.alone_score, 6)
            row = {
                "org": key[0], "system": key[1], "scale": key[2], "benchmark": key[3], "division": w.division,
                "excluded": f"{excluded[key]} log(s) absent from the snapshot" if key in excluded else "",
                "official": "accept" if official_ok else "reject",
                "official_pc": ("accept" if pc_ok else "reject") if o.pc_seen else "not checked",
                "official_summarizer": ("score" if sum_ok else "no score") if o.in_summary else "no row",
                "ours": {True: "pass", False: "fail", None: "absent"}[w.passed],
                "ours_org_run": {True: "pass", False: "fail", None: "absent"}[p.passed],
                "official_score": o.score, "official_score_alone": o.alone_score, "our_score": w.score,
                "score_delta": delta, "score_delta_alone": alone_delta,
                "official_models": o.models if weak else None, "our_models": w.models if weak else None,
                "official_rcp_pc": o.pc_rcp, "official_rcp": o.rcp, "our_rcp": w.rcp,
                "our_errors": _codes(w.errors), "our_warnings": _codes(w.warnings),
                "official_errors": " || ".join(o.pc_errors + o.summarizer_lines),
            }
            # the score agrees with the summarizer after the package checker (verify script order)
            # or with the summarizer alone (docs/fidelity.md: they differ when scaling.json is rewritten)
            score_ok = delta is None or abs(delta) <= SCORE_TOLERANCE or (
                alone_delta is not None and abs(alone_delta) <= SCORE_TOLERANCE)
            if weak and o.models is not None and w.models is not None and o.models != w.models:
                score_ok = False
            verdict_same = (row["ours"] == "pass") == official_ok
            # a rejected entry has no published score: only the verdict is compared
            same = verdict_same and (not official_ok or (score_ok and (o.score is None) == (w.score is None)))
            row["agree"] = "excluded" if key in excluded else ("yes" if same and row["ours"] == row["ours_org_run"] else "no")
            org_rows.append(row)
        entries.extend(org_rows)
        counted = [r for r in org_rows if not r["excluded"]]
        official_org_ok = off.final.startswith("PACKAGE CHECKER FOUND NO ERRORS") and not off.crashed and all(
            r["official"] == "accept" for r in counted
        )
        ours_ok = not whole.org_errors.get(org) and all(r["ours"] == "pass" for r in counted)
        own = per_org.get(org, OurRun())
        ours_org_ok = not own.org_errors.get(org) and not own.top_errors and all(r["ours_org_run"] == "pass" for r in counted)
        orgs.append({
            "org": org, "official": "accept" if official_org_ok else "reject", "ours": "pass" if ours_ok else "fail",
            "ours_org_run": "pass" if ours_org_ok else "fail",
            "agree": "yes" if official_org_ok == ours_ok == ours_org_ok else "no",
            "entries": len(counted), "excluded": len(org_rows) - len(counted),
            "our_org_errors": _codes(whole.org_errors.get(org, Counter())),
            "official_org_errors": " || ".join(off.org_errors + off.crashed),
        })
    return entries, orgs


def expected_row(entry: dict) -> dict:
    """One row of the committed table: our verdict, and the official score it must stay within 0.01 of."""
    score = throughput = None
    if entry["scale"] == "weak":
        if entry["official_models"] and entry["official_score"]:
            throughput = entry["official_models"] / entry["official_score"]
    else:
        candidates = [entry["official_score"], entry["official_score_alone"]]
        near = [c for c in candidates if c is not None and entry["our_score"] is not None
                and abs(c - entry["our_score"]) <= SCORE_TOLERANCE]
        score = near[0] if near else entry["official_score"]
    if entry["ours"] != "pass":
        score = throughput = None  # no score is published for an entry that fails
    return {**{k: entry[k] for k in ("org", "system", "scale", "benchmark", "excluded", "official", "ours")},
            "score": score, "throughput": throughput}


def summary_markdown(suite: str, round_name: str, command: str, entries: list[dict], orgs: list[dict],
                     whole: OurRun, official_runs: dict[str, dict]) -> str:
    counted = [e for e in entries if not e["excluded"]]

    def tally(rows: list[dict], ok_ours: str) -> list[list[object]]:
        table = []
        for official in ("accept", "reject"):
            sel = [r for r in rows if r["official"] == official]
            table.append([official, len(sel), sum(r["ours"] == ok_ours for r in sel), sum(r["ours"] != ok_ours for r in sel)])
        return table

    lines = [f"# Fidelity: {suite} {round_name}", "", "Command:", "", f"    {command}", ""]
    lines += ["## Entries", "", md_table(["official", "entries", "ours pass", "ours fail"], tally(counted, "pass")), ""]
    lines += ["## Organisations", "", md_table(["official", "orgs", "ours pass", "ours fail"], tally(orgs, "pass")), ""]
    scored = [e for e in counted if e["score_delta"] is not None and e["official"] == "accept"]
    worst = max((min(abs(e["score_delta"]), abs(e["score_delta_alone"]) if e["score_delta_alone"] is not None else 1e9)
                 for e in scored), default=0.0)
    both = [e for e in scored if abs(e["score_delta"]) > SCORE_TOLERANCE]
    lines += [f"Scores of accepted entries compared: {len(scored)}; largest difference from the nearer official "
              f"score {worst:.6f} (tolerance {SCORE_TOLERANCE}); {len(both)} agree with the summarizer run alone only.", ""]
    if whole.top_errors:
        lines += [f"Errors outside any organisation: {_codes(whole.top_errors)}", ""]
    excluded = [e for e in entries if e["excluded"]]
    if excluded:
        lines += ["## Left out (logs absent from the snapshot)", ""]
        lines += [f"- {e['org']}/{e['system']}/{e['scale'] + '/' if e['scale'] else ''}{e['benchmark']}: {e['excluded']}" for e in excluded]
        lines.append("")
    if both:
        lines += ["## Scores that agree with the summarizer run alone only", "",
                  "The package checker rewrote or deleted the entry's scaling.json before the summarizer scored it.", ""]
        lines.append(md_table(["org", "system", "benchmark", "after package checker", "summarizer alone", "ours"],
                              [[e["org"], e["system"], e["benchmark"], e["official_score"], e["official_score_alone"],
                                e["our_score"]] for e in both]))
        lines.append("")
    differ = [e for e in counted if e["agree"] != "yes"]
    lines += ["## Entry differences", ""]
    if differ:
        lines.append(md_table(
            ["org", "system", "benchmark", "official", "ours", "scores (official / ours)", "our errors", "official errors"],
            [[e["org"], e["system"] + (f" ({e['scale']})" if e["scale"] else ""), e["benchmark"], e["official"],
              e["ours"] + ("" if e["ours"] == e["ours_org_run"] else f" (org run: {e['ours_org_run']})"),
              f"{e['official_score']} (alone {e['official_score_alone']}) / {e['our_score']}", e["our_errors"],
              e["official_errors"][:300]] for e in differ],
        ))
    else:
        lines.append("None.")
    lines += ["", "## Organisation differences", ""]
    odiff = [o for o in orgs if o["agree"] != "yes"]
    if odiff:
        lines.append(md_table(["org", "official", "ours", "ours (org run)", "our org-level errors", "official org-level errors"],
                              [[o["org"], o["official"], o["ours"], o["ours_org_run"], o["our_org_errors"],
                                o["official_org_errors"][:300]] for o in odiff]))
    else:
        lines.append("None.")
    seconds = sum(r.get("seconds", 0) for runs in official_runs.values() for step in runs.values() for r in step.values())
    lines += ["", f"Official tools: {seconds:.0f} s of runs (cached).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="a materialised results repository (organisation folders at its top)")
    ap.add_argument("--suite", required=True, choices=("training", "hpc"))
    ap.add_argument("--round", required=True, dest="round_name", help="e.g. 5.1")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/training-fid-official"), help="official outputs and their private copies")
    ap.add_argument("--out", type=Path, help="where the tables go (default: CACHE/<suite>-<round>/report)")
    ap.add_argument("--refresh", action="store_true", help="re-run the official tools even when cached")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--expected", type=Path,
                    help="also write the table tests/parity/test_fidelity.py checks: verdicts and the official score ours agrees with")
    args = ap.parse_args(argv)

    root = args.root.resolve()
    suite, round_name = args.suite, args.round_name
    out = args.out or official_dir(args.cache, suite, round_name) / "report"
    out.mkdir(parents=True, exist_ok=True)
    orgs = organisations(root)
    excluded = excluded_entries(root, suite)
    jobs = [(str(root), org, suite, round_name, str(args.cache), [entry_dir(k) for k in excluded if k[0] == org], args.refresh)
            for org in orgs]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        official_runs = dict(pool.map(run_official, jobs))
    official = {org: official_results(args.cache, org, suite, round_name) for org in orgs}

    whole_report = ours(root, suite, round_name, out / "ours-whole.json")
    whole = read_ours(whole_report, str(root), None, suite)
    per_org = {}
    for org in orgs:
        report = ours(root / org, suite, round_name, out / f"ours-{org}.json")
        per_org[org] = read_ours(report, str(root / org), org, suite)

    entries, org_rows = compare(whole, per_org, official, excluded)
    write_tsv(out / "entries.tsv", ENTRY_COLUMNS, entries)
    write_tsv(out / "orgs.tsv", ORG_COLUMNS, org_rows)
    if args.expected:
        write_tsv(args.expected, EXPECTED_COLUMNS, [expected_row(e) for e in entries])
    command = " ".join(["python", "bench/fidelity/training.py", str(args.root), "--suite", suite, "--round", round_name])
    (out / "summary.md").write_text(summary_markdown(suite, round_name, command, entries, org_rows, whole, official_runs),
                                    encoding="utf-8")
    differ = sum(e["agree"] == "no" for e in entries) + sum(o["agree"] == "no" for o in org_rows)
    print(f"{suite} {round_name}: {len(entries)} entries, {len(org_rows)} orgs, {differ} differences; tables in {out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
