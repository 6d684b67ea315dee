"""Rules for MLPerf Inference: LoadGen runs (``loadgen_run``), scenario results (``inference_result``)
and whole submissions (``inference_submission``). One module per code prefix (compliance/rules/codes.py)."""

from compliance.rules.inference import (  # noqa: F401
    accuracy,
    accuracy_targets,
    builds,
    compliance_tests,
    endpoints,
    latency,
    loadgen_settings,
    log_rules,
    measurements,
    performance,
    power,
    results,
    results_layout,
    systems,
)
