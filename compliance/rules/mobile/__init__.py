"""Rules for MLPerf Mobile: a result file (``mobile_file``), one benchmark of it with its LoadGen
run (``mobile_entry``) and a system folder without a result file (``mobile_system``).
One module per code prefix (MOB)."""

from compliance.rules.mobile import mob  # noqa: F401
