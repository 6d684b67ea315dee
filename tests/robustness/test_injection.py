"""Output injection: names, values and settings from the input never act on what the report is
written to. Every format (and stderr) must be free of raw control and bidirectional characters and of
GitHub workflow commands from the input — a line starting with ``::`` (after blanks) or a ``##[``
anywhere — and CSV cells are never formulas. The hostile text goes into folder and file names of a
tree, the name of the archive, archive member names, a logged value, a LoadGen SUT name and the
settings file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compliance import escape
from tests.support.cli import run_cli
from tests.support.logedit import apply_edits, base_text
from tests.support.treebuild import fixture_tree

FORMATS = ("text", "json", "csv", "junit", "sarif", "github", "markdown", "html", "concise")
# Everything a terminal, a CI log or a viewer would act on: ESC sequences (7- and 8-bit), BEL,
# bidirectional overrides and isolates, a newline and a CR inside a name, and workflow commands.
HOSTILE = "=HYPERLINK(1)\x1b[31m\x9b2J\u202eevil\u2066 ::error title=x::pwned\n##[add-mask]secret\r::warning::y\x07"
NAME = HOSTILE.replace("/", "_")
LEADING = "::error title=owned::by the name ##[add-mask]s"  # a name that starts a line of the text report
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_COMMAND = re.compile(r"^::(error|warning|notice) (file=[^:,]*(,line=\d+)?,)?title=[^:,]*::")
TRAINING = "closed/AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b"
INFERENCE = Path(__file__).parents[1] / "fixtures" / "inference_tree" / "v5.1"


def assert_inert(output: str, fmt: str, document: bool = True) -> None:
    """Nothing in ``output`` (of format ``fmt``) controls a terminal, a CI log or a spreadsheet;
    a whole ``document`` must also parse."""
    raw = sorted({f"U+{ord(c):04X}" for c in _RAW.findall(output)})
    assert not raw, f"{fmt}: raw control characters {raw}"
    assert "##[" not in output, f"{fmt}: a workflow command '##['"
    for line in output.split("\n"):
        if fmt == "github" and line:
            assert _COMMAND.match(line) or line.startswith("mlperf-audit "), f"github: not our command: {line[:120]!r}"
        else:
            assert not line.lstrip().startswith("::"), f"{fmt}: a line starts a workflow command: {line[:120]!r}"
    if fmt == "csv":
        for row in csv.reader(io.StringIO(output)):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"csv: a formula cell {cell[:60]!r}"
                assert not cell.startswith("-") or re.fullmatch(r"-[\d.e+-]+", cell), f"csv: a formula cell {cell[:60]!r}"
    if document and fmt == "junit":
        ET.fromstring(output.encode("utf-8"))
    if document and fmt in ("json", "sarif"):
        json.loads(output)


def check_all_formats(target: str, tmp_path: Path, *args: str) -> dict[str, str]:
    """Check ``target`` once in every format; every output and stderr must be inert."""
    out = tmp_path / "reports"
    result = run_cli("check", target, "--format", ",".join(FORMATS), "--output-dir", str(out), "--no-config", *args)
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err
    assert_inert(result.err, "stderr")
    outputs = {}
    for name in FORMATS:
        path = out / report_file(name)
        outputs[name] = path.read_text(encoding="utf-8")
        assert_inert(outputs[name], name)
    shutil.rmtree(out)
    return outputs


def report_file(name: str) -> str:
    """The file --output-dir writes the format to, all of FORMATS asked for at once."""
    from compliance.cli import _file_names

    return _file_names(list(FORMATS))[name]


def test_every_escape_is_inert_for_its_medium() -> None:
    for function, medium in (
        (escape.text, "text"),
        (escape.text_block, "text"),
        (escape.xml, "junit"),
        (escape.html, "html"),
        (escape.csv_cell, "csv"),
    ):
        assert_inert(function(HOSTILE), medium, document=False)
        assert_inert(function(LEADING), medium, document=False)
    assert escape.text("caf\udce9") == "caf\\xe9"  # a byte that is not UTF-8
    assert escape.csv_cell("-1+2") == "'-1+2" and escape.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape.text("ok::fine") == "ok::fine"  # '::' inside a value is no command
    assert json.loads(escape.json_output(json.dumps({"k": HOSTILE}, ensure_ascii=False))) == {"k": HOSTILE}


def test_hostile_names_in_a_training_tree_reach_no_output_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = fixture_tree(tmp_path / LEADING)
    org = tree / "closed/AMD"
    hostile_system = org / "results" / NAME / "llama31_8b"
    hostile_system.mkdir(parents=True)
    shutil.copyfile(tree / TRAINING / "result_0.txt", hostile_system / "result_0.txt")
    (tree / TRAINING / f"{NAME}.txt").write_text("stray")
    log = apply_edits(base_text("v5.1_llama31_8b"), [{"set": {"key": "seed", "value": HOSTILE}}])
    (tree / TRAINING / "result_3.txt").write_text(log, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outputs = check_all_formats(LEADING, tmp_path, "--round", "5.1")
    assert "\\x1b[31m" in outputs["text"] and "\\u202e" in outputs["text"]  # shown, not acted on
    report = json.loads(outputs["json"])
    assert {"SEED002", "STR003"} <= {f["code"] for f in report["findings"]}  # the hostile seed and names are reported
    assert any(HOSTILE in s["path"] for s in report["subjects"])  # the JSON keeps the name exactly


def test_a_hostile_archive_name_and_members_reach_no_output_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = fixture_tree(tmp_path / "src")
    archive = tmp_path / f"{LEADING}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree / "closed", arcname="closed")
        for name in (f"closed/AMD/{NAME}", f"{TRAINING}/{NAME}.txt", f"closed/AMD/{NAME}link"):
            info = tarfile.TarInfo(name)
            if name.endswith("link"):
                info.type, info.linkname = tarfile.SYMTYPE, f"/etc/{NAME}"
                tar.addfile(info)
            else:
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
    monkeypatch.chdir(tmp_path)
    check_all_formats(archive.name, tmp_path, "--round", "5.1")


def test_hostile_names_and_a_sut_name_in_an_inference_tree_reach_no_output_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / LEADING
    shutil.copytree(INFERENCE, root)
    org = root / "closed/Intel"
    os.rename(org / "results/1-node-2S-GNR_128C", org / "results" / NAME)
    os.rename(org / "systems/1-node-2S-GNR_128C.json", org / "systems" / f"{NAME}.json")
    summary = org / "results" / NAME / "whisper/Offline/performance/run_1/mlperf_log_summary.txt"
    text = summary.read_text(encoding="utf-8")
    summary.write_text(re.sub(r"SUT name : .*", f"SUT name : {HOSTILE.replace(chr(10), ' ').replace(chr(13), ' ')}", text), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outputs = check_all_formats(LEADING, tmp_path, "--suite", "inference", "--round", "5.1")
    assert "LGL008" in outputs["text"]  # the SUT name disagrees with the detail log: its value is shown escaped


def test_settings_values_in_errors_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    log = tmp_path / "result_0.txt"
    log.write_text(base_text("v5.1_llama31_8b"))
    for settings in (
        'round = "\\u001b[2J\\n::error::x ##[add-mask]y"\n',
        'ignore = ["\\u001b]0;title\\u0007\\n::error::x"]\n',
        '"\\u001b[31m::error::key" = 1\n',
        'waivers = "\\u202e\\n::error::w.toml"\n',
    ):
        (tmp_path / "mlperf-audit.toml").write_text(settings)
        result = run_cli("check", str(log))
        assert result.code == 2, (settings, result.err)
        assert result.err.startswith("mlperf-audit: error: ")
        assert_inert(result.err, "stderr")
        assert_inert(result.out, "text")


def test_the_plain_text_shortcut_escapes_what_the_patterns_escape() -> None:
    """Printable ASCII skips the patterns (they are compiled only for other text): for every
    character up to U+00FF, and the controls beyond, each escape gives what its pattern gives."""
    samples = [chr(code) for code in range(0x100)] + ["\u202e", "\u2066", "\ufeff", "\udce9", "caf\u00e9", "plain text", "a::b", "##[x"]
    for sample in samples:
        for text in (sample, f"name {sample} tail", f"::{sample}"):
            assert escape.visible(text) == escape._HIDDEN().sub(escape._show, text), repr(text)
            assert escape.visible(text, keep_lines=True) == escape._HIDDEN_KEEP_LINES().sub(escape._show, text.replace("\r\n", "\n")), repr(text)
            assert escape.workflow_data(text) == escape.workflow_data(text + "\x00")[: -len("\\x00")], repr(text)
            document = json.dumps({"k": text}, ensure_ascii=False)
            assert escape.json_output(document) == escape._JSON_INERT().sub(lambda m: "##\\u005b" if m.group() == "##[" else f"\\u{ord(m.group()):04x}", document), repr(text)
