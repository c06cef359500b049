"""SQL text for DuckDB: quoted names and literals, and what a cast between two types can lose.

The loader builds its checks as SQL text; these helpers quote what goes into it and decide, from
the DuckDB types alone, whether a cast can fail or round (so that a column needs no value check).
"""

from __future__ import annotations

import re

INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
DECIMAL_TYPE = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
NUMERIC_TYPE = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
                          r"FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$")  # fmt: skip


def quoted(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (single quotes doubled).

    Examples
    --------
    >>> sql_literal("O'Brien")
    "'O''Brien'"
    """
    return "'" + text.replace("'", "''") + "'"


def cast_cannot_fail(source: str, target: str) -> bool:
    """Whether CAST from DuckDB type ``source`` to ``target`` can never fail (conservative).

    Then TRY_CAST gives the same values as CAST, and a Parquet column needs no check.
    """
    source = source.upper()
    if target == "VARCHAR" or source == target:
        return True
    if target == "BIGINT":
        return source in INTEGER_TYPES
    if target == "DOUBLE":
        return source in (*INTEGER_TYPES, "FLOAT")
    m, t = DECIMAL_TYPE.match(source), DECIMAL_TYPE.match(target)
    if m and t:
        (p, s), (tp, ts) = map(int, m.groups()), map(int, t.groups())
        return s <= ts and p - s <= tp - ts
    if t:
        digits = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "UTINYINT": 3, "USMALLINT": 5}
        return source in digits and digits[source] <= int(t.group(1)) - int(t.group(2))
    return False


def scale_of(duckdb_type: str) -> int | None:
    """Decimals a fixed-precision DuckDB type holds (BIGINT: 0); None for any other type."""
    m = DECIMAL_TYPE.match(duckdb_type.upper())
    if m:
        return int(m.group(2))
    return 0 if duckdb_type.upper() in (*INTEGER_TYPES, "UBIGINT") else None


def wide_decimal(duckdb_type: str) -> str:
    """A DECIMAL with the integer digits of a fixed-precision type and the most decimals.

    It reads text exactly up to 38 digits: only digits beyond the 22nd decimal of an amount
    (DECIMAL(18,2): 16 integer digits) are rounded, which no program writing numbers produces.
    """
    m = DECIMAL_TYPE.match(duckdb_type.upper())
    digits = int(m.group(1)) - int(m.group(2)) if m else 19  # BIGINT: 19 digits
    return f"DECIMAL(38,{38 - digits})"


__all__ = [
    "DECIMAL_TYPE",
    "INTEGER_TYPES",
    "NUMERIC_TYPE",
    "cast_cannot_fail",
    "quoted",
    "scale_of",
    "sql_literal",
    "wide_decimal",
]
