"""Turning a request body into a plain JSON-shaped mapping, and reading typed values back out of it.

`load_document` is the only door a descriptor comes in by, so it refuses everything the database or the
parsers could choke on: bytes that are not UTF-8, YAML aliases (billion laughs), explicit YAML tags that build
Python objects, nesting past MAX_DEPTH, and NUL or lone surrogate characters that PostgreSQL's jsonb rejects.

YAML is read with the YAML 1.2 core schema rather than PyYAML's YAML 1.1 default: dates and times stay strings
(the document is stored in a JSONField), `NO`/`yes`/`on` stay strings instead of turning into booleans, `012`
is twelve, and `1:30` is not a base-60 number. Numbers stay numbers; the parsers turn them into text where a
field is text (`version: 1.0`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml
import yaml.constructor
import yaml.resolver
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

from core.errors import FieldError, ValidationFailed, pointer
from core.json_tree import MAX_DEPTH, Path, check_tree
from core.json_tree import refused as _refused

_JSON_TYPES = ("application/json",)
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
# Explicit tags that build nothing but JSON values; any other (!!binary, !!set, !!python/...) is refused.
_PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


def load_document(raw: bytes, content_type: str = "") -> dict[str, Any]:
    """Parse a JSON or YAML body into a mapping, or raise ValidationFailed saying what is wrong and where."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refused(f"The body is not valid UTF-8 (byte {exc.start} cannot be decoded).") from None
    if not text.strip():
        raise _refused("The document is empty.")
    doc = _parse_json(text) if _is_json(text, content_type) else _parse_yaml(text)
    if not isinstance(doc, dict):
        raise _refused(f"The document must be an object (a mapping) at the top, not {_json_type(doc)}.")
    check_tree(doc)
    return doc


def _is_json(text: str, content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _JSON_TYPES or media_type.endswith("+json"):
        return True
    # An explicit YAML type wins over sniffing: a YAML flow mapping also starts with `{`.
    if media_type in _YAML_TYPES or media_type.endswith("+yaml"):
        return False
    return text.lstrip()[:1] in ("{", "[")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _refused(f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except _NonFinite as exc:
        raise _refused(f"{exc.args[0]} is not a JSON number; write it as a string.") from None
    except ValueError as exc:
        # Python refuses integers of more than 4300 digits rather than spend quadratic time converting them.
        raise _refused(f"The document has a number too long to read ({str(exc).split(';')[0]}).") from None
    except RecursionError:
        raise _refused(f"The document is nested deeper than {MAX_DEPTH} levels.") from None


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are JavaScript, not JSON; PostgreSQL's jsonb refuses them.
    raise _NonFinite(name)


def _parse_yaml(text: str) -> Any:
    if _FastCoreLoader is not None:
        fast = _parse_yaml_fast(text)
        if fast is not _NOT_FAST:
            return fast
    loader: _SafeCoreLoader | None = None
    try:
        # The reader checks the characters as it is built, so building it belongs inside the try.
        loader = _SafeCoreLoader(text)
        return loader.get_single_data()
    except _Refusal as exc:
        raise _refused(f"{exc.problem} (line {exc.line}, column {exc.column}).") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or ""
        # PyYAML splits some messages in two ("expected a single document", "but found another document").
        if exc.context and (not problem or problem.startswith("but ")):
            problem = f"{exc.context}, {problem}" if problem else exc.context
        raise _refused(f"Malformed YAML{where}: {problem}.") from None
    except yaml.reader.ReaderError as exc:
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise _refused(
            f"The document contains a character YAML does not allow ({character}) at position {exc.position}."
        ) from None
    except yaml.YAMLError as exc:
        raise _refused(f"Malformed YAML: {exc}.") from None
    except ValueError as exc:
        raise _refused(f"The document has a number too long to read ({str(exc).split(';')[0]}).") from None
    except RecursionError:
        raise _refused(f"The document is nested deeper than {MAX_DEPTH} levels.") from None
    finally:
        if loader is not None:
            loader.dispose()


class _Refusal(Exception):
    def __init__(self, problem: str, event: NodeEvent):
        super().__init__(problem)
        self.problem = problem
        mark = event.start_mark
        self.line = mark.line + 1 if mark is not None else 0
        self.column = mark.column + 1 if mark is not None else 0


class _SafeCoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema, no aliases, no object-building tags and a depth limit."""

    # Replaced wholesale (not extended) so none of the YAML 1.1 resolvers survive; filled below the class.
    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            # Refusing every alias is what stops a billion-laughs document before it is expanded.
            raise _Refusal(f"YAML aliases (*{event.anchor}) are not accepted: write the value out in full", event)
        if isinstance(event, NodeEvent) and getattr(event, "tag", None) not in _PLAIN_TAGS:
            tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")  # type: ignore[attr-defined]
            raise _Refusal(f"The YAML tag {tag} is not accepted: use plain values", event)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        # Composing is recursive, so the limit is checked here, before the interpreter's own one is reached.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refusal(f"The document is nested deeper than {MAX_DEPTH} levels", event)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        # JSON keys are strings; `1:` or `true:` as keys would otherwise change shape on the way to storage.
        return {_key_text(key): value for key, value in mapping.items()}


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    return int(text, 0) if text[:2] in ("0x", "0o") else int(text, 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    return float(loader.construct_scalar(node))


_CORE = "tag:yaml.org,2002:"
# The core schema's resolvers, minus .inf and .nan: JSON cannot hold them, so they stay strings.
_SafeCoreLoader.add_implicit_resolver(_CORE + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_SafeCoreLoader.add_implicit_resolver(
    _CORE + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_SafeCoreLoader.add_implicit_resolver(
    _CORE + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_SafeCoreLoader.add_implicit_resolver(
    _CORE + "float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)
_SafeCoreLoader.add_constructor(_CORE + "int", _construct_int)
_SafeCoreLoader.add_constructor(_CORE + "float", _construct_float)


# libyaml, where PyYAML was built with it, reads a document twenty to fifty times faster than the pure-Python
# loader above (a publish of 1,000 files spent nine tenths of its client time there). It is only a fast path:
# the same resolvers and constructors, the same refusals checked on its event stream first, and any document it
# does not load cleanly goes through the pure-Python loader, whose messages (line, column, wording) the API
# gives. So the answer for every document is the one the loader above gives; only its speed differs.
_NOT_FAST = object()
_FastCoreLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _CCoreLoader(yaml.cyaml.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc,name-defined]
        yaml_implicit_resolvers = _SafeCoreLoader.yaml_implicit_resolvers
        yaml_constructors = _SafeCoreLoader.yaml_constructors

        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)  # type: ignore[attr-defined]
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            mapping = yaml.constructor.SafeConstructor.construct_mapping(self, node, deep=deep)
            return {_key_text(key): value for key, value in mapping.items()}

    _FastCoreLoader = _CCoreLoader


def _parse_yaml_fast(text: str) -> Any:
    """The document by libyaml, or _NOT_FAST when it holds anything the pure-Python loader must answer for."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.cyaml.CBaseLoader):  # type: ignore[attr-defined]
            if isinstance(event, AliasEvent):
                return _NOT_FAST
            if isinstance(event, NodeEvent) and getattr(event, "tag", None) not in _PLAIN_TAGS:
                return _NOT_FAST
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return _NOT_FAST
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
        loader = _FastCoreLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError, RecursionError):
        return _NOT_FAST


# --- Reading values out of a loaded document --------------------------------------------------------------


class Reader:
    """Reads typed values out of a loaded document and keeps every problem, so one answer lists them all.

    Each method takes the containing mapping, the key, and the path of the mapping (`at`); problems are
    recorded as JSON Pointers into the submitted document. Strings come back trimmed; numbers are accepted
    where text is expected, because YAML makes `version: 1.0` a number without the author meaning it.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, at: Path, message: str) -> None:
        self.errors.append(FieldError(pointer(*at), message))

    def raise_if_failed(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def text(
        self,
        obj: Mapping[str, Any],
        key: str,
        at: Path,
        *,
        required: bool = False,
        max_length: int | None = None,
    ) -> str:
        value = obj.get(key)
        return self.as_text(value, (*at, key), required=required, max_length=max_length)

    def as_text(self, value: Any, at: Path, *, required: bool = False, max_length: int | None = None) -> str:
        if isinstance(value, bool) or (value is not None and not isinstance(value, str | int | float)):
            self.fail(at, f"must be a string, not {_json_type(value)}")
            return ""
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.fail(at, "is required")
            return ""
        if max_length is not None and len(text) > max_length:
            self.fail(at, f"must be at most {max_length} characters long (it has {len(text)})")
            return ""
        return text

    def mapping(self, obj: Mapping[str, Any], key: str, at: Path, *, required: bool = False) -> dict[str, Any]:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail((*at, key), "is required")
            return {}
        if not isinstance(value, dict):
            self.fail((*at, key), f"must be an object, not {_json_type(value)}")
            return {}
        return value

    def objects(self, obj: Mapping[str, Any], key: str, at: Path) -> list[tuple[Path, dict[str, Any]]]:
        """The objects of a list, each with its path; a missing list is empty."""
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail((*at, key), f"must be a list, not {_json_type(value)}")
            return []
        found = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append(((*at, key, index), item))
            else:
                self.fail((*at, key, index), f"must be an object, not {_json_type(item)}")
        return found

    def strings(self, obj: Mapping[str, Any], key: str, at: Path, *, max_length: int) -> list[str]:
        """A list of strings, trimmed and without repeats (tags)."""
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail((*at, key), f"must be a list of strings, not {_json_type(value)}")
            return []
        found: list[str] = []
        for index, item in enumerate(value):
            text = self.as_text(item, (*at, key, index), max_length=max_length)
            if text and text not in found:
                found.append(text)
        return found

    def flag(self, obj: Mapping[str, Any], key: str, at: Path, *, default: bool) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        # YAML 1.1 writers put yes/no for booleans; the core schema keeps them as text, so read them here.
        if isinstance(value, str) and value.strip().lower() in _TRUTHS:
            return _TRUTHS[value.strip().lower()]
        self.fail((*at, key), f"must be true or false, not {_json_type(value)}")
        return default


_TRUTHS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
