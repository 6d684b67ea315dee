"""What the inference result and submission rules share: their suites, divisions and rules reference."""

from __future__ import annotations

# Automotive is a fork of the inference rules, written in the same round format: its rounds are
# checked by the same rules (compliance.rulebook.inference.SUITES).
SUITES = ("inference", "automotive")


ALL = ("closed", "open", "network")


CLOSED = ("closed", "network")


_RULES_REF = "MLPerf Inference submission rules (results directory layout); MLPerf Inference rules"
