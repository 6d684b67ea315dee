"""What the inference result and submission rules share: their suites, divisions and rules reference."""

from __future__ import annotations

SUITES = ("inference",)


ALL = ("closed", "open", "network")


CLOSED = ("closed", "network")


_RULES_REF = "MLPerf Inference submission rules (results directory layout); MLPerf Inference rules"
