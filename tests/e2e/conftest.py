"""Browser-test fixtures: Debian's Chromium through Playwright, a real SMTP server, axe-core.

The live server runs in a thread of this process, so the ``settings`` fixture reaches it.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path(os.environ.get("DIGIPLACE_CHROMIUM", "/usr/bin/chromium"))
# Flags for Debian's Chromium as root on a machine without outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
EXPECT_TIMEOUT_MS = 10_000
# Names given by the root conftest's fixtures (modeltranslation fields mypy cannot see).
BOTOSANI_RO = "Municipiul Botoșani"
BOTOSANI_EN = "Botoșani Municipality"

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs never leave it)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    host = (parts.hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost")


@dataclass
class Sites:
    """Base URLs of the live server for each kind of host (same port, different names)."""

    port: int

    @property
    def platform(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def botosani(self) -> str:
        return f"http://botosani.localhost:{self.port}"

    @property
    def timisoara(self) -> str:
        return f"http://timisoara.localhost:{self.port}"


@pytest.fixture
def sites(live_server: LiveServer, settings: Settings) -> Sites:
    port = urlsplit(live_server.url).port
    assert port is not None
    # Emails link to the city's own host name (core.notifications.municipality_url): here
    # on the live server's port, so a browser follows the emailed link as it is.
    settings.PUBLIC_PORT = str(port)
    return Sites(port=port)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    # Playwright's sync API keeps an event loop running in this thread until it stops;
    # Django's guard against ORM calls from async code would refuse every query meanwhile.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as driver:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: apt-get install chromium (scripts/test does), "
            "or leave the browser tests out with -m 'not browser'"
        )
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class BrowserSession:
    """One browser context and what it saw: requests kept off the network, page errors."""

    context: BrowserContext
    blocked_urls: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page


NewSession = Callable[..., BrowserSession]


@pytest.fixture
def new_session(browser: Browser) -> Iterator[NewSession]:
    """Factory of isolated browser contexts whose requests never leave the machine."""
    contexts: list[BrowserContext] = []

    def create(**context_options: Any) -> BrowserSession:
        context_options.setdefault("locale", "en-GB")
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**context_options)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        session = BrowserSession(context=context)

        def keep_local(route: Route) -> None:
            if is_local(route.request.url):
                route.continue_()
            else:
                session.blocked_urls.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", keep_local)
        contexts.append(context)
        return session

    yield create
    for context in contexts:
        context.close()


@pytest.fixture
def browser_session(new_session: NewSession) -> BrowserSession:
    return new_session()


@pytest.fixture
def page(browser_session: BrowserSession) -> Iterator[Page]:
    page = browser_session.new_page()
    yield page
    assert browser_session.page_errors == [], "a script on the page threw an error"


def choose_language(page: Page, language: str) -> None:
    """Press the header's language button and wait for the page to come back in it."""
    with page.expect_navigation():
        page.locator(f"form.language-switch button[value='{language}']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


# --- A real SMTP server ---------------------------------------------------------------


class MessageCollector:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, timeout: float = 10.0) -> EmailMessage:
        """The first message sent to ``recipient``, waiting for it to arrive."""

        def found() -> EmailMessage | None:
            for message, recipients in zip(self.messages, self.recipients, strict=True):
                if recipient in recipients:
                    return message
            return None

        with self._arrived:
            self._arrived.wait_for(lambda: found() is not None, timeout=timeout)
            message = found()
        if message is None:
            raise AssertionError(f"No message for {recipient} arrived within {timeout} s")
        return message

    def wait_for_count(
        self, recipient: str, count: int, timeout: float = 10.0
    ) -> list[EmailMessage]:
        """The first ``count`` messages sent to ``recipient``, waiting for them to arrive."""

        def matching() -> list[EmailMessage]:
            return [
                message
                for message, recipients in zip(self.messages, self.recipients, strict=True)
                if recipient in recipients
            ]

        with self._arrived:
            self._arrived.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            messages = matching()
        if len(messages) < count:
            raise AssertionError(
                f"{len(messages)} of {count} messages for {recipient} arrived within {timeout} s"
            )
        return messages[:count]


def message_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    assert body is not None, "the message has no text part"
    return cast(str, body.get_content())


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"']+", text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[MessageCollector]:
    collector = MessageCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield collector
    controller.stop()


# --- axe-core ---------------------------------------------------------------------------


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[Any]:
    """Runs axe-core on the page and returns the violations of the given impacts."""
    # An injected script is inline: the context must bypass the CSP (new_session(bypass_csp=True)).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        assert AXE_SCRIPT.exists(), f"No axe-core at {AXE_SCRIPT}: run npm ci"
        page.add_script_tag(path=str(AXE_SCRIPT))
    assert page.evaluate("typeof window.axe !== 'undefined'"), "axe-core did not load"
    result = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }"""
    )
    return [violation for violation in result if violation["impact"] in impacts]


def describe_violations(where: str, violations: list[Any]) -> str:
    lines = [f"{where}: {len(violations)} accessibility violation(s)"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    - {node['target']}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"        {summary_line}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more element(s)")
    return "\n".join(lines)
