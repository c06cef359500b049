"""The package as users install it: a wheel built with ``pip wheel --no-deps .`` carries every
template, rule table and the papermill engine entry point, and works installed in a fresh
virtualenv, not only from the editable install of a checkout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Files that are not Python code and that the package reads at run time.
PACKAGE_DATA = (
    "channel_lib/plans/action_rules.csv",
    "channel_lib/presentation/templates/channel_report/conf.json",
    "channel_lib/presentation/templates/channel_report/index.html.j2",
    "channel_lib/interactive/templates/voila/templates/channel_workshop/conf.json",
    "channel_lib/interactive/templates/voila/templates/channel_workshop/index.html.j2",
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources to build from (the build writes build/ and egg-info into them)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "channel_lib", source / "channel_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(ROOT / "jupyter-config", source / "jupyter-config")  # the data-files
    return source


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, as ``pip wheel --no-deps .`` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("channel_workbook-*.whl")
    return built


def test_the_wheel_holds_every_module_and_the_package_data(source: Path, wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(source).as_posix() for p in (source / "channel_lib").rglob("*.py")}
    assert modules - names == set()
    assert set(PACKAGE_DATA) - names == set()
    # the Jupyter server extension that serves the chart library is enabled by a data file
    config = "etc/jupyter/jupyter_server_config.d/channel_workbook.json"
    assert any(n.endswith(".data/data/" + config) for n in names), sorted(names)[-5:]


def test_the_wheel_declares_the_command_and_the_papermill_engine(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (entry_points,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "channel-workbook = channel_lib.cli:main" in text
    assert "channel_warm = channel_lib.batch.engine:WarmKernelEngine" in text


_CHECK = """
import json, importlib.metadata as md
from pathlib import Path
import channel_lib
from channel_lib.plans import actions
from channel_lib.presentation import html
site = str(Path(channel_lib.__file__).parents[1])  # the wheel's dist-info, not the checkout's
(dist,) = [d for d in md.distributions(path=[site]) if d.metadata["Name"] == "channel-workbook"]
(engine,) = [e for e in dist.entry_points if e.group == "papermill.engine"]
print(json.dumps({
    "package": channel_lib.__file__,
    "engine": engine.load().__name__,
    "rules": len(actions.load_rules()),
    "template": (html.TEMPLATES / html.TEMPLATE_NAME / "index.html.j2").is_file(),
    "voila": (Path(channel_lib.__file__).parent / "interactive" / "templates" / "voila"
              / "templates" / "channel_workshop" / "index.html.j2").is_file(),
}))
"""


def test_the_installed_wheel_finds_its_data_and_engine_in_a_fresh_virtualenv(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)  # fmt: skip
    # the wheel's dependencies come from this environment's site-packages (on PYTHONPATH, where
    # its .pth files, the editable install among them, are not processed): only the wheel's
    # channel_lib is importable
    deps = sysconfig.get_paths()["purelib"]
    check = tmp_path / "check_installed.py"
    check.write_text(_CHECK, encoding="utf-8")
    run = subprocess.run([str(python), str(check)], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": deps, "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    assert Path(found["package"]).is_relative_to(env_dir)
    assert found["engine"] == "WarmKernelEngine"
    assert found["rules"] > 0 and found["template"] and found["voila"]
