"""Rules for MLPerf Inference LoadGen runs (subject type ``loadgen_run``)."""

from compliance.rules.inference import accuracy, latency, log_rules, performance, results  # noqa: F401
