"""What a check of one training log imports: a whole process is started for it (``mlperf-audit
check result_0.txt``), so every module it imports is paid on every run. The modules below cost
start-up time and a check that passes does not need them; a change that brings one back fails
here, and says which module imported it."""

from __future__ import annotations

import ast
import json
import subprocess

import pytest

from tests.support.cli import PYTHON, python_env
from tests.support.paths import ROOT

LOG = str(ROOT / "tests/fixtures/corpus/training/v5.1/AMD/MI355X_EPYC_9575F_pytorch/llama31_8b/result_0.txt")

# Never imported by a check of one log: typing (~2 ms: annotations only, under TYPE_CHECKING),
# tomllib (the round files are read through the JSON cache once it is warm), the libraries of
# optional features, the process pool, archives, hashing, pathlib.
NEVER = ("typing", "tomllib", "pydantic", "jsonschema", "numpy", "pandas", "multiprocessing", "concurrent.futures", "tarfile", "zipfile", "hashlib", "pathlib", "csv", "html")
# Imported only by orjson's own initialisation (it serialises dataclasses, UUIDs and datetimes,
# so it imports their modules): no module of ours may import them.
ORJSON_ONLY = ("dataclasses", "inspect", "ast", "dis", "tokenize", "copy", "uuid", "platform")
# Imported when a report has a note or a finding to wrap; not for a check that passes quietly.
QUIET_ONLY = ("textwrap",)

# The child records, for each module of interest, the module whose code imported it first.
_PROBE = """
import builtins, io, json, sys
from contextlib import redirect_stdout
watched = set(sys.argv[1].split(","))
seen = {}
inside = []  # the imports of orjson under way (its extension imports through builtins too)
original = builtins.__import__
def traced(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name in watched and name not in sys.modules and name not in seen:
        seen[name] = "orjson" if inside else (globals or {}).get("__name__", "?")
    if level == 0 and name.split(".")[0] == "orjson" and "orjson" not in sys.modules:
        inside.append(name)
        try:
            return original(name, globals, locals, fromlist, level)
        finally:
            inside.pop()
    return original(name, globals, locals, fromlist, level)
builtins.__import__ = traced
from compliance.cli import main
with redirect_stdout(io.StringIO()):
    code = main(["check", *sys.argv[2:]])
classes = sorted(
    f"{module.__name__}.{name}"
    for module in list(sys.modules.values())
    if getattr(module, "__name__", "").startswith("compliance")
    for name, value in vars(module).items()
    if isinstance(value, type) and value.__module__ == module.__name__ and "__dataclass_fields__" in value.__dict__
)
print(json.dumps({"code": code, "imported": seen, "dataclasses": classes}))
"""


def _check(cache: str, *args: str) -> dict[str, object]:
    """Check the log from a folder without a settings file (a ``pyproject.toml`` in the working
    folder is read for its ``[tool.mlperf-audit]`` table, with tomllib)."""
    env = {**python_env(), "MLPERF_AUDIT_CACHE_DIR": cache}
    watched = ",".join(NEVER + ORJSON_ONLY + QUIET_ONLY)
    proc = subprocess.run([PYTHON, "-c", _PROBE, watched, LOG, *args], capture_output=True, text=True, env=env, cwd=cache, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    assert result["code"] == 0
    return result


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    cache = str(tmp_path_factory.mktemp("cache"))
    _check(cache)  # the first check of a round parses its TOML files and fills the cache
    _check(cache, "--suite", "training", "--round", "5.1")
    return cache


@pytest.mark.parametrize("args", [(), ("--suite", "training", "--round", "5.1")], ids=["detected", "given"])
def test_a_check_of_one_log_imports_only_what_it_needs(warm_cache: str, args: tuple[str, ...]) -> None:
    result = _check(warm_cache, *args)
    imported = result["imported"]
    assert isinstance(imported, dict)
    assert {name: imported[name] for name in NEVER if name in imported} == {}
    ours = {name: by for name, by in imported.items() if name in ORJSON_ONLY and by != "orjson"}
    assert ours == {}, f"imported by a module other than orjson: {ours}"
    if args:  # no note (suite and round given) and no finding: nothing to wrap
        assert [name for name in QUIET_ONLY if name in imported] == []
    assert result["dataclasses"] == [], "records (compliance.records) define no dataclass"


def test_no_module_of_ours_imports_dataclasses() -> None:
    """Only the schema generator makes dataclasses (pydantic reads them), inside a function."""
    found = []
    for path in sorted((ROOT / "compliance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level: paid at import
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if "dataclasses" in names:
                found.append(str(path.relative_to(ROOT)))
    assert found == []
