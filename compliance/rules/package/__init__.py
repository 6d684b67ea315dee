"""Rules for whole Training/HPC submission trees (layout, systems, run sets, scores, RCPs, borrowing)."""

from compliance.rules.package import borrowing, layout, rcp_rules, runs, systems  # noqa: F401
