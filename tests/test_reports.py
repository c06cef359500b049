"""The report batch: a failing notebook does not stop the others, and everything is recorded.

Runs two tiny notebooks (one fails on purpose) from a temp folder on ``tests/data/tiny``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from channel_lib import reports
from channel_lib.cli import main
from channel_lib.errors import ParameterError

TINY = Path(__file__).resolve().parent / "data" / "tiny"
QUARTER = "FY2026-Q3"


def _write(folder: Path, name: str, params: str, body: str) -> None:
    nb = new_notebook(
        cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(body)]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("notebooks")
    _write(
        folder,
        "00_ok",
        'data_dir: str = ""  # dataset folder\nquarter: str = "latest"  # fiscal quarter',
        "from channel_lib import html\n"
        'html.markdown("Quarter **{q}** from {d}", q=quarter, d=data_dir)',
    )
    _write(
        folder,
        "01_fails",
        'quarter: str = "latest"  # fiscal quarter',
        'raise ValueError("boom in " + quarter)',
    )
    (folder / "scratch.ipynb").write_text("not a numbered notebook: never run")
    return folder


@pytest.fixture(scope="module")
def batch(notebooks, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    runs = reports.run_batch(
        TINY, QUARTER, out_dir=out, plans_dir=out / "plans", notebooks_dir=notebooks
    )
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


def test_resume_reruns_only_what_failed(batch, notebooks):
    out, _ = batch
    runs = reports.run_batch(
        TINY, QUARTER, out_dir=out, plans_dir=out / "plans", notebooks_dir=notebooks, resume=True
    )
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


def test_unknown_notebook_name_is_a_parameter_error(notebooks):
    with pytest.raises(ParameterError, match="no notebook named 99_nope"):
        reports.select_notebooks("00_ok,99_nope", folder=notebooks)


def test_quarter_range_and_latest_resolve_from_the_data(tiny):
    assert [q for q, _ in reports.resolve_quarters(tiny, "FY2026-Q2..FY2026-Q3")] == [
        "FY2026-Q2",
        "FY2026-Q3",
    ]
    quarter, reason = reports.resolve_quarters(tiny, "latest")[0]
    assert quarter.startswith("FY") and quarter in reason
