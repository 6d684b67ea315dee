"""mlperf-audit rulebook."""
