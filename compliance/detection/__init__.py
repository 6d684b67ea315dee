"""Which suite and round a check is about, found from the evidence when they are not given.

Each kind of evidence is a small function that returns an ``Evidence``: the
rounds it allows (or ``None`` when it says nothing), what was seen, and
whether it is a constraint (``hard``: the repository's name, the round's
LoadGen seeds, the benchmarks of the round, the layout) or a preference (the
calendar, LoadGen's version). ``decide_round`` intersects the constraints,
then narrows with each preference that agrees with them; one round left is
the detected round, anything else is an ``AmbiguousRound`` (exit code 2) that
names the candidates and the flag to choose. A round is never guessed.

``docs/detection.md`` describes each source and the order of decisions.
"""

from __future__ import annotations

from collections.abc import Iterable

from compliance.options import UsageError
from compliance.records import field, recordclass


@recordclass(frozen=True, slots=True)
class Evidence:
    """One thing seen that tells (or not) which round the input belongs to."""

    source: str  # what kind of evidence: "repository name", "log dates", "benchmarks", ...
    rounds: frozenset[str] | None  # the rounds it allows; None: it says nothing
    detail: str  # what was seen, in words
    hard: bool = False  # a constraint; else a preference used only when it agrees

    def line(self) -> str:
        allowed = "no opinion" if self.rounds is None else (", ".join(sort_rounds(self.rounds)) or "none of the known rounds")
        return f"{self.source}: {self.detail} -> {allowed}"


def round_key(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (1 << 30,)


def sort_rounds(rounds: Iterable[str]) -> list[str]:
    return sorted(rounds, key=round_key)


@recordclass(frozen=True, slots=True)
class RoundDecision:
    """The round a check uses and why."""

    suite: str
    round: str
    source: str  # "given", "settings" or "detected"
    used: tuple[Evidence, ...] = ()  # the evidence that decided (detected) or agrees (given)
    unused: tuple[Evidence, ...] = ()  # evidence that disagreed and was set aside
    notes: tuple[str, ...] = field(default=())

    def evidence_lines(self) -> list[str]:
        lines = [e.line() for e in self.used]
        lines += [f"{e.line()} (not used: it disagrees with the rest)" for e in self.unused]
        return lines

    def summary(self) -> str:
        """One sentence for the report's header."""
        if self.source == "given":
            head = f"Round {self.round} given with --round."
        elif self.source == "settings":
            head = f"Round {self.round} from the settings file."
        else:
            because = "; ".join(f"{e.source}: {e.detail}" for e in self.used) or "the only round known"
            head = f"Round {self.round} detected from {because}."
        disagree = [e for e in self.unused if e.rounds is not None]
        if disagree:
            head += " Set aside (it disagrees): " + "; ".join(f"{e.source}: {e.detail}" for e in disagree) + "."
        return head


class AmbiguousRound(UsageError):
    """The evidence does not single out one round (or contradicts itself): the user must name it."""

    def __init__(self, suite: str, candidates: list[str], evidence: list[Evidence], conflict: Evidence | None = None):
        self.suite = suite
        self.candidates = candidates
        self.evidence = evidence
        self.conflict = conflict
        super().__init__(self._message())

    def _message(self) -> str:
        lines = []
        if self.conflict is not None:
            lines.append(f"cannot tell which {self.suite} round this is: the evidence contradicts itself.")
        elif self.candidates:
            lines.append(
                f"cannot tell which {self.suite} round this is: the evidence fits "
                + _words(self.candidates) + "."
            )
        else:
            lines.append(f"cannot tell which {self.suite} round this is: no evidence points to a round.")
        for item in self.evidence:
            lines.append(f"  - {item.line()}")
        if self.conflict is not None:
            lines.append(f"  - {self.conflict.line()} (contradicts the above)")
        example = self.candidates[-1] if self.candidates else "5.1"
        lines.append(f"Name the round with --round (e.g. --round {example}).")
        return "\n".join(lines)


def _words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def decide_round(suite: str, available: list[str], evidence: Iterable[Evidence]) -> RoundDecision:
    """The one round the evidence allows among ``available``, or ``AmbiguousRound``.

    Constraints (hard) are applied first, in order; a constraint that leaves no
    round is a contradiction. Preferences then narrow the candidates when they
    agree with what is left; one that does not is set aside (and reported).
    """
    items = [e for e in evidence if e.rounds is not None]
    candidates = sort_rounds(available)
    used: list[Evidence] = []
    unused: list[Evidence] = []
    for item in [e for e in items if e.hard] + [e for e in items if not e.hard]:
        assert item.rounds is not None
        narrowed = [r for r in candidates if r in item.rounds]
        if narrowed:
            used.append(item)
            candidates = narrowed
        elif item.hard:
            raise AmbiguousRound(suite, candidates, used, conflict=item)
        else:
            unused.append(item)
    if len(candidates) == 1:
        return RoundDecision(suite, candidates[0], "detected", tuple(used), tuple(unused))
    raise AmbiguousRound(suite, candidates, used + unused)


def given_round(suite: str, round_name: str, source: str, evidence: Iterable[Evidence]) -> RoundDecision:
    """A round named by the user (or a settings file), with what the evidence says about it."""
    agree: list[Evidence] = []
    disagree: list[Evidence] = []
    for item in evidence:
        if item.rounds is None:
            continue
        (agree if round_name in item.rounds else disagree).append(item)
    notes: tuple[str, ...] = ()
    hard_against = [e for e in disagree if e.hard]
    if hard_against:
        notes = (
            f"The {suite} round {round_name} was {'given' if source == 'given' else 'set in the settings file'}, "
            "but " + "; ".join(f"{e.source}: {e.detail}" for e in hard_against)
            + " (check that the round is the right one).",
        )
    return RoundDecision(suite, round_name, source, tuple(agree), tuple(disagree), notes)
