"""Rules for MLPerf Training and HPC result logs (MLLOG)."""

from compliance.rules.training import keys, log_rules, seed, sequence  # noqa: F401
