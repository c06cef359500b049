"""``mapping.yaml``: which column of an export holds each contract column, read without renaming.

An ERP or spreadsheet export rarely uses the contract's names. Instead of renaming the files by
hand, the dataset folder may hold a ``mapping.yaml`` that names, per contract table, the file to
read and the source column of each contract column, or a constant for a column the file does not
hold (a file of one channel)::

    sales:                          # the contract's table name
      file: FactInternetSales.csv   # optional: the file in the folder (default: sales.csv, ...)
      columns:                      # contract column: source column
        order_id: SalesOrderNumber
        line_number: SalesOrderLineNumber
        order_date: OrderDate
        revenue: SalesAmount
        cost_of_sales: TotalProductCost
        channel_id: {value: WEB}    # a constant: every line of the file is channel WEB
        currency: CurrencyCode      # sales only: the export's currency column (checked, one value)
    partners:
      file: DimReseller.csv
      columns:
        partner_id: ResellerKey

Rules:

- Top-level keys are contract tables; under each, only ``file`` and ``columns``. A contract column
  that is not mapped is read under its own name, as without a mapping; other source columns are
  kept as they are (extra columns).
- ``file`` is a file name in the dataset folder (no folder part), ending in ``.csv``,
  ``.parquet`` or ``.xlsx``.
- A source column feeds one contract column; ``{value: ...}`` gives a constant (its text is
  checked as a value of the column's type).
- The files are never rewritten: the loader reads the source column under the contract's name
  (the names of the CSV reader's columns; a Parquet view's ``SELECT "SalesAmount" AS revenue``).
- Every problem names ``mapping.yaml``'s line; a problem the loader finds in a mapped column
  names both: ``revenue (source column SalesAmount)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from channel_lib.core.errors import Problem, near_name, shorten
from channel_lib.data.contract import TABLES
from channel_lib.data.readers.yaml_files import read_yaml

#: The mapping file of a dataset folder.
MAPPING_FILE = "mapping.yaml"

#: Columns a mapping may name besides the contract's, per table (checked by the loader).
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"sales": ("currency",)}

#: File types a mapped file may have (those of :data:`channel_lib.data.loader.SUFFIXES`).
FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")


@dataclass
class TableMapping:
    """What ``mapping.yaml`` says about one contract table.

    Attributes
    ----------
    table : str
        The contract table (``"sales"``).
    file : str or None
        The file to read in the dataset folder; ``None``: the contract's name (``sales.csv``, ...).
    columns : dict of str to str
        Contract column → source column of the file.
    constants : dict of str to str
        Contract column → the constant every row holds (as written in ``mapping.yaml``).
    lines : dict of str to int
        Line in ``mapping.yaml`` of each mapped column, and of ``"file"`` and the table (``""``).
    """

    table: str
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def shown(self, column: str) -> str:
        """``column`` as a problem names it: with its source column or constant when mapped.

        Examples
        --------
        >>> m = TableMapping("sales", columns={"revenue": "SalesAmount"},
        ...                  constants={"channel_id": "WEB"})
        >>> m.shown("revenue"), m.shown("quantity")
        ('revenue (source column SalesAmount)', 'quantity')
        >>> m.shown("channel_id")
        'channel_id (constant WEB of mapping.yaml)'
        """
        if "+" in column:  # a key's columns
            return "+".join(self.shown(c) for c in column.split("+"))
        if column in self.columns and self.columns[column] != column:
            return f"{column} (source column {self.columns[column]})"
        if column in self.constants:
            return f"{column} (constant {self.constants[column]} of {MAPPING_FILE})"
        return column

    def line(self, column: str = "") -> int | None:
        """Line of ``column``'s entry in ``mapping.yaml`` (``""``: the table's)."""
        return self.lines.get(column, self.lines.get(""))


def read_mapping(folder: Path) -> tuple[dict[str, TableMapping], list[Problem]]:
    """Read and check ``mapping.yaml`` of a dataset folder (absent: no mapping).

    Parameters
    ----------
    folder : Path
        The dataset folder; only read.

    Returns
    -------
    (mappings, problems)
        Contract table → its :class:`TableMapping` (the tables ``mapping.yaml`` names), and every
        problem found, each naming ``mapping.yaml``'s line and the key (``sales.columns.revenue``)
        as its column. Only the file's own shape is checked here; whether the source columns
        are in the files is checked when each file is read.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "mapping.yaml").write_text(
    ...     "sales:\\n  file: Fact.csv\\n  columns:\\n    revenue: SalesAmount\\n"
    ...     "    channel_id: {value: WEB}\\n    quantiy: OrderQty\\n")
    >>> mappings, problems = read_mapping(d)
    >>> mappings["sales"].columns, mappings["sales"].constants
    ({'revenue': 'SalesAmount'}, {'channel_id': 'WEB'})
    >>> [(p.line, p.column, p.message) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    [(6, 'sales.columns.quantiy', "not a column of the contract's sales table; rename it to
      'quantity' (or remove the line)")]
    """
    path = folder / MAPPING_FILE
    if not os.path.lexists(path):
        return {}, []
    problems: list[Problem] = []

    def problem(line: int | None, key: str, value: str, message: str) -> None:
        problems.append(Problem(MAPPING_FILE, key, line, shorten(value), message))

    # within bounds (size, depth, no aliases); nodes only: nothing is constructed (a constant
    # is kept as written, 2025-13-01 too)
    document = read_yaml(path, file=MAPPING_FILE)
    if isinstance(document, Problem):
        if document.message.startswith("not valid YAML"):
            document = replace(
                document,
                message=document.message.split("; ")[0] + "; write 'table:' lines with 'file:' "
                "and 'columns:' under them (see the README)",
            )
        return {}, [document]
    root = document.root
    if root is None:
        return {}, problems
    tagged = _foreign_tag(root)
    if tagged is not None:  # what yaml.safe_load refuses (!!python/object, ...): plain data only
        problem(
            _line(tagged), "", tagged.tag,
            "a YAML tag is not allowed here; write plain names and values",
        )  # fmt: skip
        return {}, problems
    if not isinstance(root, yaml.MappingNode):
        problem(_line(root), "", "", "must be a mapping of table names to their mapping")
        return {}, problems
    mappings = {}
    for key, node in _entries(root, "", problem):
        if key.value not in TABLES:
            near = near_name(key.value, [t for t in TABLES if t not in mappings])
            problem(
                _line(key), key.value, key.value,
                "not a table of the contract; "
                + (f"rename it to '{near}'" if near else f"use one of {', '.join(TABLES)}"),
            )  # fmt: skip
            continue
        mapping = _table_mapping(key.value, key, node, problem)
        if mapping is not None:
            mappings[key.value] = mapping
    return mappings, problems


def _table_mapping(table: str, key: yaml.Node, node: yaml.Node, problem) -> TableMapping | None:
    """One table's entry of ``mapping.yaml`` (``None`` when it is not a mapping)."""
    if not isinstance(node, yaml.MappingNode):
        problem(_line(node), table, _text(node), "must hold 'file:' and/or 'columns:' lines")
        return None
    mapping = TableMapping(table, lines={"": _line(key)})
    for k, v in _entries(node, table, problem):
        here = f"{table}.{k.value}"
        if k.value == "file":
            name = v.value if isinstance(v, yaml.ScalarNode) else ""
            if (
                not name
                or Path(name).name != name
                or "\\" in name
                or name.startswith(".")
                or Path(name).suffix.lower() not in FILE_SUFFIXES
            ):
                problem(
                    _line(v), here, _text(v),
                    "must be a file name in the dataset folder (no folder part) ending in "
                    f"{', '.join(FILE_SUFFIXES)}",
                )  # fmt: skip
            else:
                mapping.file = name
                mapping.lines["file"] = _line(v)
        elif k.value == "columns":
            _columns(mapping, v, problem)
        else:
            near = near_name(k.value, ["file", "columns"])
            problem(
                _line(k), here, k.value,
                "unknown key; " + (f"rename it to '{near}'" if near else "use file or columns"),
            )  # fmt: skip
    return mapping


def _columns(mapping: TableMapping, node: yaml.Node, problem) -> None:
    """Fill ``mapping`` from its ``columns:`` node, reporting what is wrong."""
    table = mapping.table
    if not isinstance(node, yaml.MappingNode):
        problem(
            _line(node), f"{table}.columns", _text(node),
            "must list 'contract_column: SourceColumn' lines",
        )  # fmt: skip
        return
    allowed = [c.name for c in TABLES[table].columns] + list(EXTRA_COLUMNS.get(table, ()))
    fed: dict[str, str] = {}  # source column -> the contract column it feeds
    for k, v in _entries(node, f"{table}.columns", problem):
        column, here = k.value, f"{table}.columns.{k.value}"
        if column not in allowed:
            near = near_name(column, allowed)
            problem(
                _line(k), here, column,
                f"not a column of the contract's {table} table; "
                + (f"rename it to '{near}' (or remove the line)" if near
                   else f"use one of {', '.join(allowed)}"),
            )  # fmt: skip
            continue
        if isinstance(v, yaml.ScalarNode) and v.value.strip():
            source = v.value.strip()
            if source in fed:
                problem(
                    _line(v), here, source,
                    f"source column {source} already feeds {fed[source]}; a source column feeds "
                    "one contract column (write {value: ...} for a constant)",
                )  # fmt: skip
                continue
            fed[source] = column
            mapping.columns[column] = source
        elif (
            isinstance(v, yaml.MappingNode)
            and len(v.value) == 1
            and v.value[0][0].value == "value"
            and isinstance(v.value[0][1], yaml.ScalarNode)
            and v.value[0][1].value.strip()
        ):
            mapping.constants[column] = v.value[0][1].value.strip()
        else:
            problem(
                _line(v), here, _text(v),
                "must be the source column's name, or {value: ...} for a constant",
            )  # fmt: skip
            continue
        mapping.lines[column] = _line(k)


def _entries(node: yaml.MappingNode, path: str, problem) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key, value) nodes of a mapping node, with text keys, each once (others reported)."""
    seen: set[str] = set()
    out = []
    for key, value in node.value:
        here = f"{path}.{_text(key)}" if path else _text(key)
        if not isinstance(key, yaml.ScalarNode):
            problem(_line(key), path, "", "a key must be a name")
        elif key.value in seen:
            problem(_line(key), here, key.value, "written twice; keep one")
        else:
            seen.add(key.value)
            out.append((key, value))
    return out


#: The tags of plain YAML data (what the safe loader builds without a custom constructor).
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp",
                                        "map", "seq")
}  # fmt: skip


def _foreign_tag(root: yaml.Node) -> yaml.Node | None:
    """The first node with a tag that is not plain data (``!!python/...``, ``!custom``)."""
    pending, seen = [root], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:  # an alias: the same node again
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            return node
        if isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _text(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else ""


__all__ = ["EXTRA_COLUMNS", "MAPPING_FILE", "TableMapping", "read_mapping"]
