"""A bounded reader for the dataset's YAML files (``goals.yaml``, ``mapping.yaml``).

A YAML file can ask a parser for more than it holds: an alias bomb (``&a [*a, *a, ...]`` nested a
few times) expands to gigabytes, and 100,000 ``[`` crash a recursive composer. This reader checks
the file before anything is built from it:

- it must be a regular file (or a link to one) of at most ``yaml_bytes``
  (:class:`~channel_lib.data.readers.limits.Limits`), read as UTF-8;
- the event stream (:func:`yaml.parse`, which is iterative) must nest mappings and lists at most
  ``yaml_depth`` deep and hold no anchor or alias (``&name``, ``*name``): a dataset's YAML
  never needs them, and refusing them bounds what the file expands to by its size;
- only then is the node tree composed (and, when asked, the plain data built).

Every refusal is a :class:`~channel_lib.core.errors.Problem` naming the file and, where there is
one, the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from channel_lib.core.errors import Problem, shorten
from channel_lib.data.readers.limits import Limits, current_limits, not_regular

#: libyaml's loader when present: the same events, nodes and marks, ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file read within its bounds.

    Attributes
    ----------
    root : yaml.Node or None
        The node tree (line numbers: ``node.start_mark.line + 1``); ``None`` for an empty file.
    data : Any
        The plain data (dicts, lists, strings, numbers, dates) when asked for, else ``None``.
    """

    root: yaml.Node | None
    data: Any = None


def read_yaml(
    path: Path, *, data: bool = False, limits: Limits | None = None, file: str | None = None
) -> YamlDocument | Problem:
    """Read the YAML file at ``path`` within ``limits``: its nodes (and data), or the problem.

    Parameters
    ----------
    path : Path
        The file; only read.
    data : bool, default False
        Also build the plain data (the safe loader's types; a ``!!python`` tag is a problem).
    limits : Limits, optional
        Default: :func:`~channel_lib.data.readers.limits.current_limits`.
    file : str, optional
        The file's name in the problems (default: ``path.name``).

    Returns
    -------
    YamlDocument or Problem

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "goals.yaml").write_text("currency: USD\\nyears: {FY2026: {revenue: 10}}\\n")
    >>> read_yaml(d / "goals.yaml", data=True).data
    {'currency': 'USD', 'years': {'FY2026': {'revenue': 10}}}
    >>> _ = (d / "bomb.yaml").write_text("a: &a [1, 2]\\nb: [*a, *a]\\n")
    >>> print(read_yaml(d / "bomb.yaml").message)  # doctest: +NORMALIZE_WHITESPACE
    a YAML anchor (&name) or alias (*name); write the values out where they are used
    >>> _ = (d / "deep.yaml").write_text("[" * 100_000)
    >>> p = read_yaml(d / "deep.yaml", limits=Limits(yaml_depth=8))
    >>> p.line, p.message
    (1, 'nested deeper than 8 levels; a dataset YAML file needs 4 at most')
    """
    limits = limits or current_limits()
    file = file or path.name
    refused = not_regular(path)
    if refused is not None:
        return Problem(file, "", None, "", refused)
    with path.open("rb") as f:
        raw = f.read(limits.yaml_bytes + 1)
    if len(raw) > limits.yaml_bytes:
        return Problem(
            file, "", None, "",
            f"larger than {limits.yaml_bytes:,} bytes, the limit of a YAML file; it holds a few "
            "short sections (see the data contract in the README): is it the right file?",
        )  # fmt: skip
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(
            file, "", raw[: exc.start].count(b"\n") + 1, f"byte 0x{raw[exc.start]:02x}",
            "not UTF-8 text; save the file as UTF-8 (an editor's 'Save with encoding')",
        )  # fmt: skip
    try:
        refused_at = _check_events(text, limits.yaml_depth)
        if refused_at is not None:
            line, message = refused_at
            return Problem(file, "", line, "", message)
        root = yaml.compose(text, Loader=_LOADER)
        value = _construct(root, file) if data and root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        return Problem(
            file, "", None if mark is None else mark.line + 1, "",
            f"not valid YAML ({what}); fix the indentation or quoting",
        )  # fmt: skip
    if isinstance(value, Problem):
        return value
    return YamlDocument(root, value)


#: What the safe loader raises for a scalar its form or tag does not fit (``2024-13-45``,
#: ``!!int abc``, ``!!timestamp 5``): not a :class:`yaml.YAMLError`.
_CONSTRUCT_ERRORS = (ValueError, TypeError, AttributeError, OverflowError)


def _construct(root: yaml.Node, file: str) -> Any:
    """The plain data of ``root``, or the problem naming the first scalar that cannot be built."""
    try:
        return _LOADER("").construct_document(root)
    except _CONSTRUCT_ERRORS:
        pass
    stack, bad = [root], None
    while stack and bad is None:  # iterative: the depth is bounded, but no recursion anyway
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                _LOADER("").construct_object(node)
            except _CONSTRUCT_ERRORS:
                bad = node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return Problem(
        file, "", None if bad is None else bad.start_mark.line + 1,
        "" if bad is None else shorten(bad.value),
        "not a value of its kind (a date such as 2024-13-45, or a value its tag such as "
        "!!int does not fit); correct it, or write it in quotes if it is text",
    )  # fmt: skip


def _check_events(text: str, max_depth: int) -> tuple[int, str] | None:
    """(line, problem) of the first anchor, alias or nesting beyond ``max_depth``, if any."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return line, (
                "a YAML anchor (&name) or alias (*name); write the values out where they are used"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                return line, (
                    f"nested deeper than {max_depth} levels; a dataset YAML file needs 4 at most"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


__all__ = ["YamlDocument", "read_yaml"]
