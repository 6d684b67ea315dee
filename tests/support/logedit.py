"""Build test logs by editing real ones: each edit names a key, never a line number,
so cases stay readable and survive fixture changes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

TOKEN = ":::MLLOG "
FIXTURES = Path(__file__).parents[1] / "fixtures"

# Short names for the real logs copied from ../shared/corpus (see fixtures/corpus/MANIFEST.tsv).
BASES = {
    "v5.1_llama31_8b": ("training", "5.1", "corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt"),
    "v5.0_llama2_70b_lora": ("training", "5.0", "corpus/training/v5.0/NVIDIA/nyx_n1_ngc25.04_nemo/llama2_70b_lora/result_0.txt"),
    "v5.0_llama31_405b": ("training", "5.0", "corpus/training/v5.0/NVIDIA/eos-dfw_n64_ngc25.01_nemo/llama31_405b/result_0.txt"),
    "v4.1_ssd": ("training", "4.1", "corpus/training/v4.1/NVIDIA/eos_ngc24.09_pytorch/ssd/result_0.txt"),
    "v4.0_resnet": ("training", "4.0", "corpus/training/v4.0/tinycorp/tinybox_red/resnet/result_0.txt"),
    "v4.0_stable_diffusion": ("training", "4.0", "corpus/training/v4.0/Quanta_Cloud_Technology/D74H-7U/stable_diffusion/result_0.txt"),
    "v3.1_rnnt": ("training", "3.1", "corpus/training/v3.1/NVIDIA/eos_ngc23.04_pytorch/rnnt/result_0.txt"),
    "v3.1_maskrcnn_diverged": ("training", "3.1", "corpus/training/v3.1/NVIDIA/eos_n8_ngc23.04_pytorch/maskrcnn/result_0.txt"),
    "hpc3.0_openfold": ("hpc", "3.0", "corpus/hpc/v3.0/TACC/lonestar6-pytorch/strong/openfold/result_1.txt"),
    "hpc3.0_cosmoflow": ("hpc", "3.0", "corpus/hpc/v3.0/HPE+LBNL/perlmutter_128x4/strong/cosmoflow/result_1.txt"),
    # its pre-run cache_clear is printed after run_stop (origin: fixtures/fidelity/README.md)
    "v5.1_dlrm_dcnv2_late_cache_clear": ("training", "5.1", "fidelity/logs/v5.1_dlrm_dcnv2_late_cache_clear.txt"),
}


def base_text(name: str) -> str:
    return (FIXTURES / BASES[name][2]).read_text(encoding="utf-8")


def _record(line: str) -> tuple[str, dict[str, Any]] | None:
    pos = line.find(TOKEN)
    if pos < 0:
        return None
    try:
        obj = json.loads(line[pos + len(TOKEN):])
    except ValueError:
        return None
    return line[:pos], obj


def _render(prefix: str, obj: dict[str, Any]) -> str:
    return prefix + TOKEN + json.dumps(obj)


def _matches(lines: list[str], key: str) -> list[int]:
    found = []
    for i, line in enumerate(lines):
        rec = _record(line)
        if rec is not None and rec[1].get("key") == key:
            found.append(i)
    return found


def _pick(indices: list[int], nth: Any) -> list[int]:
    if nth == "all" or nth is None:
        return indices
    return [indices[nth]] if indices and -len(indices) <= nth < len(indices) else []


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    lines = text.splitlines()
    for edit in edits:
        ((op, args),) = edit.items()
        if op == "raw":
            lines = str(args).splitlines()
            continue
        if op == "append":
            lines.append(str(args))
            continue
        if op == "prepend":
            lines.insert(0, str(args))
            continue
        if op == "replace_text":
            lines = "\n".join(lines).replace(args["old"], args["new"]).splitlines()
            continue
        if op == "sub":  # a regular expression over the whole text (re.sub)
            lines = re.sub(args["pattern"], args["repl"], "\n".join(lines)).splitlines()
            continue
        key = args["key"]
        where = _matches(lines, key)
        if not where and op not in ("add",):
            raise AssertionError(f"edit {op}: no record with key {key!r}")
        if op == "delete":
            for i in reversed(_pick(where, args.get("nth", "all"))):
                del lines[i]
        elif op == "set":
            for i in _pick(where, args.get("nth", "all")):
                prefix, obj = _record(lines[i])  # type: ignore[misc]
                obj["value"] = args["value"]
                lines[i] = _render(prefix, obj)
        elif op == "set_metadata":
            for i in _pick(where, args.get("nth", "all")):
                prefix, obj = _record(lines[i])  # type: ignore[misc]
                obj["metadata"][args["field"]] = args["value"]
                lines[i] = _render(prefix, obj)
        elif op == "drop_metadata":
            for i in _pick(where, args.get("nth", "all")):
                prefix, obj = _record(lines[i])  # type: ignore[misc]
                obj["metadata"].pop(args["field"], None)
                lines[i] = _render(prefix, obj)
        elif op == "shift_time":
            for i in _pick(where, args.get("nth", 0)):
                prefix, obj = _record(lines[i])  # type: ignore[misc]
                obj["time_ms"] += args["ms"]
                lines[i] = _render(prefix, obj)
        elif op == "duplicate":
            i = _pick(where, args.get("nth", 0))[0]
            prefix, obj = _record(lines[i])  # type: ignore[misc]
            obj = json.loads(json.dumps(obj))
            obj["time_ms"] += args.get("time_offset_ms", 0)
            if "value" in args:
                obj["value"] = args["value"]
            if args.get("at_end"):
                lines.append(_render(prefix, obj))
            else:
                lines.insert(i + 1, _render(prefix, obj))
        elif op == "add":
            # a new record next to an anchor key's first record
            anchor = _matches(lines, args.get("after", "init_start"))
            i = anchor[-1] if args.get("last") else anchor[0]
            prefix, template = _record(lines[i])  # type: ignore[misc]
            obj = {
                "namespace": "",
                "time_ms": template["time_ms"] + args.get("time_offset_ms", 0),
                "event_type": args.get("event_type", "POINT_IN_TIME"),
                "key": key,
                "value": args.get("value"),
                "metadata": {"file": "test.py", "lineno": 1, **args.get("metadata", {})},
            }
            lines.insert(i + 1, _render(prefix, obj))
        elif op == "move_after":
            i = _pick(where, args.get("nth", 0))[0]
            moved = lines.pop(i)
            target = _matches(lines, args["after"])
            j = target[args.get("after_nth", 0)]
            lines.insert(j + 1, moved)
        elif op == "time_like":
            # set the time of a record relative to another key's first record
            ref = _record(lines[_matches(lines, args["as"])[0]])[1]  # type: ignore[index]
            for i in _pick(where, args.get("nth", 0)):
                prefix, obj = _record(lines[i])  # type: ignore[misc]
                obj["time_ms"] = ref["time_ms"] + args.get("offset_ms", 0)
                lines[i] = _render(prefix, obj)
        elif op == "insert_after":
            i = _pick(where, args.get("nth", 0))[0]
            lines.insert(i + 1, str(args["line"]))
        else:
            raise AssertionError(f"unknown edit {op!r}")
    return "\n".join(lines) + "\n"
