import os
import sys

# `python -m compliance` puts the current folder first on sys.path: a checked tree must
# never provide modules (an `orjson.py` in it would otherwise be imported and run).
try:
    _cwd = os.getcwd()
except OSError:  # the current folder was removed
    _cwd = ""
sys.path[:] = [entry for entry in sys.path if entry not in ("", ".", _cwd)]

from compliance.cli import main  # noqa: E402

raise SystemExit(main())
