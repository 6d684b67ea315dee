"""mlperf-audit models."""
