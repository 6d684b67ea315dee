"""Evidence of the round, one small function per kind (see ``compliance.detection``).

Each takes facts already read (names, seeds, versions; ``survey.py`` reads
them) and the rounds' data, and returns one ``Evidence``. None opens a file.
"""

from __future__ import annotations

import os
import re
from functools import cache
from collections import Counter
from collections.abc import Iterable, Mapping

from compliance.detection import Evidence, round_key, sort_rounds

# A results repository's name: mlcommons/training_results_v5.1, inference_results_v6.0,
# hpc_results_v3.0, automotive_results_v0.5 (a clone may add a prefix or suffix: mlperf_inference_results_v5.0, -main).
REPOSITORY = re.compile(r"(?:^|[^a-z])(training|hpc|inference|automotive)_results_v(\d+)\.(\d+)(?![0-9])", re.IGNORECASE)
MAJORITY = 0.8  # a share of runs with one round's seeds that outvotes the rest (stray runs are PERF006's)


def repository_name(paths: Iterable[str]) -> tuple[str | None, Evidence]:
    """The suite and round a results repository's folder name states (``training_results_v5.1``).

    Looks at every folder of each path, outermost last; the folder nearest the
    input wins. Returns ``(suite, evidence)``; suite is None when no name matched.
    """
    found: list[tuple[str, str, str]] = []
    for path in paths:
        parts = os.path.abspath(path).split(os.sep)
        for part in reversed(parts):
            match = REPOSITORY.search(part)
            if match:
                found.append((match.group(1).lower(), f"{int(match.group(2))}.{int(match.group(3))}", part))
                break
    if not found:
        return None, Evidence("repository name", None, "no <suite>_results_v<round> folder in the path")
    named = {(suite, rnd) for suite, rnd, _ in found}
    suite, rnd, folder = found[0]
    if len(named) > 1:
        listed = ", ".join(sorted({part for *_x, part in found}))
        return suite, Evidence("repository name", frozenset(), f"the paths name different results repositories ({listed})", hard=True)
    return suite, Evidence("repository name", frozenset({rnd}), f"the folder {folder!r}", hard=True)


def benchmark_set(names: Iterable[str], rounds: Mapping[str, frozenset[str]], what: str = "benchmark") -> Evidence:
    """The rounds whose rules know every benchmark (or model) named: a constraint.

    Names no round knows (typos, open-division names) say nothing. When no
    round knows them all, the input mixes rounds (or holds a benchmark of
    another round): that is a contradiction, and the message says which rounds
    know which names.
    """
    known_anywhere = set().union(*rounds.values()) if rounds else set()
    seen = sorted({n for n in names if n in known_anywhere})
    if not seen:
        return Evidence(f"{what}s", None, f"no {what} of a known round")
    listed = ", ".join(seen) if len(seen) <= 6 else ", ".join(seen[:6]) + f" and {len(seen) - 6} more"
    every = frozenset(r for r, known in rounds.items() if set(seen) <= known)
    if every:
        return Evidence(f"{what}s", every, listed, hard=True)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in seen:
        groups.setdefault(tuple(sort_rounds(r for r, known in rounds.items() if name in known)), []).append(name)
    parts = [f"{', '.join(names_)} ({_span(list(key))})" for key, names_ in sorted(groups.items(), key=lambda kv: round_key(kv[0][0]))]
    return Evidence(f"{what}s", frozenset(), "no round has them all: " + "; ".join(parts), hard=True)


def _span(rounds: list[str]) -> str:
    if len(rounds) == 1:
        return f"round {rounds[0]}"
    return f"rounds {rounds[0]} to {rounds[-1]}" if len(rounds) > 2 else f"rounds {rounds[0]} and {rounds[1]}"


def loadgen_seeds(runs: Iterable[tuple[int, int, int]], rounds: Mapping[str, tuple[int, int, int]]) -> Evidence:
    """The round whose official LoadGen seeds (qsl, sample index, schedule) the runs used: a constraint.

    Every round has its own seeds. Runs with seeds of no round say nothing
    (PERF006 reports them); runs of two rounds are a contradiction unless one
    round has the large majority.
    """
    by_seeds: dict[tuple[int, int, int], str] = {seeds: rnd for rnd, seeds in rounds.items()}
    votes = Counter(by_seeds[s] for s in runs if s in by_seeds)
    total = sum(votes.values())
    if not total:
        return Evidence("LoadGen seeds", None, "no run with the official seeds of a known round")
    winner, count = votes.most_common(1)[0]
    if len(votes) == 1:
        return Evidence("LoadGen seeds", frozenset({winner}), f"{count} run{'s' if count != 1 else ''} with round {winner}'s seeds", hard=True)
    others = ", ".join(f"{n} with {r}'s" for r, n in sorted(votes.items(), key=lambda kv: round_key(kv[0])) if r != winner)
    if count >= MAJORITY * total:
        return Evidence("LoadGen seeds", frozenset({winner}), f"{count} of {total} runs with round {winner}'s seeds ({others})", hard=True)
    mixed = ", ".join(f"{n} runs with {r}'s seeds" for r, n in sorted(votes.items(), key=lambda kv: round_key(kv[0])))
    return Evidence("LoadGen seeds", frozenset(), f"runs of different rounds: {mixed}", hard=True)


VERSION = cache(lambda: re.compile(r"^\s*(\d+)\.(\d+)"))


def loadgen_version(versions: Iterable[str], rounds: Iterable[str]) -> Evidence:
    """LoadGen's version: a run cannot be made for a round older than its LoadGen (a preference).

    LoadGen is versioned after the round it was made for (5.1.0 for 5.1); a
    build is used for that round and later ones (6.0.17 carries the 6.1 seeds).
    """
    seen: Counter[str] = Counter()
    for text in versions:
        match = VERSION().match(text or "")
        if match:
            seen[f"{int(match.group(1))}.{int(match.group(2))}"] += 1
    if not seen:
        return Evidence("LoadGen version", None, "no loadgen_version read")
    newest = max(seen, key=round_key)
    allowed = frozenset(r for r in rounds if round_key(r) >= round_key(newest))
    listed = ", ".join(sort_rounds(seen))
    return Evidence("LoadGen version", allowed, f"LoadGen {listed}: round {newest} or later")


def inference_layout(compliance_in_results: bool | None, rounds: Mapping[str, bool]) -> Evidence:
    """Where the compliance tests sit: inside each result's scenario folder (6.0 on) or in
    ``<org>/compliance/`` beside ``results/`` (up to 5.1): a constraint."""
    if compliance_in_results is None:
        return Evidence("layout", None, "no compliance test folder found")
    allowed = frozenset(r for r, inside in rounds.items() if inside == compliance_in_results)
    where = "inside the results' scenario folders" if compliance_in_results else "in <org>/compliance/, beside results/"
    return Evidence("layout", allowed, f"compliance tests {where}", hard=True)
