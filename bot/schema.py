"""Reading knowledge files with errors that name the file and the key path.

A `Node` wraps one value of a YAML document together with where it came from. Accessors check
type and presence; each problem is recorded (not raised at once) so `check-knowledge` can list
them all, and the loader raises one KnowledgeError at the end. Never `assert`: it vanishes under -O.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any


@cache
def _yaml() -> tuple[ModuleType, Any]:
    """PyYAML and its safe loader: libyaml's CSafeLoader when PyYAML was built with it (the usual
    wheels are), several times faster. Imported when a file is first parsed: a start-up served from
    the knowledge cache (bot.knowledge) parses no YAML, and importing PyYAML costs about 20 ms."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        """The safe loader that refuses a key said twice in one mapping (YAML would keep the last,
        silently: a set's second `not_after:` would undo its first)."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key == "<<" or not isinstance(key, str | int | float | bool):
                    continue  # a merge, or a key that is itself a list or mapping: not compared
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is given twice in one mapping", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return yaml, Loader


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str
    level: str = ERROR

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{self.level}: {where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge files are broken. `problems` lists every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Problems(list):
    def error(self, file: str, key: str, message: str) -> None:
        self.append(Problem(file, key, message, ERROR))

    def warn(self, file: str, key: str, message: str) -> None:
        self.append(Problem(file, key, message, WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == ERROR]


_MISSING = object()
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://\S+$")


class Node:
    """One value of a knowledge file, with its file name and key path, e.g. `centers[3].hours.weekly`."""

    def __init__(self, value: Any, file: str, path: str, problems: Problems):
        self.value = value
        self.file = file
        self.path = path
        self.problems = problems

    # -- reporting -------------------------------------------------------------------------
    def error(self, message: str, key: str | None = None) -> None:
        self.problems.error(self.file, self._join(key) if key else self.path, message)

    def warn(self, message: str, key: str | None = None) -> None:
        self.problems.warn(self.file, self._join(key) if key else self.path, message)

    def _join(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else str(key)

    # -- structure -------------------------------------------------------------------------
    def is_mapping(self) -> bool:
        if not isinstance(self.value, dict):
            self.error(f"expected a mapping, found {type(self.value).__name__}")
            return False
        return True

    def only(self, *allowed: str) -> None:
        """Report unknown keys (typos are the commonest knowledge bug)."""
        if isinstance(self.value, dict):
            for k in self.value:
                if k not in allowed:
                    self.error(f"unknown key (allowed: {', '.join(allowed)})", str(k))

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True, default: Any = None) -> Any:
        """The value at `key` if it has the right type; records a problem and returns `default` if not."""
        if not isinstance(self.value, dict):
            return default
        v = self.value.get(key, _MISSING)
        if v is _MISSING or (v is None and required):
            if required:
                self.error("missing", key)
            return default
        if v is None:
            return default
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if not isinstance(v, kind) or (isinstance(v, bool) and kind in (int, float)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.error(f"expected {names}, found {type(v).__name__}", key)
            return default
        return v

    def child(self, key: str | int, *, required: bool = True) -> Node | None:
        if isinstance(key, int):
            return Node(self.value[key], self.file, self._join(key), self.problems)
        if not isinstance(self.value, dict):
            return None
        if key not in self.value or self.value[key] is None:
            if required:
                self.error("missing", key)
            return None
        return Node(self.value[key], self.file, self._join(key), self.problems)

    def items(self, key: str, *, required: bool = True) -> Iterator[Node]:
        """Iterate the list at `key` as Nodes (nothing if absent or not a list)."""
        v = self.value.get(key, _MISSING) if isinstance(self.value, dict) else _MISSING
        if v is _MISSING or v is None:
            if required:
                self.error("missing", key)
            return
        if not isinstance(v, list):
            self.error(f"expected a list, found {type(v).__name__}", key)
            return
        base = self._join(key)
        for i, item in enumerate(v):
            yield Node(item, self.file, f"{base}[{i}]", self.problems)

    # -- common scalar kinds ---------------------------------------------------------------
    def text(self, key: str, *, required: bool = True) -> str:
        v = self.get(key, str, required=required, default="")
        if required and isinstance(v, str) and not v.strip() and key in (self.value or {}):
            self.error("empty", key)
        return v.strip() if isinstance(v, str) else ""

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        v = self.get(key, (str, dt.date), required=required)
        if v is None:
            return None
        if isinstance(v, dt.date):
            return v
        if not DATE_RE.match(v):
            self.error(f"expected a date YYYY-MM-DD, found {v!r}", key)
            return None
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            self.error(f"not a real date: {v!r}", key)
            return None

    def urls(self, key: str, *, required: bool = True, min_items: int = 1) -> tuple[str, ...]:
        out = []
        for n in self.items(key, required=required):
            if not isinstance(n.value, str) or not URL_RE.match(n.value):
                n.error(f"expected an http(s) URL, found {n.value!r}")
            else:
                out.append(n.value)
        if required and len(out) < min_items and isinstance(self.value, dict) and key in self.value:
            self.error(f"needs at least {min_items} source URL(s)", key)
        return tuple(out)


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'')
_NUMBER_AS_COMMENT = re.compile(r"(?:^|\s)#\d")
_BLOCK_START = re.compile(r":\s*[|>][-+]?\d?\s*$")


def numbers_read_as_comments(text: str) -> list[int]:
    """Lines where an unquoted "#8891" would be read by YAML as the start of a comment, silently
    cutting the text (a short number lost from a reply). Such values must be quoted."""
    bad = []
    block_indent = None  # inside a literal/folded block scalar (| or >), "#" is text
    for i, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        if line.lstrip().startswith("#"):
            continue  # a whole-line comment may mention numbers
        unquoted = _QUOTED.sub('""', line)
        if _NUMBER_AS_COMMENT.search(unquoted):
            bad.append(i)
        if _BLOCK_START.search(unquoted.split(" #")[0]):
            block_indent = indent
    return bad


def load_yaml(path: Path, problems: Problems) -> Node | None:
    """Parse one YAML file safely; a syntax error becomes a Problem naming the file and line."""
    name = path.name
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.error(name, "", "file not found")
        return None
    for line in numbers_read_as_comments(raw):
        problems.error(name, f"line {line}", 'an unquoted " #<number>" is read as a YAML comment: quote the value')
    yaml, loader = _yaml()
    try:
        data = yaml.load(raw, Loader=loader)  # a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problems.error(name, where, f"not valid YAML: {getattr(e, 'problem', e)}")
        return None
    except ValueError as e:  # PyYAML builds a date from an unquoted 2026-13-01 and fails there
        problems.error(name, "", f"not valid YAML: {e}")
        return None
    node = Node(data, name, "", problems)
    if not isinstance(data, dict):
        problems.error(name, "", "expected a mapping at the top level")
        return None
    return node


def load_json(path: Path, problems: Problems) -> Node | None:
    """Parse one JSON file (a generated one: knowledge/weights.json); an error becomes a Problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        problems.error(path.name, "", f"not valid JSON: {e}")
        return None
    if not isinstance(data, dict):
        problems.error(path.name, "", "expected an object at the top level")
        return None
    return Node(data, path.name, "", problems)
