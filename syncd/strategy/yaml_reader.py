"""Reading a strategy file's YAML strictly: duplicate keys refused, every failure located.

Plain YAML collapses a duplicated key silently and PyYAML lets plain Python errors escape from scalars
it cannot construct; both would turn a typo into a strategy that says something else. Here each becomes
a :class:`~syncd.errors.ConfigError` naming the line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from syncd.errors import ConfigError, Problem
from syncd.problems import one_line

__all__ = ["read_yaml"]


_MERGE_TAG = "tag:yaml.org,2002:merge"
_CONSTRUCTOR_FAILURES = (ArithmeticError, AttributeError, LookupError, TypeError, ValueError)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which plain YAML silently collapses.

    Merge keys (``<<: *defaults``) work as in any safe loader. A scalar its tag cannot read (``2026-02-30``,
    ``!!int abc``), on which PyYAML's own constructors raise plain Python errors, becomes a located YAML
    error like any other.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except _CONSTRUCTOR_FAILURES as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else f"this {getattr(node, 'id', 'node')}"
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            # int() and datetime() say what is wrong; the advice after a ";" is for programmers
            detail = f" ({one_line(str(exc).split(';')[0])})" if isinstance(exc, ValueError) and str(exc) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} is not a valid {kind}{detail}", node.start_mark
            ) from None


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.Node, deep: bool = False) -> Any:
    if not isinstance(node, yaml.MappingNode):
        found = getattr(node, "id", "node")
        raise yaml.constructor.ConstructorError(None, None, f"expected a mapping, found a {found}", node.start_mark)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # merged keys are the defaults the mapping's own keys override, not duplicates
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a single value, not a list or a mapping", key_node.start_mark
            ) from None
        if duplicate:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, source: str) -> Any:
    """The mapping a strategy file holds, or a ConfigError that says where the YAML went wrong."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = one_line(exc.problem or exc.context or "") or "cannot be read"
        if what.startswith("but ") and exc.context:  # "but found another document" needs what was expected
            what = f"{one_line(exc.context)} {what}"
        raise ConfigError(source, [Problem(where, f"not valid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError(source, [Problem(_line_column(text, exc.position), _reader_message(exc))]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [Problem("", f"not valid YAML: {one_line(str(exc))}")]) from None
    except RecursionError:
        raise ConfigError(source, [Problem("", "not valid YAML: nested too deeply to read")]) from None
    if data is None:
        raise ConfigError(source, [Problem("", "the file is empty")])
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", "must be a mapping of keys (version, period, objectives…)")])
    return data


_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _line_column(text: str, position: int) -> str:
    """Where ``position`` is, counting line breaks as YAML does."""
    breaks = list(_LINE_BREAK.finditer(text, 0, position))
    start = breaks[-1].end() if breaks else 0
    return f"line {len(breaks) + 1}, column {position - start + 1}"


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    character = exc.character
    code = ord(character) if isinstance(character, str) else character
    return f"not valid YAML: character #x{code:04x} is not allowed ({one_line(str(exc.reason))})"
