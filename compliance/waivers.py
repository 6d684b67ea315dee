"""Waivers: reviewed exceptions that turn findings into waived ones, still visible.

A waiver file (TOML)::

    [[waiver]]
    code = "RCP001"                                   # a code or a code prefix
    subject = "closed/ACME/results/sysA/llama31_8b*"  # a glob on the finding's subject or path
    reason = "RCP for BS 1024 accepted at review on 2026-05-02"
    approver = "Training WG chair"
    expires = 2026-12-31                              # optional

Waivers key on codes and paths, never on message text. A waiver that waives
nothing, or has expired, is itself reported (WAV001, WAV002).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch

from compliance.models.findings import Finding
from compliance.records import recordclass, replace
from compliance.registry import resolve_code
from compliance.rules.common.wav import WAV001, WAV002

RCP_BYPASS_CODES = ("RCP001", "RCP002")
SEED_BYPASS_CODES = ("SEED001", "SEED002", "RUN003")  # what the package checker's --seed-checker-bypass skips
PARAMS_SOURCE = "package_checker_params"
IMPLICIT_SOURCES = ("--rcp-bypass", PARAMS_SOURCE)  # not a waiver file: an unused one is no finding


class WaiverError(ValueError):
    """The waiver file is malformed (a usage error)."""


WAIVER_FIELDS = {
    "code": "a rule code or code prefix, e.g. RCP001 or SEED",
    "subject": "a glob on the finding's subject or file, relative to the submission root, e.g. closed/ACME/results/sysA/llama31_8b*",
    "reason": "why the committee accepted it",
    "approver": "who accepted it",
    "expires": "optional: the last day it applies, a TOML date without quotes, e.g. 2026-12-31",
}
REQUIRED_FIELDS = ("code", "subject", "reason", "approver")


def waiver_schema() -> dict[str, object]:
    """The JSON Schema of a waiver file (read as TOML: ``expires`` is a TOML date, shown here as a
    JSON date string). ``python -m compliance.schema`` writes it to ``schemas/waivers.schema.json``."""
    text = {"type": "string", "minLength": 1}
    properties: dict[str, object] = {name: {**text, "description": WAIVER_FIELDS[name]} for name in REQUIRED_FIELDS}
    properties["expires"] = {"type": "string", "format": "date", "description": WAIVER_FIELDS["expires"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/mlperf-audit/mlperf-audit/schemas/waivers.schema.json",
        "title": "mlperf-audit waiver file",
        "description": "Reviewed exceptions (--waivers FILE, TOML): each [[waiver]] table turns the findings it "
        "matches into waived ones that stay in the report. A waiver that matches nothing, or has expired, is a warning.",
        "type": "object",
        "properties": {
            "waiver": {
                "type": "array",
                "items": {"type": "object", "properties": properties, "required": list(REQUIRED_FIELDS), "additionalProperties": False},
            }
        },
        "required": ["waiver"],
        "additionalProperties": False,
    }


@recordclass(frozen=True)
class Waiver:
    code: str
    subject: str
    reason: str
    approver: str
    expires: _dt.date | None = None
    source: str = ""  # where it came from: the file, or --rcp-bypass

    def matches(self, finding: Finding, root: str | None = None) -> bool:
        """The code (or prefix), and the glob on the finding's subject or file: as given, and as
        the submission names them (``compliance.scope.submission_path``), so that ``closed/X``,
        ``./closed/X`` and an absolute path match the same tree."""
        if not finding.code.startswith(self.code):
            return False
        from compliance.scope import submission_path

        pattern = submission_path(self.subject)
        for text in (finding.subject, finding.location.path):
            if fnmatch.fnmatchcase(text, self.subject) or fnmatch.fnmatchcase(submission_path(text, root), pattern):
                return True
        return False


def _lines(source: str) -> tuple[list[int], dict[tuple[int, str], int], dict[str, int]]:
    """Where things are in the file, for messages that name the line: the line of each
    ``[[waiver]]`` table, of each key in the n-th one, and of each top-level key or other table."""
    import re

    tables: list[int] = []
    keys: dict[tuple[int, str], int] = {}
    top: dict[str, int] = {}
    inside: int | None = 0  # 0: top level, n: the n-th [[waiver]], None: another table
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        header = re.match(r"^\[(\[?)\s*([^\]]+?)\s*\]", stripped)
        key = re.match(r"^([A-Za-z0-9_\-\"']+)\s*=", stripped)
        if header:
            name = header.group(2).strip("\"'")
            if header.group(1) and name == "waiver":
                tables.append(number)
                inside = len(tables)
            else:
                top.setdefault(name, number)
                inside = None
        elif key and inside is not None:
            name = key.group(1).strip("\"'")
            if inside:
                keys.setdefault((inside, name), number)
            else:
                top.setdefault(name, number)
    return tables, keys, top


def load_waivers(path: str) -> list[Waiver]:
    """Read and check a waiver file: a usage error (``WaiverError``) names the file and line of
    an unknown key, a wrong layout, a missing field or a quoted date."""
    import tomllib  # only when a waiver file is given

    from compliance.parsers.safefs import open_regular

    try:
        with open_regular(path, follow_links=True) as handle:  # never a pipe or device
            raw = handle.read()
        source = raw.decode("utf-8")
        data = tomllib.loads(source)
    except OSError as err:
        raise WaiverError(f"cannot read the waiver file {path}: {err.strerror}") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise WaiverError(f"the waiver file {path} is not valid TOML: {err}") from err
    tables, keys, top = _lines(source)
    layout = "write each waiver as a [[waiver]] table (see `mlperf-audit schema waivers`)"
    for name in data:
        if name != "waiver":
            raise WaiverError(f"{path}:{top.get(name, 1)}: unknown key {name!r}; {layout}")
    entries = data.get("waiver", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        where = top.get("waiver", 1)
        raise WaiverError(f"{path}:{where}: 'waiver' must be a list of tables; {layout}")
    waivers = []
    for number, entry in enumerate(entries, 1):
        at = tables[number - 1] if number <= len(tables) else 1

        def line(key: str) -> int:
            return keys.get((number, key), at)  # noqa: B023 - used at once

        for name in entry:
            if name not in WAIVER_FIELDS:
                raise WaiverError(f"{path}:{line(name)}: waiver {number}: unknown key {name!r}; the keys are {', '.join(WAIVER_FIELDS)}")
        missing = [f for f in REQUIRED_FIELDS if not isinstance(entry.get(f), str) or not entry.get(f)]
        if missing:
            raise WaiverError(f"{path}:{at}: waiver {number} needs {', '.join(missing)} (non-empty strings)")
        expires = entry.get("expires")
        if isinstance(expires, str):
            raise WaiverError(
                f"{path}:{line('expires')}: waiver {number}: expires is a quoted string; write the date without quotes: expires = {expires.strip()}"
            )
        if expires is not None and (not isinstance(expires, _dt.date) or isinstance(expires, _dt.datetime)):
            raise WaiverError(f"{path}:{line('expires')}: waiver {number}: expires must be a date like 2026-12-31")
        waivers.append(
            Waiver(resolve_code(entry["code"].upper()), entry["subject"], entry["reason"], entry["approver"], expires, path)
        )
    return waivers


def params_waivers(entry: str, flags: frozenset[str]) -> list[Waiver]:
    """The bypasses an entry's package_checker_params ask for (its findings stay visible, waived)."""
    import glob

    codes = [*(RCP_BYPASS_CODES if "rcp-bypass" in flags else ()), *(SEED_BYPASS_CODES if "seed-checker-bypass" in flags else ())]
    where = glob.escape(entry)
    return [
        Waiver(code, subject, f"package_checker_params asks for {flag}: to be reviewed by the submission committee",
               PARAMS_SOURCE, None, PARAMS_SOURCE)
        for code in codes
        for flag in ["rcp-bypass" if code in RCP_BYPASS_CODES else "seed-checker-bypass"]
        for subject in (where, where + "/*")
    ]


def rcp_bypass_waivers() -> list[Waiver]:
    return [
        Waiver(code, "*", "--rcp-bypass: to be reviewed by the submission committee", "--rcp-bypass", None, "--rcp-bypass")
        for code in RCP_BYPASS_CODES
    ]


def apply_waivers(findings: list[Finding], waivers: list[Waiver], root: str, today: _dt.date | None = None) -> list[Finding]:
    """Mark waived findings; add WAV001/WAV002 for unused and expired waivers."""
    today = today or _dt.date.today()
    live = [w for w in waivers if w.expires is None or w.expires >= today]
    used: set[Waiver] = set()
    out = []
    for finding in findings:
        waiver = next((w for w in live if w.matches(finding, root)), None)
        if waiver is not None:
            used.add(waiver)
            finding = replace(finding, waived_by=f"{waiver.approver}: {waiver.reason}")
        out.append(finding)
    for waiver in waivers:
        where = f"{waiver.source}: code {waiver.code}, subject {waiver.subject}"
        if waiver not in live:
            out.append(WAV002.finding(f"waiver expired on {waiver.expires}: {where}", path=waiver.source, subject=root))
        elif waiver not in used and waiver.source not in IMPLICIT_SOURCES:
            out.append(WAV001.finding(f"waiver matched no finding: {where}", path=waiver.source, subject=root))
    return out
