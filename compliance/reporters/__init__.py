"""mlperf-audit reporters."""
