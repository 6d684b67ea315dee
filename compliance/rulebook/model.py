"""Typed, validated view of a round's rule data (``checkers/<suite>/v<round>.toml``).

The data holds numbers, names, lists and small arithmetic formulas only; the
meaning of every field is fixed here and in the rules that read it. See
``checkers/README.md`` for the format.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any

from compliance.records import field, recordclass
from compliance.rulebook.expr import Node, compile_expression

REQUIREMENTS = ("exactly_one", "at_least_one", "at_least", "at_least_one_of", "optional", "none")

# Check operators: name -> kind of operand. Every condition of one check table
# must hold (they are ANDed); a key's list of check tables are all evaluated.
CHECK_OPERATORS = {
    "eq": "literal",  # Python equality with a number, string or bool
    "ne": "literal",
    "one_of": "list",  # value in list
    "expr_eq": "expr",  # equal to a formula (exactly, or within abs_tol / rel_tol)
    "ge": "bound",
    "gt": "bound",
    "le": "bound",
    "lt": "bound",
    "isclose": "number",  # math.isclose with its default relative tolerance 1e-9
    "nonempty": "flag",  # value != ""
    "truthy": "flag",
    "integer": "flag",  # within 1e-5 of an integer
    "int_type": "flag",  # a JSON integer
    "length": "int",
    "min_length": "int",
    "multiple_of": "expr",
    "has": "list",  # the value is an object with all these members
    "metadata_any": "list",  # metadata has at least one of these fields
    "metadata_all": "list",
    "after": "str",  # a record of this key appears earlier in the file
    "fn": "str",  # a named check function in code (compliance.rules.training.functions)
}
CHECK_MODIFIERS = ("field", "if_present", "abs_tol", "rel_tol", "args", "code", "why", "source")


class RulebookError(ValueError):
    """The round data is malformed (caught by the rulebook tests)."""


@recordclass(frozen=True, slots=True)
class Check:
    """One check table: conditions on a field of a record, all of which must hold."""

    conditions: tuple[tuple[str, Any], ...]
    field: str = "value"
    if_present: bool = False
    abs_tol: float | None = None
    rel_tol: float | None = None
    args: tuple[tuple[str, Any], ...] = ()
    code: str | None = None
    why: str | None = None
    source: str | None = None
    compiled: tuple[tuple[str, Node], ...] = ()

    def describe(self, key: str | None = None) -> str:
        """A readable statement of what the check requires (``key`` names the value)."""
        parts = []
        subject = self.field
        if key is not None:
            subject = key if self.field == "value" else self.field.replace("value.", f"{key}.", 1)
        for op, operand in self.conditions:
            parts.append(_describe(subject, op, operand, self))
        text = " and ".join(parts)
        if self.if_present:
            text += f" (when {self.field} is present)"
        return text

    def expression(self, op: str) -> Node | None:
        for name, node in self.compiled:
            if name == op:
                return node
        return None


# How each operator reads in a check's description; the operators with lists or
# arguments are worded in _describe.
_PHRASES = {
    "ge": "{subject} >= {operand}",
    "gt": "{subject} > {operand}",
    "le": "{subject} <= {operand}",
    "lt": "{subject} < {operand}",
    "eq": "{subject} == {operand!r}",
    "ne": "{subject} != {operand!r}",
    "isclose": "{subject} ≈ {operand!r}",
    "nonempty": "{subject} is not empty",
    "truthy": "{subject} is set (true, non-zero, non-empty)",
    "integer": "{subject} is a whole number",
    "int_type": "{subject} is logged as an integer",
    "length": "{subject} has {operand} elements",
    "min_length": "{subject} has at least {operand} elements",
    "multiple_of": "{subject} is a multiple of {operand}",
    "after": "a '{operand}' record comes first",
}


def _describe(subject: str, op: str, operand: Any, check: Check) -> str:
    phrase = _PHRASES.get(op)
    if phrase is not None:
        return phrase.format(subject=subject, operand=operand)
    if op == "expr_eq":
        tol = ""
        if check.abs_tol is not None:
            tol = f" (within {check.abs_tol:g})"
        elif check.rel_tol is not None:
            tol = f" (within {check.rel_tol:g} relative)"
        return f"{subject} == {operand}{tol}"
    if op == "one_of":
        return f"{subject} is one of {', '.join(repr(x) for x in operand)}"
    if op == "has":
        return f"{subject} has the fields {', '.join(operand)}"
    if op in ("metadata_any", "metadata_all"):
        joiner = " or " if op == "metadata_any" else " and "
        return "metadata has " + joiner.join(f"'{m}'" for m in operand)
    if op == "fn":
        args = ", ".join(f"{k}={v!r}" for k, v in check.args)
        return f"{operand}({args})"
    return f"{subject} {op} {operand!r}"


@recordclass(frozen=True, slots=True)
class KeySpec:
    """What one MLLOG key must look like in one section of the rules."""

    name: str
    req: str = "none"
    min_count: int = 1
    alternatives: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    first: tuple[Check, ...] = ()
    target: tuple[Check, ...] = ()
    occurrences: str = "all"  # "all" or "first": which records the checks apply to
    code: str | None = None
    source: str | None = None
    section: str = "common"

    def names(self) -> set[str]:
        from compliance.rulebook.expr import names_in

        found: set[str] = set()
        for check in (*self.checks, *self.first, *self.target):
            for _op, node in check.compiled:
                found |= names_in(node)
        return found


@recordclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str
    source: str = ""


@recordclass(frozen=True, slots=True)
class BenchmarkInfo:
    name: str
    runs: int | None = None
    offline_eval: bool = False
    hyperparameters_fixed: bool = False
    source: str = ""
    quality: str = ""
    quality_unit: str = ""
    olympic_drop: int = 1  # runs dropped at each end by olympic scoring
    convergence: str = "epoch_num"  # how RCPs read the convergence point: epoch_num | samples_count | first_target_met
    rules_section: str = ""
    variant_keys: tuple[str, ...] = ()
    virtual: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...] = ()


@recordclass(frozen=True, slots=True)
class Rulebook:
    suite: str
    round: str  # canonical "5.1"
    ruleset: str  # official name, "training_5.1.0"
    chain: tuple[str, ...]  # the rounds this one was built from, oldest first
    sha256: str
    divisions: tuple[str, ...]
    benchmarks: dict[str, BenchmarkInfo]
    sections: dict[str, dict[str, KeySpec]]
    derived: dict[str, dict[str, Node]]
    limits: dict[str, Quantity]
    timed_keys: tuple[str, ...]
    seed_key: str
    seed_required: bool
    known_keys: frozenset[str]
    sources: dict[str, str] = field(default_factory=dict)
    repo_checker: bool = True  # the round had the official repository checker (hidden names, spaces, broken links)
    batch_size_keys: frozenset[str] = frozenset()
    not_hyperparameters: frozenset[str] = frozenset()
    # per benchmark: hyperparameters the rules set from the batch size, and logged keys the
    # rules' hyperparameter table does not list for the benchmark
    batch_size_derived: dict[str, frozenset[str]] = field(default_factory=dict)
    not_hyperparameters_by_benchmark: dict[str, frozenset[str]] = field(default_factory=dict)
    tunable: dict[str, frozenset[str]] = field(default_factory=dict)  # per benchmark, from the rules' table

    def not_hyperparameters_of(self, benchmark: str) -> frozenset[str]:
        return self.not_hyperparameters_by_benchmark.get(benchmark, frozenset())

    def section_names(self, division: str | None, benchmark: str | None, variants: dict[str, str]) -> list[str]:
        """Sections in the order they apply; later ones override earlier key specs."""
        names = ["common"]
        if division:
            names.append(division)
            if benchmark:
                base = f"{division}.{benchmark}"
                names.append(base)
                for section in self.sections:
                    if section.startswith(base + ".") and "=" in section:
                        key, _, wanted = section[len(base) + 1 :].partition("=")
                        got = variants.get(key)
                        if got is not None and str(got).lower() == wanted.lower():
                            names.append(section)
        return [n for n in names if n in self.sections or n == "common"]

    def effective(self, division: str | None, benchmark: str | None, variants: dict[str, str]) -> dict[str, KeySpec]:
        table: dict[str, KeySpec] = {}
        for name in self.section_names(division, benchmark, variants):
            for key, spec in self.sections.get(name, {}).items():
                if spec.req == "drop":
                    table.pop(key, None)
                else:
                    table[key] = spec
        return table

    def derived_for(self, division: str | None, benchmark: str | None, variants: dict[str, str]) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for name in self.section_names(division, benchmark, variants):
            out.update(self.derived.get(name, {}))
        return out

    def limit(self, name: str) -> Quantity | None:
        return self.limits.get(name)

    def variant_keys(self) -> set[str]:
        keys = set()
        for section in self.sections:
            parts = section.split(".", 2)
            if len(parts) == 3 and "=" in parts[2]:
                keys.add(parts[2].partition("=")[0])
        return keys

    def mentioned_keys(self) -> set[str]:
        keys: set[str] = set(self.timed_keys) | {self.seed_key} | self.variant_keys()
        for table in self.sections.values():
            for spec in table.values():
                keys.add(spec.name)
                keys.update(spec.alternatives)
                keys.update(spec.names())
                for check in (*spec.checks, *spec.first, *spec.target):
                    for op, operand in check.conditions:
                        if op == "after":
                            keys.add(operand)
        for info in self.benchmarks.values():
            for _name, _builder, args in info.virtual:
                for k, v in args:
                    if k == "source_key":
                        keys.add(v)
        for nodes in self.derived.values():
            from compliance.rulebook.expr import names_in

            for node in nodes.values():
                keys |= names_in(node)
        return keys


def build_check(raw: Any, where: str) -> Check:
    if not isinstance(raw, dict):
        raise RulebookError(f"{where}: a check must be a table, got {raw!r}")
    conditions: list[tuple[str, Any]] = []
    compiled: list[tuple[str, Node]] = []
    for name, operand in raw.items():
        if name in CHECK_MODIFIERS:
            continue
        kind = CHECK_OPERATORS.get(name)
        if kind is None:
            raise RulebookError(f"{where}: unknown check operator {name!r}")
        if kind == "expr" or (kind == "bound" and isinstance(operand, str)):
            try:
                compiled.append((name, compile_expression(operand)))
            except ValueError as err:
                raise RulebookError(f"{where}: {err}") from err
        elif kind == "bound" and (isinstance(operand, bool) or not isinstance(operand, (int, float))):
            raise RulebookError(f"{where}: {name} needs a number or a formula, got {operand!r}")
        elif kind == "list" and not isinstance(operand, list):
            raise RulebookError(f"{where}: {name} needs a list")
        elif kind == "flag" and operand is not True:
            raise RulebookError(f"{where}: {name} must be true")
        elif kind == "int" and (isinstance(operand, bool) or not isinstance(operand, int)):
            raise RulebookError(f"{where}: {name} needs a whole number")
        elif kind == "number" and (isinstance(operand, bool) or not isinstance(operand, (int, float))):
            raise RulebookError(f"{where}: {name} needs a number")
        elif kind == "str" and not isinstance(operand, str):
            raise RulebookError(f"{where}: {name} needs a string")
        elif kind == "literal" and not isinstance(operand, (int, float, str, bool)):
            raise RulebookError(f"{where}: {name} needs a number, string or bool")
        if name == "fn":
            from compliance.rules.training.functions import CHECK_FUNCTIONS

            if operand not in CHECK_FUNCTIONS:
                raise RulebookError(f"{where}: unknown check function {operand!r}")
        conditions.append((name, tuple(operand) if isinstance(operand, list) else operand))
    if not conditions:
        raise RulebookError(f"{where}: a check needs at least one condition")
    field_name = raw.get("field", "value")
    if not isinstance(field_name, str) or not (
        field_name in ("value", "metadata") or field_name.startswith(("value.", "metadata."))
    ):
        raise RulebookError(f"{where}: field must be value, metadata, value.X or metadata.X")
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise RulebookError(f"{where}: args must be a table")
    return Check(
        conditions=tuple(conditions),
        field=field_name,
        if_present=bool(raw.get("if_present", False)),
        abs_tol=raw.get("abs_tol"),
        rel_tol=raw.get("rel_tol"),
        args=tuple(sorted(args.items())),
        code=raw.get("code"),
        why=raw.get("why"),
        source=raw.get("source"),
        compiled=tuple(compiled),
    )


KEY_FIELDS = ("req", "min_count", "alternatives", "checks", "first", "target", "occurrences", "code", "source")


def build_key(name: str, raw: Any, section: str) -> KeySpec:
    where = f"keys.{section}.{name}"
    if not isinstance(raw, dict):
        raise RulebookError(f"{where}: must be a table")
    unknown = set(raw) - set(KEY_FIELDS) - {"drop"}
    if unknown:
        raise RulebookError(f"{where}: unknown fields {sorted(unknown)}")
    if raw.get("drop"):
        return KeySpec(name=name, req="drop", section=section, source=raw.get("source"))
    req = raw.get("req", "none")
    if req not in REQUIREMENTS:
        raise RulebookError(f"{where}: req must be one of {REQUIREMENTS}")
    occurrences = raw.get("occurrences", "first" if name.startswith("submission_") else "all")
    if occurrences not in ("all", "first"):
        raise RulebookError(f"{where}: occurrences must be 'all' or 'first'")

    def checks(field_name: str) -> tuple[Check, ...]:
        items = raw.get(field_name, [])
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise RulebookError(f"{where}.{field_name}: must be a list of tables")
        return tuple(build_check(item, f"{where}.{field_name}[{i}]") for i, item in enumerate(items))

    target = checks("target")
    if any(op == "fn" for check in target for op, _ in check.conditions):
        # a record meets the target or not on its own (the rules ask it of the same records in several places)
        raise RulebookError(f"{where}.target: a quality target cannot use a check function (fn)")
    alternatives = raw.get("alternatives", [])
    if req == "at_least_one_of" and not alternatives:
        raise RulebookError(f"{where}: at_least_one_of needs alternatives")
    return KeySpec(
        name=name,
        req=req,
        min_count=int(raw.get("min_count", 1)),
        alternatives=tuple(alternatives),
        checks=checks("checks"),
        first=checks("first"),
        target=target,
        occurrences=occurrences,
        code=raw.get("code"),
        source=raw.get("source"),
        section=section,
    )
