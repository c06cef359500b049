"""Pseudonyms for workshops (issue 22, point 7): no real customer or partner name reaches a page.

The real names come from the files themselves (plain DuckDB over ``customers.csv`` and
``partners.csv``), never from the code under test. The sample is opened once with pseudonyms;
the analyses and page functions that print names (the signals short list, a partner pack's
header and talking points, the orientation report's conflict, dependency and evolution
sentences and tables) are run on it and their output searched for every real name, raw and
escaped as the pages escape it.
"""

from __future__ import annotations

import html as std_html
import re
import shutil
import warnings
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from channel_lib.core.errors import ParameterError
from channel_lib.data.loader import load_dataset
from channel_lib.data.pseudonyms import (
    CHECKSUM_KEY,
    PSEUDONYMS_ENV,
    REGISTER_FILE,
    SALT_FILE,
    IdsCarryNamesWarning,
    apply_pseudonyms,
    parse_spec,
    pseudonyms_for,
)
from channel_lib.data.workbook import open_workbook
from channel_lib.presentation.text import escape_markdown

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TINY = ROOT / "tests" / "data" / "tiny"
#: What a pseudonym looks like: ``Customer 04271`` / ``Partner Amber-12``.
CUSTOMER_PSEUDONYM = re.compile(r"Customer \d{4,}")
PARTNER_PSEUDONYM = re.compile(r"Partner [A-Z][a-z]+-\d{2,}")


def file_column(folder: Path, table: str, column: str) -> list[str]:
    """A column of ``<folder>/<table>.csv`` as text, in file order (DuckDB, not the workbook)."""
    rows = duckdb.execute(
        f"SELECT {column} FROM read_csv(?, all_varchar = true, header = true)",
        [str(folder / f"{table}.csv")],
    ).fetchall()
    return [r[0] for r in rows]


def real_names(folder: Path) -> list[str]:
    return file_column(folder, "customers", "customer_name") + file_column(
        folder, "partners", "partner_name"
    )


def text_of(obj) -> str:
    """What a page function shows, as text: markdown/HTML source, a chart's JSON (its data and
    tooltips included), a frame's cells."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, list | tuple):
        return "\n".join(text_of(o) for o in obj)
    if isinstance(obj, pd.DataFrame):
        return obj.to_csv()
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if hasattr(obj, "data"):
        return str(obj.data)
    return repr(obj)


def shows(text: str, name: str) -> bool:
    """Whether ``text`` shows ``name``: as written, HTML-escaped or markdown-escaped."""
    return bool(name) and any(
        form in text for form in (name, std_html.escape(name), escape_markdown(name))
    )


def leaks(text: str, names: list[str]) -> list[str]:
    """The real names found in ``text``."""
    return [n for n in names if shows(text, n)]


@pytest.fixture(scope="module")
def pseudo(tmp_path_factory):
    """The sample opened with customer and partner pseudonyms, through the environment variable
    (as the batch and workshop hand it to notebooks), and its plans folder."""
    plans = tmp_path_factory.mktemp("pseudo") / "plans"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PSEUDONYMS_ENV, "customers,partners")
        wb = open_workbook(SAMPLE, plans_dir=plans)
    return wb, plans


@pytest.fixture(scope="module")
def names() -> list[str]:
    return real_names(SAMPLE)


# -- the tables -------------------------------------------------------------------------------------
def test_every_name_is_a_unique_pseudonym_and_ids_and_row_order_stay(pseudo, names):
    wb, _ = pseudo
    ds = wb.dataset
    assert ds.pseudonyms == ("customers", "partners")
    for table, id_col, name_col, pattern in (
        ("customers", "customer_id", "customer_name", CUSTOMER_PSEUDONYM),
        ("partners", "partner_id", "partner_name", PARTNER_PSEUDONYM),
    ):
        frame = ds.table(table)
        assert frame[id_col].astype(str).tolist() == file_column(SAMPLE, table, id_col)
        shown = frame[name_col].astype(str)
        assert shown.map(lambda s, p=pattern: bool(p.fullmatch(s))).all(), table
        assert shown.is_unique, table
        assert not set(shown.str.casefold()) & {n.casefold() for n in names}, table
        # SQL over the connection sees the pseudonyms too (the analyses query it)
        via_sql = ds.sql(f"SELECT {name_col} FROM {table}")[name_col].astype(str)
        assert set(via_sql) == set(shown)


def test_the_files_and_the_real_dataset_are_untouched(pseudo):
    wb, _ = pseudo
    real = load_dataset(SAMPLE)
    recorded = wb.dataset.checksums
    assert {k: v for k, v in recorded.items() if k != CHECKSUM_KEY} == real.checksums
    assert CHECKSUM_KEY in recorded and CHECKSUM_KEY not in real.checksums
    assert real.table("partners")["partner_name"].astype(str).tolist() == file_column(
        SAMPLE, "partners", "partner_name"
    )


def test_same_id_same_pseudonym_in_a_second_workbook_and_another_salt_differs(pseudo, tmp_path):
    wb, plans = pseudo
    again = open_workbook(SAMPLE, plans_dir=plans, pseudonymise="customers,partners")
    for table, id_col, name_col in (
        ("customers", "customer_id", "customer_name"),
        ("partners", "partner_id", "partner_name"),
    ):
        first = wb.dataset.table(table).set_index(id_col)[name_col].to_dict()
        second = again.dataset.table(table).set_index(id_col)[name_col].to_dict()
        assert first == second
    other = open_workbook(SAMPLE, plans_dir=tmp_path / "other", pseudonymise="partners")
    shown = other.dataset.table("partners")["partner_name"]
    assert (shown != wb.dataset.table("partners")["partner_name"]).mean() > 0.9
    # only what was asked for: customers keep their names here
    assert other.dataset.table("customers")["customer_name"].astype(str).tolist() == (
        file_column(SAMPLE, "customers", "customer_name")
    )


def test_pseudonyms_do_not_depend_on_row_order_and_survive_new_ids(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ids = [f"C{i:05d}" for i in range(1, 400)]
    first = pseudonyms_for(a, "customers", ids)
    b.mkdir()
    shutil.copy(a / SALT_FILE, b / SALT_FILE)  # the same salt, an empty register
    assert pseudonyms_for(b, "customers", list(reversed(ids))) == first
    grown = pseudonyms_for(a, "customers", ["C99999", *ids])  # a new id arrives
    assert {i: grown[i] for i in ids} == first
    assert len(set(grown.values())) == len(grown)
    register = pd.read_csv(a / REGISTER_FILE, dtype=str)
    assert list(register.columns) == ["entity", "entity_id", "pseudonym"]
    assert len(register) == len(ids) + 1


def test_a_pseudonym_never_equals_a_reserved_name(tmp_path):
    plans = tmp_path / "plans"
    wanted = pseudonyms_for(plans, "partners", ["P1"])["P1"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(plans / SALT_FILE, fresh / SALT_FILE)
    got = pseudonyms_for(fresh, "partners", ["P1"], reserved=[wanted.upper()])["P1"]
    assert got != wanted and PARTNER_PSEUDONYM.fullmatch(got)


# -- the pages ---------------------------------------------------------------------------------------
def test_signals_short_list_shows_no_real_name(pseudo, names):
    from channel_lib.analysis import signals
    from channel_lib.presentation.pages import performance_signals as page

    wb, _ = pseudo
    ds, q = wb.dataset, wb.quarter
    th = signals.resolve_thresholds(ds)
    triaged = signals.triaged_warnings(ds, q, thresholds=th)
    short = signals.short_list(
        triaged, min_revenue_at_stake=th.min_revenue_at_stake, money=ds.money
    )
    deals = signals.win_loss_deals(ds, q, threshold=th.win_loss_amount)
    moved = signals.moved_customers(ds, q, share=th.lost_customer_share)
    shown = text_of([
        page.short_list_table(short, th, ds.goals.currency),
        page.short_list_chart(wb, short),
        page.structural_table(short),
        page.moved_table(moved),
        page.deals_table(deals, th, ds.goals.currency, q, dataset=ds),
        page.in_words(triaged, th, deals, ds.money),
        triaged,
        deals,
    ])  # fmt: skip
    assert leaks(shown, names) == []
    assert PARTNER_PSEUDONYM.search(shown)  # names are there, as pseudonyms


def test_partner_pack_header_and_points_show_no_real_name(pseudo, names):
    from channel_lib.analysis import partner_review, signals
    from channel_lib.presentation.pages import partner_review as page

    wb, _ = pseudo
    partner = signals.flagged_partners(wb.dataset, wb.quarter)[0]
    pack = partner_review.partner_pack(wb, partner)
    shown = text_of([
        page.header(wb, pack),
        page.talking_points(pack),
        page.performance_table(pack),
        page.signals_table(pack),
        page.deals_table(wb, pack),
    ])  # fmt: skip
    assert leaks(shown, names) == []
    pseudonym = wb.dataset.table("partners").set_index("partner_id").loc[partner, "partner_name"]
    assert shows(text_of(page.header(wb, pack)), pseudonym)


def test_orientation_conflict_dependency_and_evolution_show_no_real_name(pseudo, names):
    from channel_lib.analysis import alignment
    from channel_lib.presentation.pages import orientation as page
    from channel_lib.presentation.pages import orientation_plan

    wb, plans = pseudo
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PSEUDONYMS_ENV, "customers,partners")  # open_alignment opens its own workbook
        owb, settings = alignment.open_alignment(SAMPLE, wb.quarter, plans)
    assert owb.dataset.pseudonyms == ("customers", "partners")
    view = alignment.build_view(owb, settings)
    tables = ["conflict", "partner_conflict", "dependency", "evolution", "evolution_events"]
    shown = text_of([
        page.conflict_sentences(owb, view),
        page.dependency_sentences(view),
        orientation_plan.evolution_sentences(owb, view),
        page.narrative(owb, view),
        *(page.report_table(owb, view, t) for t in tables),
        view.dependency,
        view.evolution,
    ])  # fmt: skip
    assert leaks(shown, names) == []
    assert PARTNER_PSEUDONYM.search(shown)


# -- general rules on other seeds ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5], ids=[f"seed{s}" for s in range(1, 6)])
def test_seeds_pseudonyms_unique_never_real_and_absent_from_early_warnings(
    seed, small_sample, tmp_path
):
    from channel_lib.analysis.signals import early_warnings

    folder = small_sample(seed)
    names = real_names(folder)
    wb = open_workbook(folder, plans_dir=tmp_path / "plans", pseudonymise="customers,partners")
    for table, column in (("customers", "customer_name"), ("partners", "partner_name")):
        shown = wb.dataset.table(table)[column].astype(str)
        assert shown.is_unique
        assert not set(shown.str.casefold()) & {n.casefold() for n in names}
    assert leaks(text_of(early_warnings(wb.dataset, wb.quarter)), names) == []


# -- the option ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [("customers", ("customers",)), ("partners,customers", ("customers", "partners")),
     ("customers+partners", ("customers", "partners")), ("none", ()), ("", ()), (None, ())],
    ids=["customers", "both-comma", "both-plus", "none", "empty", "unset"],
)  # fmt: skip
def test_option_words(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["customers+ids", "vendors"], ids=["ids", "unknown"])
def test_unknown_option_words_are_refused_in_words(spec):
    with pytest.raises(ParameterError, match="write customers, partners or customers,partners"):
        parse_spec(spec)
    with pytest.raises(ParameterError, match="--pseudonymise"):
        open_workbook(TINY, plans_dir="/tmp/never-written", pseudonymise=spec)


def test_ids_that_carry_names_are_warned_about(tmp_path):
    ds = load_dataset(TINY)
    ds.con.execute("UPDATE partners SET partner_id = 'ACME-1' WHERE partner_id = 'P1'")
    with pytest.warns(
        IdsCarryNamesWarning, match=r"1 of 4 ids in partners.csv \(first on line 2\)"
    ):
        apply_pseudonyms(ds, tmp_path / "plans", ["partners"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdsCarryNamesWarning)
        apply_pseudonyms(load_dataset(TINY), tmp_path / "plans", ["customers"])


def test_workshop_option_opens_a_pseudonymised_workbook(tmp_path):
    from channel_lib.interactive.workshop import open_workshop

    ws = open_workshop(TINY, "FY2026-Q3", tmp_path / "plans", pseudonymise="partners")
    shown = ws.wb.dataset.table("partners")["partner_name"].astype(str)
    assert ws.wb.dataset.pseudonyms == ("partners",)
    assert leaks(text_of(shown.tolist()), file_column(TINY, "partners", "partner_name")) == []


# -- the batch -------------------------------------------------------------------------------------------
def test_batch_plan_hands_pseudonyms_to_every_report(tmp_path):
    from channel_lib.batch.planning import plan_batch
    from channel_lib.batch.records import BatchParameters

    params = BatchParameters(
        TINY, "FY2026-Q3", out_dir=tmp_path / "reports", plans_dir=tmp_path / "plans",
        partners="all",
    )  # fmt: skip
    plan = plan_batch(params, pseudonymise="partners")
    assert plan.values["pseudonymise"] == "partners"
    assert CHECKSUM_KEY in plan.dataset.checksums
    tasks = [t for q in plan.quarters for t in q.tasks]
    assert {t.env[PSEUDONYMS_ENV] for t in tasks} == {"partners"}
    packs = [t for t in tasks if t.partner_id]
    assert packs and all(PARTNER_PSEUDONYM.match(t.partner_name) for t in packs)
    real = file_column(TINY, "partners", "partner_name")
    assert leaks(" ".join(t.title for t in packs), real) == []
    # the prepared copy the kernels read keeps the real names: they are replaced on opening
    prepared = duckdb.execute(
        "SELECT partner_name FROM read_parquet(?)", [str(plan.prepared / "partners.parquet")]
    ).fetchall()
    assert sorted(r[0] for r in prepared) == sorted(real)


def test_report_command_line_takes_pseudonymise_and_pdf_to_the_plan(tmp_path):
    """``channel-workbook report --pseudonymise partners --pdf --paper Letter`` reaches the plan
    (no keyword: the parsed arguments alone), and ``workshop --pseudonymise`` parses too."""
    from channel_lib.batch.planning import plan_batch
    from channel_lib.batch.records import BatchParameters
    from channel_lib.cli.commands import build_parser

    args = build_parser().parse_args([
        "report", "--data", str(TINY), "--quarter", "FY2026-Q3", "--plans", str(tmp_path / "plans"),
        "--out", str(tmp_path / "reports"), "--partners", "all", "--pseudonymise", "partners",
        "--pdf", "--paper", "Letter",
    ])  # fmt: skip
    params = BatchParameters.from_cli(args)
    assert (params.pseudonymise, params.pdf, params.paper) == ("partners", True, "Letter")
    plan = plan_batch(params)
    assert plan.values["pseudonymise"] == "partners"
    packs = [t for q in plan.quarters for t in q.tasks if t.partner_id]
    assert packs and all(PARTNER_PSEUDONYM.match(t.partner_name) for t in packs)
    workshop = build_parser().parse_args(["workshop", "--pseudonymise", "customers"])
    assert workshop.pseudonymise == "customers"
