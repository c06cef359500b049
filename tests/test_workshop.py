"""The workshop app and JupyterLab, driven in headless chromium with the network blocked.

- The workshop is started through the real command (``channel-workbook workshop``, a temp plans
  folder, a free port) and used as a facilitator would: the budget slider and a target weight are
  moved with the keyboard, and the allocation and targets are checked to re-split live and still
  add up; each *Save* is checked to write its file into the plans folder.
- JupyterLab is started on a temp folder holding a copy of notebook 01 (it writes nothing; its
  paths resolve from the project root), the notebook is run with *Run All Cells*, and its charts
  must be drawn.

Every request not to 127.0.0.1 is blocked and recorded, and must not happen (the workshop's page
template drops the icon stylesheets Voilà's own links from a CDN). The servers are module-scoped and
always stopped.
Fast unit tests of the command's checks and of the batch summary come first.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import nbformat
import pandas as pd
import pytest
from local_servers import Browsed, Workshop, open_offline, run_jupyterlab, run_workshop
from page_reading import reading_problems
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from report_fixtures import ROOT, TINY, batch_data_dir

from channel_lib.cli.commands import build_parser
from channel_lib.interactive import workshop


# -- the command's checks (no server) --------------------------------------------------------------
def test_workshop_command_takes_data_plans_quarter_port_and_no_browser():
    args = build_parser().parse_args(
        ["workshop", "--data", "d", "--plans", "p", "--quarter", "FY2026-Q3", "--port", "9001",
         "--no-browser"]
    )  # fmt: skip
    assert (args.data, args.plans, args.quarter, args.port, args.no_browser) == (
        "d", "p", "FY2026-Q3", 9001, True,
    )  # fmt: skip
    defaults = build_parser().parse_args(["workshop"])
    assert (defaults.data, defaults.plans, defaults.quarter, defaults.port) == (
        "data/sample", "plans", "latest", None,
    )  # fmt: skip


def test_parameterised_copy_holds_absolute_paths_after_the_parameters_cell(tmp_path):
    path = workshop.prepare_notebook(tmp_path, data_dir="tests/data/tiny", quarter="FY2026-Q3",
                                     plans_dir="plans")  # fmt: skip
    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    injected = nb.cells[tags.index(["injected-parameters"])].source
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    assert f'data_dir = "{TINY}"' in injected
    assert f'plans_dir = "{ROOT / "plans"}"' in injected
    assert 'quarter = "FY2026-Q3"' in injected


def test_a_port_in_use_is_refused_with_what_to_do(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(workshop.WorkshopError, match=rf"port {port} .* in use.*--port"):
            workshop.serve(TINY, tmp_path / "plans", port=port, open_browser=False)


def test_missing_voila_is_named_with_how_to_install_it(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "voila" else real(name)
    )
    with pytest.raises(workshop.WorkshopError, match=r"Voilà is not installed.*make venv"):
        workshop.serve(TINY, tmp_path / "plans", open_browser=False)


def test_a_plans_folder_inside_the_dataset_is_refused_before_voila_starts(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    with pytest.raises(workshop.ParameterError, match="inside the dataset folder"):
        workshop.serve(data, data / "plans", open_browser=False)
    assert not (data / "plans").exists()


def _kernel_manager_of(cmd: list[str]):
    """The kernel manager Voilà would build from ``cmd``'s ``--MappingKernelManager.*`` options
    (parsed by traitlets, applied to jupyter_server's class: the option names are real)."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from traitlets.config.loader import KVArgParseConfigLoader

    options = [a for a in cmd if a.startswith("--MappingKernelManager.")]
    assert len(options) == 3, cmd
    return AsyncMappingKernelManager(config=KVArgParseConfigLoader(argv=options).load_config())


def test_voila_culls_idle_kernels_no_page_uses_after_half_an_hour_by_default(monkeypatch):
    for name in workshop.server.CULL_ENV.values():
        monkeypatch.delenv(name, raising=False)
    manager = _kernel_manager_of(workshop.voila_command("workshop.ipynb", 9001)[0])
    assert (manager.cull_idle_timeout, manager.cull_interval) == (1800, 60)
    assert manager.cull_connected is False  # an open page keeps its kernel

    short = workshop.voila_command("workshop.ipynb", 9001, cull={"idle_timeout": 20, "interval": 5})
    assert (
        _kernel_manager_of(short[0]).cull_idle_timeout,
        _kernel_manager_of(short[0]).cull_interval,
    ) == (20, 5)

    monkeypatch.setenv("CHANNEL_WORKSHOP_CULL_IDLE_TIMEOUT", "600")
    manager = _kernel_manager_of(workshop.voila_command("workshop.ipynb", 9001)[0])
    assert (manager.cull_idle_timeout, manager.cull_interval) == (600, 60)


@pytest.mark.parametrize(
    ("kwargs", "env", "named"),
    [({"cull_interval": 0}, "", "interval=0"), ({}, "ten", "CHANNEL_WORKSHOP_CULL_IDLE_TIMEOUT='ten'"),
     ({"cull_idle_timeout": -5}, "", "idle_timeout=-5")],
    ids=["zero-interval", "words-in-env", "negative-timeout"],
)  # fmt: skip
def test_bad_culling_settings_are_refused_before_voila_starts(
    monkeypatch, tmp_path, kwargs, env, named
):
    monkeypatch.setenv("CHANNEL_WORKSHOP_CULL_IDLE_TIMEOUT", env)
    with pytest.raises(workshop.WorkshopError, match=re.escape(named) + ".*whole seconds"):
        workshop.serve(TINY, tmp_path / "plans", open_browser=False, **kwargs)
    assert not (tmp_path / "plans").exists()


@pytest.mark.notebook
def test_batch_run_renders_a_static_summary_of_every_screen_and_no_widget(tmp_path):
    from channel_lib.batch.run import run_notebook

    out = run_notebook(
        ROOT / "notebooks" / "workshop.ipynb", tmp_path / "workshop.ipynb",
        {"data_dir": str(TINY), "quarter": "FY2025-Q4", "plans_dir": str(tmp_path / "plans")},
    )  # fmt: skip
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    text = json.dumps(outputs)
    assert "application/vnd.jupyter.widget-view+json" not in text
    for screen in workshop.SCREENS:
        assert json.dumps(screen.question)[1:-1] in text, screen.key
    assert "could not be computed" not in text
    assert not (tmp_path / "plans").exists() or not any((tmp_path / "plans").iterdir())


# -- the app's callbacks, in Python (no browser) ----------------------------------------------------
def _find(widget, cls: str) -> list:
    """Every widget under ``widget`` (itself included) carrying the CSS class ``cls``."""
    found = [widget] if cls in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += _find(child, cls)
    return found


@pytest.fixture
def live(monkeypatch):
    """Explorers show live widgets, as in Voilà (a test process has no kernel: batch otherwise)."""
    from channel_lib.interactive.explorers import core
    from channel_lib.presentation import html

    monkeypatch.setattr(core, "batch_mode", lambda: False)
    # process-wide state restored after the test: the theme, and the "bundle sent" flag
    monkeypatch.setattr(workshop.style, "enable_projector_theme", lambda: None)
    monkeypatch.setitem(html._state, "bundle_emitted", html._state["bundle_emitted"])
    # each screen's takeaway re-runs its report's analysis: only the targets screen's here (the
    # browser tests read every screen's on the sample)
    real = workshop.app.takeaway
    monkeypatch.setattr(workshop.app, "takeaway",
                        lambda ws, key: real(ws, key) if key == "targets" else "")  # fmt: skip


def test_next_back_and_the_step_bar_move_through_the_screens_building_each_once(live, tmp_path):
    ws = workshop.open_workshop(TINY, "FY2025-Q4", tmp_path / "plans")
    app = ws.app()
    (back,), (nxt,), (steps,) = _find(app, "cw-back"), _find(app, "cw-next"), _find(app, "cw-steps")
    stack = app.children[-1]
    assert (stack.selected_index, back.disabled, nxt.disabled) == (0, True, False)
    nxt.click()
    assert (stack.selected_index, steps.value) == (1, 1)
    assert f"Step 2 of {len(workshop.SCREENS)}" in _find(app, "cw-position")[0].value
    steps.value = 3
    assert stack.selected_index == 3 and "investment" in ws.explorers
    first = ws.explorers["investment"]
    back.click()
    steps.value = 3
    assert ws.explorers["investment"] is first  # built once
    steps.value = 5
    assert not nxt.disabled and _find(app, "cw-screen-actions")
    steps.value = 6
    assert nxt.disabled and _find(app, "cw-screen-decisions")
    (targets,) = _find(app, "cw-screen-targets")
    lead = _find(targets, "cw-lead")[0].value  # the target-setting report's first answer
    assert lead.startswith("<p class='cw-takeaway'>FY2026: a revenue objective of")


def test_the_revenue_or_profit_decision_rebuilds_the_allocation_for_that_objective(live, tmp_path):
    ws = workshop.open_workshop(TINY, "FY2025-Q4", tmp_path / "plans")
    app = ws.app()
    (steps,) = _find(app, "cw-steps")
    steps.value = 3
    assert ws.explorers["investment"].objective == "goals"
    steps.value = 1
    _find(app, "cw-objective")[0].value = "revenue"  # the decision on screen 2
    assert "investment" not in ws.explorers
    steps.value = 3
    assert ws.explorers["investment"].objective == "revenue"
    with pytest.raises(workshop.ParameterError, match="goals, revenue, gross_profit"):
        ws.set_objective("margin")


def test_save_targets_writes_the_plans_folder_and_the_decisions_screen_lists_and_exports_it(
    live, tmp_path
):
    plans = tmp_path / "plans"
    ws = workshop.open_workshop(TINY, "FY2025-Q4", plans)
    app = ws.app()
    (steps,) = _find(app, "cw-steps")
    steps.value = 2
    (screen,) = _find(app, "cw-screen-targets")
    _find(screen, "cw-save-targets")[0].click()
    (status,) = (w.value for w in _find(screen, "cw-save-status"))
    assert (plans / "targets.csv").exists()
    assert "targets.csv" in status and "cw-error" not in status
    picker = ws.action_picker()
    first, second = picker.suggestions["action_id"].iloc[:2]
    picker.decide({first: {"decision": "accept", "owner": "Dana Lee", "due": "2026-03-31",
                           "note": "start <Monday>"}, second: {"decision": "reject"}})  # fmt: skip

    steps.value = len(workshop.SCREENS) - 1  # the closing screen: built on each visit
    (closing,) = _find(app, "cw-screen-decisions")
    (listed,) = (w.value for w in _find(closing, "cw-decisions"))
    total = sum(_channel_targets_in_csv(plans / "targets.csv").values())  # SQL on the file
    assert f"{total:,.0f}" in listed and "method blend" in listed
    assert "Dana Lee" in listed and "start &lt;Monday&gt;" in listed and "<Monday>" not in listed
    assert "1 action(s) accepted, 1 rejected" in listed
    _find(closing, "cw-export-decisions")[0].click()
    page = (plans / "decisions_FY2025-Q4.html").read_text(encoding="utf-8")
    exported = _find(closing, "cw-save-status")[0].value
    assert "decisions_FY2025-Q4.html in the plans folder" in exported
    assert str(plans.resolve()) not in exported and str(plans) not in exported
    assert str(plans.resolve()) not in page and str(plans) not in page
    assert "Dana Lee" in page and f"{total:,.0f}" in page
    assert not re.search(r"<script|<link|src=|https?://", page)

    later = workshop.open_workshop(TINY, "FY2025-Q4", plans)  # a session that starts later
    later.session_since = later.session_since.replace(year=later.session_since.year + 1)
    assert "Nothing saved in this session" in closing_html(later)


def closing_html(ws) -> str:
    from channel_lib.interactive.workshop.closing import decisions_body, session_decisions

    return decisions_body(session_decisions(ws.wb, since=ws.session_since))


def _controls(ws, key: str) -> dict:
    return ws.explorers[key].controls


def _channel_targets_in_csv(path) -> dict[str, float]:
    """Channel → annual revenue target (currency) of a targets.csv, summed in SQL (duckdb)."""
    import duckdb

    rows = duckdb.sql(
        f"SELECT channel_id, sum(target) FROM read_csv_auto('{path}', all_varchar=true, "
        "types={'target': 'DECIMAL(18,2)'}) WHERE (partner_id IS NULL OR partner_id = '') "
        "AND metric = 'revenue' AND status = 'proposed' GROUP BY channel_id"
    ).fetchall()
    return {str(c): float(v) for c, v in rows}


def test_a_reload_starts_the_targets_screen_at_the_weights_the_room_saved(live, tmp_path):
    plans = tmp_path / "plans"
    first = workshop.open_workshop(TINY, "FY2025-Q4", plans)
    _find(first.app(), "cw-steps")[0].value = 2
    chosen = {"method": "blend", "history": 0.6, "trend": 0.0, "role": 0.35, "potential": 0.0}
    for name, value in chosen.items():
        _controls(first, "targets")[name].value = value
    (screen,) = _find(first.app(), "cw-screen-targets")
    _find(screen, "cw-save-targets")[0].click()
    saved = _channel_targets_in_csv(plans / "targets.csv")
    assert len(saved) >= 2

    reloaded = workshop.open_workshop(TINY, "FY2025-Q4", plans)  # a new page: a new app
    _find(reloaded.app(), "cw-steps")[0].value = 2
    exp = reloaded.explorers["targets"]
    assert {k: exp.values()[k] for k in chosen} == pytest.approx(chosen)
    shown = {c: v / 10**exp.wb.dataset.money.decimals for c, v in exp.result.target_exact().items()}
    assert shown == pytest.approx(saved, abs=0.005)
    (note,) = (w.value for w in _find(reloaded.app(), "cw-restored"))
    assert "targets.csv" in note and "start where they were" in note

    (plans / "workshop_choices.json").unlink()  # saved elsewhere: only the file's amounts
    other = workshop.open_workshop(TINY, "FY2025-Q4", plans)
    _find(other.app(), "cw-steps")[0].value = 2
    assert other.explorers["targets"].values()["history"] != pytest.approx(0.6)
    (note,) = (w.value for w in _find(other.app(), "cw-restored"))
    assert "do not reproduce" in note


def test_the_budget_is_kept_across_an_objective_switch_and_a_reload_restores_the_split(
    live, tmp_path
):
    """Screen 2's objective switch keeps screen 4's budget and limits and says so; saved, the
    split comes back after a reload with its objective, budget and limits (on the sample: the
    tiny dataset has no response curves)."""
    from channel_lib.analysis.investment import objective_metric

    plans = tmp_path / "plans"
    first = workshop.open_workshop(batch_data_dir(), "latest", plans)
    other = (
        "revenue" if objective_metric(first.wb, "goals")[0] == "gross_profit" else "gross_profit"
    )
    app = first.app()
    (steps,) = _find(app, "cw-steps")
    steps.value = 3
    low, _high, step, start = first.explorers["investment"].slider_range()
    budget = max(low, start - 2 * step)
    controls = _controls(first, "investment")
    controls["budget"].value, controls["max_change"].value = budget, 0.4
    steps.value = 1
    _find(app, "cw-objective")[
        0
    ].value = other  # not goals.yaml's: rebuilds screen 4 on its next visit
    steps.value = 3
    values = first.explorers["investment"].values()
    assert first.explorers["investment"].objective == other
    assert (values["budget"], values["max_change"]) == pytest.approx((budget, 0.4))
    (screen,) = _find(app, "cw-screen-investment")
    (note,) = (w.value for w in _find(screen, "cw-restored"))
    assert "kept" in note and other.replace("_", " ") in note
    _find(screen, "cw-save-investment")[0].click()
    header = (plans / "investment.csv").read_text().splitlines()[1]
    assert re.search(rf"metric={other}; max_change=0\.4,", header), header

    reloaded = workshop.open_workshop(batch_data_dir(), "latest", plans)  # a new page
    app = reloaded.app()
    assert reloaded.objective == other
    _find(app, "cw-steps")[0].value = 1
    assert _find(app, "cw-objective")[0].value == other
    _find(app, "cw-steps")[0].value = 3
    values = reloaded.explorers["investment"].values()
    assert (values["budget"], values["max_change"]) == pytest.approx((budget, 0.4))
    assert "investment.csv" in _find(app, "cw-restored")[0].value


def _log_rows(plans) -> list[tuple]:
    """``(action_id, status, owner, due, note)`` of every row of actions.csv, read in SQL."""
    import duckdb

    return duckdb.sql(
        f"SELECT action_id, status, owner, due, note FROM read_csv('{plans / 'actions.csv'}', "
        "all_varchar=true, header=true) ORDER BY recorded_at, action_id"
    ).fetchall()


def _decide_row(row, verdict: str, owner: str = "", due: str | None = None, note: str = "") -> None:
    _find(row, "cw-owner")[0].value = owner
    if due is not None:
        _find(row, "cw-due")[0].value = due
    _find(row, "cw-note")[0].value = note
    _find(row, "cw-verdict")[0].value = verdict


def test_after_a_batch_the_room_decides_open_actions_and_new_suggestions_and_only_that_is_logged(
    live, tmp_path
):
    """A batch (``make reports``) accepted most of the quarter's suggestions: the screen lists
    them as open actions with their progress, and the rest as suggestions; the room names
    owners, edits, rejects and parks, and only its decisions reach the log."""
    from channel_lib.analysis.company_actions import company_suggestions
    from channel_lib.data.workbook import open_workbook
    from channel_lib.plans import actions

    plans = tmp_path / "plans"
    wb = open_workbook(TINY, "FY2026-Q4", plans)
    found = company_suggestions(wb)
    batch, left = found.iloc[:-3], found["action_id"].iloc[-3:].tolist()
    actions.accept(plans, "all", suggestions=batch, quarter=wb.quarter)
    logged = [r[0] for r in _log_rows(plans) if r[1] == "open"]
    assert len(logged) >= 3 and len(left) == 3
    picker = workshop.ActionPicker(open_workbook(TINY, "FY2026-Q4", plans))
    opened = picker.open_actions
    assert sorted(opened["action_id"]) == sorted(logged)
    assert set(opened["state"]) <= {"open", "due", "overdue"}
    assert picker.suggestions["action_id"].tolist() == left
    assert picker.summary_sentence().startswith(f"{len(logged)} actions open")
    box = picker.widget()
    rows = _find(box, "cw-action-row")  # the open actions, then the suggestions
    assert len(rows) == len(logged) + 3
    assert _find(rows[0], "cw-owner")[0].value == opened["owner"].iloc[0]  # the role, to edit
    (save,), (status,) = _find(box, "cw-save-actions"), _find(box, "cw-save-status")
    save.click()
    assert "no action is decided" in status.value
    before = _log_rows(plans)
    n = len(logged)
    _decide_row(rows[0], "reject", note="not this year")
    _decide_row(rows[1], "accept", "Ana Ruiz", "2026-11-30")
    _decide_row(rows[n], "accept", "Dana Lee", "2026-08-15", "call on Monday")
    _decide_row(rows[n + 1], "reject", note="a one-off")
    _decide_row(rows[n + 2], "accept", "", "2026-02-30")  # no name, no such day: all refused
    save.click()
    assert "cw-error" in status.value and "name its owner" in status.value
    assert "2026-02-30" in status.value and _log_rows(plans) == before
    _decide_row(rows[n + 2], "park")
    save.click()
    assert "actions.csv in the plans folder" in status.value and "cw-error" not in status.value
    assert str(plans.resolve()) not in status.value and str(plans) not in status.value
    new = _log_rows(plans)[len(before) :]
    got = {r[0]: r[1:] for r in new}
    assert set(got) == {logged_id := opened["action_id"].iloc[0], opened["action_id"].iloc[1],
                        left[0], left[1]}  # fmt: skip
    assert got[logged_id][0] == "rejected" and got[logged_id][3] == "not this year"
    assert got[opened["action_id"].iloc[1]][:3] == ("open", "Ana Ruiz", "2026-11-30")
    assert got[left[0]] == ("open", "Dana Lee", "2026-08-15", "call on Monday")
    assert got[left[1]][0] == "rejected" and got[left[1]][3] == "a one-off"
    assert _find(rows[n], "cw-verdict")[0].disabled
    assert not _find(rows[n + 2], "cw-verdict")[0].disabled  # parked: still to decide

    again = workshop.ActionPicker(open_workbook(TINY, "FY2026-Q4", plans))
    assert again.suggestions["action_id"].tolist() == [left[2]]
    still = again.open_actions.set_index("action_id")
    assert logged_id not in still.index and len(still) == len(logged)  # one out, one in
    assert (still.loc[left[0], "owner"], still.loc[left[0], "note"]) == ("Dana Lee",
                                                                         "call on Monday")  # fmt: skip


@pytest.mark.parametrize("quarter", ["FY2026-Q2", "FY2026-Q3"], ids=["q2", "q3"])
def test_action_picker_suggests_exactly_what_each_partners_pack_suggests(tmp_path, quarter):
    """The picker skips the parts of the QBR pack it does not show, not its suggestions: the
    same rows as ``partner_pack(wb, p).suggestions`` for every partner, before and after an
    accepted action is in the log (which then drops out of both)."""
    from channel_lib.analysis.partner_review import partner_pack
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(TINY, quarter, tmp_path / "plans")
    partners = wb.dataset.table("partners")["partner_id"].tolist()
    for _ in range(2):  # before, then after accepting the first suggestion
        packs = [partner_pack(wb, p).suggestions for p in partners]
        expected = pd.concat([f for f in packs if len(f)], ignore_index=True)
        picker = workshop.ActionPicker(wb, partners=partners)
        got = picker.suggestions
        assert len(got)
        pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))
        first = got["action_id"].iloc[0]
        picker.decide({first: {"decision": "accept", "owner": "Dana Lee", "due": "2026-12-31"}})


def test_action_picker_names_a_partner_that_is_not_in_partners_csv(tmp_path):
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(TINY, "FY2026-Q3", tmp_path / "plans")
    with pytest.raises(workshop.ParameterError, match=r"'P404' is not in partners\.csv"):
        _ = workshop.ActionPicker(wb, partners=["P1", "P404"]).suggestions


# -- servers ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workshop_server(tmp_path_factory) -> Iterator[Workshop]:
    """``channel-workbook workshop`` on a free port with a temp plans folder (Ctrl-C at the end)."""
    plans = tmp_path_factory.mktemp("workshop") / "plans"
    with run_workshop(plans, data=batch_data_dir()) as server:
        yield server
    output = "".join(server.output)
    assert server.process.returncode == 0, output
    assert "Stopping the workshop" in output
    port = urllib.parse.urlsplit(server.url).port
    with pytest.raises(OSError):  # Voilà is gone with it
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.fixture(scope="module")
def app(browser, workshop_server) -> Iterator[Browsed]:
    """The workshop page, loaded once: its first screen's chart drawn."""
    seen = open_offline(browser, workshop_server.url)
    try:
        seen.page.wait_for_selector(".cw-workshop", timeout=90_000)
        seen.page.wait_for_function(_CHARTS_DRAWN.replace("MIN", "1"), timeout=60_000)
        yield seen
    finally:
        seen.page.close()


_CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('div.cw-chart')]"
    ".filter(d => d.querySelector('.role-mark > *')).length >= MIN"
)


# -- reading the page -------------------------------------------------------------------------------
def _number(text: str) -> float:
    """``'1,234'`` → 1234.0; ``'+176'`` → 176.0 (whole-unit cells and readouts)."""
    cleaned = re.sub(r"[^\d.\-]", "", text.replace("−", "-"))
    return float(cleaned)


def _go(page, key: str) -> Any:
    """Click the step button of screen ``key``; return the screen once it is built."""
    index = [s.key for s in workshop.SCREENS].index(key)
    title = workshop.SCREENS[index].title
    page.get_by_role("button", name=f"{index + 1}. {title}", exact=True).click()
    screen = page.locator(f".cw-screen-{key}")
    screen.wait_for(state="visible", timeout=90_000)
    return screen


def _table(screen, word: str) -> pd.DataFrame:
    """The ``cw-table`` of ``screen`` whose caption contains ``word``, as text cells."""
    rows = screen.evaluate(
        """(el, word) => {
            const t = [...el.querySelectorAll('table.cw-table')]
                .find(t => (t.caption ? t.caption.innerText : '').includes(word));
            if (!t) return null;
            return [...t.querySelectorAll('tr')].map(
                tr => [...tr.querySelectorAll('th, td')].map(c => c.innerText.trim()));
        }""",
        word,
    )
    if rows is None:
        return pd.DataFrame()
    return pd.DataFrame(rows[1:], columns=rows[0])


def _marks(screen) -> str:
    """The drawn marks of every chart of ``screen`` (changes when a chart is redrawn differently)."""
    return screen.evaluate(
        "el => [...el.querySelectorAll('div.cw-chart .role-mark')].map(m => m.innerHTML).join('|')"
    )


def _readout(screen, label: str) -> str:
    """The readout of the slider labelled ``label`` (its label is above it, in its box)."""
    return screen.locator(".cw-control", has_text=label).locator(".widget-readout").inner_text()


def _press(screen, label: str, *keys: str) -> None:
    handle = screen.locator(".cw-control", has_text=label).locator(".noUi-handle")
    handle.focus()
    for key in keys:
        handle.press(key)


def _until(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()  # None or False: not yet
        if got is not None and got is not False:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def _save(screen: Any, key: str, file: str) -> str:
    """Click a screen's Save button and return its status line, which must name ``file``.

    A click that lands while the screen redraws its table is lost (no "Saving…" appears), as
    it would be for a person, who clicks again: so does this, once, after 10 s of nothing.
    """
    button = screen.locator(f".cw-save-{key}")
    status = screen.locator(".cw-save-status .cw-status").first
    button.click()
    try:
        status.wait_for(timeout=10_000)
    except PlaywrightTimeout:
        button.click()
    text = _until(
        lambda: (t := status.inner_text().strip()) and not t.startswith("Saving") and t,
        timeout=60, what=f"the {key} save's status",
    )  # fmt: skip
    assert file in text, text
    return text


def _total_row(frame: pd.DataFrame) -> pd.Series:
    return frame[frame.iloc[:, 0] == "Total"].iloc[0]


def _channel_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.iloc[:, 0] != "Total"]


# -- the workshop in the browser --------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.notebook
def test_budget_slider_moves_the_allocation_table_and_chart_and_the_split_still_sums_to_budget(
    app, workshop_server
):
    screen = _go(app.page, "investment")
    _until(
        lambda: len(_table(screen, "allocation")) > 0 and _marks(screen) != "", what="allocation"
    )
    before, marks, budget = _table(screen, "allocation"), _marks(screen), _readout(screen, "Budget")

    _press(screen, "Budget", "ArrowRight", "PageUp")

    def moved() -> pd.DataFrame | None:
        table = _table(screen, "allocation")
        if _readout(screen, "Budget") == budget or _marks(screen) == marks or not len(table):
            return None
        total = _number(_total_row(table)["Recommended spend"])
        return table if total == _number(_readout(screen, "Budget")) else None

    after = _until(moved, what="the allocation for the new budget")
    shown_budget = _number(_readout(screen, "Budget"))
    assert shown_budget > _number(budget)
    spend = _channel_rows(after)["Recommended spend"].map(_number)
    assert spend.sum() == _number(_total_row(after)["Recommended spend"]) == shown_budget
    assert not spend.equals(_channel_rows(before)["Recommended spend"].map(_number))

    mark = screen.locator("div.cw-chart .role-mark path").first  # the projector zoom keeps
    mark.scroll_into_view_if_needed()  # tooltips under the pointer
    box = mark.bounding_box()
    app.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    app.page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)

    _save(screen, "investment", "investment.csv")
    saved = pd.read_csv(workshop_server.plans / "investment.csv", comment="#")
    assert saved["recommended_spend"].sum() == pytest.approx(shown_budget, abs=0.005)
    assert app.problems() == []


@pytest.mark.browser
@pytest.mark.notebook
def test_target_weight_moves_the_targets_which_still_sum_to_the_objective_and_save(
    app, workshop_server
):
    from channel_lib.analysis.targets import target_settings
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(batch_data_dir(), "latest", workshop_server.plans)
    settings = target_settings(wb)  # the reference, from Python
    objective = settings.money.amount(settings.revenue_objective_exact)

    screen = _go(app.page, "targets")
    _until(lambda: len(_table(screen, "targets")) > 0, what="the targets table")
    before, weight = _table(screen, "targets"), _readout(screen, "Weight: trend")

    _press(screen, "Weight: trend", "ArrowRight", "ArrowRight", "PageUp")

    def moved() -> pd.DataFrame | None:
        table = _table(screen, "targets")
        if _readout(screen, "Weight: trend") == weight or not len(table):
            return None
        changed = not table["Revenue target"].equals(before["Revenue target"])
        return table if changed else None

    after = _until(moved, what="targets for the new weight")
    targets = _channel_rows(after)["Revenue target"].map(_number)
    assert targets.sum() == _number(_total_row(after)["Revenue target"]) == round(objective)

    _save(screen, "targets", "targets.csv")
    saved = pd.read_csv(workshop_server.plans / "targets.csv", dtype={"partner_id": str})
    channel_level = saved[saved["partner_id"].isna() & (saved["metric"] == "revenue")]
    assert channel_level["target"].sum() == pytest.approx(objective, abs=0.005)
    assert app.problems() == []


@pytest.mark.browser
@pytest.mark.notebook
def test_an_action_accepted_with_its_owner_is_appended_to_the_action_log(app, workshop_server):
    from channel_lib.plans import actions

    screen = _go(app.page, "actions")
    row = screen.locator(".cw-action-row").first
    row.wait_for(timeout=90_000)
    row.locator(".cw-owner input").fill("Dana Lee")
    row.locator(".cw-due input").fill("2026-12-15")
    row.locator(".cw-verdict").get_by_role("button", name="Accept", exact=True).click()
    screen.locator(".cw-save-actions").click()
    screen.locator(".cw-status").filter(has_text="actions.csv").wait_for(timeout=30_000)
    log = actions.read_log(workshop_server.plans)
    assert len(log) == 1
    assert (log["status"].iloc[0], log["owner"].iloc[0], log["due"].iloc[0]) == (
        "open", "Dana Lee", "2026-12-15",
    )  # fmt: skip
    assert log["note"].tolist() == ["accepted in the workshop"]
    assert row.locator(".cw-owner input").is_disabled()
    assert app.problems() == []


#: Sliders each screen must have (the explorers' controls): thresholds, weights, budget limits.
SLIDERS = {"targets": 4, "investment": 4, "signals": 5}


def _shown_value(readout: str) -> float:
    """A slider's readout as a number: ``'35%'`` → 0.35, ``'300,000'`` → 300000.0."""
    value = _number(readout)
    return value / 100 if readout.strip().endswith("%") else value


def _slider_range(page, slider) -> tuple[float, float, float]:
    """``(min, max, step)`` of a slider as its readout shows them: Home, End, then ArrowLeft.

    (The handle's ``aria-valuemin``/``aria-valuemax`` are rounded to one decimal by noUiSlider,
    useless for a 0–5% threshold.)
    """
    handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
    shown = []
    handle.focus()
    for key in ("Home", "End", "ArrowLeft"):
        handle.press(key)
        page.wait_for_timeout(150)
        shown.append(_shown_value(readout.inner_text()))
    low, high, below = shown
    return low, high, high - below


def _drag(page, slider, fraction: float) -> float:
    """Drag a slider's handle with the mouse to ``fraction`` of its track; the value it shows."""
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    box, bar = handle.bounding_box(), track.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(bar["x"] + fraction * bar["width"], y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(150)
    return _shown_value(slider.locator(".widget-readout").inner_text())


def _takeaway_and_decision_above_the_fold(page, screen, screen_def) -> None:
    """At the top of the page, the screen's takeaway (a sentence) and, where the room decides
    something on it, its decision control end inside the first 800 px."""
    takeaway = screen.locator(".cw-takeaway")
    takeaway.wait_for(timeout=90_000)
    page.evaluate("() => { window.scrollTo(0, 0); document.scrollingElement.scrollTop = 0; }")
    page.wait_for_timeout(100)
    name = screen_def.key
    assert len(takeaway.inner_text().split()) >= 5, f"{name}: takeaway {takeaway.inner_text()!r}"
    box = takeaway.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800, f"{name}: takeaway at {box}"
    if screen_def.decision:
        control = screen.locator(".cw-decide").first
        control.wait_for(timeout=90_000)
        box = control.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, f"{name}: decision at {box}"


@pytest.mark.browser
@pytest.mark.notebook
def test_every_slider_of_every_screen_is_wide_and_lands_where_the_mouse_drags_it(app):
    """At 1280×800 each screen's takeaway and decision control are in the first viewport (by
    position; before, screen 2's decision was ~2,300 px down). Each slider's track is at least 120 px wide, its readout stays in its own
    box, and a mouse drag of its handle to 60% of the track shows 60% of its range in its
    readout, within one step. (Before the labelled sliders of ``explorers.controls``, the
    signal thresholds had a 0 px track.) Each screen passes the reports' page checks: nothing
    wider than the screen, no text under 11 px, no raw cells, paths or unreadable figures."""
    page = app.page
    page.set_viewport_size({"width": 1280, "height": 800})
    found: dict[str, int] = {}
    for screen_def in workshop.SCREENS:
        screen = _go(page, screen_def.key)
        if screen_def.key in SLIDERS:
            screen.locator(".widget-slider .noUi-handle").first.wait_for(timeout=90_000)
        _takeaway_and_decision_above_the_fold(page, screen, screen_def)
        # the reports' page checks (tests/page_reading.py); a screen's answer is its takeaway
        unreadable = [p for p in reading_problems(page) if p != "no answer box with findings"]
        assert not unreadable, (screen_def.key, unreadable)
        sliders = screen.locator(".widget-slider")
        found[screen_def.key] = sliders.count()
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
            handle.evaluate("el => el.scrollIntoView({block: 'center'})")
            width = track.bounding_box()["width"]
            name = f"{screen_def.key} slider {i + 1}"
            assert width >= 120, f"{name}: track {width:.0f} px wide"
            own = slider.locator("xpath=ancestor::div[contains(@class, 'cw-control')][1]")
            readout = slider.locator(".widget-readout").bounding_box()
            edge = own.bounding_box()
            assert readout["x"] + readout["width"] <= edge["x"] + edge["width"] + 1, (
                f"{name}: its readout runs past its box into the next control"
            )
            low, high, step = _slider_range(page, slider)
            assert high > low and step > 0, f"{name}: range {low:g} to {high:g}, step {step:g}"
            shown = _drag(page, slider, 0.6)
            expected = low + 0.6 * (high - low)
            assert abs(shown - expected) <= step * 1.001, (
                f"{name}: dragged to 60% of {low:g} to {high:g}, shows {shown:g} (step {step:g})"
            )
    assert {k: found[k] for k in SLIDERS} == SLIDERS
    assert app.problems() == []


@pytest.mark.browser
@pytest.mark.notebook
def test_after_a_reload_the_saved_budget_and_targets_are_on_screen_and_the_decisions_list_them(
    browser, app, workshop_server
):
    """Runs after the saves above (and the drags, which were not saved): a reload shows what
    investment.csv and targets.csv hold, not goals.yaml's defaults nor the unsaved drags; the
    Decisions screen lists them with the accepted action, and its export opens offline."""
    plans = workshop_server.plans
    header = (plans / "investment.csv").read_text().splitlines()[1]
    saved_budget = float(re.search(r"# budget=([\d.]+) ", header)[1])
    saved_targets = _channel_targets_in_csv(plans / "targets.csv")
    page = app.page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.reload()
    page.wait_for_selector(".cw-workshop", timeout=90_000)
    page.wait_for_function(_CHARTS_DRAWN.replace("MIN", "1"), timeout=60_000)

    screen = _go(page, "investment")
    screen.locator(".cw-restored").wait_for(timeout=90_000)
    assert "investment.csv" in screen.locator(".cw-restored").inner_text()
    assert _number(_readout(screen, "Budget")) == pytest.approx(saved_budget, abs=0.5)

    screen = _go(page, "targets")
    _until(lambda: len(_table(screen, "targets")) > 0, what="the targets table")
    assert "start where they were" in screen.locator(".cw-restored").inner_text()
    shown = _channel_rows(_table(screen, "targets"))
    shown = dict(zip(shown.iloc[:, 0], shown["Revenue target"].map(_number), strict=True))
    assert len(shown) == len(saved_targets)
    for name, amount in shown.items():  # the table names channels; the file has their ids
        assert any(abs(amount - v) <= 1 for v in saved_targets.values()), (name, amount)
    assert sum(shown.values()) == pytest.approx(sum(saved_targets.values()), abs=1)

    screen = _go(page, "decisions")
    listed = screen.locator(".cw-decisions")
    listed.wait_for(timeout=90_000)
    text = listed.inner_text()
    spend = pd.read_csv(plans / "investment.csv", comment="#")["recommended_spend"].sum()
    assert f"{sum(saved_targets.values()):,.0f}" in text and f"{spend:,.0f}" in text
    assert "Dana Lee" in text and "1 action(s) accepted" in text
    screen.locator(".cw-export-decisions").click()
    exported = next(iter(plans.glob("decisions_FY*.html")), None) or _until(
        lambda: next(iter(plans.glob("decisions_FY*.html")), None), what="the export"
    )
    screen.locator(".cw-status").filter(has_text=exported.name).wait_for(timeout=30_000)
    sent = browser.new_page()  # as the participants open the attachment: no server behind it
    requests: list[str] = []
    sent.on("request", lambda r: requests.append(r.url))
    try:
        sent.set_content(exported.read_text(encoding="utf-8"))
        assert "Dana Lee" in sent.locator("body").inner_text()
        assert sent.locator("h1").inner_text().startswith("Workshop decisions")
    finally:
        sent.close()
    assert requests == []  # it fetches nothing
    # Known, not hidden: the unloaded page's kernel-shutdown beacon (Voilà's beforeunload POST
    # to voila/api/shutdown/<kernel>) is refused 403 by the token-protected server (its _xsrf
    # check), which leaves that kernel to the idle culler. Only that response may have failed.
    assert all("/voila/api/shutdown/" in f for f in failed), failed
    forbidden = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    app.errors[:] = [e for e in app.errors if not (failed and e == forbidden)]
    assert app.problems() == []


@pytest.mark.browser
@pytest.mark.notebook
def test_arrows_page_keys_and_space_move_between_screens_but_not_inside_a_slider(app):
    page = app.page
    position = page.locator(".cw-position")
    _go(page, "alignment")
    page.locator(".cw-workshop h1").click()  # focus on the page, not on a control
    for key, step in [("PageDown", 2), ("Space", 3), ("ArrowLeft", 2), ("PageUp", 1),
                      ("ArrowRight", 2)]:  # fmt: skip
        page.keyboard.press(key)
        _until(lambda s=step: f"Step {s} of" in position.inner_text(), timeout=30,
               what=f"{key} to show step {step}")  # fmt: skip
    page.locator(".cw-next").click()  # a click on Next, then the clicker's PageDown
    page.keyboard.press("PageDown")
    _until(lambda: "Step 4 of" in position.inner_text(), timeout=30, what="step 4")
    screen = page.locator(".cw-screen-investment")
    screen.wait_for(timeout=90_000)
    _press(screen, "Budget", "ArrowRight")  # a slider's own arrow keys stay on the slider
    page.wait_for_timeout(500)
    assert "Step 4 of" in position.inner_text()
    assert app.problems() == []


# -- JupyterLab -------------------------------------------------------------------------------------
LAB_NOTEBOOK = "01_orientation_alignment.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 (token, temp root with a copy of notebook 01); its notebook URL."""
    base = tmp_path_factory.mktemp("lab")
    with run_jupyterlab(base, ROOT / "notebooks" / LAB_NOTEBOOK, token="cw-test-token") as server:
        yield server.url
    assert not list(server.root.glob("plans*")), "the analysis notebook wrote into its folder"


@pytest.mark.browser
@pytest.mark.notebook
def test_an_analysis_notebook_runs_in_jupyterlab_and_draws_its_charts_offline(browser, lab):
    seen = open_offline(browser, lab)
    page = seen.page
    try:
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(_CHARTS_DRAWN.replace("MIN", "3"), timeout=90_000)
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert errors.count() == 0, errors.first.inner_text()
        # the same notebook in a second tab (as after a reload): a new page, the same kernel,
        # which sent the chart library once, to the first page
        _a_chart_cell_run_again_in_a_new_page_draws(browser, lab)
    finally:
        page.close()
    assert seen.problems() == []


def _a_chart_cell_run_again_in_a_new_page_draws(browser, lab: str) -> None:
    """Open ``lab`` in a new page, run the heatmap's cell only, and wait for its chart."""
    seen = open_offline(browser, lab)
    page = seen.page
    try:
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
        cell = page.locator(".jp-CodeCell").filter(has_text="page.alignment_heatmap(").first
        cell.wait_for()
        # Lab does not autosave here (tests/local_servers.py): the file has no outputs, so no
        # chart library reaches this page with them
        assert page.locator("div.cw-chart").count() == 0
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        cell.locator("div.cw-chart").wait_for(timeout=60_000)
        page.wait_for_function(_CHARTS_DRAWN.replace("MIN", "1"), timeout=30_000)
        assert cell.locator("div.cw-chart .role-mark > *").count() > 0
    finally:
        page.close()
    assert seen.problems() == []
