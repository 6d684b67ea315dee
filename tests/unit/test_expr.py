"""The formula language of the round data: arithmetic only, nothing executable."""

from __future__ import annotations

import math

import pytest

from compliance.rulebook.expr import ExpressionError, MissingName, compile_expression, evaluate_text, names_in


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("1200000 - opt_learning_rate_warmup_steps", {"opt_learning_rate_warmup_steps": 128}, 1199872),
        ("2.4e-05 * (global_batch_size / 16384) ** 0.5", {"global_batch_size": 16384}, 2.4e-05),
        ("global_batch_size * floor(42 + 24576 / global_batch_size)", {"global_batch_size": 16384}, 704512),
        ("ceil(1_200_000 * 1152 / gbs) - ceil(8000 * 1152 / gbs)", {"gbs": 960}, 1440000 - 9600),
        ("max(1, ceil(0.001 * 2290835423 / g)) * g", {"g": 8192}, 280 * 8192),
        ("min(3, 2, 5) + sqrt(16)", {}, 6.0),
        ("-2 ** 2", {}, -4),
        ("2 ** 3 ** 2", {}, 512),
        ("(1 + 2) * 3 - 4 / 2", {}, 7.0),
        (".5 + 1.", {}, 1.5),
    ],
)
def test_arithmetic(text: str, names: dict, expected: float) -> None:
    assert math.isclose(evaluate_text(text, names), expected)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x.y",
        "open('f')",
        "a if b else c",
        "a == b",
        "a % 2",
        "lambda: 1",
        "[1, 2]",
        "'text'",
        "1 +",
        "(1",
        "",
        "sqrt(1, 2)",
        "floor()",
        "1; 2",
    ],
)
def test_anything_but_arithmetic_is_rejected(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text)


def test_missing_and_non_numeric_names() -> None:
    with pytest.raises(MissingName) as err:
        evaluate_text("global_batch_size * 2", {})
    assert err.value.name == "global_batch_size"
    with pytest.raises(TypeError):
        evaluate_text("x + 1", {"x": "twelve"})
    with pytest.raises(TypeError):
        evaluate_text("x + 1", {"x": True})


def test_names_in_and_resolver() -> None:
    node = compile_expression("a * ceil(b / c) + a")
    assert names_in(node) == {"a", "b", "c"}
    assert evaluate_text("a + b", lambda name: {"a": 1, "b": 2}[name]) == 3


def test_huge_exponents_are_refused() -> None:
    with pytest.raises(ValueError):
        evaluate_text("10 ** 1000", {})
