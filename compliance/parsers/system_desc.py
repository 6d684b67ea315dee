"""Read and validate system descriptions (``<division>/<org>/systems/<system>.json``).

The rules are data: one JSON Schema (draft 2020-12) per suite and round in
``schemas/system_desc/`` (``training-5.1.schema.json``, ``hpc-3.0.schema.json``),
each ``$ref``-ing the round before it or ``common.schema.json``, which holds the
field definitions. This module only reads files, runs the schema and turns each
schema error into a ``SystemProblem`` that names the field, what was found and
what is allowed. Every problem is reported, one per field.

Nothing here prints or exits. ``read_system_file`` never raises;
``validate_system`` raises ``SystemSchemaError`` only for a suite or round that
has no schema (a usage error, not a problem of the file).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin

from compliance.rulebook.load import canonical_round

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

MAX_BYTES = 1 << 20  # 1 MiB; published system descriptions are 1-3 kB
SCHEMA_FOLDER = "system_desc"
_SCHEMA_FILE = re.compile(r"^(?P<suite>[a-z]+)-(?P<round>\d+\.\d+)\.schema\.json$")
_SUITE_LABELS = {"training": "training", "hpc": "HPC"}

ProblemKind = Literal["missing", "type", "value", "other"]
# When one field breaks several keywords, one problem is reported: the lowest rank.
# A type error of a schema that also lists the allowed values says the most.
_MISSING, _TYPE_OF_LIST, _TYPE, _ENUM, _VALUE, _OTHER = range(6)


@dataclass(frozen=True)
class SystemProblem:
    """One problem of one field of a system description.

    ``field`` is a JSON pointer ("/status"; "" for the whole file), ``kind`` one of
    "missing", "type", "value", "other", ``message`` a sentence naming the field, what
    was found and what is allowed, ``suggestion`` the likely value to write instead
    (the closest allowed value, or a number written as text), or None.
    """

    field: str
    kind: ProblemKind
    message: str
    suggestion: str | None = None


class SystemSchemaError(ValueError):
    """No system-description schema exists for the suite or round asked for."""


def schema_dir() -> Path:
    """The ``schemas/`` folder: inside the installed package, or the source tree."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "schemas", here.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "mlperf-audit's JSON Schemas (schemas/) are missing from this installation"
    )


# --------------------------------------------------------------------------- reading


def read_system_file(path: str) -> tuple[dict[str, Any] | None, str | None]:
    """Read one system description: ``(fields, None)``, or ``(None, what is wrong)``.

    Never raises. A UTF-8 byte-order mark is accepted; a missing or unreadable file,
    a folder or pipe, a file over 1 MiB, text that is not UTF-8, invalid JSON, and
    JSON that is not an object each give an error sentence.
    """
    try:
        info = os.stat(path)
    except OSError as err:
        return None, f"cannot read the file: {err.strerror or err}"
    except ValueError:
        return None, "cannot read the file: the path is not valid"
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file (a folder, device or pipe)"
    if info.st_size > MAX_BYTES:
        return None, _too_big(info.st_size)
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as err:
        return None, f"cannot read the file: {err.strerror or err}"
    if len(raw) > MAX_BYTES:
        return None, _too_big(len(raw))
    return parse_system_bytes(raw)


def parse_system_bytes(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Parse the bytes of a system description; see ``read_system_file``."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            None,
            "the file is UTF-16 text; system descriptions must be UTF-8 (re-save it as UTF-8)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"the file is not UTF-8 text (byte {err.start} cannot be decoded)"
    if not text.strip():
        return None, "the file is empty; a system description is one JSON object of fields"
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        return (
            None,
            f"the file is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}",
        )
    except ValueError as err:  # NaN/Infinity, or an integer too long to convert
        return None, f"the file is not valid JSON: {err}"
    except RecursionError:
        return None, "the file is not a usable system description: its JSON is nested too deeply"
    if not isinstance(data, dict):
        return None, (
            f"the file holds {_kind_of(data)}, not a JSON object; "
            "a system description is one JSON object of fields"
        )
    return data, None


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _too_big(size: int) -> str:
    return (
        f"the file is {size / (1 << 20):.1f} MiB, over the {MAX_BYTES >> 20} MiB limit "
        "for a system description (published ones are a few kB)"
    )


# --------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class _Compiled:
    validator: Validator
    label: str  # "training 5.1"
    descriptions: dict[str, str]  # field -> what it is (the most derived schema's words)
    order: dict[str, int]  # required field -> position, to sort problems


@lru_cache(maxsize=1)
def _schemas() -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], str]]:
    """Every schema document by ``$id``, and the ``$id`` of each (suite, round)."""
    folder = schema_dir() / SCHEMA_FOLDER
    documents: dict[str, dict[str, Any]] = {}
    rounds: dict[tuple[str, str], str] = {}
    for path in sorted(folder.glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["$id"]] = document
        match = _SCHEMA_FILE.match(path.name)
        if match:
            rounds[(match["suite"], match["round"])] = document["$id"]
    return documents, rounds


def known_rounds(suite: str) -> list[str]:
    """The rounds of a suite that have a system-description schema, oldest first."""
    _, rounds = _schemas()
    found = [name for (s, name) in rounds if s == suite]
    return sorted(found, key=lambda name: tuple(int(part) for part in name.split(".")))


def _lookup(suite: str, round_name: str) -> tuple[str, str]:
    suite_key = suite.strip().lower()
    if suite_key not in _SUITE_LABELS:
        raise SystemSchemaError(
            f"unknown suite {suite!r} for a system description; use one of: {', '.join(_SUITE_LABELS)}"
        )
    canonical = canonical_round(round_name) if isinstance(round_name, str) else None
    if canonical is None or (suite_key, canonical) not in _schemas()[1]:
        rounds = ", ".join(known_rounds(suite_key))
        raise SystemSchemaError(
            f"no system-description schema for {_SUITE_LABELS[suite_key]} round {round_name!r}; "
            f"the {_SUITE_LABELS[suite_key]} rounds with one are: {rounds}"
        )
    return suite_key, canonical


@lru_cache(maxsize=1)
def _registry() -> Any:
    """Every schema document, by ``$id``, so ``$ref``s resolve locally (never fetched)."""
    from referencing import Registry, Resource

    documents, _ = _schemas()
    return Registry().with_resources(
        (uri, Resource.from_contents(document)) for uri, document in documents.items()
    )


@cache
def _compile(suite: str, round_name: str) -> _Compiled:
    from jsonschema import Draft202012Validator

    documents, rounds = _schemas()
    root_id = rounds[(suite, round_name)]
    validator = Draft202012Validator(documents[root_id], registry=_registry())

    # Walk the $ref chain of whole documents (round -> earlier round -> common): the
    # first description met for a field is the most specific one.
    descriptions: dict[str, str] = {}
    order: dict[str, int] = {}
    uri: str | None = root_id
    seen: set[str] = set()
    while uri and uri in documents and uri not in seen:
        seen.add(uri)
        document = documents[uri]
        for name, sub in document.get("properties", {}).items():
            if isinstance(sub, dict) and "description" in sub:
                descriptions.setdefault(name, sub["description"])
        for position, name in enumerate(document.get("required", [])):
            order.setdefault(name, position)
        ref = document.get("$ref")
        uri = urljoin(uri, ref) if isinstance(ref, str) and "#" not in ref else None
    label = f"{_SUITE_LABELS[suite]} {round_name}"
    return _Compiled(validator, label, descriptions, order)


# --------------------------------------------------------------------------- validating


def validate_system(data: dict[str, Any], suite: str, round_name: str) -> list[SystemProblem]:
    """Every problem of a system description against its round's schema, one per field.

    ``suite`` is "training" or "hpc"; ``round_name`` "5.1", "v5.1" or "5.1.0". Raises
    ``SystemSchemaError`` when no schema exists for them.
    """
    suite_key, canonical = _lookup(suite, round_name)
    compiled = _compile(suite_key, canonical)
    if not isinstance(data, dict):
        return [
            SystemProblem(
                "",
                "type",
                f"The system description is {_kind_of(data)}, but it must be a JSON object of fields.",
            )
        ]
    best: dict[str, tuple[int, SystemProblem]] = {}
    for error in compiled.validator.iter_errors(data):
        for rank, problem in _problems(error, data, compiled):
            held = best.get(problem.field)
            if held is None or rank < held[0]:
                best[problem.field] = (rank, problem)
    far = len(compiled.order)
    return [
        problem
        for _, problem in sorted(
            best.values(),
            key=lambda item: (compiled.order.get(_top_field(item[1].field), far), item[1].field),
        )
    ]


def _problems(
    error: ValidationError, data: dict[str, Any], compiled: _Compiled
) -> list[tuple[int, SystemProblem]]:
    path = list(error.absolute_path)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        return [(_MISSING, _missing(path + [name], instance, compiled)) for name in missing]
    pointer = _pointer(path)
    name = _name(path)
    found = _show(error.instance)
    allowed = _allowed(error)
    if error.validator == "type":
        listed = isinstance(error.schema, dict) and "enum" in error.schema
        return [
            (
                _TYPE_OF_LIST if listed else _TYPE,
                SystemProblem(
                    pointer,
                    "type",
                    f"{name} is {found}, but it must be {allowed}.",
                    _retyped(error, data, compiled.validator),
                ),
            )
        ]
    if error.validator in ("enum", "const"):
        options = error.validator_value if error.validator == "enum" else [error.validator_value]
        return [
            (
                _ENUM,  # says more than minLength on the same field
                SystemProblem(
                    pointer,
                    "value",
                    f"{name} is {found}, which {compiled.label} does not allow; it must be {allowed}.",
                    _closest(error.instance, options),
                ),
            )
        ]
    if error.validator in ("pattern", "minimum", "maximum", "minLength", "maxLength"):
        return [
            (
                _VALUE,
                SystemProblem(pointer, "value", f"{name} is {found}, but it must be {allowed}."),
            )
        ]
    return [
        (
            _OTHER,
            SystemProblem(pointer, "other", f"{name} is {found}: {_printable(error.message)}."),
        )
    ]


def _missing(path: list[Any], instance: dict[str, Any], compiled: _Compiled) -> SystemProblem:
    field = str(path[-1])
    text = f"{_name(path)} is missing; every {compiled.label} system description must have it."
    what = compiled.descriptions.get(field) if len(path) == 1 else None
    if what:
        text += f" It gives: {what[0].lower()}{what[1:]}"
    extra = [key for key in instance if key not in compiled.order]
    near = difflib.get_close_matches(field, extra, n=1, cutoff=0.8)
    if near:
        text += f" The file has {near[0]!r}; is that a misspelling of {field!r}?"
    return SystemProblem(_pointer(path), "missing", text)


def _allowed(error: ValidationError) -> str:
    """What the failing schema allows, in words (the ``title`` of the definition)."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    title = schema.get("title")
    if isinstance(title, str) and title:
        return title
    if error.validator == "enum":
        return "one of " + ", ".join(json.dumps(v) for v in error.validator_value)
    if error.validator == "type":
        kinds = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        return " or ".join(f"a JSON {kind}" for kind in kinds)
    return f"valid under {error.validator!r} {json.dumps(error.validator_value)}"


def _retyped(error: ValidationError, data: dict[str, Any], validator: Validator) -> str | None:
    """A number where text is required: the number written as text, if the field allows it."""
    value = error.instance
    path = list(error.absolute_path)
    if len(path) != 1 or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    trial = {**data, path[0]: text}
    if any(list(other.absolute_path)[:1] == path for other in validator.iter_errors(trial)):
        return None
    return text


def _normal(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _closest(value: Any, options: list[Any]) -> str | None:
    """The allowed value the writer most likely meant, or None when unclear."""
    if not isinstance(value, str) or not value.strip():
        return None
    texts = [option for option in options if isinstance(option, str)]
    norm = _normal(value)
    same = [option for option in texts if _normal(option) == norm]
    if same:
        return same[0]
    if len(norm) >= 3:
        containing = [option for option in texts if norm in _normal(option)]
        if len(containing) == 1:
            return containing[0]
        if len(containing) > 1:
            return None  # e.g. "available": on-premise or cloud? Do not guess.
    lowered = {option.lower(): option for option in texts}
    near = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[near[0]] if near else None


def _pointer(path: list[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _top_field(pointer: str) -> str:
    first = pointer[1:].split("/", 1)[0] if pointer else ""
    return first.replace("~1", "/").replace("~0", "~")


def _name(path: list[Any]) -> str:
    if not path:
        return "The system description"
    return f"Field {'.'.join(str(part) for part in path)!r}"


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, (int, float)):
        return "a JSON number"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON list"
    if isinstance(value, dict):
        return "a JSON object"
    return type(value).__name__


def _printable(text: str) -> str:
    """Escape what a terminal could act on (control and other unprintable characters)."""
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def _show(value: Any) -> str:
    """A value as the file has it, shortened, with its JSON kind."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if not value:
            return 'empty text ("")'
        shown = _printable(json.dumps(value, ensure_ascii=False))
        return shown if len(shown) <= 80 else shown[:77] + '…"'
    if isinstance(value, (list, dict)):
        shown = _printable(json.dumps(value, ensure_ascii=False))
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        return f"{_kind_of(value)} ({shown})"
    return f"{json.dumps(value)} ({_kind_of(value)})"
