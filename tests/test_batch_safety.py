"""Nothing half-written, locks around every read-modify-write, collision-free pack names (issue
24, points 3, 6, 7 and 10).

No notebook is executed: papermill's ``execute_notebook`` is replaced by a fake that writes what
a run writes (a whole notebook; or half of one, then the disk is full), and the batch runs on an
in-process executor, so these tests take seconds. Two writers are two processes (``python -c``)
that meet at a barrier, with the window between read and write widened to a second.
"""

from __future__ import annotations

import argparse
import csv
import errno
import functools
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_output
from report_fixtures import PARTNER_NOTEBOOK, write_notebook

from channel_lib.batch import run as batch_run
from channel_lib.batch.notebook import ReportTask, execute_task
from channel_lib.batch.planning import (
    RESERVED_NAMES,
    notebook_parameters,
    pack_file_names,
    plan_quarter,
    start_runs,
)
from channel_lib.batch.records import BatchParameters, QuarterPlan
from channel_lib.core import files
from channel_lib.core.errors import ParameterError
from channel_lib.data.prepared import PREPARED_ENV
from channel_lib.plans import actions as act
from channel_lib.plans.investment_split import INVESTMENT_FILE

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
Q3 = "FY2026-Q3"
FULL = f"[Errno {errno.ENOSPC}] {os.strerror(errno.ENOSPC)}"


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _temp_files(folder: Path) -> list[str]:
    """Hidden temporary files under ``folder`` (what a write in progress or a killed one leaves)."""
    return sorted(p.name for p in folder.rglob(".*") if p.name.endswith((".tmp", ".running.ipynb")))


def _fake_papermill(monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, str]) -> None:
    """Replace papermill's ``execute_notebook``: it writes the notebook with one output naming
    its parameters (``"ok"``), or half of it and then fails as a full disk does (``"full"``), or
    all of it and then fails as a cell does (``"cell"``); ``outcomes`` maps a notebook name or a
    partner id to one of these."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def fake(input_path, output_path, parameters=None, **_kwargs):
        parameters = parameters or {}
        nb = nbformat.read(input_path, as_version=4)
        nb.cells.append(new_code_cell("print(parameters)", outputs=[
            new_output("stream", name="stdout", text=json.dumps(parameters, sort_keys=True)),
        ]))  # fmt: skip
        text = nbformat.writes(nb)
        what = outcomes.get(parameters.get("partner_id") or Path(input_path).stem, "ok")
        with open(output_path, "w", encoding="utf-8") as f:
            if what == "full":
                f.write(text[: len(text) // 2])
                f.flush()
                _disk_full()
            f.write(text)
        if what == "cell":
            raise PapermillExecutionError(1, 1, "1/0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(papermill, "execute_notebook", fake)


@pytest.fixture
def one_notebook(tmp_path: Path) -> Path:
    return write_notebook(tmp_path, "00_report", 'x: str = "a"  # a value', "print(x)")


def _task(notebook: Path, out: Path, **extra) -> ReportTask:
    return ReportTask(
        key=notebook.stem, quarter=Q3, notebook=str(notebook), ipynb=str(out / "r.ipynb"),
        html=str(out / "r.html"), title="a report", parameters={"x": "b"}, **extra,
    )  # fmt: skip


# -- point 3: a full disk leaves the previous file or none ---------------------------------------
def test_a_full_disk_while_the_notebook_is_written_keeps_the_previous_report_and_fails_this_one(
    one_notebook, tmp_path, monkeypatch
):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "r.ipynb").write_text("the previous run's notebook")
    (out / "r.html").write_text("the previous run's page")
    _fake_papermill(monkeypatch, {"00_report": "full"})
    record = execute_task(_task(one_notebook, out))
    assert record["status"] == "failed"
    assert "NotebookWriteError" in record["error"] and FULL in record["error"]
    assert str(out / "r.ipynb") in record["error"]
    assert record["ipynb"] is None and record["html"] is None  # nothing of this run is listed
    assert (out / "r.ipynb").read_text() == "the previous run's notebook"
    assert (out / "r.html").read_text() == "the previous run's page"  # not re-exported from it
    assert _temp_files(out) == []


def test_a_full_disk_on_a_first_run_leaves_no_file_under_the_final_name(
    one_notebook, tmp_path, monkeypatch
):
    _fake_papermill(monkeypatch, {"00_report": "full"})
    record = execute_task(_task(one_notebook, tmp_path / "reports"))
    assert record["status"] == "failed" and FULL in record["error"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == []


def test_a_failing_cell_still_keeps_its_whole_executed_notebook_and_page(
    one_notebook, tmp_path, monkeypatch
):
    _fake_papermill(monkeypatch, {"00_report": "cell"})
    record = execute_task(_task(one_notebook, tmp_path))
    assert record["status"] == "failed"
    assert record["error"] == "ZeroDivisionError: division by zero"
    nb = nbformat.read(tmp_path / "r.ipynb", as_version=4)  # whole: it parses
    assert nb.cells[-1].outputs[0]["text"] == '{"x": "b"}'
    assert record["html"] == str(tmp_path / "r.html") and (tmp_path / "r.html").exists()
    assert _temp_files(tmp_path) == []


def test_a_full_disk_while_the_page_is_written_keeps_the_previous_page(
    one_notebook, tmp_path, monkeypatch
):
    from channel_lib.presentation import export

    (tmp_path / "r.html").write_text("the previous run's page")
    _fake_papermill(monkeypatch, {})
    full_at_rename = functools.partial(files.atomic_write_text, before_replace=_disk_full)
    monkeypatch.setattr(export, "atomic_write_text", full_at_rename)
    record = execute_task(_task(one_notebook, tmp_path))
    assert record["status"] == "failed"
    assert record["error"] == f"HTML export: OSError: {FULL}"
    assert (tmp_path / "r.html").read_text() == "the previous run's page"
    assert _temp_files(tmp_path) == []


def test_an_atomic_write_cut_short_by_a_full_disk_leaves_the_old_file_and_no_temp_file(
    tmp_path, monkeypatch
):
    target = tmp_path / "manifest.json"
    target.write_text('{"status": "ok"}\n')
    real_fdopen = os.fdopen

    class HalfWritten:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            self.f.write(text[: len(text) // 2])
            self.f.flush()
            _disk_full()

    monkeypatch.setattr(
        files.os, "fdopen", lambda fd, *a, **k: HalfWritten(real_fdopen(fd, *a, **k))
    )
    with pytest.raises(OSError, match="No space left"):
        files.atomic_write_text(target, json.dumps({"status": "running", "pad": "x" * 1000}))
    monkeypatch.undo()
    assert target.read_text() == '{"status": "ok"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def _batch_notebooks(folder: Path) -> Path:
    folder.mkdir()
    for name in ("00_fits", "01_disk_full"):
        write_notebook(folder, name, 'quarter: str = "latest"  # fiscal quarter', "print(quarter)")
    return folder


def _batch(tmp_path: Path, **extra) -> BatchParameters:
    return BatchParameters(
        TINY, Q3, out_dir=tmp_path / "reports", plans_dir=tmp_path / "plans",
        notebooks_dir=_batch_notebooks(tmp_path / "notebooks"), partners="none", workers=1,
        **extra,
    )  # fmt: skip


def test_a_full_disk_fails_its_report_in_the_manifest_and_leftovers_of_a_killed_run_are_removed(
    tmp_path, monkeypatch
):
    params = _batch(tmp_path)
    quarter = tmp_path / "reports" / Q3
    quarter.mkdir(parents=True)
    plans = tmp_path / "plans"
    plans.mkdir()
    # what a run killed mid-write leaves: a running notebook, a manifest's and a plan's temp file
    leftovers = [quarter / ".00_fits.x1y2z3ab.running.ipynb", quarter / ".manifest.json.abcd1234.tmp",
                 plans / ".targets.csv.q9w8e7r6.tmp", plans / ".actions.csv.k2x7q9ab.tmp"]  # fmt: skip
    for path in leftovers:
        path.write_text("half")
        os.utime(path, (time.time() - 3600,) * 2)
    monkeypatch.setenv(PREPARED_ENV, "")  # execute_task sets it in this process; restored after
    _fake_papermill(monkeypatch, {"01_disk_full": "full"})
    with ThreadPoolExecutor(1) as pool:
        runs = batch_run.execute_batch(params, executor=pool)
    assert {r.key: r.status for r in runs} == {"00_fits": "ok", "01_disk_full": "failed"}
    manifest = json.loads((quarter / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["finished"]
    entries = {e["key"]: e for e in manifest["notebooks"]}
    assert entries["01_disk_full"]["status"] == "failed"
    assert FULL in entries["01_disk_full"]["error"]
    assert entries["01_disk_full"]["ipynb"] is None and entries["01_disk_full"]["html"] is None
    assert entries["00_fits"]["status"] == "ok"
    assert sorted(p.name for p in quarter.iterdir()) == [
        "00_fits.html", "00_fits.ipynb", "index.html", "manifest.json",
    ]  # fmt: skip
    assert _temp_files(tmp_path / "reports") == [] and _temp_files(plans) == []
    index = (quarter / "index.html").read_text()
    assert "1 of 2 reports failed" in index and "No space left on device" in index


def test_a_manifest_that_cannot_be_written_ends_the_batch_with_a_message_and_status_1(
    tmp_path, monkeypatch, capsys
):
    real = batch_run.write_quarter

    def full_at_the_end(q, *, common, kpis, finished):
        if finished:
            _disk_full()
        real(q, common=common, kpis=kpis, finished=finished)

    monkeypatch.setattr(batch_run, "write_quarter", full_at_the_end)
    monkeypatch.setenv(PREPARED_ENV, "")
    _fake_papermill(monkeypatch, {})
    args = argparse.Namespace(
        data=str(TINY), plans=str(tmp_path / "plans"), quarter=Q3, out=str(tmp_path / "reports"),
        notebooks_dir=str(_batch_notebooks(tmp_path / "notebooks")), partners="none", workers=1,
    )  # fmt: skip
    with ThreadPoolExecutor(1) as pool:  # in this process, so the fakes above apply
        in_process = functools.partial(batch_run.execute_batch, executor=pool)
        monkeypatch.setattr(batch_run, "execute_batch", in_process)
        status = batch_run.run_batch_from_cli(args)
    err = capsys.readouterr().err
    assert status == 1
    assert "error: the reports ran, but the report index could not be written" in err
    assert f"{tmp_path / 'reports' / Q3}: index.html and manifest.json could not be written" in err
    assert "Traceback" not in err
    manifest = json.loads((tmp_path / "reports" / Q3 / "manifest.json").read_text())
    assert manifest["status"] == "running"  # the one written before: not taken for complete


def test_a_batch_that_cannot_write_its_index_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, "write_quarter", _disk_full)
    ran = []
    monkeypatch.setattr(batch_run, "_run_reports", lambda *a, **k: ran.append(a))
    with pytest.raises(batch_run.BatchWriteError, match="no report was run") as caught:
        batch_run.execute_batch(_batch(tmp_path))
    assert ran == [] and "No space left on device" in str(caught.value)


# -- point 7: pack file names ------------------------------------------------------------------------
HOSTILE_IDS = ["a/b", "a_b-3ec69c85", "P011", "p011", "CON", "con.txt", "Lpt9", "P-001", "../x",
               ".hidden", "ÄÖ", "a b", "P1.", "x" * 200]  # fmt: skip
SAFE = r"[A-Za-z0-9_][A-Za-z0-9._-]*"


def _assert_safe_and_distinct(names: dict[str, str]) -> None:
    folded = [n.casefold() for n in names.values()]
    assert len(set(folded)) == len(folded), names
    for name in names.values():
        assert pd.Series([name]).str.fullmatch(SAFE).all(), name
        assert name.split(".")[0].upper() not in RESERVED_NAMES, name
        assert not name.endswith(".") and len(name) <= 120, name


@pytest.mark.parametrize(
    "ids",
    [["a/b", "a_b-3ec69c85"], ["P011", "p011"], ["CON"], HOSTILE_IDS],
    ids=["slug-equals-another-id", "case-only", "device-name", "all-of-them"],
)
def test_pack_file_names_are_distinct_ignoring_case_and_never_a_device_name(ids):
    names = pack_file_names(ids)
    assert list(names) == ids
    _assert_safe_and_distinct(names)


def test_a_plain_unique_id_keeps_its_own_name_and_others_get_the_hash_of_the_exact_id():
    names = pack_file_names(["P-001", "a/b", "a_b-3ec69c85", "P011", "p011"])
    assert names["P-001"] == "P-001"
    digest = hashlib.sha1(b"a/b").hexdigest()[:8]  # an independent SHA-1 of the exact id
    assert names["a/b"] == f"a_b-{digest}" == "a_b-3ec69c85"
    assert names["a_b-3ec69c85"].startswith("a_b-3ec69c85-")
    assert names["P011"].startswith("P011-") and names["p011"].startswith("p011-")
    assert pack_file_names(["p011", "P011"]) == {k: names[k] for k in ["p011", "P011"]}


@given(st.lists(st.text(min_size=1, max_size=30), unique=True, max_size=12))
def test_pack_file_names_are_injective_after_casefold_for_any_ids(ids):
    _assert_safe_and_distinct(pack_file_names(ids))


class _PartnersOnly:
    """The part of a Dataset :func:`plan_quarter` uses for a listed partner selection."""

    def __init__(self, ids: list[str]) -> None:
        self.partners = pd.DataFrame(
            {"partner_id": ids, "partner_name": [f"name {i}" for i in ids]}
        )

    def has(self, name: str) -> bool:
        return name == "partners"

    def table(self, name: str) -> pd.DataFrame:
        return self.partners


def test_a_batch_writes_every_hostile_partner_id_to_its_own_pack_and_keeps_the_map(tmp_path):
    ids = ["a/b", "a_b-3ec69c85", "P011", "p011", "CON"]
    declared = notebook_parameters(PARTNER_NOTEBOOK)
    q = plan_quarter(
        _PartnersOnly(ids), Q3, "asked for", [(PARTNER_NOTEBOOK, declared)], tmp_path,
        values={}, partners_spec=",".join(ids), engine="nbclient", env={}, cell_timeout=None,
    )  # fmt: skip
    htmls = [t.html for t in q.tasks]
    assert [t.partner_id for t in q.tasks] == ids
    assert len({h.casefold() for h in htmls}) == len(ids)
    assert all(Path(h).parent == tmp_path / Q3 / "partners" for h in htmls)
    start_runs(q, {})
    from channel_lib.batch.index import write_quarter

    write_quarter(q, common={}, kpis="", finished=False)
    manifest = json.loads((tmp_path / Q3 / "manifest.json").read_text())
    assert manifest["pack_files"] == {t.partner_id: Path(t.html).stem for t in q.tasks}
    assert list(manifest["pack_files"]) == ids


def test_two_reports_writing_one_file_ignoring_case_are_refused(tmp_path):
    from channel_lib.batch.planning import _check_unique_paths

    q = QuarterPlan(Q3, "asked for", tmp_path)
    for key in ("P1", "p1"):
        q.tasks.append(ReportTask(key=key, quarter=Q3, notebook="n.ipynb", title=key,
                                  ipynb=str(tmp_path / f"{key}.ipynb"),
                                  html=str(tmp_path / f"{key}.html")))  # fmt: skip
    with pytest.raises(ParameterError, match=r"reports 'P1' and 'p1' would both write"):
        _check_unique_paths(q)


# -- point 6: locks ------------------------------------------------------------------------------------
def _row(aid: str, **extra) -> dict:
    return {"action_id": aid, "raised_in": Q3, "scope": "partner:P1", "trigger": "target_gap",
            "action": "call them", "owner": "me", "due": "2026-06-30", "status": "open",
            "partner_id": "P1", "recorded_in": Q3, **extra}  # fmt: skip


def _two_writers(tmp_path: Path, body: str, args: tuple[str, str]) -> list[str]:
    """Run ``body`` in two processes that start it together (a barrier of two files); each
    prints one line, returned in ``args`` order."""
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        barrier = Path(sys.argv[2])
        (barrier / sys.argv[1]).touch()
        while len(list(barrier.iterdir())) < 2:
            time.sleep(0.01)
    """) + textwrap.dedent(body)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [
        subprocess.Popen([sys.executable, "-c", script, arg, str(barrier)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for arg in args
    ]  # fmt: skip
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


def test_two_processes_closing_one_action_close_it_once(tmp_path):
    plans = tmp_path / "plans"
    act.append_rows(plans, [_row("A1")])
    body = f"""
        from channel_lib.plans import actions
        read = actions.read_log
        def slow_read(plans_dir):
            log = read(plans_dir)
            time.sleep(1.0)  # the window between reading the log and appending to it
            return log
        actions.read_log = slow_read
        try:
            actions.close({str(plans)!r}, "A1", quarter="FY2026-Q4", evidence=sys.argv[1])
            print("closed")
        except actions.ActionLogError as exc:
            print("refused:", exc)
    """
    outs = _two_writers(tmp_path, body, ("first", "second"))
    assert sorted(o.split(":")[0] for o in outs) == ["closed", "refused"], outs
    assert "action A1 is closed, not open" in next(o for o in outs if o != "closed")
    with (plans / act.LOG_FILE).open(newline="") as f:
        statuses = [r["status"] for r in csv.DictReader(f)]
    assert statuses == ["open", "closed"]


def test_two_processes_accepting_different_actions_keep_both(tmp_path):
    plans = tmp_path / "plans"
    body = f"""
        import pandas as pd
        from channel_lib.plans import actions
        read = actions.read_log
        def slow_read(plans_dir):
            log = read(plans_dir)
            time.sleep(1.0)
            return log
        actions.read_log = slow_read
        row = {_row("x")!r}
        row["action_id"] = sys.argv[1]
        suggestions = pd.DataFrame([row])
        actions.accept({str(plans)!r}, sys.argv[1], suggestions=suggestions)
        print("accepted")
    """
    assert _two_writers(tmp_path, body, ("A1", "A2")) == ["accepted", "accepted"]
    with (plans / act.LOG_FILE).open(newline="") as f:
        assert sorted(r["action_id"] for r in csv.DictReader(f)) == ["A1", "A2"]


def test_two_budget_split_writers_follow_each_other_and_leave_one_whole_split(tmp_path):
    plans = tmp_path / "plans"
    events = tmp_path / "events.txt"
    body = f"""
        import hashlib
        import pandas as pd
        from channel_lib.core.money import MoneyUnit
        from channel_lib.plans import investment_split as inv
        def widened(tmp):
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
            with open({str(events)!r}, "a") as f:
                f.write(f"enter {{sys.argv[1]}}\\n")
            time.sleep(1.0)
            with open({str(events)!r}, "a") as f:
                f.write(f"leave {{sys.argv[1]}}\\n")
            print(digest)
        inv._before_replace = widened
        split = pd.DataFrame({{"channel_id": ["A", "B"], "current_spend": [100.0, 50.0],
            "recommended_spend": [90.0, 60.0], "expected_response": [1.0, 2.0],
            "response_low": [0.5, 1.5], "response_high": [1.5, 2.5], "marginal_return": [1.0, 1.0],
            "at_limit": ["", ""], "note": ["", ""]}})
        inv.write_split(split, {str(plans)!r}, money=MoneyUnit("USD", 4),
                        budget=float(sys.argv[1]), quarter="FY2026-Q3", dataset="tiny",
                        metric="revenue", limits={{"max_change": 0.3, "min_share": 0.0,
                        "max_share": 1.0}})
    """
    digests = _two_writers(tmp_path, body, ("150", "300"))
    lines = events.read_text().split()
    pairs = [lines[i : i + 4] for i in (0, 4)]
    # each writer's window closes before the other's opens
    assert pairs[0][1] == pairs[0][3] and pairs[1][1] == pairs[1][3], lines
    assert [lines[0], lines[2], lines[4], lines[6]] == ["enter", "leave", "enter", "leave"], lines
    final = hashlib.sha256((plans / INVESTMENT_FILE).read_bytes()).hexdigest()
    last = lines[5]  # the writer that renamed last
    assert final == digests[("150", "300").index(last)]
    assert _temp_files(plans) == []


def test_the_lock_is_reentrant_in_its_thread_and_makes_another_thread_wait(tmp_path):
    target = tmp_path / "plans" / "targets.csv"
    order = []

    def other():
        with files.locked(target):
            order.append("other")

    with files.locked(target):
        with files.locked(target):  # a writer called by a function holding the lock
            order.append("nested")
        waiter = threading.Thread(target=other)
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive()  # waits for this thread's lock
        order.append("released")
    waiter.join(10)
    assert order == ["nested", "released", "other"]


# -- point 10: leftover temporary files ---------------------------------------------------------------
def test_a_log_writer_killed_before_its_rename_leaves_a_temp_file_the_next_write_removes(tmp_path):
    plans = tmp_path / "plans"
    act.append_rows(plans, [_row("A1")])
    script = textwrap.dedent(f"""
        import os, signal
        from channel_lib.plans import actions
        def killed(tmp):
            print(tmp, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # the worst moment: written, not yet renamed
        actions._before_replace = killed
        actions.append_rows({str(plans)!r}, [{_row("A2")!r}])
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == -9, proc.stderr
    leftover = Path(proc.stdout.strip())
    assert leftover.exists() and leftover.parent == plans
    assert files.TEMP_FILE.match(leftover.name)["target"] == act.LOG_FILE
    act.append_rows(plans, [_row("A3")])
    assert not leftover.exists()
    assert sorted(p.name for p in plans.iterdir()) == [".actions.csv.lock", act.LOG_FILE]
    with (plans / act.LOG_FILE).open(newline="") as f:
        assert [r["action_id"] for r in csv.DictReader(f)] == ["A1", "A3"]


def test_leftovers_are_removed_only_when_old_and_never_while_their_writer_holds_the_lock(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    old = plans / ".targets.csv.a1b2c3d4.tmp"
    fresh = plans / ".signals_FY2026-Q3.csv.e5f6g7h8.tmp"  # a writer without a lock, just now
    other = plans / "notes.tmp"  # not one of ours
    for path in (old, fresh, other):
        path.write_text("half")
    os.utime(old, (time.time() - 3600,) * 2)
    assert files.remove_leftover_temp_files(plans) == [old]
    assert not old.exists() and fresh.exists() and other.exists()

    busy = plans / ".investment.csv.i9j8k7l6.tmp"
    busy.write_text("a split being written")
    os.utime(busy, (time.time() - 3600,) * 2)
    holding, removed = threading.Event(), []

    def writer():  # holds the lock, then renames its temporary file, as atomic_write_text does
        with files.locked(plans / INVESTMENT_FILE):
            holding.set()
            time.sleep(0.5)
            os.replace(busy, plans / INVESTMENT_FILE)

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait(10)
    removed = files.remove_leftover_temp_files(plans)  # waits for the writer's lock
    thread.join(10)
    assert removed == [] and (plans / INVESTMENT_FILE).read_text() == "a split being written"
