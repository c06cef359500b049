"""Reports are self-contained, offline and safe: charts draw with no network, nothing leaks.

The pages under test are made once per session (``tests/report_fixtures.py``): the demo notebook
``tests/fixtures/chart_demo.ipynb`` and every real ``notebooks/NN_*.ipynb`` run by the batch.
Every guard is also run on a deliberately broken page (``tests/fixtures/bad_report.html``) to show
that it fails when it should.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from local_servers import free_port, open_offline, wait_for_port
from nbformat.v4 import new_code_cell, new_notebook, new_output
from report_fixtures import REPORT_NAMES

from channel_lib.core.errors import ParameterError
from channel_lib.presentation import html
from channel_lib.presentation.offline import NOT_LOADED, vega_bundle_js
from channel_lib.presentation.text import TABLE_MIME

HOSTILE = "<script>alert(1)</script>"
CDN_HOSTS = ("unpkg", "jsdelivr", "cdnjs", "esm.sh", "googleapis", "requirejs.org", "mathjax.org")
STDERR_MIME = "application/vnd.jupyter.stderr"


# -- guards, as functions so they can be shown failing on the bad page -------------------------------
class _Attributes(HTMLParser):
    """Collects src/href attribute values and the mime types of output elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.mime_types: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append((tag, name, value))
            if name == "data-mime-type" and value:
                self.mime_types.append(value)


def offline_leaks(page: str) -> list[str]:
    """What in an HTML page would reach the network or shows a leak: CDN host names, absolute
    http(s) URLs in src/href, ``url(http...)`` in CSS, and stderr outputs."""
    problems = [f"CDN host {host!r} in the page" for host in CDN_HOSTS if host in page.lower()]
    parser = _Attributes()
    parser.feed(page)
    problems += [
        f"<{tag} {attr}={value!r}> loads from the network"
        for tag, attr, value in parser.links
        if re.match(r"^\s*(https?:)?//", value, re.IGNORECASE)
    ]
    problems += [
        f"CSS {m!r} loads from the network"
        for m in re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", page)
    ]
    problems += ["stderr output in the report" for m in parser.mime_types if m == STDERR_MIME]
    return problems


_CHARTS_SETTLED = """() => [...document.querySelectorAll('div.cw-chart')].every(
    d => d.querySelector('svg, canvas') || d.textContent.trim())"""
_MARK = ".role-mark > path, .role-mark > rect, .role-mark > circle, .role-mark > line, .role-mark > text"
_PREFERRED_MARK = (
    ".mark-rect.role-mark > path, .mark-symbol.role-mark > path, .mark-arc.role-mark > path"
)


def browser_problems(browser, path: Path) -> tuple[int, list[str]]:
    """Open ``path`` with every http(s) request blocked; return (number of charts, problems).

    Problems: a chart without SVG marks, a mark whose hover shows no tooltip, console errors,
    uncaught page errors, blocked network requests, dialogs (a script from data ran).
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog opened: {d.message}"), d.dismiss()))

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            problems.append(f"network request blocked: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(path.as_uri(), wait_until="load")
        try:
            page.wait_for_function(_CHARTS_SETTLED, timeout=20_000)
        except Exception:
            problems.append("charts did not finish drawing within 20 s")
        charts = page.query_selector_all("div.cw-chart")
        for i, chart in enumerate(charts, 1):
            label = f"chart {i} ({chart.get_attribute('id')})"
            marks = chart.query_selector_all(_MARK)
            if not marks:
                text = chart.inner_text().strip()
                problems.append(f"{label} drew no marks{': ' + text if text else ''}")
                continue
            target = chart.query_selector(_PREFERRED_MARK) or marks[0]
            target.scroll_into_view_if_needed()
            box = target.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            try:
                page.wait_for_selector("#vg-tooltip-element.visible", timeout=2_000)
                if not page.inner_text("#vg-tooltip-element").strip():
                    problems.append(f"{label}: the tooltip is empty")
            except Exception:
                problems.append(f"{label}: hovering a mark shows no tooltip")
            page.mouse.move(0, 0)
            page.wait_for_timeout(50)
        return len(charts), problems
    finally:
        page.close()


# -- escaping --------------------------------------------------------------------------------------
def test_script_json_cannot_close_its_script_tag():
    text = html.script_json({"title": "</script><script>alert(1)</script>", "a&b": "<!--"})
    assert not re.search(r"[<>&]", text)
    assert json.loads(text) == {"title": "</script><script>alert(1)</script>", "a&b": "<!--"}


def test_chart_html_keeps_a_hostile_spec_inside_its_script():
    out = html.chart_html({"mark": "bar", "title": HOSTILE})
    assert out.count("<script") == 1 and out.count("</script>") == 1
    assert '"actions": false' in out and '"renderer": "svg"' in out


def test_embed_options_never_turn_the_actions_menu_on():
    assert '"actions": false' in html.chart_html({"mark": "bar"}, embed_options={"actions": True})


def test_markdown_escapes_html_and_markdown_in_values_not_in_the_template():
    md = html.markdown(
        "**{name}** sold {amount}", name="<img src=x onerror=alert(1)> *x* [a](b)", amount="$5"
    )
    assert md.data.startswith("**")
    assert "<img" not in md.data and "&lt;img" in md.data
    assert r"\*x\*" in md.data and r"\[a\]\(b\)" in md.data and r"\$5" in md.data


def test_markdown_names_a_missing_value():
    with pytest.raises(ParameterError, match="partner"):
        html.markdown("{partner}")


def test_table_escapes_cells_headers_and_caption():
    frame = pd.DataFrame({"<b>name</b>": [HOSTILE], "revenue": [1234.5]})
    out = html.table(frame, formats={"revenue": "{:,.2f}"}, caption="A & <i>B</i>").data
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&lt;b&gt;name" in out and "A &amp; &lt;i&gt;B" in out
    assert "1,234.50" in out


def test_table_cuts_long_frames_and_says_so():
    out = html.table(pd.DataFrame({"x": range(30)}), max_rows=10).data
    assert out.count("<tr>") == 11 and "first 10 of 30 rows" in out


# -- renderer ----------------------------------------------------------------------------------------
def test_renderer_sends_the_bundle_with_the_first_chart_only(monkeypatch):
    monkeypatch.setitem(html._state, "bundle_emitted", False)
    first = html.offline_renderer({"mark": "bar"})["text/html"]
    second = html.offline_renderer({"mark": "bar"})["text/html"]
    assert html.BUNDLE_MARKER in first and "if (!window.vegaEmbed)" in first
    assert html.BUNDLE_MARKER not in second and 'class="cw-chart"' in second


def test_bundle_carries_the_vega_lite_version_altair_writes():
    import altair as alt

    # window.vegaLite is null in vl-convert's bundle, so read the version string in the code
    major_minor = re.escape(html.vega_lite_version())
    found = set(re.findall(rf'"({major_minor}\.\d+)"', html.vega_bundle_html()))
    assert found, (
        f"no Vega-Lite {html.vega_lite_version()}.x in the bundle (Altair {alt.SCHEMA_VERSION})"
    )


def test_enable_offline_charts_selects_renderer_and_theme():
    import altair as alt

    html.enable_offline_charts()
    assert alt.renderers.active == html.RENDERER_NAME
    assert alt.theme.active == "channel_workbook"


# -- export ------------------------------------------------------------------------------------------
def _notebook_with_outputs(tmp_path: Path) -> Path:
    cell = new_code_cell("print('x')")
    cell.outputs = [
        new_output("display_data", data={"text/html": html.vega_bundle_html()}),
        new_output("display_data", data={"text/html": html.chart_html({"mark": "bar"}), "text/plain": "chart"}),
        new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/plain": "IntSlider(value=3)",
        }),
        new_output("stream", name="stderr", text="UserWarning: leaked\n"),
    ]  # fmt: skip
    nb = new_notebook(cells=[cell, new_code_cell("1 + 1")])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nb, path)
    return path


def test_export_strips_widgets_keeps_stderr_and_writes_one_bundle(tmp_path):
    out = html.export_html(
        _notebook_with_outputs(tmp_path), tmp_path / "page.html", title="W & <x>"
    )
    page = out.read_text(encoding="utf-8")
    for leak in ("widget-view+json", "widget-state+json", "model_id", "html-manager", "embed-amd"):
        assert leak not in page  # no widget state, view or widget-manager loader
    assert "IntSlider" not in page
    assert "UserWarning: leaked" in page
    assert page.count(html.BUNDLE_MARKER) == 1
    assert "<title>W &amp; &lt;x&gt;</title>" in page
    assert "print(" not in page  # code cells hidden
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "page.html",
        "widgets.ipynb",
    ]  # no temp left


def test_demo_report_has_the_bundle_once_in_head_and_no_code(demo_report):
    page = demo_report.read_text(encoding="utf-8")
    head, _, body = page.partition("</head>")
    assert head.count(html.BUNDLE_MARKER) == 1 and html.BUNDLE_MARKER not in body
    assert body.count('class="cw-chart"') == 3
    assert "load_dataset(data_dir)" not in page and "require.js" not in page
    assert "<title>Chart demo</title>" in page
    size_mb = len(page.encode()) / 1e6
    assert size_mb < 2.0, f"report is {size_mb:.2f} MB: the bundle must be inlined once"


def test_hostile_data_values_never_reach_the_page_as_markup(demo_report):
    page = demo_report.read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text in table and markdown
    assert r"\u003cscript\u003ealert(1)" in page  # and inside the chart specs


# -- (b) no CDN, no stderr -------------------------------------------------------------------------
@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_has_no_cdn_link_and_no_stderr(report_page, name):
    assert offline_leaks(report_page(name).read_text(encoding="utf-8")) == []


def test_offline_leak_guard_fails_on_the_bad_page(bad_page):
    problems = offline_leaks(bad_page.read_text(encoding="utf-8"))
    joined = "\n".join(problems)
    assert "CDN host 'jsdelivr'" in joined and "CDN host 'unpkg'" in joined
    assert "<script src='https://cdn.jsdelivr.net/npm/vega@6'>" in joined
    assert "<link href='https://unpkg.com/some-theme/dist/theme.css'>" in joined
    assert "stderr output in the report" in joined


# -- (a) browser -----------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_charts_draw_offline_with_tooltips_and_no_console_errors(browser, report_page, name):
    n_charts, problems = browser_problems(browser, report_page(name))
    assert problems == []
    if name == "chart_demo":
        assert n_charts == 3


@pytest.mark.browser
def test_browser_guard_fails_on_the_bad_page(browser, bad_page):
    n_charts, problems = browser_problems(browser, bad_page)
    joined = "\n".join(problems)
    assert n_charts == 3
    assert re.search(r"chart 1 .* drew no marks: Chart failed", joined)  # spec that fails
    assert re.search(r"chart 2 .* drew no marks", joined)  # chart with no data
    assert re.search(r"chart 3 .*: hovering a mark shows no tooltip", joined)
    assert "console error: a deliberate console error" in joined
    assert "network request blocked: https://cdn.jsdelivr.net/npm/vega@6" in joined
    assert "network request blocked: https://unpkg.com/some-theme/dist/theme.css" in joined


def test_table_formats_must_name_existing_columns():
    with pytest.raises(ParameterError, match="'revnue'"):
        html.table(pd.DataFrame({"revenue": [1.0]}), formats={"revnue": "{:,.0f}"})


def test_every_real_notebook_runs_in_the_batch(batch_reports):
    assert batch_reports.exit_status is not None, "no notebooks/NN_*.ipynb to run"
    failed = [
        (r["name"], r["error"]) for r in batch_reports.manifest["notebooks"] if r["status"] != "ok"
    ]
    assert batch_reports.exit_status == 0 and failed == [], batch_reports.log
    index = (
        batch_reports.folder / "reports" / batch_reports.manifest["quarter"] / "index.html"
    ).read_text()
    assert offline_leaks(index) == []


#: The most an executed partner pack may weigh (issue 25, "small packs"): its outputs, no library.
MAX_PACK_BYTES = 200_000


def test_executed_notebooks_keep_charts_and_tables_but_not_the_chart_library(batch_reports):
    runs = [r for r in batch_reports.manifest.get("notebooks", []) if r.get("ipynb")]
    assert runs, f"the batch kept no executed notebook\n{batch_reports.log}"
    library = len(vega_bundle_js().encode("utf-8"))  # ~0.9 MB
    charted = 0
    for run in runs:
        path = Path(run["ipynb"])
        size = path.stat().st_size
        # a notebook carrying the library would weigh more than the library alone; the analyses'
        # own charts and tables make up to ~0.5 MB (notebook 05 on the sample)
        assert size < library, (path.name, size)
        if run.get("partner_id"):
            assert size <= MAX_PACK_BYTES, (path.name, size)
        text = path.read_text(encoding="utf-8")
        assert html.BUNDLE_MARKER not in text, path.name
        outputs = [
            out
            for cell in nbformat.read(path, as_version=4).cells
            for out in cell.get("outputs", [])
        ]
        divs = sum(
            _text(out.get("data", {}).get("text/html", "")).count('class="cw-chart"')
            for out in outputs
        )
        calls = sum(
            _text(out.get("data", {}).get("text/html", "")).count("window.vegaEmbed(el, spec")
            for out in outputs
        )
        tables = sum(TABLE_MIME in out.get("data", {}) for out in outputs)
        # a pack's notebook is exported twice: its brief shows every output, the deck a part
        page = Path(run.get("brief") or run["html"]).read_text(encoding="utf-8")
        # the page is drawn from the same outputs: each chart and table it shows is in the
        # notebook too, and the page alone carries the library (once)
        assert divs == calls == page.count('class="cw-chart"'), (path.name, divs, calls)
        assert tables == page.count('class="cw-table"') and (tables > 0) == bool(run.get("xlsx"))
        assert page.count(html.BUNDLE_MARKER) == (1 if divs else 0), path.name
        charted += divs > 0
    assert charted >= len(runs) // 2, "most reports draw charts; the executed notebooks lost them"
    assert any(r.get("partner_id") for r in runs), "the batch made no partner pack"


def _text(data) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


@pytest.mark.browser
def test_a_jupyter_page_whose_server_has_no_chart_library_says_so_in_the_chart(browser, tmp_path):
    base = f"http://127.0.0.1:{free_port()}/"  # nothing listens: the served bundle cannot load
    config = json.dumps({"baseUrl": base})
    page_path = tmp_path / "lab_page.html"
    page_path.write_text(
        f'<html><head><script id="jupyter-config-data" type="application/json">{config}</script>'
        f"</head><body>{html.chart_html({'mark': 'bar', 'data': {'values': [{'a': 1}]}})}"
        "</body></html>"
    )
    page = browser.new_page()
    requests: list[str] = []

    def route(r) -> None:
        requests.append(r.request.url)
        if r.request.url.startswith(("file:", "http://127.0.0.1")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(page_path.as_uri())
        chart = page.locator("div.cw-chart")
        chart.filter(has_text="Chart not drawn").wait_for(timeout=10_000)
        said = chart.inner_text()
    finally:
        page.close()
    assert said == NOT_LOADED
    assert "enable_offline_charts()" in said and "the cell again" in said
    loaded = [u for u in requests if not u.startswith("file:")]
    assert [u.split("?")[0] for u in loaded] == [base + "channel-workbook/vega-bundle.js"]


# -- the same renderer in Voilà (served offline; JupyterLab was checked by hand, see the commit) ----
@pytest.fixture
def voila_demo_url(tmp_path):
    import subprocess

    from channel_lib.interactive.workshop import voila_command

    nb = nbformat.read(Path(__file__).parent / "fixtures" / "chart_demo.ipynb", as_version=4)
    tiny = Path(__file__).parent / "data" / "tiny"
    nb.cells[1].source = nb.cells[1].source.replace('"tests/data/tiny"', json.dumps(str(tiny)))
    nbformat.write(nb, tmp_path / "chart_demo.ipynb")
    port = free_port()
    cmd, env = voila_command("chart_demo.ipynb", port)  # the workshop's page, as users get it
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if not wait_for_port(proc, port, 30):
            pytest.fail("Voilà did not start within 30 s")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
@pytest.mark.notebook
def test_charts_draw_in_voila_without_network(browser, voila_demo_url):
    seen = open_offline(browser, voila_demo_url, height=900)
    page = seen.page
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.cw-chart')].filter("
            "d => d.querySelector('.role-mark > *')).length >= 3",
            timeout=60_000,
        )
        mark = page.query_selector(_PREFERRED_MARK)
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=3_000)
    finally:
        page.close()
    assert seen.problems() == []  # no request left the machine, no console error
