"""Hostile input at the command line (issue 24, points 4, 8, 9 and 10).

- Paths and values never become SQL: dataset folders, ``--plans`` and ``--out`` named with quotes,
  semicolons and ``--`` (and one crafted to run its own ``COPY``) work as plain names; period
  labels with quotes are values that match nothing.
- One meaning for a relative path: every command resolves it from the current directory.
- Messages, not tracebacks: ``--plans`` equal to or inside ``--data``, ``--out`` naming a file, a
  read-only or full filesystem. Tests run as root, where ``chmod`` does not stop a write, so a
  read-only folder is either a path under a *file* (which no user can write) or an
  ``OSError(EROFS)`` / ``OSError(ENOSPC)`` raised by ``unittest.mock`` at the write itself.
- The workshop's server: the printed URL carries ``?token=``; a request without it, or with a
  foreign ``Host`` header, is refused — checked with jupyter_server's own handler machinery and
  Voilà's identity provider in a tiny Tornado app configured by the workshop's ``voila.json``
  (Voilà itself is not started).

Reference values come from plain DuckDB SQL on the dataset files.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import json
import shutil
import socket
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from conftest import ROOT, TINY

from channel_lib.cli import commands
from channel_lib.data.cube import cost_to_serve, cube_sums
from channel_lib.data.loader import load_dataset
from channel_lib.data.prepared import load_prepared, prepare_dataset
from channel_lib.interactive.workshop import server
from channel_lib.plans import actions as act

#: Folder names a shell user can make; each would break (or rewrite) SQL pasted from a path.
HOSTILE_NAMES = [
    "o'brien",
    'say "hi"',
    "x; DROP TABLE sales; --",
    "-- comment",
    "it's; -- (FORMAT csv)",
]
HOSTILE_IDS = ["quote", "double-quote", "semicolon-drop", "leading-dashes", "quote-semicolon-copy"]
#: A folder name crafted to end the COPY's string and run a second COPY of its own.
CRAFTED = "x.parquet' (FORMAT parquet); COPY sales TO 'PWNED.csv' (FORMAT csv); --"
#: A tiny partner with suggestions in the latest quarter (FY2026-Q4) and one of its action ids.
PARTNER, QUARTER, ACTION = "P1", "FY2026-Q4", "FY2026-Q4-P1-our_sales_down"


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``channel-workbook ARGS`` in this process: (status, stdout, stderr)."""
    capsys.readouterr()
    status = commands.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def sql_count(path: Path) -> int:
    """Records in a CSV file, by plain DuckDB (the independent count)."""
    con = duckdb.connect()
    return con.execute("SELECT count(*) FROM read_csv(?, header = true)", [str(path)]).fetchall()[
        0
    ][0]


def table_counts(folder: Path) -> dict[str, int]:
    return {p.stem: sql_count(p) for p in sorted(folder.glob("*.csv"))}


# -- no SQL from paths ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=HOSTILE_IDS)
def test_validate_reads_a_dataset_folder_named_with_quotes_semicolons_and_dashes(
    tmp_path, capsys, name
):
    data = tmp_path / name / "tiny"
    shutil.copytree(TINY, data)
    status, out, err = run_cli(capsys, "validate", str(data))
    assert status == 0, err
    assert out.startswith(f"{data}: valid")
    assert f"{sql_count(TINY / 'sales.csv'):,} sales lines" in out


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, CRAFTED], ids=[*HOSTILE_IDS, "crafted-copy"])
def test_prepared_cache_under_a_hostile_out_folder_round_trips_and_runs_no_statement(
    tiny, tmp_path, monkeypatch, name
):
    monkeypatch.chdir(tmp_path)  # where a COPY 'PWNED.csv' of an injected statement would land
    out = tmp_path / name / "reports"
    folder = prepare_dataset(tiny, out)
    assert folder.parent == out
    ds = load_prepared(folder, TINY)
    assert ds is not None
    got = {t: ds.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ds.files}
    assert got == table_counts(TINY)
    assert not list(tmp_path.rglob("PWNED*")), "a statement from the folder name ran"


def test_prepared_cache_round_trips_every_table_of_seeds_1_to_5_under_a_quoted_folder(
    small_sample, tmp_path
):
    for seed in range(1, 6):
        source = small_sample(seed)
        ds = load_dataset(source)
        folder = prepare_dataset(ds, tmp_path / f"o'brien; -- seed {seed}")
        back = load_prepared(folder, source)
        assert back is not None, seed
        for table, n in table_counts(source).items():
            if table in back.files:
                assert back.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == n


def test_period_labels_with_quotes_are_values_not_sql(tiny):
    injected = ["FY2026-Q3", "x') OR 1=1 --", "FY2026-Q3'; DROP TABLE sales; --"]
    sums = cube_sums(tiny, by=["channel_id"], periods=injected)
    assert set(sums["period"]) == {"FY2026-Q3"}
    # FY2026 starts in July 2025 (tests/data/tiny/goals.yaml): Q3 is January to March 2026
    con = duckdb.connect()
    want = con.execute(
        "SELECT channel_id, CAST(sum(revenue) * 10000 AS BIGINT) FROM read_csv(?, header = true) "
        "WHERE order_date >= DATE '2026-01-01' AND order_date < DATE '2026-04-01' "
        "GROUP BY ALL ORDER BY ALL",
        [str(TINY / "sales.csv")],
    ).fetchall()
    assert tiny.money.scale == 10000
    assert list(zip(sums["channel_id"], sums["revenue_exact"], strict=True)) == want
    costs = cost_to_serve(tiny, period="quarter", periods=injected)
    assert set(costs["period"]) <= {"FY2026-Q3"}
    assert tiny.con.execute("SELECT count(*) FROM sales").fetchall()[0][0] == sql_count(
        TINY / "sales.csv"
    )


@pytest.fixture
def hostile_pair(tmp_path) -> tuple[Path, Path]:
    """A copy of tiny and a plans folder, both named with quotes, semicolons and ``--``."""
    data = tmp_path / "da'ta; -- x" / "tiny"
    shutil.copytree(TINY, data)
    return data, tmp_path / "pl'ans; DROP TABLE actions; --"


def test_actions_suggest_and_accept_with_hostile_data_and_plans_folders(capsys, hostile_pair):
    data, plans = hostile_pair
    args = ["--data", str(data), "--plans", str(plans)]
    status, out, err = run_cli(capsys, "actions", "suggest", "--partner", PARTNER, *args)
    assert status == 0, err
    assert ACTION in out
    status, out, err = run_cli(capsys, "actions", "accept", ACTION, *args)
    assert status == 0, err
    assert str(plans / act.LOG_FILE) in out
    assert list(act.current_actions(act.read_log(plans))["action_id"]) == [ACTION]
    assert table_counts(data) == table_counts(TINY)  # the dataset folder was only read


# -- one meaning for a relative path -------------------------------------------------------------
def test_every_command_resolves_relative_paths_from_the_current_directory(
    tmp_path, capsys, monkeypatch
):
    shutil.copytree(TINY, tmp_path / "tiny")
    project_log = ROOT / "plans" / act.LOG_FILE
    before = project_log.read_bytes() if project_log.exists() else None
    monkeypatch.chdir(tmp_path)
    rel = ["--data", "tiny", "--plans", "plans"]
    assert run_cli(capsys, "validate", "tiny")[0] == 0
    status, out, err = run_cli(capsys, "actions", "suggest", "--partner", PARTNER, *rel)
    assert status == 0, err
    assert run_cli(capsys, "actions", "accept", ACTION, *rel)[0] == 0
    assert ACTION in (tmp_path / "plans" / act.LOG_FILE).read_text(encoding="utf-8")
    status, out, _ = run_cli(capsys, "actions", "list", "--plans", "plans")
    assert status == 0 and ACTION in out
    assert (project_log.read_bytes() if project_log.exists() else None) == before
    # the workshop: the folders serve() gets, and the paths injected into its notebook
    seen = {}
    with mock.patch(
        "channel_lib.interactive.workshop.serve", lambda *a, **k: seen.update(a=a) or 0
    ):
        assert run_cli(capsys, "workshop", *rel, "--no-browser")[0] == 0
    assert seen["a"][:2] == (str(tmp_path / "tiny"), str(tmp_path / "plans"))
    nb = server.prepare_notebook(tmp_path, data_dir="tiny", plans_dir="plans").read_text()
    assert json.dumps(str(tmp_path / "tiny")) in nb and json.dumps(str(tmp_path / "plans")) in nb


# -- refused up front ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--notebooks", "00_quarter_overview"],
        ["workshop", "--no-browser"],
        ["actions", "suggest", "--partner", PARTNER],
        ["actions", "accept", ACTION],
        ["actions", "review"],
    ],
    ids=["report", "workshop", "actions-suggest", "actions-accept", "actions-review"],
)
@pytest.mark.parametrize("where", ["equal", "inside"])
def test_plans_equal_to_or_inside_the_dataset_is_refused_before_any_work(
    tmp_path, capsys, argv, where
):
    data = tmp_path / "tiny"
    shutil.copytree(TINY, data)
    plans = data if where == "equal" else data / "plans"
    with mock.patch("channel_lib.data.loader.load_dataset") as load:
        status, _, err = run_cli(capsys, *argv, "--data", str(data), "--plans", str(plans))
    assert status == 2
    assert "Traceback" not in err and err.startswith("error: --plans")
    assert "dataset folder" in err and "--plans plans" in err
    load.assert_not_called()
    assert sorted(p.name for p in data.iterdir()) == sorted(p.name for p in TINY.iterdir())


@pytest.mark.parametrize("command", ["report", "sample"])
@pytest.mark.parametrize("under", [False, True], ids=["a-file", "under-a-file"])
def test_out_naming_a_file_is_refused_with_a_message(tmp_path, capsys, command, under):
    file = tmp_path / "notes.txt"
    file.write_text("keep me\n")
    out = file / "reports" if under else file
    argv = [command, "--out", str(out)] + (["--data", str(TINY)] if command == "report" else [])
    status, _, err = run_cli(capsys, *argv)
    assert status == 2
    assert err.startswith(f"error: --out {out} is not a folder"), err
    assert file.read_text() == "keep me\n"


def test_plans_under_a_file_is_refused_for_actions_accept(tmp_path, capsys):
    file = tmp_path / "plans"
    file.write_text("a file\n")
    status, _, err = run_cli(capsys, "actions", "accept", ACTION, "--data", str(TINY),
                             "--plans", str(file / "sub"))  # fmt: skip
    assert status == 2
    assert err.startswith(f"error: --plans {file / 'sub'} is not a folder ({file} is a file)")


def test_a_read_only_out_folder_is_refused_up_front(tmp_path, capsys):
    # root can write anywhere chmod forbids: the read-only filesystem is mocked at the probe write
    ro = OSError(errno.EROFS, "Read-only file system")
    with mock.patch("channel_lib.cli.commands.tempfile.TemporaryFile", side_effect=ro):
        status, _, err = run_cli(capsys, "report", "--data", str(TINY), "--out", str(tmp_path))
    assert status == 2
    assert f"--out {tmp_path}: cannot write in {tmp_path} (the filesystem is read-only)" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        (errno.EROFS, 2, "the filesystem is read-only; pass a folder on a writable disk"),
        (errno.EACCES, 2, "permission denied; pass a folder on a writable disk"),
        (errno.ENOSPC, 1, "the disk is full; free space"),
    ],
    ids=["read-only", "permission", "full-disk"],
)
def test_a_failed_write_of_the_action_log_is_a_message_with_its_path(
    tmp_path, capsys, code, status, words
):
    plans = tmp_path / "plans"
    log = plans / act.LOG_FILE

    def fail(path, *args, **kwargs):
        raise OSError(code, "mocked", str(path))

    args = ["--data", str(TINY), "--plans", str(plans)]
    with mock.patch("channel_lib.plans.actions.atomic_write_text", side_effect=fail):
        got, _, err = run_cli(capsys, "actions", "accept", ACTION, *args)
    assert got == status
    assert "Traceback" not in err
    assert str(log) in err and words in err, err
    assert not log.exists()


def test_a_long_path_is_echoed_briefly(tmp_path, capsys):
    file = tmp_path / "f"
    file.write_text("x")
    long = file / ("d" * 1000)
    status, _, err = run_cli(capsys, "sample", "--out", str(long))
    assert status == 2
    assert ("d" * 300) not in err and " ... " in err


# -- the workshop's token and Host check -----------------------------------------------------------
def test_serve_prints_a_url_with_the_token_voila_is_configured_with(tmp_path):
    lines: list[str] = []
    launched: dict = {}

    class Voila:  # stands in for the Voilà process: records what it was started with
        returncode = None

        def __init__(self, cmd, cwd, **kwargs):
            launched.update(cmd=cmd, config=json.loads((Path(cwd) / "voila.json").read_text()),
                            mode=(Path(cwd) / "voila.json").stat().st_mode & 0o777)  # fmt: skip
            self.pid = 0

        def wait(self, timeout=None):
            raise KeyboardInterrupt  # Ctrl-C

        def poll(self):
            return 0

    with (
        mock.patch.object(server, "_require_voila"),
        mock.patch.object(server, "_wait_for_port"),
        mock.patch.object(server.subprocess, "Popen", Voila),
    ):
        status = server.serve(TINY, tmp_path / "plans", open_browser=False, echo=lines.append)
    assert status == 0
    config = launched["config"]["Voila"]
    token = config["token"]
    assert len(token) >= 32
    assert f"/?token={token}" in lines[0]
    assert lines[0].split(" at ")[1].startswith("http://127.0.0.1:")
    assert config["tornado_settings"]["allow_remote_access"] is False
    assert launched["mode"] == 0o600
    assert not any(token in part for part in launched["cmd"])  # not in `ps` for other users


def _request_checks(token: str, requests: list[tuple[str, str | None]]) -> list[int]:
    """Status codes of GET ``path`` with a ``Host`` header, from a tiny Tornado app set up the way
    Voilà sets up its server (its identity provider and login handler, jupyter_server's handler
    checks, ``allow_remote_access=True`` then the workshop's ``tornado_settings`` on top)."""
    import tornado.httpclient
    import tornado.httpserver
    import tornado.web
    from jupyter_server.auth.authorizer import AllowAllAuthorizer
    from jupyter_server.base.handlers import JupyterHandler
    from voila.voila_identity_provider import VoilaIdentityProvider, VoilaLoginHandler

    class Page(JupyterHandler):
        @tornado.web.authenticated
        def get(self):
            self.finish("the workshop")

    async def scenario() -> list[int]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        identity = VoilaIdentityProvider(token=token, login_handler_class=VoilaLoginHandler)
        settings = {
            "base_url": "/", "allow_remote_access": True, "cookie_secret": b"x" * 32,
            "identity_provider": identity, "authorizer": AllowAllAuthorizer(),
            "login_url": "/login",
        }  # fmt: skip
        app = tornado.web.Application([("/", Page), *identity.get_handlers()], **settings)
        app.settings.update(server.voila_config(token)["Voila"]["tornado_settings"])
        http = tornado.httpserver.HTTPServer(app)
        http.listen(port, "127.0.0.1")
        client = tornado.httpclient.AsyncHTTPClient()
        codes = []
        try:
            for path, host in requests:
                headers = {"Host": host.format(port=port)} if host else {}
                r = await client.fetch(f"http://127.0.0.1:{port}{path}", headers=headers,
                                       raise_error=False, follow_redirects=False)  # fmt: skip
                codes.append(r.code)
                if r.code == 200:
                    assert r.body == b"the workshop"
        finally:
            http.stop()
        return codes

    # a thread of its own: a kernel test earlier on this worker may leave an event loop running
    # in the main thread, where asyncio.run refuses to start another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def test_the_workshop_refuses_a_request_without_its_token_or_with_a_foreign_host():
    token = server.new_token()
    codes = _request_checks(
        token,
        [
            (f"/?token={token}", None),  # the printed URL
            (f"/?token={token}", "localhost:{port}"),
            ("/", None),  # no token: sent to the login page, the workshop is not served
            (f"/?token={server.new_token()}", None),  # another token
            (f"/?token={token}", "evil.example:{port}"),  # DNS rebinding
            (f"/?token={token}", "127.0.0.1.evil.example"),
        ],
    )
    assert codes == [200, 200, 302, 302, 403, 403]


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (
            ["report", "--data", str(TINY), "--plans", "{tmp}/plans"],
            "channel_lib.batch.run.execute_batch",
        ),
        (["sample", "--scale", "0.01"], "channel_lib.sample.generate_sample"),
    ],
    ids=["report", "sample"],
)
def test_a_full_disk_during_a_run_is_exit_1_with_the_file_and_what_to_do(
    tmp_path, capsys, argv, target
):
    out = tmp_path / "out"
    full = OSError(errno.ENOSPC, "No space left on device", str(out / "FY2026-Q4" / "x.html"))
    argv = [a.format(tmp=tmp_path) for a in argv]
    with mock.patch(target, side_effect=full):
        status, _, err = run_cli(capsys, *argv, "--out", str(out))
    assert status == 1
    assert "Traceback" not in err
    assert err.startswith(f"error: the run failed writing {out / 'FY2026-Q4' / 'x.html'}: ")
    assert "the disk is full; free space" in err and "--resume" in err


@pytest.mark.parametrize("command", ["validate", "sample --out"])
def test_a_folder_name_too_long_for_the_filesystem_is_a_message(tmp_path, capsys, command):
    too_long = tmp_path / ("d" * 300)  # NAME_MAX is 255 on Linux filesystems
    status, _, err = run_cli(capsys, *command.split(), str(too_long))
    assert status == 2
    assert "Traceback" not in err
    assert err.rstrip().endswith("the name is too long for the filesystem; check the path given")
