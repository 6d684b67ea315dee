"""The submission calendar (``checkers/calendar.toml``) and what the logs' dates say about the round.

A round's window runs from the previous round's deadline (exclusive) to its own
publication (inclusive). The newest log decides: a round cannot hold a log
dated after it was published, and the newest log of a submission is normally
made for the round whose deadline comes next. Older logs are no evidence
against a round (real submissions carry runs made a year before). When the
newest log falls between a round's deadline and its publication (the review
weeks, when reruns are made) it may also be an early run of the next round:
if any log predates that deadline the earlier round is taken, else both stay.
Dates before 2018 (clocks that start at zero) or after today (a wrong clock)
are not used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from compliance.detection import Evidence, round_key, sort_rounds
from compliance.records import recordclass

EARLIEST = dt.date(2018, 1, 1)  # MLPerf's first round: a date before it is a clock that started at zero
SOURCE = "log dates"


@recordclass(frozen=True, slots=True)
class RoundDates:
    suite: str
    round: str
    deadline: dt.date
    publication: dt.date
    estimated: bool
    source: str


class CalendarError(ValueError):
    """checkers/calendar.toml is malformed (a bug in the data, caught by the tests)."""


@lru_cache(maxsize=1)
def _raw() -> dict[str, object]:
    import os

    from compliance.rulebook.load import data_folder, read_data

    return read_data(os.path.join(data_folder(), "calendar.toml"))[0]


def _date(value: object, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise CalendarError(f"calendar.toml {where}: {value!r} is not a date (YYYY-MM-DD)") from err


@lru_cache(maxsize=None)
def calendar(suite: str) -> tuple[RoundDates, ...]:
    """The rounds of a suite with their dates, oldest first."""
    table = _raw().get(suite, {})
    if not isinstance(table, dict):
        raise CalendarError(f"calendar.toml [{suite}] is not a table")
    rows = []
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise CalendarError(f"calendar.toml [{suite}.{name}] is not a table")
        deadline = _date(entry.get("deadline"), f"{suite}.{name}.deadline")
        publication = _date(entry.get("publication"), f"{suite}.{name}.publication")
        if publication < deadline:
            raise CalendarError(f"calendar.toml {suite}.{name}: published before its deadline")
        rows.append(RoundDates(suite, name, deadline, publication, bool(entry.get("estimated", False)), str(entry.get("source", ""))))
    return tuple(sorted(rows, key=lambda r: round_key(r.round)))


def windows(suite: str) -> list[tuple[RoundDates, dt.date | None]]:
    """Each round with the start of its window (the previous deadline; None for the first)."""
    rows = calendar(suite)
    return [(row, rows[i - 1].deadline if i else None) for i, row in enumerate(rows)]


def to_date(time_ms: float) -> dt.date | None:
    """A record's epoch time in ms as a date, or None when it cannot be one."""
    try:
        return dt.datetime.fromtimestamp(time_ms / 1000.0, tz=dt.timezone.utc).date()
    except (OverflowError, OSError, ValueError):
        return None


def plausible(dates: Iterable[dt.date | None], today: dt.date | None = None) -> list[dt.date]:
    """The dates that can be a log's: from 2018 up to tomorrow."""
    limit = (today or dt.date.today()) + dt.timedelta(days=1)
    return [d for d in dates if d is not None and EARLIEST <= d <= limit]


def dates_evidence(suite: str, dates: Iterable[dt.date | None], today: dt.date | None = None, what: str = "log") -> Evidence:
    """What the logs' dates say about the round (a preference, not a constraint)."""
    every = [d for d in dates]
    usable = plausible(every, today)
    if not usable:
        why = f"no {what} carries a usable date" if every else f"no {what} dates"
        if every:
            why += " (clocks that start at 1970, or dates in the future)"
        return Evidence(SOURCE, None, why)
    newest, oldest = max(usable), min(usable)
    fits = [row for row, start in windows(suite) if (start is None or newest > start) and newest <= row.publication]
    count = f"{len(usable)} {what}{'s' if len(usable) != 1 else ''}"
    span = f"newest {newest.isoformat()}" if len(usable) > 1 else f"dated {newest.isoformat()}"
    detail = f"{count}, {span}"
    if not fits:
        rows = calendar(suite)
        if rows and newest > rows[-1].publication:
            return Evidence(SOURCE, frozenset(), f"{detail}, after the newest known round {rows[-1].round} was published ({rows[-1].publication.isoformat()}): a later round this version has no data for")
        return Evidence(SOURCE, frozenset(), f"{detail}, before every round in the calendar")
    if len(fits) == 2 and oldest <= fits[0].deadline:
        detail += f", in the review weeks after the {fits[0].round} deadline ({fits[0].deadline.isoformat()}), older logs before it"
        fits = fits[:1]
    elif len(fits) == 2:
        detail += f", after the {fits[0].round} deadline ({fits[0].deadline.isoformat()}) and before its publication: a rerun of {fits[0].round} or an early {fits[1].round} run"
    else:
        row = fits[0]
        detail += f", within round {row.round}'s window (due {row.deadline.isoformat()}, published {row.publication.isoformat()})"
    if any(row.estimated for row in fits):
        detail += " (the calendar's dates for this round are estimated)"
    return Evidence(SOURCE, frozenset(r.round for r in fits), detail)


def known_rounds(suite: str) -> list[str]:
    return sort_rounds(r.round for r in calendar(suite))
