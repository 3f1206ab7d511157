"""
Browser tests: Debian's Chromium driven by Playwright against a real Django server that serves the built interface.

The interface must be built first (``npm ci && npm run build`` in frontend/). A failing test leaves a screenshot of
its page in test-results/.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "test-results"
CHROMIUM = os.environ.get("ORALCARE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def frontend_build() -> Path:
    build_dir = Path(settings.FRONTEND_BUILD_DIR)
    if not (build_dir / "index.html").is_file():
        pytest.fail(
            f"The interface is not built: {build_dir}/index.html is missing. Run `npm ci && npm run build` in "
            "frontend/ before the browser tests."
        )
    return build_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """
    Chromium for one test module. Playwright's sync API leaves an event loop marked as running in the test thread,
    and Django rejects ORM calls from such a thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is safe here
    because the tests touch the database only between page actions, and the module scope ends the loop (and
    restores the variable) before other test modules run.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium was not found at {CHROMIUM}. Install Debian's chromium package.")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server_url(live_server: Any, frontend_build: Path) -> str:
    return str(live_server.url)


@pytest.fixture
def page(browser: Any, server_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page on the test server, desktop-sized; screenshots itself when its test fails."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    # Every console message, so tests can check that no patient identifier is ever logged.
    console_messages: list[str] = []
    new_page.on("console", lambda message: console_messages.append(message.text))
    new_page.console_messages = console_messages
    yield new_page

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        new_page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def sign_in_as(page: Any, server_url: str) -> Callable[[Any], Any]:
    """Return a function that gives the browser page a signed-in session for a user, without the sign-in form."""

    def sign_in(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        host = server_url.split("://", 1)[1].split(":")[0]
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "domain": host, "path": "/"}]
        )
        return page

    return sign_in


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page and return its violations of serious or critical impact."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}. Run `npm ci` in frontend/.")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    return [
        {"id": item["id"], "impact": item["impact"], "nodes": [node["target"] for node in item["nodes"]]}
        for item in result["violations"]
        if item["impact"] in ("serious", "critical")
    ]
