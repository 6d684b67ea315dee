"""mlperf-audit parsers."""
