"""A small, safe arithmetic language for bounds that depend on logged values.

Round data may express a bound as a formula, e.g. a learning rate tied to the
batch size: ``2.4e-5 * sqrt(global_batch_size / 16384)``. This module parses
such strings itself (no ``eval``, no ``ast``): numbers, names, ``+ - * /``,
``**`` powers, parentheses and the functions ``sqrt floor ceil min max``.
Anything else is a syntax error at load time, so a bad formula in the data is
caught by the rulebook tests, never at a user's run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import cache, lru_cache

from compliance.records import recordclass

Number = int | float

FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, min args, max args)
    "sqrt": (math.sqrt, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "min": (min, 2, 16),
    "max": (max, 2, 16),
}

# compiled when the first expression is (a rulebook's expressions are compiled once, when loaded)
_TOKEN = cache(
    lambda: re.compile(
        r"\s*(?:(?P<num>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)"
        r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
        r"|(?P<op>\*\*|[-+*/(),]))"
    )
)


class ExpressionError(ValueError):
    """The text is not a valid expression (raised when data is loaded)."""


class MissingName(LookupError):
    """An expression needs a value that is not available (e.g. a key not logged)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@recordclass(frozen=True, slots=True)
class Node:
    op: str  # "num", "name", "call", "neg", "+", "-", "*", "/", "**"
    args: tuple["Node", ...] = ()
    value: Number | str = 0


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN().match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"unexpected end of expression in {self.text!r}")
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r} but found {token[1]!r} in {self.text!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.sum()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return node

    def sum(self) -> Node:
        node = self.product()
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.take()
            node = Node(token[1], (node, self.product()))
        return node

    def product(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[1] in ("*", "/"):
            self.take()
            node = Node(token[1], (node, self.unary()))
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[1] in ("-", "+"):
            self.take()
            operand = self.unary()
            return Node("neg", (operand,)) if token[1] == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        token = self.peek()
        if token is not None and token[1] == "**":
            self.take()
            return Node("**", (base, self.unary()))
        return base

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            clean = text.replace("_", "")
            try:
                number: Number = int(clean) if re.fullmatch(r"\d+", clean) else float(clean)
            except ValueError as err:
                raise ExpressionError(f"bad number {text!r} in {self.text!r}") from err
            return Node("num", value=number)
        if kind == "name":
            token = self.peek()
            if token is not None and token[1] == "(":
                if text not in FUNCTIONS:
                    raise ExpressionError(
                        f"unknown function {text!r} in {self.text!r}; "
                        f"allowed: {', '.join(sorted(FUNCTIONS))}"
                    )
                self.take("(")
                args = [self.sum()]
                while (token := self.peek()) is not None and token[1] == ",":
                    self.take()
                    args.append(self.sum())
                self.take(")")
                _fn, low, high = FUNCTIONS[text]
                if not low <= len(args) <= high:
                    raise ExpressionError(f"{text}() takes {low}..{high} arguments in {self.text!r}")
                return Node("call", tuple(args), text)
            return Node("name", value=text)
        if text == "(":
            node = self.sum()
            self.take(")")
            return node
        raise ExpressionError(f"unexpected {text!r} in {self.text!r}")


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Node:
    """Parse an expression once; raises ExpressionError on anything not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be a non-empty string")
    return _Parser(text).parse()


def names_in(node: Node) -> set[str]:
    """Every name the expression reads."""
    if node.op == "name":
        return {str(node.value)}
    found: set[str] = set()
    for arg in node.args:
        found |= names_in(arg)
    return found


def evaluate(node: Node, names: Mapping[str, object] | Callable[[str], object]) -> Number:
    """Evaluate a compiled expression. Names come from a mapping or a resolver."""
    op = node.op
    if op == "num":
        return node.value  # type: ignore[return-value]
    if op == "name":
        name = str(node.value)
        if callable(names):
            value = names(name)
        else:
            if name not in names:
                raise MissingName(name)
            value = names[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} is {value!r}, not a number")
        return value
    if op == "neg":
        return -evaluate(node.args[0], names)
    if op == "call":
        fn = FUNCTIONS[str(node.value)][0]
        return fn(*(evaluate(a, names) for a in node.args))
    left = evaluate(node.args[0], names)
    right = evaluate(node.args[1], names)
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    if op == "**":
        if abs(right) > 64:
            raise ValueError("exponent too large")
        return left**right
    raise ExpressionError(f"unknown operator {op}")  # pragma: no cover - parser never builds it


def evaluate_text(text: str, names: Mapping[str, object] | Callable[[str], object]) -> Number:
    return evaluate(compile_expression(text), names)
