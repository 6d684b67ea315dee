"""Hand-made hostile archives, trees and files: each is a finding with its own code, never a crash,
a hang, an escape or a write. Every case checks that nothing outside the private temporary
folder changed: the case's own folder is byte-for-byte the same afterwards, no file appeared
where an archive member tried to write, and no temporary folder was left behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.parsers import archive
from compliance.records import replace
from tests.support.cli import PYTHON, python_env, run_cli
from tests.support.logedit import base_text
from tests.support.treebuild import fixture_tree

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
RESULTS = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"
IMPL = "closed/AMD/benchmarks/llama31_8b/implementations/pytorch"


# -- guards ---------------------------------------------------------------------------------


def _digest(root: Path) -> dict[str, str]:
    """Every entry under root: a hash of a file, a link's target, or its kind (never following links)."""
    found: dict[str, str] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            found[str(folder)] = "unreadable folder"
            continue
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            key = os.fsencode(entry.path).hex()
            if stat.S_ISLNK(info.st_mode):
                found[key] = "link:" + os.readlink(entry.path)
            elif stat.S_ISDIR(info.st_mode):
                found[key] = f"dir {stat.S_IMODE(info.st_mode):o}"
                stack.append(Path(entry.path))
            elif stat.S_ISREG(info.st_mode):
                try:
                    found[key] = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                except OSError:
                    found[key] = f"unreadable {stat.S_IMODE(info.st_mode):o} {info.st_size}"
            else:
                found[key] = f"special {info.st_mode:o}"
    return found


def check(path: Path, guard: Path, *args: str, escapes: tuple[Path, ...] = ()) -> tuple[int, set[str], dict]:
    """Run ``mlperf-audit check`` in-process; assert nothing outside its temporary folder changed."""
    before = _digest(guard)
    private = tempfile.mkdtemp(prefix="hostile-tmp-")  # the check's temporary folders go here
    saved, tempfile.tempdir = tempfile.tempdir, private
    try:
        result = run_cli("check", str(path), "--round", "5.1", "--format", "json", *args)
    finally:
        tempfile.tempdir = saved
    leftovers = os.listdir(private)
    os.rmdir(private) if not leftovers else None
    assert not leftovers, "a temporary folder was left behind"
    assert result.code in (0, 1), result.err
    report = json.loads(result.out)
    assert _digest(guard) == before, "the check changed the checked tree"
    for escape in escapes:
        assert not os.path.lexists(escape), f"an archive member was written to {escape}"
    return result.code, {f["code"] for f in report["findings"]}, report


def check_subprocess(path: Path, guard: Path, *args: str) -> set[str]:
    """The same in a child process with a timeout: for cases that would block a reader forever (FIFOs)."""
    before = _digest(guard)
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(path), "--format", "json", *args],
        capture_output=True, text=True, env=python_env(), cwd=guard, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert _digest(guard) == before
    return {f["code"] for f in json.loads(proc.stdout)["findings"]}


# -- archives -------------------------------------------------------------------------------


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"x", **fields: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data) if fields.get("type", tarfile.REGTYPE) == tarfile.REGTYPE else 0
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if info.size else None)


def make_tar(tmp_path: Path, extra: Callable[[tarfile.TarFile], None], mode: str = "w:gz") -> Path:
    """The real AMD submission as an archive, with hostile members added after it."""
    tree = fixture_tree(tmp_path / "src")
    path = tmp_path / ("submission.tar.gz" if mode.endswith("gz") else "submission.tar")
    with tarfile.open(path, mode) as tar:
        tar.add(tree / "closed", arcname="closed")
        extra(tar)
    return path


def make_zip(tmp_path: Path, extra: Callable[[zipfile.ZipFile], None]) -> Path:
    tree = fixture_tree(tmp_path / "src")
    path = tmp_path / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted((tree / "closed").rglob("*")):
            if file.is_file():
                zf.write(file, str(file.relative_to(tree)))
        extra(zf)
    return path


def _zip_special(zf: zipfile.ZipFile, name: str, mode: int, data: bytes = b"") -> None:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    zf.writestr(info, data)


@pytest.mark.parametrize(
    ("case", "extra", "code"),
    [
        ("absolute name", lambda tar: _member(tar, "/tmp/mlperf-audit-escape-abs.txt"), "STR009"),
        ("'..' name", lambda tar: _member(tar, "closed/../../mlperf-audit-escape-dots.txt"), "STR009"),
        ("symlink leaving the archive", lambda tar: _member(tar, "closed/AMD/evil", type=tarfile.SYMTYPE, linkname="/etc"), "STR004"),
        ("symlink then a file through it", lambda tar: (
            _member(tar, "closed/AMD/up", type=tarfile.SYMTYPE, linkname="../../.."),
            _member(tar, "closed/AMD/up/mlperf-audit-escape-link.txt"),
        ), "STR004"),
        ("hard link leaving the archive", lambda tar: _member(tar, "closed/AMD/hard", type=tarfile.LNKTYPE, linkname="../../etc/passwd"), "STR004"),
        ("hard link inside the archive", lambda tar: _member(tar, "closed/AMD/README.md", type=tarfile.LNKTYPE, linkname=f"{RESULTS}/result_0.txt"), "STR004"),
        ("named pipe", lambda tar: _member(tar, f"{RESULTS}/result_10.txt", type=tarfile.FIFOTYPE), "STR008"),
        ("character device", lambda tar: _member(tar, "closed/AMD/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3), "STR008"),
        ("block device", lambda tar: _member(tar, "closed/AMD/disk", type=tarfile.BLKTYPE, devmajor=8, devminor=0), "STR008"),
        ("duplicate name", lambda tar: _member(tar, f"{RESULTS}/result_0.txt", b"a second, different result_0.txt"), "STR016"),
        ("file where a folder is", lambda tar: _member(tar, f"{RESULTS}/result_0.txt/inner.txt"), "STR016"),
        ("name nested 40 deep", lambda tar: _member(tar, f"{IMPL}/" + "d/" * 40 + "f.txt"), "STR014"),
        ("name that is not UTF-8", lambda tar: _member(tar, f"{IMPL}/r\udce9sum\udce9.txt"), "STR015"),
    ],
)
def test_hostile_tar_members_are_findings_not_extractions(tmp_path: Path, case: str, extra, code: str) -> None:  # type: ignore[no-untyped-def]
    path = make_tar(tmp_path, extra)
    escapes = (Path("/tmp/mlperf-audit-escape-abs.txt"), tmp_path.parent / "mlperf-audit-escape-dots.txt", Path(tempfile.gettempdir()) / "mlperf-audit-escape-link.txt")
    status, codes, report = check(path, tmp_path, escapes=escapes)
    assert code in codes, (case, codes)
    assert status == 1
    # the rest of the archive is still checked: the ten logs were read
    assert sum(1 for s in report["subjects"] if s["kind"] == "training_log") >= 10


@pytest.mark.parametrize(
    ("case", "limits", "extra", "code"),
    [
        ("more members than allowed", {"max_members": 5}, lambda tar: None, "STR017"),
        ("one file over the per-file limit", {"max_member_bytes": 1 << 20}, lambda tar: _member(tar, f"{IMPL}/big.bin", b"\0" * (2 << 20)), "STR017"),
        ("more bytes than the total limit", {"max_total_bytes": 100_000}, lambda tar: None, "STR017"),
        ("compression ratio of a bomb", {"ratio_floor_bytes": 1 << 20}, lambda tar: _member(tar, f"{IMPL}/zeros.bin", b"\0" * (8 << 20)), "STR017"),
    ],
)
def test_archive_bombs_stop_at_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, limits: dict, extra, code: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(archive, "DEFAULT_LIMITS", replace(archive.DEFAULT_LIMITS, **limits))
    path = make_tar(tmp_path, extra)
    _status, codes, _report = check(path, tmp_path)
    assert code in codes, (case, codes)


def test_the_default_limits_are_far_beyond_a_real_submission() -> None:
    limits = archive.DEFAULT_LIMITS
    assert limits.max_members >= 100_000 and limits.max_total_bytes >= 8 << 30
    assert limits.max_member_bytes >= 1 << 30 and limits.max_ratio >= 100 and limits.max_depth >= 24


@pytest.mark.parametrize(
    ("case", "extra", "code"),
    [
        ("absolute name", lambda zf: zf.writestr("/tmp/mlperf-audit-escape-zip.txt", "x"), "STR009"),
        ("'..' name", lambda zf: zf.writestr("../mlperf-audit-escape-zip-dots.txt", "x"), "STR009"),
        ("symlink", lambda zf: _zip_special(zf, "closed/AMD/evil", 0o120777, b"/etc/passwd"), "STR004"),
        ("named pipe", lambda zf: _zip_special(zf, "closed/AMD/pipe", 0o010644), "STR008"),
        ("duplicate name", lambda zf: zf.writestr(f"{RESULTS}/result_0.txt", "again"), "STR016"),
    ],
)
def test_hostile_zip_members_are_findings_not_extractions(tmp_path: Path, case: str, extra, code: str) -> None:  # type: ignore[no-untyped-def]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns when it writes a duplicate name
        path = make_zip(tmp_path, extra)
    escapes = (Path("/tmp/mlperf-audit-escape-zip.txt"), tmp_path.parent / "mlperf-audit-escape-zip-dots.txt")
    _status, codes, _report = check(path, tmp_path, escapes=escapes)
    assert code in codes, (case, codes)


def test_zip_bomb_by_ratio_and_by_declared_entry_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "DEFAULT_LIMITS", replace(archive.DEFAULT_LIMITS, ratio_floor_bytes=1 << 20))
    bomb = make_zip(tmp_path, lambda zf: zf.writestr(f"{IMPL}/zeros.bin", b"\0" * (16 << 20)))
    assert "STR017" in check(bomb, tmp_path)[1]
    monkeypatch.setattr(archive, "DEFAULT_LIMITS", replace(archive.DEFAULT_LIMITS, max_members=10))
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(50):
            zf.writestr(f"closed/AMD/f{i}.txt", "")
    unpacked = archive.unpack(str(many))
    try:
        assert [p.kind for p in unpacked.problems] == [archive.LIMIT]
        assert not os.listdir(unpacked.folder), "nothing is unpacked from an archive declaring too many entries"
    finally:
        unpacked.cleanup()


def test_a_damaged_archive_reports_and_checks_what_was_read(tmp_path: Path) -> None:
    path = make_tar(tmp_path, lambda tar: _member(tar, f"{IMPL}/padding.bin", os.urandom(1 << 20)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - (len(data) // 8)])  # cut inside the random member
    _status, codes, report = check(path, tmp_path)
    assert "STR008" in codes
    assert any("damaged" in f["message"] for f in report["findings"])


def test_an_archive_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "submission.tar.gz"
    path.write_bytes(b"\x1f\x8b not gzip at all")
    result = run_cli("check", str(path), "--round", "5.1")
    assert result.code == 2 and "cannot be read" in result.err and "Traceback" not in result.err


def test_unpacking_writes_only_into_a_private_folder(tmp_path: Path) -> None:
    path = make_tar(tmp_path, lambda tar: (_member(tar, "../x"), _member(tar, "/x"), _member(tar, "l", type=tarfile.SYMTYPE, linkname="/")))
    unpacked = archive.unpack(str(path))
    try:
        assert stat.S_IMODE(os.stat(unpacked.folder).st_mode) == 0o700
        assert {p.kind for p in unpacked.problems} == {archive.UNSAFE_NAME, archive.LINK_OUTSIDE}
        for root, dirs, files in os.walk(unpacked.folder):
            for name in dirs + files:
                assert not os.path.islink(os.path.join(root, name))
    finally:
        unpacked.cleanup()
    assert not os.path.exists(unpacked.folder)


# -- trees ----------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return fixture_tree(tmp_path / "submission")


def _rmtree_deep(path: Path) -> None:
    """Remove a tree too deep for shutil.rmtree (recursive in Python 3.11)."""
    for root, dirs, files in _walk_up(path):
        for name in files:
            os.unlink(os.path.join(root, name))
        for name in dirs:
            os.rmdir(os.path.join(root, name))
    os.rmdir(path)


def _walk_up(top: Path) -> list[tuple[str, list[str], list[str]]]:
    out, stack = [], [str(top)]
    while stack:
        folder = stack.pop()
        dirs, files = [], []
        for entry in os.scandir(folder):
            (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        out.append((folder, dirs, files))
        stack.extend(os.path.join(folder, d) for d in dirs)
    return out[::-1]


def test_symlink_loop_is_reported_not_followed(tree: Path, tmp_path: Path) -> None:
    bench = tree / RESULTS
    (bench / "loop_a").symlink_to("loop_b")
    (bench / "loop_b").symlink_to("loop_a")
    (bench / "self").symlink_to(".")
    _status, codes, report = check(tree, tmp_path)
    assert "STR004" in codes
    assert any("loop" in f["message"] for f in report["findings"])


def test_link_leaving_the_tree_is_reported_not_followed(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "result_0.txt").write_text(base_text("v5.1_llama31_8b"))
    (tree / "closed/AMD/results/sysB").symlink_to(outside)
    (tree / RESULTS / "result_10.txt").symlink_to(outside / "result_0.txt")
    _status, codes, report = check(tree, tmp_path)
    assert "STR004" in codes
    assert any("outside the tree" in f["message"] for f in report["findings"])
    assert not any("outside" in s["path"] for s in report["subjects"]), "a link out of the tree was followed"


@pytest.mark.skipif(AS_ROOT, reason="root reads any file: permissions cannot make one unreadable")
def test_unreadable_file_and_folder_are_findings(tree: Path, tmp_path: Path) -> None:
    (tree / RESULTS / "result_3.txt").chmod(0)
    locked = tree / IMPL
    locked.mkdir(parents=True)
    (locked / "train.py").write_text("print('x')\n")
    locked.chmod(0)
    try:
        _status, codes, report = check(tree, tmp_path)
    finally:
        locked.chmod(0o755)
        (tree / RESULTS / "result_3.txt").chmod(0o644)
    assert "STR008" in codes and "LOG000" in codes
    assert sum(1 for s in report["subjects"] if s["kind"] == "training_log") == 10


def test_unreadable_entries_are_findings_even_when_run_as_root(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root no permission makes a file unreadable; the walker's check is os.access, so pretend."""
    from compliance.parsers import tree as tree_parser

    locked = {str(tree / RESULTS / "notes.md"), str(tree / IMPL)}
    (tree / RESULTS / "notes.md").write_text("x")
    (tree / IMPL).mkdir(parents=True)
    (tree / IMPL / "train.py").write_text("x")
    real_access = os.access
    monkeypatch.setattr(tree_parser.os, "access", lambda path, mode: path not in locked and real_access(path, mode))
    _status, codes, report = check(tree, tmp_path)
    flagged = {f["location"]["path"] for f in report["findings"] if f["code"] == "STR008"}
    assert flagged == {str(tree / RESULTS / "notes.md"), str(tree / IMPL)}


def test_fifos_are_never_opened(tree: Path, tmp_path: Path) -> None:
    os.mkfifo(tree / RESULTS / "result_10.txt")
    os.mkfifo(tree / "closed/AMD/systems/pipe.json")
    os.remove(tree / RESULTS / "scaling.json")
    os.mkfifo(tree / RESULTS / "scaling.json")
    codes = check_subprocess(tree, tmp_path, "--round", "5.1")
    assert "STR008" in codes


def test_fifos_named_on_the_command_line_and_in_loadgen_runs_are_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "result_0.txt")
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(tmp_path / "result_0.txt"), "--suite", "training", "--round", "5.1"],
        capture_output=True, text=True, env=python_env(), cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr  # nothing to check: the pipe is not read
    run = tmp_path / "resnet50/Offline/performance/run_1"
    run.mkdir(parents=True)
    for name in ("mlperf_log_detail.txt", "mlperf_log_summary.txt", "mlperf_log_accuracy.json"):
        os.mkfifo(run / name)
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", str(run), "--suite", "inference", "--round", "5.1", "--format", "json"],
        capture_output=True, text=True, env=python_env(), cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "LGL001" in {f["code"] for f in json.loads(proc.stdout)["findings"]}


def test_a_settings_file_that_is_a_pipe_is_never_opened(tree: Path, tmp_path: Path) -> None:
    (tree / ".git").mkdir()
    os.mkfifo(tree / "mlperf-audit.toml")
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", ".", "--round", "5.1"],
        capture_output=True, text=True, env=python_env(), cwd=tree, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr  # not a settings file (not a regular file): ignored, not opened
    (tree / "mlperf-audit.toml").unlink()
    (tree / "mlperf-audit.toml").write_text("select = " + "[" * 5000 + "]" * 5000 + "\n")
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", ".", "--round", "5.1"],
        capture_output=True, text=True, env=python_env(), cwd=tree, timeout=120,
    )
    assert proc.returncode == 2 and "settings file" in proc.stderr and "Traceback" not in proc.stderr


def test_names_that_are_not_utf8_are_shown_escaped(tree: Path, tmp_path: Path) -> None:
    folder = os.fsencode(tree / IMPL)
    os.makedirs(folder)
    with open(os.path.join(folder, b"r\xe9sum\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    os.mkdir(os.path.join(os.fsencode(tree / "closed/AMD/results"), b"sys\xff"))
    _status, codes, report = check(tree, tmp_path)
    assert "STR015" in codes
    paths = [f["location"]["path"] for f in report["findings"] if f["code"] == "STR015"]
    assert any("r\\xe9sum\\xe9.txt" in p for p in paths), paths
    text = run_cli("check", str(tree), "--round", "5.1")
    assert text.code == 1 and "\\xe9" in text.out


def test_very_deep_nesting_is_a_finding_in_every_mode(tree: Path, tmp_path: Path) -> None:
    deep = tree / IMPL
    deep.mkdir(parents=True)
    old = os.getcwd()
    os.chdir(deep)
    try:
        for _ in range(1100):  # past Python's recursion limit: os.walk and shutil.rmtree fail here
            os.mkdir("d")
            os.chdir("d")
        Path("result_0.txt").write_text(base_text("v5.1_llama31_8b"))
        Path("mlperf_log_detail.txt").write_text("")
    finally:
        os.chdir(old)
    try:
        _status, codes, _report = check(tree, tmp_path)
        assert "STR014" in codes
        # the benchmarks/ folder alone is checked as part of its submission: the depth is its finding
        logs = run_cli("check", str(tree / "closed/AMD/benchmarks"), "--suite", "training", "--round", "5.1", "--format", "json")
        assert logs.code == 1 and "STR014" in {f["code"] for f in json.loads(logs.out)["findings"]}
        assert "Traceback" not in logs.err
        runs = run_cli("check", str(tree / "closed/AMD/benchmarks"), "--suite", "inference")
        assert runs.code == 2 and "nothing to check" in runs.err and "Traceback" not in runs.err
    finally:
        _rmtree_deep(tree / "closed/AMD/benchmarks")


def test_code_in_the_tree_is_never_run(tree: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for name in ("orjson.py", "sitecustomize.py", "conftest.py", "__init__.py", "setup.py", "usercustomize.py"):
        (tree / name).write_text(payload)
    (tree / "closed/AMD/pyproject.toml").write_text(f'[tool.mlperf-audit]\nselect = ["__import__(\'os\').system(\'touch {marker}\')"]\n')
    proc = subprocess.run(
        [PYTHON, "-m", "compliance", "check", ".", "--round", "5.1", "--format", "json"],
        capture_output=True, text=True, env=python_env(), cwd=tree, timeout=120,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert not marker.exists(), "code from the checked tree was run"


# -- files ----------------------------------------------------------------------------------


def _codes_at(report: dict, code: str) -> list[int | None]:
    return [f["location"]["line"] for f in report["findings"] if f["code"] == code]


def test_hostile_records_are_findings_with_line_numbers_and_the_rest_is_checked(tmp_path: Path) -> None:
    base = base_text("v5.1_llama31_8b").encode()
    lines = base.split(b"\n")
    hostile = [
        b':::MLLOG {"key": "submission_platform", "time_ms": 1, "value": ' + b"[" * 900 + b"]" * 900 + b', "metadata": {}}',  # orjson reads it
        b':::MLLOG {"key": "x", "time_ms": 1, "value": ' + b"[" * 5000 + b"]" * 5000 + b', "metadata": {}}',  # neither reads it
        b':::MLLOG {"key": "x", "time_ms": 1, "value": ' + b"9" * 400 + b', "metadata": {}}',  # beyond any float
        b':::MLLOG {"key": "x", "time_ms": NaN, "value": Infinity, "metadata": {}}',
        b':::MLLOG {"key": "x", "key": "y", "time_ms": 1, "value": 1, "metadata": {}}',  # duplicate keys: the last wins
        b"\x00" * 1000 + b':::MLLOG {"key": "\x00", "time_ms": 1, "value": 1, "metadata": {}}',
        b':::MLLOG {"key": "caf\xe9", "time_ms": 1, "value": "\xff\xfe", "metadata": {}}',  # Latin-1 among UTF-8
    ]
    at = len(lines) // 2
    data = b"\n".join(lines[:at] + hostile + lines[at:])
    path = tmp_path / "result_0.txt"
    path.write_bytes(data)
    status, codes, report = check(path, tmp_path, "--suite", "training")
    assert status == 1
    first = at + 1
    assert set(_codes_at(report, "LOG002")) >= {first, first + 3}  # nested too deeply; NaN time
    assert set(_codes_at(report, "LOG001")) >= {first + 1, first + 2}  # unreadable JSON; a 400-digit number
    assert _codes_at(report, "LOG005") == [first + 6]
    # the rest is checked: every record outside the hostile lines was read
    assert report["subjects"][0]["records"] >= base.count(b":::MLLOG") + 2


def test_the_same_hostile_log_gives_the_same_report(tmp_path: Path) -> None:
    data = base_text("v4.1_ssd").encode().replace(b'"value": ', b'"value": NaN, "v": ', 3)
    path = tmp_path / "result_0.txt"
    path.write_bytes(data)
    first = run_cli("check", str(path), "--round", "4.1", "--format", "json")
    second = run_cli("check", str(path), "--round", "4.1", "--format", "json")
    assert first.out == second.out


def test_system_and_scaling_json_nested_thousands_deep(tree: Path, tmp_path: Path) -> None:
    (tree / "closed/AMD/systems/MI355X_EPYC_9575F_pytorch.json").write_text("[" * 100_000 + "]" * 100_000)
    (tree / RESULTS / "scaling.json").write_text('{"scaling_factor": ' + "[" * 50_000 + "]" * 50_000 + "}")
    _status, codes, report = check(tree, tmp_path)
    assert {"SYS001", "SCR001"} <= codes


def test_loadgen_files_nested_deep_with_nan_and_huge_numbers(tmp_path: Path) -> None:
    from tests.robustness.test_fuzz import LOADGEN

    detail, summary = next(iter(LOADGEN.values()))
    run = tmp_path / "resnet50/MultiStream/performance/run_1"
    run.mkdir(parents=True)
    detail = detail.replace(b'"value": ', b'"value": ' + b"[" * 3000, 1)
    detail += b':::MLLOG {"key": "x", "value": ' + b"[" * 900 + b"]" * 900 + b', "time_ms": 1, "namespace": "mlperf::logging", "metadata": {"is_error": false, "is_warning": false}}\n'
    detail += b':::MLLOG {"key": "y", "value": NaN, "time_ms": ' + b"9" * 350 + b', "namespace": "mlperf::logging", "metadata": {}}\n'
    (run / "mlperf_log_detail.txt").write_bytes(detail)
    (run / "mlperf_log_summary.txt").write_bytes(summary)
    (run / "mlperf_log_accuracy.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    result = run_cli("check", str(run), "--suite", "inference", "--round", "5.1", "--format", "json")
    assert result.code == 1, result.err
    codes = {f["code"] for f in json.loads(result.out)["findings"]}
    assert "LGL002" in codes


# -- containment ----------------------------------------------------------------------------


def _crash_rule(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    from compliance import registry

    def crash(ctx: object):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom: a bug in a rule")
        yield  # pragma: no cover

    registry.load_all()  # every checker registered before the list is copied
    patched = [registry.Checker(e.subject, e.codes, crash) if code in e.codes else e for e in registry.CHECKERS]
    monkeypatch.setattr(registry, "CHECKERS", patched)


def test_a_rule_that_raises_is_one_internal_error_and_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_rule(monkeypatch, "SEQ004")
    path = tmp_path / "result_0.txt"
    path.write_text(base_text("v5.1_llama31_8b").replace('"key": "run_stop"', '"key": "run_stopp"'))
    result = run_cli("check", str(path), "--round", "5.1", "--format", "json")
    assert result.code == 2
    report = json.loads(result.out)
    internal = [f for f in report["findings"] if f["code"] == "INT001"]
    assert len(internal) == 1 and "boom" in internal[0]["message"]
    assert "traceback" not in internal[0]["evidence"] and "Traceback" not in result.err
    assert "--debug" in result.err
    assert "KEY001" in {f["code"] for f in report["findings"]}, "the other rules still ran"
    debug = run_cli("check", str(path), "--round", "5.1", "--format", "json", "--debug")
    assert debug.code == 2 and "Traceback" in debug.err and "boom" in debug.err
    (kept,) = [f for f in json.loads(debug.out)["findings"] if f["code"] == "INT001"]
    assert "RuntimeError: boom" in kept["evidence"]["traceback"]


def test_a_tree_rule_and_a_loadgen_rule_that_raise_are_contained(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_rule(monkeypatch, "STR010")
    result = run_cli("check", str(tree), "--round", "5.1", "--format", "json")
    assert result.code == 2
    report = json.loads(result.out)
    assert [f["subject"] for f in report["findings"] if f["code"] == "INT001"] == [str(tree)]
    assert report["results"], "the rest of the tree was still checked and scored"
    _crash_rule(monkeypatch, "LGR001")
    run = Path(__file__).parents[1] / "fixtures/inference/v5.1/Lenovo/SE100_RTX2000E_Ada_16GBx1_TRT/resnet50/MultiStream/results/performance/run_1"
    result = run_cli("check", str(run), "--suite", "inference", "--round", "5.1", "--format", "json")
    assert result.code == 2
    assert "INT001" in {f["code"] for f in json.loads(result.out)["findings"]}


def test_a_crash_outside_the_rules_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import engine

    def broken(paths: object, options: object) -> None:
        raise KeyError("unexpected")

    monkeypatch.setattr(engine, "run_audit", broken)
    path = tmp_path / "result_0.txt"
    path.write_text(base_text("v5.1_llama31_8b"))
    result = run_cli("check", str(path))
    assert result.code == 2 and "internal error" in result.err and "Traceback" not in result.err
    result = run_cli("check", str(path), "--debug")
    assert result.code == 2 and "Traceback" in result.err


# -- determinism ----------------------------------------------------------------------------


def test_a_tree_checked_twice_gives_byte_identical_reports(tree: Path, tmp_path: Path) -> None:
    (tree / RESULTS / "notes.txt").write_text("stray")  # some findings too
    (tree / RESULTS / "scaling.json").write_text("{bad json")
    outputs = []
    for fmt in ("json", "sarif", "junit", "text", "csv", "markdown"):
        first = run_cli("check", str(tree), "--round", "5.1", "--format", fmt)
        second = run_cli("check", str(tree), "--round", "5.1", "--format", fmt)
        assert first.out == second.out, fmt
        outputs.append(first.out)
    assert "notes.txt" in outputs[0]


def test_an_archive_checked_twice_gives_byte_identical_reports(tmp_path: Path) -> None:
    path = make_tar(tmp_path, lambda tar: (_member(tar, "../x"), _member(tar, f"{RESULTS}/scaling.json", b"{bad")))
    first = run_cli("check", str(path), "--round", "5.1", "--format", "json")
    second = run_cli("check", str(path), "--round", "5.1", "--format", "json")
    assert first.out == second.out
    assert "mlperf-audit-" not in first.out, "a temporary path leaked into the report"
