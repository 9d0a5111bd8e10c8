"""The Dagster UI in a real browser: `dagster-webserver` on a test's instance and warehouse, and
Debian's chromium driven by Playwright (Playwright's own browser download is never used).

Without chromium (or the playwright package) the browser tests are skipped, with the reason, on
a developer's machine; where SALES_TESTS_REQUIRE_BROWSER is set (`.ci/run` sets it after
installing `chromium`) they fail instead, so CI can never pass by skipping them.

Every page visited is saved as a PNG in the test's temporary folder and, only when
SALES_SCREENSHOTS_DIR is set, in that folder too: never in the repository.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from sales_pipeline.settings import SalesSettings

if TYPE_CHECKING:
    from playwright.sync_api import Page

REQUIRE_ENV = "SALES_TESTS_REQUIRE_BROWSER"
SCREENSHOTS_ENV = "SALES_SCREENSHOTS_DIR"
# Generous: a loaded machine (2 cores shared by several sessions) takes its time, and a wait on
# a selector returns as soon as the page shows it.
SERVER_START_SECONDS = 180
SELECTOR_MS = 90_000
# The UI asks a first visitor on localhost to join the community in a modal over every page.
_NO_COMMUNITY_MODAL = "window.localStorage.setItem('communityNux', 'true')"


def _unavailable(reason: str) -> NoReturn:
    message = f"no browser for the UI test: {reason}"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set: CI must run this test)", pytrace=False)
    pytest.skip(message)


def chromium_executable() -> str:
    """Debian's chromium, or skip (fail where SALES_TESTS_REQUIRE_BROWSER is set)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (it is in the dev extras)")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _unavailable("no `chromium` on PATH; install Debian's chromium "
                     "(`.ci/run` does: apt-get install chromium)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(settings: SalesSettings, dagster_home: Path) -> dict[str, str]:
    """The variables that make the webserver's code location load the test's own settings."""
    variables = {
        "DAGSTER_HOME": str(dagster_home),
        "SALES_LANDING_DIR": str(settings.landing_dir),
        "SALES_WAREHOUSE": str(settings.warehouse),
        "SALES_PUBLISHED_WAREHOUSE": str(settings.published_warehouse),
        "SALES_TIMEZONE": settings.timezone,
        "SALES_REPORTING_CURRENCY": settings.reporting_currency,
        "SALES_REPORTS_DIR": str(settings.reports_dir),
        "SALES_REPORT_LOCALE": settings.report_locale,
        "SALES_HISTORY_START": settings.history_start.isoformat(),
        "SALES_MAX_REJECTED_SHARE": str(settings.max_rejected_share),
        "SALES_SOURCES_CONFIG": str(settings.sources_config or ""),
        "SALES_AS_OF": settings.as_of.isoformat() if settings.as_of else "",
    }
    return {**os.environ, **variables}


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the webserver and the code server it started (its own process group)."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def dagster_webserver(settings: SalesSettings, dagster_home: Path, log: Path) -> Iterator[str]:
    """A read-only webserver on `dagster_home` and the code location of `settings`; its URL."""
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "--host", "127.0.0.1", "--port", str(port),
             "--module-name", "sales_pipeline.definitions", "--read-only"],
            env=_environment(settings, dagster_home), cwd=log.parent, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"dagster-webserver exited: {log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dagster-webserver did not answer: {log.read_text()[-3000:]}") from None
                time.sleep(0.5)
        yield url
    finally:
        _stop(process)


class UI:
    """A page of the UI at `url`, saving a screenshot of every view it is asked to."""

    def __init__(self, page: Page, url: str, screenshots: Path) -> None:
        self.page, self.url, self.screenshots = page, url, screenshots

    def visit(self, path: str) -> Page:
        self.page.goto(self.url + path, timeout=SELECTOR_MS)
        return self.page

    def open_file(self, path: Path) -> Page:
        """A file the pipeline wrote (an HTML report), as a reader opens it."""
        self.page.goto(path.resolve().as_uri(), timeout=SELECTOR_MS)
        return self.page

    def wait_for(self, locator) -> None:  # a playwright Locator
        locator.first.wait_for(state="visible", timeout=SELECTOR_MS)

    def screenshot(self, name: str) -> Path:
        target = self.screenshots / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        if os.environ.get(SCREENSHOTS_ENV):
            copies = Path(os.environ[SCREENSHOTS_ENV])
            copies.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, copies / target.name)
        return target


@contextlib.contextmanager
def dagster_ui(settings: SalesSettings, dagster_home: Path, workdir: Path) -> Iterator[UI]:
    """The UI of a finished test run in headless chromium."""
    chromium = chromium_executable()
    from playwright.sync_api import sync_playwright

    screenshots = workdir / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    with (
        dagster_webserver(settings, dagster_home, workdir / "webserver.log") as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.add_init_script(_NO_COMMUNITY_MODAL)
            context.set_default_timeout(SELECTOR_MS)
            yield UI(context.new_page(), url, screenshots)
        finally:
            browser.close()
