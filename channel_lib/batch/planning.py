"""Planning a batch: which notebooks and partner packs run for which quarters.

A numbered notebook (``notebooks/[0-9][0-9]_*.ipynb``) runs once per quarter unless its
``parameters`` cell declares ``partner_id``: then it runs once per selected partner
(:func:`select_partners`), as a partner pack under ``<quarter>/partners/``. :func:`plan_batch`
loads and validates the dataset, prepares its Parquet copy, and returns every quarter's
:class:`~channel_lib.batch.records.QuarterPlan` with the tasks still to run (with ``resume``,
those not complete in the last run on the same inputs).

The order a batch runs in
-------------------------
Quarters run one after the other, oldest first: a quarter's notebooks review the actions the
quarters before it raised, and each reads the log as it stood at the end of its own quarter
(:func:`channel_lib.plans.actions.as_of`), so re-running an earlier quarter later reviews no
action of a later one. Within a quarter the reports run concurrently, except that a company
notebook that declares ``accept`` (the suggested actions it raises in the log: notebook 05
raises the company-wide actions) finishes before the quarter's partner packs start
(:func:`quarter_order`), so a pack sees the actions raised for its partner company-wide. A
quarter after the first is planned again when it is reached (:func:`replan_quarter`): its
``flagged`` partners include those with an action the quarter before raised in the same batch.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from channel_lib.analysis.partner_review import open_action_partners
from channel_lib.analysis.signals import flagged_partners
from channel_lib.batch.notebook import ReportTask
from channel_lib.batch.records import BatchParameters, NotebookRun, QuarterPlan
from channel_lib.core.config import NOTEBOOKS_DIR, PREPARED_ENV, PROJECT_ROOT
from channel_lib.core.errors import ParameterError
from channel_lib.core.files import remove_leftover_temp_files
from channel_lib.data.cube import summarise
from channel_lib.data.loader import Dataset, load_dataset
from channel_lib.data.prepared import prepare_dataset
from channel_lib.data.pseudonyms import PSEUDONYMS_ENV, apply_pseudonyms, parse_spec, spec_from_env
from channel_lib.data.workbook import choose_quarter

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
#: The parameter of a company notebook that raises actions in the log: it runs before the
#: quarter's partner packs (:func:`quarter_order`).
RAISES_ACTIONS_PARAMETER = "accept"
#: Sub-folder of a quarter's folder holding the partner packs.
PARTNERS_FOLDER = "partners"


# -- notebooks and quarters -------------------------------------------------------------------------
def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell, as papermill reads them.

    The cell is parsed with :mod:`ast` (the notebook-shape test holds every parameters cell to
    typed declarations, and checks papermill's own parser reads the same names), so planning a
    batch does not import papermill in the main process (~1.5 s before any worker can start).

    Returns
    -------
    dict
        Parameter name → ``{"name", "inferred_type_name", "default", "help"}``, in cell order;
        empty when the notebook has no cell tagged ``parameters``.

    Examples
    --------
    >>> sorted(notebook_parameters(NOTEBOOKS_DIR / "00_quarter_overview.ipynb"))
    ['data_dir', 'plans_dir', 'quarter']
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    lines = source.splitlines()
    out: dict[str, dict[str, Any]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation = node.targets[0].id, "None"
        else:
            continue
        line = lines[node.end_lineno - 1]
        comment = line[node.end_col_offset :].strip()
        out[name] = {
            "name": name,
            "inferred_type_name": annotation.strip("'\""),
            "default": None if node.value is None else ast.get_source_segment(source, node.value),
            "help": comment[1:].strip() if comment.startswith("#") else "",
        }
    return out


def report_title(name: str, quarter: str) -> str:
    """Page title from a notebook name: ``00_quarter_overview`` → ``Quarter overview — FY2026-Q3``.

    Examples
    --------
    >>> report_title("01_orientation_alignment", "FY2026-Q3")
    'Orientation alignment — FY2026-Q3'
    """
    words = name.split("_", 1)[-1] if name[:2].isdigit() else name
    words = words.replace("_", " ").strip()
    return f"{words[:1].upper()}{words[1:]} — {quarter}"


def select_notebooks(
    names: str | Sequence[str] | None = None, *, folder: str | Path | None = None
) -> list[Path]:
    """The numbered notebooks to run, in order; ``names`` (comma list or sequence) filters them.

    Raises
    ------
    ParameterError
        When a requested name matches no notebook, or there is no notebook at all.
    """
    folder = Path(folder or NOTEBOOKS_DIR)
    found = sorted(folder.glob(NOTEBOOK_GLOB))
    if names:
        wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
        wanted = [n.removesuffix(".ipynb") for n in wanted if n]
        by_name = {p.stem: p for p in found}
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise ParameterError(
                f"no notebook named {', '.join(unknown)} in {folder}; "
                f"choose from {', '.join(by_name) or '(none)'}"
            )
        found = [by_name[n] for n in wanted]
    if not found:
        raise ParameterError(f"no notebooks matching {NOTEBOOK_GLOB} in {folder}")
    return found


def resolve_quarters(ds: Dataset, quarter: str) -> list[tuple[str, str]]:
    """Quarters to report, each with the sentence saying why it was chosen.

    ``quarter`` is a label (``FY2026-Q3``), a range (``FY2026-Q1..FY2026-Q4``), ``"latest"`` (the
    latest complete quarter, chosen by ``channel_lib.data.workbook.choose_quarter``) or
    ``last:N`` (the N quarters ending with the latest complete one, oldest first: ``make
    reports`` runs ``last:2``, so the latest packs review the actions of the quarter before).

    Raises
    ------
    ParameterError
        A quarter outside the data, or ``last:N`` without a whole number N of at least 1.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> resolve_quarters(load_dataset("tests/data/tiny"), "FY2026-Q2..FY2026-Q3")[1][0]
    'FY2026-Q3'
    >>> [q for q, _ in resolve_quarters(load_dataset("tests/data/tiny"), "last:2")]
    ['FY2026-Q3', 'FY2026-Q4']
    """
    quarter = str(quarter).strip()
    if quarter.lower().startswith("last:"):
        n = quarter.split(":", 1)[1].strip()
        if not n.isdigit() or int(n) < 1:
            raise ParameterError(
                f"--quarter {quarter!r}: last needs a whole number of quarters, e.g. last:2"
            )
        latest = choose_quarter(ds, "latest")[0]
        quarter = f"{ds.calendar.shift_quarter(latest, 1 - int(n))}..{latest}"
    if ".." in quarter:
        first, last = (q.strip() for q in quarter.split("..", 1))
        return [choose_quarter(ds, q) for q in ds.calendar.quarter_range(first, last)]
    return [choose_quarter(ds, quarter)]


def _flagged_partners(ds: Dataset, quarter: str, plans_dir: str | Path | None = None) -> list[str]:
    """Partners with signals in the quarter, then partners with an action still open from the
    quarter before (their pack reviews it: the action-plan cycle needs it every quarter)."""
    found = [str(p) for p in flagged_partners(ds, quarter)]
    if plans_dir is not None:
        found += open_action_partners(plans_dir, ds.calendar.shift_quarter(quarter, -1))
    return list(dict.fromkeys(found))


def select_partners(
    ds: Dataset, quarter: str, spec: str | None, *, plans_dir: str | Path | None = None
) -> list[str]:
    """The partner ids a partner-level notebook runs for, in a stable order.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The reporting quarter (``top:N`` ranks by revenue in it).
    spec : str
        ``all``, ``none``, ``flagged`` (partners with signals, and with ``plans_dir`` also
        partners with an action open from the quarter before), ``top:N`` (by revenue in the
        quarter, ties by id), ``tier:NAME`` (case-insensitive), a comma list of ids, or
        several of these joined with ``+`` (union, first appearance first).

    plans_dir : str or Path, optional
        The plans folder whose action log ``flagged`` also reads.

    Returns
    -------
    list of str

    Raises
    ------
    ParameterError
        For an unknown keyword, a bad ``top:N`` or an id that is not in ``partners.csv``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> select_partners(ds, "FY2026-Q3", "tier:gold+P3,P2")
    ['P1', 'P3', 'P2']
    >>> select_partners(ds, "FY2026-Q3", "none")
    []
    """
    spec = (spec or "none").strip()
    partners = ds.table("partners") if ds.has("partners") else None
    known = [] if partners is None else [str(p) for p in partners["partner_id"]]
    chosen: dict[str, None] = {}
    for part in (p.strip() for p in spec.split("+")):
        low = part.lower()
        if low in ("", "none"):
            continue
        if low == "all":
            chosen.update(dict.fromkeys(sorted(known)))
        elif low == "flagged":
            chosen.update(dict.fromkeys(_flagged_partners(ds, quarter, plans_dir)))
        elif low.startswith("top:"):
            chosen.update(dict.fromkeys(_top_partners(ds, quarter, part)))
        elif low.startswith("tier:"):
            if partners is not None:
                chosen.update(dict.fromkeys(_tier_partners(partners, part)))
        else:
            chosen.update(dict.fromkeys(_listed_partners(part, known)))
    return list(chosen)


def _top_partners(ds: Dataset, quarter: str, part: str) -> list[str]:
    """``top:N``: the N partners with the most revenue in the quarter, ties by id."""
    n_text = part.split(":", 1)[1]
    if not n_text.isdigit():
        raise ParameterError(f"--partners {part!r}: top needs a whole number, e.g. top:50")
    rev = summarise(ds, by="partner_id", period="quarter", periods=[quarter])
    rev = rev[rev["partner_id"].notna()].sort_values(
        ["revenue_exact", "partner_id"], ascending=[False, True]
    )
    return [str(p) for p in rev["partner_id"].head(int(n_text))]


def _tier_partners(partners: pd.DataFrame, part: str) -> list[str]:
    """``tier:NAME``: the partners of the tier (case-insensitive), by id."""
    tier = part.split(":", 1)[1].strip().lower()
    match = partners["tier"].astype("string").str.lower() == tier
    return sorted(str(p) for p in partners.loc[match.fillna(False), "partner_id"])


def _listed_partners(part: str, known: Sequence[str]) -> list[str]:
    """A comma list of partner ids, each checked against ``partners.csv``."""
    ids = [i.strip() for i in part.split(",") if i.strip()]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ParameterError(
            f"--partners names partners that are not in partners.csv: "
            f"{', '.join(unknown)}; use ids from partners.csv, or all, none, flagged, "
            "top:N, tier:NAME joined with +"
        )
    return ids


#: Windows device names: no file may be called so, whatever its extension (``CON.html``).
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
#: A partner id used as its file name as it is: letters, digits, ``.``, ``_``, ``-``, starting
#: with a letter or digit, not ending with a dot, at most 80 characters.
_PLAIN_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,79}(?<!\.))?")


def _hashed_name(partner_id: str, digits: int = 8) -> str:
    """The id's characters outside ``[A-Za-z0-9._-]`` as ``_`` (60 at most, no leading ``.`` or
    ``-``, ``_`` before a device name), ``-``, and the first ``digits`` hex digits of the SHA-1
    of the exact id (UTF-8)."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", partner_id)[:60].lstrip(".-") or "_"
    name = f"{slug}-{hashlib.sha1(partner_id.encode('utf-8')).hexdigest()[:digits]}"
    if name.split(".", 1)[0].upper() in RESERVED_NAMES:  # "CON.x/y": the part before the dot
        name = "_" + name
    return name


def _is_plain(partner_id: str) -> bool:
    """Whether the id can be its own file name on every file system (not a device name)."""
    return bool(_PLAIN_ID.fullmatch(partner_id)) and (
        partner_id.split(".", 1)[0].upper() not in RESERVED_NAMES
    )


def pack_file_names(partner_ids: Sequence[str]) -> dict[str, str]:
    """File names (without extension) for the partner packs of one batch: unique even where case
    does not count.

    An id that is a plain file name (letters, digits, ``.``, ``_``, ``-``; not a Windows device
    name such as ``CON`` or ``com1.x``) is its own name; any other id becomes its characters
    with the others as ``_`` plus ``-`` and 8 hex digits of its SHA-1 (``a/b`` →
    ``a_b-3ec69c85``). When two names of the batch are equal ignoring case (``P011`` and
    ``p011``, or ``a_b-3ec69c85`` and the name of ``a/b``), each of them gets the hash suffix
    of its own id, with more digits until they differ.

    Parameters
    ----------
    partner_ids : sequence of str
        The batch's partner ids (exact, distinct).

    Returns
    -------
    dict
        Partner id → file name, in the order given; no two names are equal after
        :meth:`str.casefold`.

    Raises
    ------
    ParameterError
        When two ids still share a name (equal SHA-1 digests: not expected to happen).

    Examples
    --------
    >>> pack_file_names(["P-001", "a/b", "a_b-3ec69c85", "P011", "p011", "CON"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'P-001': 'P-001', 'a/b': 'a_b-3ec69c85', 'a_b-3ec69c85': 'a_b-3ec69c85-d64fa8bc',
     'P011': 'P011-1f0a33d3', 'p011': 'p011-55fce5fd', 'CON': 'CON-7679a072'}
    """
    names = {pid: pid if _is_plain(pid) else _hashed_name(pid) for pid in partner_ids}
    for digits in (8, 16, 40):
        clashing = _clashes(names)
        if not clashing:
            return names
        for pid in clashing:
            names[pid] = _hashed_name(pid, digits)
    clashing = _clashes(names)
    if clashing:
        raise ParameterError(
            "partner ids " + ", ".join(repr(p[:80]) for p in clashing) + " give the same pack "
            "file name; rename one of them in partners.csv"
        )
    return names


def _clashes(names: dict[str, str]) -> list[str]:
    """The ids whose name equals another id's name ignoring case."""
    seen: dict[str, list[str]] = {}
    for pid, name in names.items():
        seen.setdefault(name.casefold(), []).append(pid)
    return [pid for group in seen.values() if len(group) > 1 for pid in group]


# -- a quarter's tasks ------------------------------------------------------------------------------
def plan_quarter(
    ds: Dataset, label: str, reason: str, notebooks: Sequence[tuple[Path, dict]], out_dir: Path,
    *, values: dict[str, str], partners_spec: str | None, engine: str, env: dict[str, str],
    cell_timeout: float | None,
) -> QuarterPlan:  # fmt: skip
    """The report tasks of one quarter: each company notebook once, each partner notebook once
    per selected partner (under ``partners/``, plus ``/<notebook>`` when there are several).

    Parameters
    ----------
    ds : Dataset
    label, reason : str
        The quarter and why it was chosen (:func:`resolve_quarters`).
    notebooks : sequence of (Path, dict)
        Each notebook with the parameters it declares (:func:`notebook_parameters`).
    out_dir : Path
        The batch's output folder; the quarter's reports go to ``out_dir/<label>/``.
    values : dict
        Values of ``data_dir`` and ``plans_dir``, passed to the notebooks that declare them.
    partners_spec : str or None
        The partner selection (:func:`select_partners`).
    engine, env, cell_timeout
        Copied into every :class:`~channel_lib.batch.notebook.ReportTask`.

    Returns
    -------
    QuarterPlan
        With its tasks in plan order, its partners' pack file names (:func:`pack_file_names`)
        and no runs yet.

    Raises
    ------
    ParameterError
        When two reports would write the same file, ignoring case.
    """
    folder = out_dir / label
    q = QuarterPlan(label, reason, folder, started=datetime.now(UTC).isoformat(timespec="seconds"))
    partner_nbs = [(p, d) for p, d in notebooks if "partner_id" in d]
    names: dict[str, str] = {}
    if partner_nbs:
        q.partners = select_partners(ds, label, partners_spec, plans_dir=values.get("plans_dir"))
        q.pack_files = pack_file_names(q.partners)
        if q.partners:
            frame = ds.table("partners")
            names = dict(
                zip(frame["partner_id"].astype(str), frame["partner_name"].astype(str), strict=True)
            )
    for nb_path, declared in notebooks:
        name = nb_path.stem
        base = {k: v for k, v in values.items() if k in declared}
        base["quarter"] = label if "quarter" in declared else None
        base = {k: v for k, v in base.items() if v is not None}
        if "partner_id" not in declared:
            q.tasks.append(ReportTask(
                key=name, quarter=label, notebook=str(nb_path),
                ipynb=str(folder / f"{name}.ipynb"), html=str(folder / f"{name}.html"),
                title=report_title(name, label), parameters=base, cwd=str(PROJECT_ROOT),
                env=env, engine=engine, cell_timeout=cell_timeout,
            ))  # fmt: skip
            continue
        sub = folder / PARTNERS_FOLDER
        if len(partner_nbs) > 1:
            sub = sub / name
        for pid in q.partners:
            key = "/".join([PARTNERS_FOLDER, *([name] if len(partner_nbs) > 1 else []), pid])
            stem = q.pack_files[pid]
            partner_name = names.get(pid, pid)
            q.tasks.append(ReportTask(
                key=key, quarter=label, notebook=str(nb_path),
                ipynb=str(sub / f"{stem}.ipynb"), html=str(sub / f"{stem}.html"),
                title=f"{partner_name} ({pid}) — {report_title(name, label)}",
                parameters={**base, "partner_id": pid}, cwd=str(PROJECT_ROOT), env=env,
                engine=engine, cell_timeout=cell_timeout, partner_id=pid, partner_name=partner_name,
            ))  # fmt: skip
    _check_unique_paths(q)
    return q


def _check_unique_paths(q: QuarterPlan) -> None:
    """Refuse a plan where two reports would write the same file (ignoring case, as macOS and
    Windows do): one would silently overwrite the other."""
    seen: dict[str, str] = {}
    for task in q.tasks:
        for path in (task.ipynb, task.html):
            other = seen.setdefault(path.casefold(), task.key)
            if other != task.key:
                raise ParameterError(
                    f"{q.label}: reports {other!r} and {task.key!r} would both write {path}; "
                    "rename one of the notebooks or partner ids"
                )


def previous_runs(folder: Path, checksums: dict[str, str]) -> dict[str, dict]:
    """Entries of the last manifest of ``folder`` that are complete for the same inputs."""
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if old.get("inputs") != checksums:
        return {}
    return {r.get("key") or r["name"]: r for r in old.get("notebooks", [])}


def remove_stale_temp_files(folder: Path) -> None:
    """Temporary files of a killed run (hidden ``.<name>.*.tmp`` / ``.running.ipynb``)."""
    if not folder.exists():
        return
    for path in folder.rglob(".*"):
        if path.is_file() and (path.name.endswith(".tmp") or path.name.endswith(".running.ipynb")):
            path.unlink(missing_ok=True)


def start_runs(q: QuarterPlan, previous: dict[str, dict]) -> list[ReportTask]:
    """Give every task of ``q`` its :class:`NotebookRun` and return the tasks still to run.

    A task whose entry in ``previous`` (:func:`previous_runs`) is ``ok`` or ``skipped`` with the
    same parameters, and whose notebook and HTML page exist, is ``skipped`` (its times and paths
    carried over); every other task is ``pending``.
    """
    todo = []
    for task in q.tasks:
        name = Path(task.notebook).stem
        old = previous.get(task.key)
        done = (
            old is not None
            and old.get("status") in ("ok", "skipped")
            and old.get("parameters") == task.parameters
            and Path(task.ipynb).exists()
            and Path(task.html).exists()
        )
        run = NotebookRun(
            name=name, quarter=q.label, status="skipped" if done else "pending",
            parameters=task.parameters, key=task.key, partner_id=task.partner_id,
            partner_name=task.partner_name,
        )  # fmt: skip
        if done:
            run.seconds = old.get("seconds", 0.0)
            run.export_seconds = old.get("export_seconds", 0.0)
            run.ipynb, run.html = task.ipynb, task.html
        else:
            todo.append(task)
        q.runs[task.key] = run
    return todo


# -- the batch --------------------------------------------------------------------------------------
@dataclass
class BatchPlan:
    """A planned batch: the dataset, each quarter's plan and the reports still to run.

    Attributes
    ----------
    dataset : Dataset
        The loaded, validated dataset.
    quarters : list of QuarterPlan
        In the order asked for.
    todo : list of (QuarterPlan, ReportTask)
        The reports to run, in plan order (with ``resume``, without those complete before).
    values : dict
        ``data_dir`` and ``plans_dir`` (absolute), the values notebooks are given.
    plans_dir : Path
        The plans folder (absolute).
    prepared : Path
        The prepared (Parquet) copy of the dataset the notebooks read.
    notebooks : list of (Path, dict)
        The selected notebooks with the parameters each declares (:func:`notebook_parameters`).
    params : BatchParameters
        The batch's parameters.
    env : dict
        The environment every report is given.
    """

    dataset: Dataset
    quarters: list[QuarterPlan]
    todo: list[tuple[QuarterPlan, ReportTask]]
    values: dict[str, str]
    plans_dir: Path
    prepared: Path
    notebooks: list[tuple[Path, dict]] = field(default_factory=list)
    params: BatchParameters | None = None
    env: dict[str, str] = field(default_factory=dict)

    def quarter_todo(self, q: QuarterPlan) -> list[ReportTask]:
        """The reports of ``q`` still to run, in plan order."""
        return [task for plan_q, task in self.todo if plan_q is q]


def batch_pseudonyms(params: BatchParameters, pseudonymise: str | None = None) -> tuple[str, ...]:
    """The tables whose names a batch replaces with pseudonyms.

    ``pseudonymise`` when given, else the batch parameter ``pseudonymise`` (a field of
    :class:`~channel_lib.batch.records.BatchParameters`, ``channel-workbook report
    --pseudonymise``), else the environment variable
    :data:`~channel_lib.data.pseudonyms.PSEUDONYMS_ENV` (which the batch forwards to its kernels
    anyway).

    Examples
    --------
    >>> batch_pseudonyms(BatchParameters("tests/data/tiny"), "partners,customers")
    ('customers', 'partners')
    """
    if pseudonymise is None:
        pseudonymise = getattr(params, "pseudonymise", None)
    return spec_from_env() if pseudonymise is None else parse_spec(pseudonymise)


def plan_batch(params: BatchParameters, *, pseudonymise: str | None = None) -> BatchPlan:
    """Load and validate the dataset, prepare its Parquet copy and plan every quarter.

    With pseudonyms (:func:`batch_pseudonyms`: ``customers``, ``partners`` or both) the
    dataset's names are replaced once here, which creates the plans folder's salt and register
    (:mod:`channel_lib.data.pseudonyms`) before any kernel starts; the pack titles, the index
    and the manifest then show pseudonyms, every notebook gets the variable
    :data:`~channel_lib.data.pseudonyms.PSEUDONYMS_ENV` (``open_workbook`` replaces the names
    in its kernel), the prepared Parquet copy keeps the real names, and the manifest records
    the choice (``parameters.pseudonymise`` and a ``pseudonyms`` entry in ``inputs``, so a
    ``resume`` never keeps a report made with the other names).

    Prints each quarter with the reason it was chosen to stderr. With ``params.resume`` the
    runs complete in each quarter's last manifest (same inputs) are ``skipped``, not run again.
    Temporary files a killed run left are removed: in each quarter's folder
    (:func:`remove_stale_temp_files`) and in the plans folder
    (:func:`channel_lib.core.files.remove_leftover_temp_files`).

    Raises
    ------
    DataValidationError, ParameterError
        Bad dataset, quarter, notebook names or partner selection (before anything runs).
    """
    ds = load_dataset(params.data_dir)
    quarters = resolve_quarters(ds, params.quarter)
    selected = select_notebooks(
        params.notebooks, folder=Path(params.notebooks_dir or NOTEBOOKS_DIR)
    )
    declared = [(p, notebook_parameters(p)) for p in selected]
    out_dir = Path(params.out_dir).resolve()
    plans = Path(params.plans_dir).resolve()
    prepared = prepare_dataset(ds, out_dir / ".prepared")  # real names: the copy of the files
    entities = batch_pseudonyms(params, pseudonymise)
    apply_pseudonyms(ds, plans, entities)
    values = {"data_dir": str(Path(ds.folder).resolve()), "plans_dir": str(plans)}
    if entities:  # in the manifest's parameters; no notebook declares it, none is given it
        values["pseudonymise"] = ",".join(entities)
    # always set, so a kernel's own environment cannot turn pseudonyms on or off
    env = {PREPARED_ENV: str(prepared), PSEUDONYMS_ENV: ",".join(entities) or "none"}
    plan = BatchPlan(ds, [], [], values=values, plans_dir=plans, prepared=prepared,
                     notebooks=declared, params=params, env=env)  # fmt: skip
    # a writer killed mid-write (the action log, targets, the budget split) left its temporary
    # file; each is removed under its file's lock, so a write in progress is not touched
    remove_leftover_temp_files(plans)
    for label, reason in quarters:
        print(f"{label}: {reason}", file=sys.stderr)
        q = _plan_one(plan, label, reason)
        remove_stale_temp_files(q.folder)
        plan.quarters.append(q)
    return plan


def _plan_one(plan: BatchPlan, label: str, reason: str) -> QuarterPlan:
    """Plan one quarter of ``plan`` and add its tasks still to run to ``plan.todo``."""
    params = plan.params
    assert params is not None  # set by plan_batch
    q = plan_quarter(
        plan.dataset, label, reason, plan.notebooks, Path(params.out_dir).resolve(),
        values=plan.values, partners_spec=params.partners, engine=params.engine, env=plan.env,
        cell_timeout=params.cell_timeout,
    )  # fmt: skip
    previous = previous_runs(q.folder, plan.dataset.checksums) if params.resume else {}
    plan.todo += [(q, task) for task in start_runs(q, previous)]
    return q


def replan_quarter(plan: BatchPlan, q: QuarterPlan) -> QuarterPlan:
    """Plan ``q`` again now that the quarters before it have run, when its partner selection
    reads the action log (``flagged``: partners with an action open from the quarter before).

    A batch over several quarters plans them all before any runs (bad parameters stop it before
    anything runs), but the actions the quarter before raises in the same batch are only in the
    log once it has run; this is called when ``q`` is reached. Without ``flagged`` in the
    selection, or when the selection is unchanged, ``q`` is returned as it was.

    Returns
    -------
    QuarterPlan
        ``q`` or its replacement (in ``plan.quarters`` and ``plan.todo`` in its place).
    """
    params = plan.params
    spec = (params.partners if params is not None else None) or ""
    partner_nbs = [d for _, d in plan.notebooks if "partner_id" in d]
    if "flagged" not in spec.lower() or not partner_nbs:
        return q
    partners = select_partners(plan.dataset, q.label, spec, plans_dir=plan.values.get("plans_dir"))
    if partners == q.partners:
        return q
    plan.todo = [(plan_q, task) for plan_q, task in plan.todo if plan_q is not q]
    new = _plan_one(plan, q.label, q.reason)
    new.started = q.started
    plan.quarters[plan.quarters.index(q)] = new
    return new


def raises_actions(plan: BatchPlan, task: ReportTask) -> bool:
    """Whether ``task`` is a company notebook that raises actions in the log (it declares
    :data:`RAISES_ACTIONS_PARAMETER`): it runs before its quarter's partner packs."""
    declared = {str(p): d for p, d in plan.notebooks}.get(task.notebook, {})
    return not task.partner_id and RAISES_ACTIONS_PARAMETER in declared


def quarter_order(plan: BatchPlan, tasks: Sequence[ReportTask]) -> list[tuple[ReportTask, set]]:
    """The order one quarter's reports run in: each task with the keys it waits for.

    The company notebooks that raise actions (:func:`raises_actions`) come first, then the
    other company notebooks (neither waits), then the partner packs, each waiting for the
    action-raising notebooks of ``tasks`` (a report skipped by ``resume`` is not waited for:
    it is not in ``tasks``). A runner submits a task once every key it waits for has finished,
    whatever its status: a failed notebook 05 still lets the packs run.

    Parameters
    ----------
    plan : BatchPlan
    tasks : sequence of ReportTask
        One quarter's tasks still to run (:meth:`BatchPlan.quarter_todo`).

    Returns
    -------
    list of (ReportTask, set of str)
        In submission order.
    """
    first = [t for t in tasks if raises_actions(plan, t)]
    keys = {t.key for t in first}
    others = [t for t in tasks if not t.partner_id and t.key not in keys]
    packs = [t for t in tasks if t.partner_id]
    return [(t, set()) for t in first + others] + [(t, set(keys)) for t in packs]


__all__ = [
    "NOTEBOOK_GLOB",
    "PARTNERS_FOLDER",
    "RAISES_ACTIONS_PARAMETER",
    "BatchPlan",
    "batch_pseudonyms",
    "notebook_parameters",
    "pack_file_names",
    "plan_batch",
    "plan_quarter",
    "previous_runs",
    "quarter_order",
    "raises_actions",
    "remove_stale_temp_files",
    "replan_quarter",
    "report_title",
    "resolve_quarters",
    "select_notebooks",
    "select_partners",
    "start_runs",
]
