"""Settings kept in the submission repository, so a CI job needs no flags.

``mlperf-audit check`` reads ``mlperf-audit.toml`` (keys at the top level) or
the ``[tool.mlperf-audit]`` table of ``pyproject.toml``, whichever it meets
first walking up from the current directory; in one folder
``mlperf-audit.toml`` wins, and a ``pyproject.toml`` without the table is
passed over. The walk stops at a repository root (a folder holding ``.git``)
or at the filesystem root. ``--config FILE`` names a file, ``--no-config``
reads none, and every command-line flag overrides the file::

    # mlperf-audit.toml
    suite = "training"
    round = "5.1"
    select = ["SEQ", "QLT"]      # or "SEQ,QLT"
    ignore = ["KEY003"]
    waivers = "waivers.toml"     # relative to this file, inside its repository
    format = "text"              # or ["json", "sarif"] (with --output-dir)

A key the tool does not know, or a value of the wrong type, is a usage error.

**Trust.** Settings come from the working directory's repository only: never
from a checked folder that lies elsewhere, never from inside an archive (such
a file is reported, STR019, not read). The report records what the settings
and waivers did (``account``: every error they silenced or waived, in the
header of every format); ``--strict-config`` makes each setting of the
repository that silences or waives an error a CFG001 error (exit code 1), for
a review committee or a CI job that checks someone else's repository, where
``--no-config`` (the GitHub Action's ``no-config`` input) ignores them.
"""

from __future__ import annotations

import os
from collections import Counter

from compliance.records import field, recordclass
from compliance.wording import plural


TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from compliance.models.report import Report
    from compliance.options import AuditOptions


CONFIG_NAME = "mlperf-audit.toml"
PYPROJECT = "pyproject.toml"
TABLE = "mlperf-audit"  # [tool.mlperf-audit]
KEYS = ("suite", "round", "select", "ignore", "waivers", "format")
MAX_BYTES = 1 << 20  # a settings file is a few lines


class ConfigError(ValueError):
    """The settings file cannot be used (a usage error, exit code 2)."""


@recordclass
class Settings:
    """What a settings file says; ``None`` where it says nothing."""

    path: str | None = None  # the file read, or None when there was none
    suite: str | None = None
    round: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    waivers: str | None = None  # already made absolute (relative to the file)
    format: list[str] | None = None
    given: list[str] = field(default_factory=list)  # the keys the file sets


def discover(start: str | None = None) -> str | None:
    """The settings file that applies in ``start`` (default: the current directory), or None."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        own = os.path.join(folder, CONFIG_NAME)
        if os.path.isfile(own):
            return own
        pyproject = os.path.join(folder, PYPROJECT)
        if os.path.isfile(pyproject) and _table(pyproject) is not None:
            return pyproject
        if os.path.exists(os.path.join(folder, ".git")):
            return None  # the repository root: settings above it belong to something else
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load(path: str) -> Settings:
    """Read and check one settings file (``pyproject.toml`` means its ``[tool.mlperf-audit]`` table)."""
    if os.path.basename(path) == PYPROJECT:
        data = _table(path)
        if data is None:
            raise ConfigError(f"{path} has no [tool.{TABLE}] table")
        where = f"{path} [tool.{TABLE}]"
    else:
        data = _read(path)
        where = path
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        key = unknown[0]
        hint = _close(key, KEYS, n=1)
        maybe = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ConfigError(
            f"{where}: unknown key {key!r}{maybe} (known keys: {', '.join(KEYS)})"
        )
    settings = Settings(path=path, given=list(data))
    settings.suite = _text(data, "suite", where)
    settings.round = _text(data, "round", where, hint='e.g. round = "5.1"')
    settings.select = _names(data, "select", where, upper=True)
    settings.ignore = _names(data, "ignore", where, upper=True)
    settings.format = _names(data, "format", where, upper=False)
    waivers = _text(data, "waivers", where)
    if waivers is not None:
        base = os.path.dirname(os.path.abspath(path))
        settings.waivers = os.path.normpath(os.path.join(base, waivers))
        home = repository_root(base)
        real = os.path.realpath(settings.waivers)
        if real != home and not real.startswith(home.rstrip(os.sep) + os.sep):
            raise ConfigError(f"{where}: waivers {waivers!r} lies outside the repository of the settings file ({home})")
    return settings


def repository_root(folder: str) -> str:
    """The repository a folder belongs to (the nearest folder above holding ``.git``), else the folder."""
    current = os.path.realpath(folder)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.realpath(folder)
        current = parent


_IN_USE: list[str] = []  # the settings file this process's check uses (set by the command line)


def use(path: str | None) -> None:
    """Record the settings file in use (None: none), so that a settings file met inside a checked
    tree can be told apart from it."""
    _IN_USE[:] = [os.path.realpath(path)] if path else []


def unread(path: str) -> str | None:
    """For a settings file found in a checked tree or archive: what it would set, when it is not
    the file in use (it is then not read as settings); None when it is in use or sets nothing."""
    if _IN_USE and os.path.realpath(path) == _IN_USE[0]:
        return None
    try:
        data = _table(path) if os.path.basename(path) == PYPROJECT else _read(path)
    except ConfigError as err:
        return f"not read as settings ({err.args[0].split(': ')[-1]})"
    if data is None:
        return None
    keys = ", ".join(f"{key} = {_short(value)}" for key, value in data.items()) or "nothing"
    return f"it sets {keys}; not read: settings come from the working directory's repository only"


def _short(value: object) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _read(path: str) -> dict[str, object]:
    import tomllib  # only when a settings file exists

    from compliance.parsers.safefs import open_regular

    try:
        with open_regular(path, follow_links=True) as handle:  # never a pipe or device
            return tomllib.loads(handle.read(MAX_BYTES + 1)[:MAX_BYTES].decode("utf-8"))
    except RecursionError as err:
        raise ConfigError(f"the settings file {path} is nested too deeply") from err
    except OSError as err:
        raise ConfigError(f"cannot read the settings file {path}: {err.strerror or err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"the settings file {path} is not valid TOML: {err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"the settings file {path} is not UTF-8 text") from err


def _table(pyproject: str) -> dict[str, object] | None:
    tool = _read(pyproject).get("tool")
    if not isinstance(tool, dict) or TABLE not in tool:
        return None
    table = tool[TABLE]
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.{TABLE}] must be a table")
    return table


def _text(data: dict[str, object], key: str, where: str, hint: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        extra = f" ({hint})" if hint else ""
        raise ConfigError(f"{where}: {key!r} must be a non-empty string{extra}, not {value!r}")
    return value.strip()


def _names(data: dict[str, object], key: str, where: str, upper: bool) -> list[str] | None:
    """A list of names, given as a TOML array of strings or one comma-separated string."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list):
        items = value
    else:
        raise ConfigError(f"{where}: {key!r} must be a list of strings or a comma-separated string")
    names = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{where}: {key!r} must hold strings only, not {item!r}")
        if item.strip():
            names.append(item.strip().upper() if upper else item.strip().lower())
    return names


def _close(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    import difflib  # only when a key is unknown

    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)


# -- what the settings did, in the report ------------------------------------------------------


_SEVERITY_WORDS = {"error": "error", "warning": "warning", "review": "review", "info": "info"}  # counted nouns (review, info: no plural)


def _tally(counts: Counter[tuple[str, str]]) -> tuple[int, str]:
    """(errors, "12 finding(s): 9 error(s), 3 warning(s) (SEQ004 x9, KEY003 x3)") for counts by (code, severity)."""
    by_severity: Counter[str] = Counter()
    by_code: Counter[str] = Counter()
    for (code, severity), count in counts.items():
        by_severity[severity] += count
        by_code[code] += count
    kinds = ", ".join(
        plural(by_severity[s], word) if s in ("error", "warning") else f"{by_severity[s]} {word}"
        for s, word in _SEVERITY_WORDS.items()
        if by_severity[s]
    )
    codes = sorted(by_code.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{code} x{count}" for code, count in codes[:8]) + (f" and {len(codes) - 8} more codes" if len(codes) > 8 else "")
    return by_severity["error"], f"{plural(sum(by_code.values()), 'finding')}: {kinds} ({listed})"


def _selection(select: list[str] | None, ignore: list[str] | None, silenced: Counter[tuple[str, str]]) -> dict[str, Counter[tuple[str, str]]]:
    """The silenced findings split by the option that removed them (select first, as selection does)."""
    split: dict[str, Counter[tuple[str, str]]] = {"select": Counter(), "ignore": Counter()}
    for (code, severity), count in silenced.items():
        by_select = bool(select) and not any(code.startswith(prefix) for prefix in select or ())
        split["select" if by_select else "ignore"][(code, severity)] += count
    return split


def _waived(report: Any) -> dict[str, Counter[tuple[str, str]]]:
    """Waived findings by what waived them: a waiver file, --rcp-bypass, --baseline (a failed run
    that olympic scoring drops is the rules' own, not a setting)."""
    split: dict[str, Counter[tuple[str, str]]] = {"waivers": Counter(), "rcp_bypass": Counter(), "baseline": Counter()}
    for finding in report.findings:
        why = finding.waived_by
        if why is None or why.startswith("olympic scoring:"):
            continue
        kind = "baseline" if why.startswith("baseline: ") else "rcp_bypass" if why.startswith("--rcp-bypass:") else "waivers"
        split[kind][(finding.code, finding.severity.value)] += 1
    return split


def account(report: Report, options: AuditOptions, silenced: Counter[tuple[str, str]]) -> None:
    """Record in ``report.settings`` what the settings file and the flags changed: findings that
    select/ignore kept out of the report and findings waived, with the errors among them; with
    ``options.strict_config`` each setting of the repository's file that did so is a CFG001 error."""
    from compliance.models.report import SettingEffect
    from compliance.rules.common.cfg import CFG001

    source_file = options.settings_file
    from_file = set(options.from_settings)
    values = {
        "select": ", ".join(options.select or ()),
        "ignore": ", ".join(options.ignore or ()),
        "waivers": options.waivers or "",
        "rcp_bypass": "on",
        "baseline": options.baseline or "",
    }
    flags = {"select": "--select", "ignore": "--ignore", "waivers": "--waivers", "rcp_bypass": "--rcp-bypass", "baseline": "--baseline"}
    effects = {**_selection(options.select, options.ignore, silenced), **_waived(report)}
    verbs = {"select": "not reported", "ignore": "not reported", "waivers": "waived", "rcp_bypass": "waived", "baseline": "marked as in the baseline"}
    records = []
    for key in ("suite", "round"):
        if key in from_file:
            records.append(SettingEffect(source_file or "", f"{key} = {getattr(options, key)}", "applied"))
    for key, counts in effects.items():
        if not counts:
            continue
        errors, tally = _tally(counts)
        source = source_file if key in from_file and source_file else flags[key]
        records.append(SettingEffect(source, f"{key.replace('_', '-')} = {values[key]}", f"{tally} {verbs[key]}", errors))
    report.settings.extend(records)
    if not options.strict_config:
        return
    subject = report.subjects[0].path if report.subjects else (source_file or "")
    strict = [
        CFG001.finding(
            f"{record.source}: {record.setting}: {record.effect}; the checked repository's settings may not silence errors (--strict-config)",
            path=record.source,
            subject=subject,
            observed=record.effect,
            required="no error silenced or waived by the repository's own settings",
        )
        for record in records
        if record.errors and source_file and record.source == source_file
    ]
    if strict:
        report.findings.extend(strict)
        report.refinalise()
