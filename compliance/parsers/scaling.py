"""A Training/HPC entry's ``scaling.json`` (what the official package checker writes for a
strong-scaling entry the RCPs normalise): its factor, or why it cannot be used."""

from __future__ import annotations

import json
import math

from compliance.parsers.safefs import read_regular, why_unreadable

MAX_BYTES = 1 << 20  # a scaling.json is one small JSON object


def read_scaling(path: str) -> tuple[float | None, str | None]:
    """``(factor, None)``, or ``(None, why)`` when the file cannot be read or is not valid."""
    try:
        raw = read_regular(path, MAX_BYTES)  # never a pipe or device, never through a link
        if len(raw) > MAX_BYTES:
            raise ValueError("the file is over 1 MiB; a scaling.json is one small JSON object")
        data = json.loads(raw.decode("utf-8-sig"))
        factor = data["scaling_factor"]
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor) or factor <= 0:
            raise ValueError(f"scaling_factor is {factor!r}, not a positive number")
        return float(factor), None
    except OSError as err:
        return None, f"cannot be read: {why_unreadable(err)}"
    except UnicodeDecodeError as err:
        return None, f"cannot be read: {err}"
    except ValueError as err:
        return None, f"is not valid: {err}"
    except RecursionError:
        return None, "is not valid: its JSON is nested too deeply"
    except (KeyError, TypeError):
        return None, 'is not valid: expected {"scaling_factor": <number>}'
