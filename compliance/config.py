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
    waivers = "waivers.toml"     # relative to this file
    format = "text"              # or ["json", "sarif"] (with --output-dir)

A key the tool does not know, or a value of the wrong type, is a usage error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

CONFIG_NAME = "mlperf-audit.toml"
PYPROJECT = "pyproject.toml"
TABLE = "mlperf-audit"  # [tool.mlperf-audit]
KEYS = ("suite", "round", "select", "ignore", "waivers", "format")


class ConfigError(ValueError):
    """The settings file cannot be used (a usage error, exit code 2)."""


@dataclass
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
        settings.waivers = os.path.normpath(os.path.join(base, os.path.expanduser(waivers)))
    return settings


def _read(path: str) -> dict[str, object]:
    import tomllib  # only when a settings file exists

    from compliance.parsers.safefs import open_regular

    try:
        with open_regular(path, follow_links=True) as handle:  # never a pipe or device
            return tomllib.load(handle)
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


def _close(word: str, candidates: object, n: int = 3, cutoff: float = 0.6) -> list[str]:
    import difflib  # only when a key is unknown

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)  # type: ignore[arg-type]
