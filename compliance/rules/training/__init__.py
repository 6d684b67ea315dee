"""Rules for MLPerf Training and HPC result logs (MLLOG)."""

from compliance.rules.training import identity, keys, log_rules, sequence  # noqa: F401
