"""Bounds on what one check may read and keep, and the finding for a bound that is reached.

A hostile input can be small on disk and huge in memory (a few MB of ``[{},{},...]``
expand a hundredfold), or wide where a real one is narrow (a folder of a million
files). Each bound below is far above what a real submission reaches; reaching
one is never silent: the reader reports it as a finding that names the bound
and the flag that raises it (``--limit NAME=N``), and what lies past it is not
called missing or wrong — it was not read.

The values are process-wide (a check sets them once, before reading; a process
pool's workers get the same through ``state``/``restore``). ``README.md``
("Hostile input") lists them with the fixed bounds of the readers.
"""

from __future__ import annotations

from compliance.records import recordclass



@recordclass(frozen=True, slots=True)
class Limit:
    name: str  # as given to --limit
    default: int
    unit: str  # what is counted, in messages: "files"
    about: str  # where, for the README


LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("files-per-folder", 200_000, "files", "listed below one folder of an inference result (the result, a compliance test, its measurements)"),
        Limit("objects-per-record", 10_000, "objects and arrays", "in one record of an MLLOG or LoadGen detail log"),
        Limit("values-per-file", 2_000_000, "values", "inside the arrays and objects of one log's records (kept records)"),
        Limit("accuracy-entries", 1_000_000, "entries", "read from one mlperf_log_accuracy.json"),
        Limit("findings", 20_000, "findings", "listed in one report (all are counted, by code and subject)"),
        Limit("archive-header-bytes", 1 << 20, "bytes", "in one tar member's extended header (PAX record or GNU long name)"),
        Limit("power-samples", 5_000_000, "samples", "read from one spl.txt, and ERROR/WARNING lines kept from one ptd_logs.txt (power results)"),
    )
}

_values: dict[str, int] = {}


class LimitError(ValueError):
    """A --limit flag names no limit or gives no positive whole number (a usage error)."""


def get(name: str) -> int:
    """The bound in force for ``name``."""
    return _values.get(name, LIMITS[name].default)


def flag(name: str) -> str:
    """How to raise a bound, for messages: ``--limit files-per-folder=200000``."""
    return f"--limit {name}={max(get(name) * 10, LIMITS[name].default)}"


def reached(name: str) -> str:
    """The words every 'limit reached' message ends with: the bound and how to raise it."""
    return f"the {name} limit ({get(name):,} {LIMITS[name].unit}) was reached; raise it with {flag(name)}"


def parse(items: list[str]) -> dict[str, int]:
    """``NAME=N`` flags -> values; raises LimitError for an unknown name or a bad number."""
    found: dict[str, int] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if name not in LIMITS:
            raise LimitError(f"--limit {item!r}: no limit {name!r} (limits: {', '.join(LIMITS)})")
        try:
            value = int(number.replace("_", "").replace(",", "")) if sep else 0
        except ValueError:
            value = 0
        if value < 1:
            raise LimitError(f"--limit {item!r}: give a positive whole number, e.g. {name}={LIMITS[name].default * 10}")
        found[name] = value
    return found


def configure(values: dict[str, int]) -> None:
    """Set bounds for the rest of this process (the others keep their defaults)."""
    _values.clear()
    _values.update(values)


def state() -> dict[str, int]:
    """The bounds set in this process, to pass to a worker process (``restore``)."""
    return dict(_values)


def restore(values: dict[str, int]) -> None:
    """Put back the bounds ``state()`` gave (a pool worker's start, a test's clean-up): exactly
    those are set afterwards, any other bound is back at its default."""
    configure(values)
