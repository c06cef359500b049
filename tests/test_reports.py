"""The report batch: a failing notebook does not stop the others, and everything is recorded.

Runs two tiny notebooks (one fails on purpose) from a temp folder on ``tests/data/tiny``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_fixtures import assert_same_tables, write_notebook

from channel_lib.batch import planning
from channel_lib.batch import run as reports
from channel_lib.batch.records import BatchParameters
from channel_lib.cli.commands import build_parser, main
from channel_lib.core.errors import ParameterError

TINY = Path(__file__).resolve().parent / "data" / "tiny"
QUARTER = "FY2026-Q3"


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    write_notebook(
        folder,
        "00_ok",
        'data_dir: str = ""  # dataset folder\nquarter: str = "latest"  # fiscal quarter',
        "from channel_lib import html\n"
        'html.markdown("Quarter **{q}** from {d}", q=quarter, d=data_dir)',
    )
    write_notebook(
        folder,
        "01_fails",
        'quarter: str = "latest"  # fiscal quarter',
        'raise ValueError("boom in " + quarter)',
    )
    (folder / "scratch.ipynb").write_text("not a numbered notebook: never run")
    return folder


@pytest.fixture(scope="module")
def pool():
    """One warm-kernel worker for this module's batches (its kernel is warmed once)."""
    from channel_lib.batch.executors import make_executor

    with make_executor(1) as executor:
        yield executor


@pytest.fixture(scope="module")
def batch(notebooks, pool, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    runs = reports.run_batch(
        TINY, QUARTER, out_dir=out, plans_dir=out / "plans", notebooks_dir=notebooks,
        executor=pool,
    )  # fmt: skip
    return out, runs


def test_a_failing_notebook_does_not_stop_the_others(batch):
    _, runs = batch
    assert [(r.name, r.status) for r in runs] == [("00_ok", "ok"), ("01_fails", "failed")]
    assert runs[1].error == f"ValueError: boom in {QUARTER}"


def test_failed_notebook_keeps_its_executed_notebook_and_page(batch):
    out, _ = batch
    folder = out / QUARTER
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "00_ok.html",
        "00_ok.ipynb",
        "01_fails.html",
        "01_fails.ipynb",
        "index.html",
        "manifest.json",
    ]  # fmt: skip  (no temp files left behind)
    page = (folder / "01_fails.html").read_text(encoding="utf-8")
    assert "boom in" in page


@pytest.mark.parametrize(
    "notebook",
    sorted((reports.NOTEBOOKS).glob("*.ipynb")),
    ids=lambda p: p.stem,
)
def test_batch_reads_each_notebooks_parameters_as_papermill_does(notebook):
    import papermill

    assert planning.notebook_parameters(notebook) == dict(papermill.inspect_notebook(str(notebook)))


def test_only_declared_parameters_are_passed(batch):
    _, runs = batch
    assert set(runs[0].parameters) == {"data_dir", "quarter"}
    assert runs[1].parameters == {"quarter": QUARTER}


def test_index_links_every_report_with_its_status_and_error(batch):
    out, _ = batch
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert (
        '<a href="00_ok.html">00_ok</a>' in index
        and '<a href="01_fails.html">01_fails</a>' in index
    )
    assert '<tr class="failed">' in index and f"ValueError: boom in {QUARTER}" in index
    assert "1 of 2 reports failed" in index


def test_manifest_records_inputs_versions_timings_and_errors(batch, tiny):
    out, _ = batch
    manifest = json.loads((out / QUARTER / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["quarter"] == QUARTER
    assert manifest["inputs"] == tiny.checksums
    assert {"python", "pandas", "altair", "papermill"} <= set(manifest["versions"])
    by_name = {r["name"]: r for r in manifest["notebooks"]}
    assert by_name["00_ok"]["seconds"] > 0 and by_name["01_fails"]["error"].startswith("ValueError")


def test_resume_reruns_only_what_failed(batch, notebooks, pool):
    out, _ = batch
    runs = reports.run_batch(
        TINY, QUARTER, out_dir=out, plans_dir=out / "plans", notebooks_dir=notebooks, resume=True,
        executor=pool,
    )  # fmt: skip
    assert [(r.name, r.status) for r in runs] == [("00_ok", "skipped"), ("01_fails", "failed")]


def test_cli_exits_1_on_failure_and_prints_one_line_per_notebook(
    notebooks, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(reports, "NOTEBOOKS", notebooks)
    status = main(["report", "--data", str(TINY), "--quarter", QUARTER, "--out", str(tmp_path),
                   "--plans", str(tmp_path / "plans"), "--notebooks", "01_fails"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert f"[1/1] {QUARTER} 01_fails: failed in" in err and "boom in" in err


def test_the_cli_and_run_batch_keywords_give_the_same_batch_parameters():
    args = build_parser().parse_args(
        ["report", "--data", str(TINY), "--quarter", QUARTER, "--out", "out", "--plans", "p",
         "--notebooks", "00_ok", "--partners", "top:2", "--workers", "3", "--resume",
         "--fresh-kernels"]
    )  # fmt: skip
    assert BatchParameters.from_cli(args) == BatchParameters(
        str(TINY), QUARTER, out_dir="out", plans_dir="p", notebooks="00_ok", partners="top:2",
        workers=3, resume=True, fresh_kernels=True,
    )  # fmt: skip
    defaults = BatchParameters.from_cli(build_parser().parse_args(["report"]))
    assert (defaults.partners, defaults.engine, defaults.cell_timeout) == (
        BatchParameters("data/sample").partners, "channel_warm", 1800,
    )  # fmt: skip


def test_unknown_notebook_name_is_a_parameter_error(notebooks):
    with pytest.raises(ParameterError, match="no notebook named 99_nope"):
        planning.select_notebooks("00_ok,99_nope", folder=notebooks)


def test_quarter_range_and_latest_resolve_from_the_data(tiny):
    assert [q for q, _ in planning.resolve_quarters(tiny, "FY2026-Q2..FY2026-Q3")] == [
        "FY2026-Q2",
        "FY2026-Q3",
    ]
    quarter, reason = planning.resolve_quarters(tiny, "latest")[0]
    assert quarter.startswith("FY") and quarter in reason
    # last:N: the N quarters ending with the latest, oldest first (make reports runs last:2)
    last = [q for q, _ in planning.resolve_quarters(tiny, "last:3")]
    assert last == [tiny.calendar.shift_quarter(quarter, k) for k in (-2, -1, 0)]
    assert [q for q, _ in planning.resolve_quarters(tiny, "LAST:1")] == [quarter]
    for bad in ("last:0", "last:x", "last:"):
        with pytest.raises(ParameterError, match="last needs a whole number"):
            planning.resolve_quarters(tiny, bad)
    with pytest.raises(ParameterError, match="outside the data"):
        planning.resolve_quarters(tiny, "last:40")


# -- partners ----------------------------------------------------------------------------------------
def test_partner_selection_combines_top_tier_and_ids(tiny):
    # FY2026-Q3 revenue: P3 4,500 then P2 1,440 (tests/data/tiny/sales.csv)
    assert planning.select_partners(tiny, QUARTER, "top:2") == ["P3", "P2"]
    assert planning.select_partners(tiny, QUARTER, "tier:GOLD+top:1+P4") == ["P1", "P3", "P4"]
    assert planning.select_partners(tiny, QUARTER, "all") == ["P1", "P2", "P3", "P4"]
    assert planning.select_partners(tiny, QUARTER, "none") == []


def test_unknown_partner_id_is_a_parameter_error_that_names_it(tiny):
    with pytest.raises(ParameterError, match="P99"):
        planning.select_partners(tiny, QUARTER, "P1,P99")
    with pytest.raises(ParameterError, match="whole number"):
        planning.select_partners(tiny, QUARTER, "top:many")


def test_flagged_partners_come_from_the_signals_module(tiny):
    from channel_lib.analysis import signals

    for quarter in ("FY2026-Q2", "FY2026-Q4"):
        assert planning.select_partners(tiny, quarter, "flagged") == signals.flagged_partners(
            tiny, quarter
        )


def test_flagged_also_selects_partners_with_an_action_open_from_the_quarter_before(tiny, tmp_path):
    from channel_lib.analysis import signals
    from channel_lib.plans import actions

    flagged = signals.flagged_partners(tiny, "FY2026-Q4")
    quiet = next(p for p in ("P4", "P3", "P2", "P1") if p not in flagged)
    actions.append_rows(tmp_path, [{
        "action_id": "a1", "raised_in": "FY2026-Q3", "scope": f"partner:{quiet}",
        "trigger": "target_gap", "action": "review the plan", "owner": "channel manager",
        "due": "2026-06-30", "status": "open", "closed_in": "", "partner_id": quiet,
        "recorded_in": "FY2026-Q3",
    }])  # fmt: skip
    chosen = planning.select_partners(tiny, "FY2026-Q4", "flagged", plans_dir=tmp_path)
    assert chosen == [*flagged, quiet]
    assert planning.select_partners(tiny, "FY2026-Q4", "flagged") == flagged


def test_partner_notebook_runs_once_per_partner_into_partners_folder(hostile_batch):
    from report_fixtures import HOSTILE_QUARTER

    runs = {r["key"]: r for r in hostile_batch.manifest["notebooks"]}
    assert hostile_batch.exit_status == 0, hostile_batch.log
    assert {"partners/P2", "partners/P3"} <= set(runs)
    pack = runs["partners/P2"]
    assert pack["parameters"]["partner_id"] == "P2" and pack["status"] == "ok"
    assert Path(pack["html"]).parent.name == "partners" and Path(pack["html"]).name == "P2.html"
    assert Path(pack["html"]).parent.parent.name == HOSTILE_QUARTER
    index = (Path(pack["html"]).parent.parent / "index.html").read_text(encoding="utf-8")
    assert 'href="partners/P2.html"' in index and "Headline KPIs" in index


# -- escaping: hostile partner, customer and channel names ----------------------------------------------
def test_hostile_names_show_as_text_in_every_page_and_the_index(hostile_batch):
    from html import escape

    from report_fixtures import HOSTILE_NAMES
    from test_html_offline import offline_leaks

    folder = hostile_batch.folder / "reports" / hostile_batch.manifest["quarter"]
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) >= 4  # overview, two packs, index
    text = {p: p.read_text(encoding="utf-8") for p in pages}
    for page, body in text.items():
        for name in HOSTILE_NAMES.values():
            assert name not in body, f"{name} is live markup in {page.name}"
        assert offline_leaks(body) == [], page.name
    everything = "\n".join(text.values())
    for (file, _), name in HOSTILE_NAMES.items():
        shown = escape(name, quote=False) in everything or escape(name) in everything
        assert shown, f"the {file} name never shows as text"
    index = text[folder / "index.html"]
    assert escape(HOSTILE_NAMES[("partners.csv", "P2")]) in index


# -- preparation once ------------------------------------------------------------------------------------
def test_bad_data_is_rejected_before_any_notebook_runs(tiny_copy, notebooks, tmp_path, capsys):
    sales = tiny_copy / "sales.csv"
    sales.write_text(sales.read_text().replace("9500.00", "lots", 1))
    status = main(["report", "--data", str(tiny_copy), "--quarter", QUARTER, "--out",
                   str(tmp_path / "out"), "--notebooks-dir", str(notebooks)])  # fmt: skip
    assert status == 2
    assert "sales.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_prepared_dataset_equals_the_validated_one(tiny, tmp_path):
    from channel_lib.data.prepared import load_prepared, prepare_dataset

    folder = prepare_dataset(tiny, tmp_path / "prepared")
    assert prepare_dataset(tiny, tmp_path / "prepared") == folder  # reused, keyed by checksums
    ds = load_prepared(folder, TINY)
    assert ds.checksums == tiny.checksums and ds.files == tiny.files
    for name in tiny.files:
        pd_a, pd_b = tiny.table(name), ds.table(name)
        assert pd_a.dtypes.equals(pd_b.dtypes) and pd_a.equals(pd_b), name
    from channel_lib.data import cube as metrics
    from channel_lib.data.loader import load_dataset

    fresh = load_dataset(TINY)
    assert "customer" in metrics._cache(ds)  # the cube comes prepared
    for by in ("channel_id", ["partner_id", "customer_id"]):
        expected = metrics.summarise(fresh, by=by, period="quarter")
        assert metrics.summarise(ds, by=by, period="quarter").equals(expected)
    assert metrics.monthly_cube(ds).equals(metrics.monthly_cube(fresh))


@pytest.mark.parametrize(
    "name",
    ["o'brien", "x' (FORMAT csv); COPY channels TO '/tmp/cw-injected.csv"],
    ids=["quote", "injection"],
)
def test_a_cache_folder_with_a_quote_is_a_path_not_sql(tiny, tmp_path, name):
    from channel_lib.data.prepared import load_prepared, prepare_dataset

    injected = Path("/tmp/cw-injected.csv")
    injected.unlink(missing_ok=True)
    folder = prepare_dataset(tiny, tmp_path / name / "prepared")
    assert folder.parent == (tmp_path / name / "prepared").resolve()
    assert not injected.exists()  # the path was never read as SQL
    ds = load_prepared(folder, TINY)
    assert ds is not None and ds.table("channels").equals(tiny.table("channels"))


def test_prepared_dataset_is_ignored_for_another_or_changed_folder(tiny, tiny_copy, tmp_path):
    from channel_lib.data.loader import load_dataset
    from channel_lib.data.prepared import load_prepared, prepare_dataset

    ds = load_dataset(tiny_copy)
    folder = prepare_dataset(ds, tmp_path / "prepared")
    assert load_prepared(folder, TINY) is None  # made from another folder
    assert load_prepared(folder, tiny_copy) is not None
    (tiny_copy / "channels.csv").write_text((tiny_copy / "channels.csv").read_text() + "\n")
    assert load_prepared(folder, tiny_copy) is None  # its files changed since


def test_prepared_cache_never_goes_into_the_dataset_folder(tiny):
    from channel_lib.core.errors import ChannelLibError
    from channel_lib.data.prepared import prepare_dataset

    with pytest.raises(ChannelLibError, match="read only"):
        prepare_dataset(tiny, TINY / ".prepared")


def test_open_workbook_reads_the_prepared_data_when_the_batch_names_it(tiny, tmp_path, monkeypatch):
    import channel_lib.data.loader
    from channel_lib.data.prepared import PREPARED_ENV, prepare_dataset
    from channel_lib.data.workbook import open_workbook

    monkeypatch.setenv(PREPARED_ENV, str(prepare_dataset(tiny, tmp_path / "prepared")))

    def no_validation(folder):
        raise AssertionError("validated again")

    monkeypatch.setattr(channel_lib.data.loader, "load_dataset", no_validation)
    wb = open_workbook(TINY, QUARTER, tmp_path / "plans")
    assert wb.quarter == QUARTER and wb.dataset.checksums == tiny.checksums


def test_prepared_tables_are_views_over_the_cache_with_the_validated_types(
    tiny, tmp_path, monkeypatch
):
    from channel_lib.data.prepared import load_prepared, prepare_dataset

    folder = prepare_dataset(tiny, tmp_path / "prepared")
    monkeypatch.chdir(tmp_path)
    ds = load_prepared(folder.relative_to(tmp_path), TINY)  # a relative folder
    monkeypatch.chdir(TINY)  # the views name their files by absolute path
    kinds = dict(
        ds.con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    )
    assert {kinds[name] for name in tiny.files} == {"VIEW"}  # no copy of the rows
    assert_same_tables(ds, tiny)
