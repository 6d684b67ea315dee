"""Rules for MLPerf Inference: LoadGen runs (``loadgen_run``), scenario results (``inference_result``)
and whole submissions (``inference_submission``)."""

from compliance.rules.inference import accuracy, latency, log_rules, performance, results, submission_rules, tree_rules  # noqa: F401
