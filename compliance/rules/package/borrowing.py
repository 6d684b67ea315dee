"""HPB: hyperparameter borrowing between closed entries of the same benchmark.

The rules let a submitter, during review, replace an entry's hyperparameters
with another submitter's set for the same benchmark: batch-size parameters may
differ, everything else is taken as a group (not for benchmarks whose
hyperparameters are fixed). No official tool compares entries; this reports,
for reviewers, which entries share a set, which differ only in batch-size
parameters, and which are near copies that changed other parameters too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations
from typing import Any

from compliance.models.findings import Finding, Severity
from compliance.models.roles import SubjectRole
from compliance.registry import checker, define
from compliance.rulebook.model import Rulebook
from compliance.rules.package.context import PackageContext, ResultSetFacts

_REF = "MLPerf Training rules, 'Hyperparameter Borrowing'; training_policies issue 551 (parallelism is not borrowable)."
NEAR_COPY_SHARE = 0.8  # at least this share of the compared parameters equal ...
NEAR_COPY_MAX_CHANGED = 2  # ... and at most this many non-batch parameters changed

HPB001 = define(
    "HPB001",
    "hyperparameters-shared",
    Severity.REVIEW,
    "Closed entries of different submitters use the same hyperparameter set (borrowing candidates and their donor).",
    f"""
## What it checks
Every pair of closed entries of one benchmark from different organisations:
the tunable hyperparameters their logs report (optimizer settings,
learning-rate schedule and the other tunable keys). Left out: parallelism,
keys the round's closed rules fix to one value or compute by a formula from
other keys (they cannot differ between compliant entries), and keys the rules
set from the batch size, which count as batch-size parameters. Entries that
share a set form one group, reported once with all its members (twelve
entries with one set are one note, not 66 pairs).

## Why it matters
Borrowing is allowed once per entry during review, with the donor's whole set;
reviewers need to see who shares a set with whom.

## Example
ACME's and Initech's llama31_8b entries both log the same opt_* values.

## How to fix
Nothing to fix: it is for the review record.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

HPB002 = define(
    "HPB002",
    "hyperparameters-differ-in-batch-size-only",
    Severity.REVIEW,
    "Closed entries of different submitters share their hyperparameters except batch-size parameters (allowed when borrowing).",
    f"""
## What it checks
Pairs of entries whose sets are equal except for batch-size-type parameters
(global and local batch size, gradient accumulation, batch-norm span; the list
is data: `[borrowing] batch_size_keys`), and the hyperparameters the rules
derive from the batch size (a closed-rule formula of a batch-size key, or the
round data's `[borrowing] batch_size_derived`, such as llama31_405b's learning
rate and warmup and decay steps). As for HPB001, one note per group of
entries joined by such pairs.

## Why it matters
This is what a legitimate borrowing looks like at a different scale.

## Example
The same set at global batch size 512 and 1024.

## How to fix
Nothing to fix.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

HPB003 = define(
    "HPB003",
    "borrowed-set-changed",
    Severity.WARNING,
    "A closed entry is a near copy of another's hyperparameters but changes non-batch parameters as well.",
    f"""
## What it checks
Pairs of entries that agree on most tunable parameters (80 % or more, of at
least five compared) but differ in one or two that are not batch-size
parameters or set from the batch size. Entries joined by such pairs form one
group, reported once: its members, how many pairs, and which parameters differ
in how many of them (53 ResNet entries that tune only the learning rate are
one note, not 846 pairs); the first pairs and their values are in the evidence.

## Why it matters
When borrowing, all non-batch parameters must be replaced as a group; a near
copy with a few changes is either independent tuning that happens to be
close, or a borrowing that changed what it may not.

## Example
Initech borrowed ACME's set but changed `opt_learning_rate_warmup_steps`.

## How to fix
If it is a borrowing, use the donor's whole set (batch-size parameters aside),
or document the evidence the rules require for minimal changes.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)

HPB004 = define(
    "HPB004",
    "borrowing-not-allowed",
    Severity.WARNING,
    "Closed entries of a benchmark with fixed hyperparameters do not all use the same set.",
    f"""
## What it checks
For benchmarks whose hyperparameters the rules fix (llama31_405b), whether
the closed entries differ in anything but batch-size parameters and what the
rules set from the batch size.

## Why it matters
Borrowing is not allowed for such benchmarks and nothing is tunable: a
difference means a change the rules do not allow.

## Example
Two llama31_405b entries with different `opt_adamw_weight_decay`.

## How to fix
Use the fixed reference hyperparameters.

## Rule reference
{_REF}
""",
    divisions=("closed",),
)


NEAR_COPY_MIN_COMPARED = 5  # fewer tunable parameters than this: no "near copy" judgement


def entry_set(facts: ResultSetFacts, keep: Callable[[str], bool]) -> dict[str, Any]:
    """An entry's hyperparameters: its first passing run's, else its first run's."""
    runs = [r for r in facts.runs if r.log_passed] or facts.runs
    if not runs:
        return {}
    return {k: v for k, v in runs[0].hyperparameters.items() if keep(k)}


def roles(book: Rulebook, benchmark: str) -> tuple[frozenset[str], frozenset[str]]:
    """(keys set from the batch size, keys that are not a submitter's choice).

    The rules' table of tunable hyperparameters (``[borrowing] tunable``) names the
    choices; without it, a key the round's closed rules give one value (``eq``), or a
    formula of other keys, is not one. A formula of a batch-size key (or a key the rules'
    table sets from the batch size, ``[borrowing] batch_size_derived``) changes with the
    batch size and is compared as a batch-size parameter.
    """
    batch = set(book.batch_size_keys) | set(book.batch_size_derived.get(benchmark, ()))
    settled: set[str] = set()
    formulas = {}
    for key, spec in book.effective("closed", benchmark, {}).items():
        for check in spec.checks:
            if check.field != "value":
                continue
            ops = dict(check.conditions)
            if "eq" in ops or ("one_of" in ops and len(ops["one_of"]) == 1):
                settled.add(key)
            elif check.compiled:
                formulas[key] = spec.names()
    changed = True
    while changed:  # a formula of a batch-derived key is batch-derived too
        changed = False
        for key, names in formulas.items():
            if key not in batch and names & batch:
                batch.add(key)
                changed = True
    settled |= {k for k in formulas if k not in batch}
    return frozenset(batch), frozenset(settled - batch)


def compared_keys(book: Rulebook, benchmark: str, batch: frozenset[str], settled: frozenset[str]) -> Callable[[str], bool]:
    """Which logged keys borrowing compares for the benchmark."""
    tunable = book.tunable.get(benchmark)
    ignore = book.not_hyperparameters | book.not_hyperparameters_of(benchmark) | settled
    if tunable is None or book.benchmarks[benchmark].hyperparameters_fixed:
        return lambda key: key not in ignore
    return lambda key: key in tunable or (key in batch and key not in ignore)


def compare(a: dict[str, Any], b: dict[str, Any], batch_keys: frozenset[str]) -> tuple[list[str], list[str], list[str]]:
    """(keys compared, batch-size keys that differ, other keys that differ)."""
    common = sorted(set(a) & set(b))
    differ = [k for k in common if repr(a[k]) != repr(b[k])]
    return common, [k for k in differ if k in batch_keys], [k for k in differ if k not in batch_keys]


@checker(SubjectRole.TREE, HPB001, HPB002, HPB003, HPB004)
def borrowing(ctx: PackageContext) -> Iterator[Finding]:
    book = ctx.book
    by_benchmark: dict[str, list[ResultSetFacts]] = {}
    for facts in ctx.sets:
        if ctx.division_of(facts) == "closed" and facts.runs and facts.result.benchmark in book.benchmarks:
            by_benchmark.setdefault(facts.result.benchmark, []).append(facts)
    for benchmark, entries in sorted(by_benchmark.items()):
        fixed = book.benchmarks[benchmark].hyperparameters_fixed
        batch_keys, settled = roles(book, benchmark)
        keep = compared_keys(book, benchmark, batch_keys, settled)
        sets = [(f, entry_set(f, keep)) for f in entries]
        groups, near = _Groups(), _Groups()
        near_pairs: list[tuple[str, str, int, dict[str, tuple[Any, Any]]]] = []
        for (fa, a), (fb, b) in combinations(sets, 2):
            if fa.result.org == fb.result.org and not fixed:
                continue  # one submitter's own entries naturally share a set
            common, batch, other = compare(a, b, batch_keys)
            tunable = [k for k in common if k not in batch_keys]
            if not tunable:
                continue
            pair = f"{fa.result.path} and {fb.result.path}"
            evidence = {"compared": len(tunable), "differing": len(other), "batch_size_differing": len(batch)}
            if fixed:
                if other:
                    yield ctx.finding(
                        HPB004,
                        f"{benchmark} has fixed hyperparameters (borrowing not allowed), but {pair} differ in "
                        + ", ".join(other),
                        path=fb.result.path,
                        subject=ctx.tree.root,
                        observed=", ".join(f"{k}: {a[k]!r} vs {b[k]!r}" for k in other[:5]),
                        required="the fixed reference hyperparameters in every entry",
                        evidence=evidence,
                    )
                continue
            if not other:
                groups.join((fa.result.path, fa.result.org), (fb.result.path, fb.result.org), tuple(batch), len(tunable))
                continue
            if (
                len(tunable) >= NEAR_COPY_MIN_COMPARED
                and len(other) <= NEAR_COPY_MAX_CHANGED
                and (len(tunable) - len(other)) / len(tunable) >= NEAR_COPY_SHARE
            ):
                near.join((fa.result.path, fa.result.org), (fb.result.path, fb.result.org), tuple(other), len(tunable))
                near_pairs.append((fa.result.path, fb.result.path, len(tunable), {k: (a[k], b[k]) for k in other}))
        yield from _shared_sets(ctx, benchmark, groups)
        yield from _near_copies(ctx, benchmark, near, near_pairs)


class _Groups:
    """Entries joined by pairs that share a set (batch-size parameters aside): one group per
    connected set of entries, so that twelve entries with one set are one note, not 66 pairs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.batch: dict[str, set[str]] = {}  # per entry: batch-size keys that differ in its pairs
        self.compared: dict[str, int] = {}
        self.org: dict[str, str] = {}

    def find(self, path: str) -> str:
        self.parent.setdefault(path, path)
        while self.parent[path] != path:
            self.parent[path] = self.parent[self.parent[path]]
            path = self.parent[path]
        return path

    def join(self, a: tuple[str, str], b: tuple[str, str], batch: tuple[str, ...], compared: int) -> None:
        """Join two entries, each (path, organisation)."""
        ra, rb = self.find(a[0]), self.find(b[0])
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        for path, org in (a, b):
            self.org[path] = org
            self.batch.setdefault(path, set()).update(batch)
            self.compared[path] = max(self.compared.get(path, 0), compared)

    def groups(self) -> list[list[str]]:
        members: dict[str, list[str]] = {}
        for path in sorted(self.parent):
            members.setdefault(self.find(path), []).append(path)
        return [paths for paths in members.values() if len(paths) > 1]


def _shared_sets(ctx: PackageContext, benchmark: str, groups: _Groups) -> Iterator[Finding]:
    for paths in groups.groups():
        batch = sorted(set().union(*(groups.batch[p] for p in paths)))
        compared = max(groups.compared[p] for p in paths)
        orgs = sorted({groups.org[p] for p in paths})
        listed = ", ".join(paths[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")
        evidence = {"entries": len(paths), "submitters": len(orgs), "compared": compared, "batch_size_differing": len(batch)}
        who = f"{len(paths)} {benchmark} entries of {len(orgs)} submitters"
        equal = f"{compared} tunable parameter{'s' if compared != 1 else ''}"
        if batch:
            code = HPB002
            message = f"{who} share a hyperparameter set except batch-size parameters ({', '.join(batch)}): allowed when borrowing"
            observed = f"{equal} equal, {len(batch)} batch-size parameter(s) differ"
        else:
            code, message, observed = HPB001, f"{who} share one hyperparameter set ({equal}): borrowing candidates and their donor", f"{equal} equal"
        yield ctx.finding(code, f"{message}: {listed}", path=paths[0], subject=ctx.tree.root, observed=observed, evidence=evidence)


def _within(root: str, path: str) -> str:
    """An entry's path inside the checked tree (the finding's subject), as its folders name it."""
    prefix = root.rstrip("/\\") + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


NEAR_COPY_EXAMPLES = 3  # pairs quoted in a near-copy note; the evidence lists more


def _near_copies(
    ctx: PackageContext, benchmark: str, near: _Groups, pairs: list[tuple[str, str, int, dict[str, tuple[Any, Any]]]]
) -> Iterator[Finding]:
    """One HPB003 per group of entries joined by near-copy pairs (not one per pair: 74 entries
    made 925 pairs in training 3.0), naming the parameters that differ and how often."""
    for paths in near.groups():
        members = set(paths)
        inside = [p for p in pairs if p[0] in members]
        changed: dict[str, int] = {}
        for _, _, _, other in inside:
            for key in other:
                changed[key] = changed.get(key, 0) + 1
        keys = sorted(changed, key=lambda k: (-changed[k], k))
        orgs = sorted({near.org[p] for p in paths})
        compared = max(p[2] for p in inside)
        shown = [_within(ctx.tree.root, p) for p in paths]
        listed = ", ".join(shown[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")
        differ = ", ".join(f"{k} ({changed[k]} pair{'s' if changed[k] != 1 else ''})" for k in keys)
        examples = [f"{_within(ctx.tree.root, a)} vs {_within(ctx.tree.root, b)}: " + ", ".join(f"{k} {va!r} vs {vb!r}" for k, (va, vb) in other.items()) for a, b, _, other in inside]
        pairs_said = f"{len(inside)} pairs share" if len(inside) != 1 else "1 pair shares"
        yield ctx.finding(
            HPB003,
            f"{len(paths)} {benchmark} entries of {len(orgs)} submitters are near copies of each other's hyperparameters "
            f"({pairs_said} all but one or two of up to {compared} tunable parameters; they differ in {differ}): "
            f"a borrowed set must be taken whole (batch-size parameters aside), independent tuning may come close: {listed}",
            path=paths[0],
            subject=ctx.tree.root,
            observed="; ".join(examples[:NEAR_COPY_EXAMPLES]) + (f"; and {len(examples) - NEAR_COPY_EXAMPLES} more pairs" if len(examples) > NEAR_COPY_EXAMPLES else ""),
            required="all non-batch-size parameters as in the donor's set",
            evidence={"entries": len(paths), "submitters": len(orgs), "pairs": len(inside), "compared": compared,
                      "differing": differ, "first_pairs": "; ".join(examples[:10])},
        )
