"""Pseudonyms for sessions with outsiders: customer and partner names replaced, stably.

``channel-workbook report --pseudonymise customers`` (or ``partners``, or ``customers,partners``)
and the same option of ``channel-workbook workshop`` show every customer (partner) under a
pseudonym such as ``Customer 04271`` or ``Partner Amber-12`` instead of its name, in every page,
export and workshop screen. What is replaced, and what is not:

- **names** — ``customer_name`` in ``customers`` and ``partner_name`` in ``partners`` — always;
- **ids are kept.** They are the keys of the plans folder (targets, the action log, the
  workshop's decisions), which must match across sessions with and without pseudonyms. When ids
  carry names (``ACME-001``), :func:`apply_pseudonyms` warns (:class:`IdsCarryNamesWarning`) with
  how many do; such a dataset is not fit for outsiders with this option alone.

How it reaches every notebook: :func:`channel_lib.data.workbook.open_workbook` replaces the names
in the dataset's own tables (its DuckDB connection) when its ``pseudonymise`` argument, or else
the environment variable :data:`PSEUDONYMS_ENV`, names the tables. The report batch sets that
variable for its kernels and the workshop server for Voilà's, so no notebook changes; the input
files and the prepared Parquet copy keep the real names (a prepared copy that no longer fits
cannot leak them: the replacement happens after the dataset is opened, whichever way).

Stable: a pseudonym is derived from the id and a random salt kept in the plans folder
(:data:`SALT_FILE`, created once), never from the row order; every pseudonym given is recorded
in :data:`REGISTER_FILE` (entity, id, pseudonym: no names), so an id keeps its pseudonym across
runs, reports and datasets with more ids, and two ids never share one. A pseudonym never equals a
real customer or partner name of the dataset. Another plans folder (another salt) gives other
pseudonyms.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import secrets
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from channel_lib.core import config
from channel_lib.core.errors import ChannelLibError, ParameterError, shorten
from channel_lib.core.files import atomic_write_text, locked
from channel_lib.data.dataset import Dataset

#: Environment variable naming the tables whose names are replaced (``customers,partners``); set
#: by the report batch for its kernels and by the workshop server for Voilà's.
PSEUDONYMS_ENV = config.ENV_PREFIX + "PSEUDONYMISE"
#: File of the plans folder holding the salt (64 hex digits, created once).
SALT_FILE = "pseudonym_salt"
#: File of the plans folder recording every pseudonym given: ``entity,entity_id,pseudonym``.
REGISTER_FILE = "pseudonyms.csv"
#: Entry of :attr:`Dataset.checksums <channel_lib.data.dataset.Dataset.checksums>` that a
#: pseudonymised dataset adds: the SHA-256 of the pseudonyms it shows. Caches keyed by the
#: checksums (a warm kernel's shared findings, a batch's resume) then never mix real names and
#: pseudonyms, and the manifest's ``inputs`` record that pseudonyms were used.
CHECKSUM_KEY = "pseudonyms"
#: Words of partner pseudonyms (``Partner Amber-12``).
PARTNER_WORDS = (
    "Amber", "Birch", "Cedar", "Coral", "Dune", "Ember", "Fern", "Flint", "Frost", "Garnet",
    "Hazel", "Indigo", "Iris", "Jade", "Juniper", "Laurel", "Linen", "Maple", "Marble", "Moss",
    "Ochre", "Olive", "Onyx", "Opal", "Pearl", "Pine", "Quartz", "Reed", "Rowan", "Sage",
    "Sand", "Slate", "Spruce", "Stone", "Teal", "Thistle", "Umber", "Willow", "Yarrow", "Zinc",
)  # fmt: skip
#: A word of a name that an id may carry (letters only, at least 4).
_NAME_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True)
class Entity:
    """A table whose names can be replaced: its id and name columns and the pseudonym's prefix."""

    table: str
    id_column: str
    name_column: str
    prefix: str


#: The tables :func:`apply_pseudonyms` can pseudonymise, by the word the option uses.
ENTITIES: dict[str, Entity] = {
    "customers": Entity("customers", "customer_id", "customer_name", "Customer"),
    "partners": Entity("partners", "partner_id", "partner_name", "Partner"),
}


class IdsCarryNamesWarning(UserWarning):
    """Ids that contain a word of the name they stand for: pseudonyms replace names only."""


def parse_spec(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """The tables an option value names, in :data:`ENTITIES` order.

    Parameters
    ----------
    spec : str, sequence of str or None
        ``customers``, ``partners``, ``customers,partners`` (``+`` joins too), ``none`` or empty
        (no pseudonyms), or the words as a sequence.

    Returns
    -------
    tuple of str
        Keys of :data:`ENTITIES`.

    Raises
    ------
    ParameterError
        For another word; ``ids`` in particular, since ids are not replaced.

    Examples
    --------
    >>> parse_spec("partners, customers")
    ('customers', 'partners')
    >>> parse_spec(None), parse_spec("none")
    ((), ())
    """
    if spec is None:
        return ()
    words = re.split(r"[,+]", spec) if isinstance(spec, str) else list(spec)
    words = [str(w).strip().lower() for w in words]
    words = [w for w in words if w and w != "none"]
    unknown = [w for w in words if w not in ENTITIES]
    if unknown:
        why = (
            " Ids are never replaced: they are the keys of the plans folder (targets, actions); "
            "rename ids that carry names in the export itself."
            if any("id" in w for w in unknown)
            else ""
        )
        raise ParameterError(
            f"--pseudonymise {shorten(', '.join(unknown))}: not a table whose names can be "
            f"replaced; write customers, partners or customers,partners.{why}"
        )
    return tuple(e for e in ENTITIES if e in words)


def spec_from_env() -> tuple[str, ...]:
    """The tables :data:`PSEUDONYMS_ENV` names (none when it is unset or empty).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop(PSEUDONYMS_ENV, None)  # whatever the calling process set
    >>> spec_from_env()
    ()
    >>> os.environ[PSEUDONYMS_ENV] = "partners,customers"
    >>> spec_from_env()
    ('customers', 'partners')
    >>> del os.environ[PSEUDONYMS_ENV]
    >>> if saved is not None:
    ...     os.environ[PSEUDONYMS_ENV] = saved
    """
    return parse_spec(os.environ.get(PSEUDONYMS_ENV))


def read_salt(plans_dir: str | Path) -> bytes:
    """The plans folder's salt, created (64 random hex digits) on first use.

    Raises
    ------
    ChannelLibError
        When the file cannot be read or written, or does not hold 64 hex digits.

    Examples
    --------
    >>> import tempfile
    >>> plans = Path(tempfile.mkdtemp())
    >>> read_salt(plans) == read_salt(plans) and len(read_salt(plans)) == 32
    True
    """
    path = Path(plans_dir) / SALT_FILE
    try:
        with locked(path):
            if not path.exists():
                atomic_write_text(path, secrets.token_hex(32) + "\n")
            text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ChannelLibError(
            f"the pseudonym salt {path} could not be read or created ({exc.strerror or exc}); "
            "pass a plans folder the workbook may write to"
        ) from exc
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise ChannelLibError(
            f"{path}, line 1: {shorten(text)!r} is not a salt of 64 hex digits; delete the file "
            f"(and {REGISTER_FILE} beside it) to start new pseudonyms"
        )
    return bytes.fromhex(text)


def _read_register(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    for line, row in enumerate(rows, start=2):
        if not row.get("entity") or row.get("entity_id") is None or not row.get("pseudonym"):
            raise ChannelLibError(
                f"{path}, line {line}: expected the columns entity, entity_id, pseudonym, "
                f"got {shorten(row)}; delete the file (and {SALT_FILE}) to start new pseudonyms"
            )
    return rows


def _write_register(path: Path, rows: Sequence[Mapping[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["entity", "entity_id", "pseudonym"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, out.getvalue())


def _candidate(entity: Entity, salt: bytes, entity_id: str, attempt: int, width: int) -> str:
    """The ``attempt``-th pseudonym of an id: HMAC-SHA-256 of the id under the salt."""
    message = f"{entity.table}\0{entity_id}\0{attempt}".encode()
    n = int.from_bytes(hmac.new(salt, message, hashlib.sha256).digest()[:8], "big")
    if entity.table == "partners":
        word = PARTNER_WORDS[n % len(PARTNER_WORDS)]
        return f"{entity.prefix} {word}-{(n // len(PARTNER_WORDS)) % 10**width:0{width}d}"
    return f"{entity.prefix} {n % 10**width:0{width}d}"


def _width(entity: Entity, count: int) -> int:
    """Digits that leave at least ten pseudonyms per id (4 at least for customers, 2 for
    partners, whose word multiplies the choice by :data:`PARTNER_WORDS`)."""
    per_number = len(PARTNER_WORDS) if entity.table == "partners" else 1
    width = 2 if entity.table == "partners" else 4
    while per_number * 10**width < 10 * count:
        width += 1
    return width


def pseudonyms_for(
    plans_dir: str | Path, entity: str, ids: Iterable[str], *, reserved: Iterable[str] = ()
) -> dict[str, str]:
    """The pseudonym of every id, recorded in the plans folder's :data:`REGISTER_FILE`.

    Parameters
    ----------
    plans_dir : str or Path
        The plans folder holding :data:`SALT_FILE` and :data:`REGISTER_FILE` (both created when
        missing).
    entity : str
        ``customers`` or ``partners``.
    ids : iterable of str
        The ids (exact strings).
    reserved : iterable of str
        Text no pseudonym may equal, ignoring case: the dataset's real names.

    Returns
    -------
    dict of str to str
        Id → pseudonym, unique, in the order of ``ids``.

    Notes
    -----
    An id in the register keeps its pseudonym. A new id takes the first of its candidates
    (HMAC-SHA-256 of table, id and attempt number under the salt) that no other id of the
    register holds and that equals no reserved name; new ids are placed in id order, so the
    result never depends on the row order. The register is read and written under the
    plans folder's lock (:func:`channel_lib.core.files.locked`), atomically.

    Examples
    --------
    >>> import tempfile
    >>> plans = Path(tempfile.mkdtemp())
    >>> first = pseudonyms_for(plans, "partners", ["P1", "P2"])
    >>> again = pseudonyms_for(plans, "partners", ["P3", "P2", "P1"])  # another order, a new id
    >>> all(again[i] == first[i] for i in first)
    True
    >>> all(p.startswith("Partner ") for p in first.values()), len(set(first.values()))
    (True, 2)
    """
    spec = ENTITIES[entity]
    wanted = list(dict.fromkeys(str(i) for i in ids))
    salt = read_salt(plans_dir)
    path = Path(plans_dir) / REGISTER_FILE
    blocked = {str(r).strip().casefold() for r in reserved}
    with locked(path):
        rows = _read_register(path)
        known = {r["entity_id"]: r["pseudonym"] for r in rows if r["entity"] == spec.table}
        new = sorted(i for i in wanted if i not in known)
        if new:
            taken = {r["pseudonym"].casefold() for r in rows} | blocked
            width = _width(spec, len(known) + len(new))
            for entity_id in new:
                attempt = 0
                while (
                    name := _candidate(spec, salt, entity_id, attempt, width)
                ).casefold() in taken:
                    attempt += 1
                taken.add(name.casefold())
                known[entity_id] = name
                rows.append({"entity": spec.table, "entity_id": entity_id, "pseudonym": name})
            _write_register(path, rows)
    return {i: known[i] for i in wanted}


def ids_carrying_names(ids: Sequence[str], names: Sequence[str]) -> list[int]:
    """Positions of the ids that contain a word (4 letters or more) of their own name.

    Examples
    --------
    >>> ids_carrying_names(["ACME-001", "P2"], ["Acme Distribution", "Beta Supply"])
    [0]
    """
    found = []
    for i, (entity_id, name) in enumerate(zip(ids, names, strict=True)):
        low = str(entity_id).casefold()
        if any(w.casefold() in low for w in _NAME_WORD.findall(str(name))):
            found.append(i)
    return found


def apply_pseudonyms(ds: Dataset, plans_dir: str | Path, entities: Iterable[str]) -> Dataset:
    """Replace the names of ``entities`` in the dataset's tables with their pseudonyms (in place).

    Parameters
    ----------
    ds : Dataset
        An opened dataset; its ``customers`` / ``partners`` tables (views or tables of its
        DuckDB connection) are replaced by copies whose name column holds the pseudonyms, in
        the same row order, with the same types. Its files are not touched.
    plans_dir : str or Path
        The plans folder of the salt and register (:func:`pseudonyms_for`).
    entities : iterable of str
        Keys of :data:`ENTITIES` (:func:`parse_spec`); a table the dataset lacks is skipped.

    Returns
    -------
    Dataset
        ``ds``, with :attr:`~channel_lib.data.dataset.Dataset.pseudonyms` naming the tables
        replaced (also those done before: applying twice changes nothing) and its
        :attr:`~channel_lib.data.dataset.Dataset.checksums` holding :data:`CHECKSUM_KEY`.

    Warns
    -----
    IdsCarryNamesWarning
        When ids contain a word of their own name (the count and the file, no value).

    Examples
    --------
    >>> import tempfile
    >>> from channel_lib import load_dataset
    >>> ds = apply_pseudonyms(load_dataset("tests/data/tiny"), tempfile.mkdtemp(), ["partners"])
    >>> ds.pseudonyms, ds.table("partners")["partner_name"].str.startswith("Partner ").all()
    (('partners',), np.True_)
    """
    chosen = [e for e in parse_spec(list(entities)) if e not in ds.pseudonyms and ds.has(e)]
    if not chosen:
        return ds
    reserved = [
        str(n)
        for e in ENTITIES.values()
        if ds.has(e.table)
        for n in ds.sql(f"SELECT DISTINCT {e.name_column} FROM {e.table}").iloc[:, 0].dropna()
    ]
    digest = hashlib.sha256(ds.checksums.get(CHECKSUM_KEY, "").encode())
    for key in chosen:
        spec = ENTITIES[key]
        frame = ds.sql(f"SELECT {spec.id_column}, {spec.name_column} FROM {spec.table}")
        ids = [str(i) for i in frame[spec.id_column]]
        leaking = ids_carrying_names(ids, [str(n) for n in frame[spec.name_column]])
        if leaking:
            warnings.warn(
                f"{len(leaking)} of {len(ids)} ids in {ds.files[spec.table].name} (first on line "
                f"{leaking[0] + 2}) contain a word of their {spec.name_column}: pseudonyms "
                "replace names, not ids, so these ids still show who they are; rename them in "
                "the export before a session with outsiders",
                IdsCarryNamesWarning,
                stacklevel=2,
            )
        mapping = pseudonyms_for(plans_dir, key, ids, reserved=reserved)
        _replace_names(ds, spec, mapping)
        digest.update("\n".join(f"{key}\0{i}\0{p}" for i, p in sorted(mapping.items())).encode())
    ds.known_checksums = {**ds.checksums, CHECKSUM_KEY: digest.hexdigest()}
    ds.pseudonyms = tuple(e for e in ENTITIES if e in {*ds.pseudonyms, *chosen})
    return ds


def _replace_names(ds: Dataset, spec: Entity, mapping: Mapping[str, str]) -> None:
    """Swap ``spec.table`` for a copy whose name column holds ``mapping``'s pseudonyms."""
    con = ds.con
    pairs = pd.DataFrame({"entity_id": list(mapping), "pseudonym": list(mapping.values())})
    temp, copy = f"_pseudonyms_{spec.table}", f"_pseudonymised_{spec.table}"
    con.register(temp, pairs)
    try:
        # CREATE TABLE AS keeps the row order (insertion order is preserved) and the types;
        # UPDATE then changes the names in place, so the order stays that of the file
        con.execute(f"CREATE OR REPLACE TABLE {copy} AS SELECT * FROM {spec.table}")
        con.execute(
            f"UPDATE {copy} SET {spec.name_column} = p.pseudonym FROM {temp} AS p "
            f"WHERE CAST({copy}.{spec.id_column} AS VARCHAR) = p.entity_id"
        )
    finally:
        con.unregister(temp)
    # fetchall, not fetchone: a result left unread keeps the connection busy (DuckDB 2)
    kinds = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ? "
        "AND table_schema = 'main' AND table_catalog = current_database()",
        [spec.table],
    ).fetchall()
    con.execute(f"DROP {'VIEW' if kinds and kinds[0][0] == 'VIEW' else 'TABLE'} {spec.table}")
    con.execute(f"ALTER TABLE {copy} RENAME TO {spec.table}")
    ds.forget_table(spec.table)


__all__ = [
    "CHECKSUM_KEY",
    "ENTITIES",
    "PARTNER_WORDS",
    "PSEUDONYMS_ENV",
    "REGISTER_FILE",
    "SALT_FILE",
    "Entity",
    "IdsCarryNamesWarning",
    "apply_pseudonyms",
    "ids_carrying_names",
    "parse_spec",
    "pseudonyms_for",
    "read_salt",
    "spec_from_env",
]
