"""A Jupyter server extension that serves the chart library to every page that shows a chart.

JupyterLab sends a chart's vega bundle once per kernel (:mod:`channel_lib.presentation.offline`),
so a page reloaded, or the notebook opened in a second tab, has charts but no library. Their
scripts then load it from ``<base_url>channel-workbook/vega-bundle.js``
(:data:`~channel_lib.presentation.offline.BUNDLE_PATH`), which this extension serves from the
installed ``vl_convert`` (never a CDN) with long-lived cache headers: the URL's ``v`` query holds
the versions (:func:`~channel_lib.presentation.offline.bundle_version`), so the browser loads it
once per version.

It is enabled for the environment by ``etc/jupyter/jupyter_server_config.d/channel_workbook.json``
(installed with the package, so ``make lab`` loads it); by hand::

    jupyter lab --ServerApp.jpserver_extensions="{'channel_lib.interactive.bundle_server': True}"
"""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from channel_lib.presentation.offline import BUNDLE_PATH, vega_bundle_js

#: ``Cache-Control`` of the bundle: a year, as the URL changes with the versions it is made of.
CACHE_CONTROL = "private, max-age=31536000, immutable"


class VegaBundleHandler(JupyterHandler):
    """``GET <base_url>channel-workbook/vega-bundle.js``: the guarded vega bundle (JavaScript).

    Behind the server's login like every page of it (the page that asks holds the cookie).
    """

    @web.authenticated
    def get(self) -> None:
        """Write the bundle with :data:`CACHE_CONTROL`."""
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", CACHE_CONTROL)
        self.finish(vega_bundle_js())


def bundle_url(base_url: str) -> str:
    """The bundle's URL path under a server's ``base_url``.

    Examples
    --------
    >>> bundle_url("/user/ana/")
    '/user/ana/channel-workbook/vega-bundle.js'
    """
    return url_path_join(base_url, BUNDLE_PATH)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Where Jupyter server finds :func:`_load_jupyter_server_extension` (this module)."""
    return [{"module": "channel_lib.interactive.bundle_server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Add :class:`VegaBundleHandler` to the server's web app (all hosts)."""
    web_app = serverapp.web_app
    url = bundle_url(web_app.settings["base_url"])
    web_app.add_handlers(".*$", [(url, VegaBundleHandler)])
    serverapp.log.info("channel-workbook: the chart library is served at %s", url)


__all__ = ["CACHE_CONTROL", "VegaBundleHandler", "bundle_url"]
