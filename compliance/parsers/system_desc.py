"""Read and validate system descriptions (``<division>/<org>/systems/<system>.json``)
and the measurements files of inference results.

The rules are data: one JSON Schema (draft 2020-12) per suite and round in
``schemas/system_desc/`` (``training-5.1.schema.json``, ``hpc-3.0.schema.json``,
``inference-5.1.schema.json``), each ``$ref``-ing the round before it or the
suite's base (``common.schema.json`` for training and HPC,
``inference_common.schema.json``), which holds the field definitions; and one per
inference round in ``schemas/measurements/``. This module only reads files, runs
the schema and turns each schema error into a ``SystemProblem`` that names the
field, what was found and what is allowed. Every problem is reported, one per field.

Nothing here prints or exits. ``read_system_file`` and ``read_measurements_file``
never raise; ``validate_system`` and ``validate_measurements`` raise
``SystemSchemaError`` only for a suite or round that has no schema (a usage error,
not a problem of the file).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin

from compliance.parsers.safefs import NotRegularFile, read_regular, why_unreadable
from compliance.records import recordclass
from compliance.rulebook.load import canonical_round

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

MAX_BYTES = 1 << 20  # 1 MiB; published system descriptions are 1-3 kB
SCHEMA_FOLDER = "system_desc"
MEASUREMENTS_FOLDER = "measurements"
_NOUNS = {SCHEMA_FOLDER: "system description", MEASUREMENTS_FOLDER: "measurements file"}
_SCHEMA_FILE = re.compile(r"^(?P<suite>[a-z]+)-(?P<round>\d+\.\d+)\.schema\.json$")
_SUITE_LABELS = {"training": "training", "hpc": "HPC", "inference": "inference"}

ProblemKind = Literal["missing", "type", "value", "other"]
# When one field breaks several keywords, one problem is reported: the lowest rank.
# A type error of a schema that also lists the allowed values says the most.
_MISSING, _TYPE_OF_LIST, _TYPE, _ENUM, _VALUE, _OTHER = range(6)


@recordclass(frozen=True)
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
    JSON that is not an object each give an error sentence. The fields are the
    file's own (``division``, ``submitter``, ... as written), for comparisons with
    the folders the file sits in.
    """
    return _read_json_object(path, _NOUNS[SCHEMA_FOLDER])


def read_measurements_file(path: str) -> tuple[dict[str, Any] | None, str | None]:
    """Read one inference measurements file; the same contract as ``read_system_file``."""
    return _read_json_object(path, _NOUNS[MEASUREMENTS_FOLDER])


def _read_json_object(path: str, noun: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        raw = read_regular(path, MAX_BYTES)  # never opens a pipe or device, nor follows a link
    except NotRegularFile as err:
        return None, f"not read: {err.strerror}"
    except OSError as err:
        return None, f"cannot read the file: {why_unreadable(err)}"
    except ValueError:
        return None, "cannot read the file: the path is not valid"
    if len(raw) > MAX_BYTES:
        return None, _too_big(os.path.getsize(path), noun)
    return parse_system_bytes(raw, noun)


def parse_system_bytes(
    raw: bytes, noun: str = _NOUNS[SCHEMA_FOLDER]
) -> tuple[dict[str, Any] | None, str | None]:
    """Parse the bytes of a system description (or of another kind of JSON object
    named by ``noun``, for the messages); see ``read_system_file``."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            None,
            f"the file is UTF-16 text; {noun}s must be UTF-8 (re-save it as UTF-8)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"the file is not UTF-8 text (byte {err.start} cannot be decoded)"
    if not text.strip():
        return None, f"the file is empty; a {noun} is one JSON object of fields"
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
        return None, f"the file is not a usable {noun}: its JSON is nested too deeply"
    if not isinstance(data, dict):
        return None, (
            f"the file holds {_kind_of(data)}, not a JSON object; "
            f"a {noun} is one JSON object of fields"
        )
    return data, None


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _too_big(size: int, noun: str) -> str:
    return (
        f"the file is {size / (1 << 20):.1f} MiB, over the {MAX_BYTES >> 20} MiB limit "
        f"for a {noun} (published ones are a few kB)"
    )


# --------------------------------------------------------------------------- schemas


@recordclass(frozen=True)
class _Compiled:
    validator: Validator
    label: str  # "training 5.1"
    noun: str  # "system description"
    descriptions: dict[str, str]  # field -> what it is (the most derived schema's words)
    order: dict[str, int]  # required field -> position, to sort problems


@lru_cache(maxsize=1)
def _schemas() -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], str]]:
    """Every schema document by ``$id``, and the ``$id`` of each (folder, suite, round)."""
    documents: dict[str, dict[str, Any]] = {}
    rounds: dict[tuple[str, str, str], str] = {}
    for folder in _NOUNS:
        for path in sorted((schema_dir() / folder).glob("*.schema.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            documents[document["$id"]] = document
            match = _SCHEMA_FILE.match(path.name)
            if match:
                rounds[(folder, match["suite"], match["round"])] = document["$id"]
    return documents, rounds


def known_rounds(suite: str, folder: str = SCHEMA_FOLDER) -> list[str]:
    """The rounds of a suite that have a schema in ``folder`` (system descriptions
    unless told: ``MEASUREMENTS_FOLDER`` for the inference measurements files),
    oldest first."""
    _, rounds = _schemas()
    found = [name for (f, s, name) in rounds if f == folder and s == suite]
    return sorted(found, key=lambda name: tuple(int(part) for part in name.split(".")))


def _lookup(suite: str, round_name: str, folder: str) -> tuple[str, str]:
    noun = _NOUNS[folder]
    suites = [s for s in _SUITE_LABELS if known_rounds(s, folder)]
    suite_key = suite.strip().lower() if isinstance(suite, str) else ""
    if suite_key not in suites:
        raise SystemSchemaError(
            f"unknown suite {suite!r} for a {noun}; use one of: {', '.join(suites)}"
        )
    canonical = canonical_round(round_name) if isinstance(round_name, str) else None
    if canonical is None or (folder, suite_key, canonical) not in _schemas()[1]:
        label = _SUITE_LABELS[suite_key]
        rounds = ", ".join(known_rounds(suite_key, folder))
        raise SystemSchemaError(
            f"no {noun} schema for {label} round {round_name!r}; "
            f"the {label} rounds with one are: {rounds}"
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
def _compile(folder: str, suite: str, round_name: str) -> _Compiled:
    from jsonschema import Draft202012Validator

    documents, rounds = _schemas()
    root_id = rounds[(folder, suite, round_name)]
    validator = Draft202012Validator(documents[root_id], registry=_registry())

    # Walk the $ref chain of whole documents (round -> earlier round -> base): the
    # first description met for a field is the most specific one. Fields a round
    # requires under a condition ("then") come after the ones it always requires.
    descriptions: dict[str, str] = {}
    order: dict[str, int] = {}
    conditional: list[str] = []
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
        then = document.get("then")
        conditional.extend(then.get("required", []) if isinstance(then, dict) else [])
        ref = document.get("$ref")
        uri = urljoin(uri, ref) if isinstance(ref, str) and "#" not in ref else None
    for name in conditional:
        order.setdefault(name, len(order))
    label = f"{_SUITE_LABELS[suite]} {round_name}"
    return _Compiled(validator, label, _NOUNS[folder], descriptions, order)


# --------------------------------------------------------------------------- validating


def validate_system(data: dict[str, Any], suite: str, round_name: str) -> list[SystemProblem]:
    """Every problem of a system description against its round's schema, one per field.

    ``suite`` is "training", "hpc" or "inference"; ``round_name`` "5.1", "v5.1" or
    "5.1.0". Raises ``SystemSchemaError`` when no schema exists for them.
    """
    suite_key, canonical = _lookup(suite, round_name, SCHEMA_FOLDER)
    return _validate(data, _compile(SCHEMA_FOLDER, suite_key, canonical))


def validate_measurements(data: dict[str, Any], round_name: str) -> list[SystemProblem]:
    """Every problem of an inference measurements file against its round's schema
    (``schemas/measurements/``), one per field, as ``validate_system`` reports them.

    Raises ``SystemSchemaError`` for a round without a schema (before 4.1).
    """
    suite_key, canonical = _lookup("inference", round_name, MEASUREMENTS_FOLDER)
    return _validate(data, _compile(MEASUREMENTS_FOLDER, suite_key, canonical))


def network_mode(data: dict[str, Any]) -> bool:
    """Whether a system description says its system is measured over the network, as
    the official inference checker reads it: ``is_network`` is the text "true" in any
    case. Anything else, or no ``is_network``, is False. (Which division may hold
    such a system is a rule about the tree, not about the file.)"""
    flag = data.get("is_network") if isinstance(data, dict) else None
    return isinstance(flag, str) and flag.lower() == "true"


def pick_measurements_file(names: Iterable[str], system: str, scenario: str) -> str | None:
    """The measurements file among a scenario folder's file ``names``, as the official
    checker of inference 4.1 to 5.1 picks it in ``<org>/measurements/<system>/<model>/
    <scenario>/``: a name that starts with the system's name and ends in
    ``_<scenario>.json``, else one that starts with it and ends in ``.json``; None
    when there is none. (The checker takes the first one in directory order; this
    takes the first in sorted order, so the answer does not depend on the file
    system.) From 6.0 the file is always ``measurements.json`` in the results folder.
    """
    candidates = sorted(n for n in names if n.startswith(system) and n.endswith(".json"))
    scenario_first = [n for n in candidates if n.endswith(f"_{scenario}.json")]
    chosen = scenario_first or candidates
    return chosen[0] if chosen else None


def _validate(data: dict[str, Any], compiled: _Compiled) -> list[SystemProblem]:
    if not isinstance(data, dict):
        return [
            SystemProblem(
                "",
                "type",
                f"{_name([], compiled.noun)} is {_kind_of(data)}, but it must be a JSON object of fields.",
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
        when = _condition(error)
        return [(_MISSING, _missing(path + [name], instance, compiled, when)) for name in missing]
    pointer = _pointer(path)
    name = _name(path, compiled.noun)
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
    if error.validator in (
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "minProperties",
    ):
        # A pattern that spells a list of values (any case) names them in "examples".
        examples = error.schema.get("examples") if isinstance(error.schema, dict) else None
        suggestion = _closest(error.instance, examples) if isinstance(examples, list) else None
        return [
            (
                _VALUE,
                SystemProblem(
                    pointer, "value", f"{name} is {found}, but it must be {allowed}.", suggestion
                ),
            )
        ]
    return [
        (
            _OTHER,
            SystemProblem(pointer, "other", f"{name} is {found}: {_printable(error.message)}."),
        )
    ]


def _condition(error: ValidationError) -> str | None:
    """For a field required only under a condition (an "if"/"then" of the schema),
    the "title" of the "then" part: when the field is required, in words."""
    where = list(error.relative_schema_path)
    if len(where) >= 2 and where[-2] == "then" and isinstance(error.schema, dict):
        title = error.schema.get("title")
        return title if isinstance(title, str) and title else None
    return None


def _missing(
    path: list[Any], instance: dict[str, Any], compiled: _Compiled, when: str | None = None
) -> SystemProblem:
    field = str(path[-1])
    must = f"every {compiled.label} {compiled.noun} must have it"
    text = f"{_name(path, compiled.noun)} is missing; {must}{' ' + when if when else ''}."
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


def _name(path: list[Any], noun: str) -> str:
    if not path:
        return f"The {noun}"
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
