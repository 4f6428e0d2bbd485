"""Drive JupyterLab in headless Chromium: the shared machinery of the real-browser tests.

Debian's `chromium` through the PyPI `playwright` package (never `playwright install`). Where
no Chromium is found the tests skip with one line saying how to enable them; .ci/run sets
COURSE_REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLIDER_HANDLE = ".widget-hslider .noUi-handle[role=slider]"  # ipywidgets 8


def require_chromium() -> None:
    """Skip (or fail, in CI) when there is no Chromium to drive."""
    if os.path.exists(CHROMIUM):
        return
    message = (
        f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
        "or set COURSE_CHROMIUM to a Chromium binary to run the browser tests"
    )
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(notebook_dir, timeout_s=60):
    """Start JupyterLab on loopback over `notebook_dir`; yield its base URL with the token."""
    port, token = _free_port(), "course-browser-test"
    settings = notebook_dir / ".settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebook_dir}",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={settings}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(notebook_dir / ".runtime"))
    log = open(notebook_dir / ".jupyterlab.log", "w")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log.flush()
                    tail = (notebook_dir / ".jupyterlab.log").read_text()[-2000:]
                    raise RuntimeError(f"JupyterLab did not start:\n{tail}") from None
                time.sleep(0.3)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextlib.contextmanager
def browser_page():
    """A fresh headless Chromium page (playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            yield page
        finally:
            browser.close()


def open_and_run_all(page, base, token, notebook_name, timeout_ms=120_000):
    """Open a notebook in JupyterLab, wait for its kernel, run all cells, wait until idle."""
    page.goto(f"{base}/lab/tree/{notebook_name}?token={token}")
    idle = page.locator(".jp-StatusBar-TextItem", has_text="Idle")  # the status bar's text
    idle.first.wait_for(timeout=timeout_ms)
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.locator(".jp-StatusBar-TextItem", has_text="Busy").first.wait_for(timeout=timeout_ms)
    idle.first.wait_for(timeout=timeout_ms)


def copy_notebook(root, name, destination):
    """A temporary copy to open (JupyterLab autosaves outputs into what it opens)."""
    shutil.copy(root / "notebooks" / name, destination / name)
