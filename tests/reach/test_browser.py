"""The public pages in a real browser (Debian's chromium, headless, driven by chromedriver):
the consent link from a real mail opens, the page keeps to its strict CSP with our one
stylesheet, and the button records the answer. Skipped where chromium is not installed
(`apt-get install chromium chromium-driver`)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.app import create_app
from api.bootstrap import Runtime
from api.server import listener
from domain.actor import Actor
from domain.candidate import Candidate
from domain.settings import Settings
from tests.reach.conftest import Reach
from tests.smtp_fixture import SmtpServer, free_port

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium not installed")


@pytest.fixture
def live(settings: Settings, smtp_server: SmtpServer) -> Iterator[Reach]:
    """The service behind waitress on a free port, its links leading there."""
    port = free_port()
    runtime = Runtime(settings.replace(public_url=f"http://127.0.0.1:{port}",
                                       smtp_url=smtp_server.url())).start()
    app = create_app(runtime)
    server = listener(app, "127.0.0.1", port, 4, max_body=1 << 20)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Reach(runtime, app, smtp_server)
    finally:
        server.close()
        runtime.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_person_grants_consent_from_the_link_in_their_mail(live: Reach, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    app, system = live.runtime.rekindle, Actor.system()
    candidate = app.candidates.create("Hedy Lamarr", ["hedy@example.net"], system)
    app.consent.request(candidate.id, system)
    [mail] = live.mails(1)
    [url] = [word for word in live.text(mail).split() if "/consent/" in word]

    browser.get(url)

    assert browser.title.startswith("May we keep your details?")
    assert app.settings.consent_text[:40] in browser.find_element(By.TAG_NAME, "blockquote").text
    main = browser.find_element(By.TAG_NAME, "main")
    assert main.value_of_css_property("max-width") == "576px"  # our stylesheet, CSP allowing
    assert app.store.load(Candidate, candidate.id).consent.status == "requested"
    browser.find_element(By.CSS_SELECTOR, "button[value=grant]").click()

    assert browser.find_element(By.TAG_NAME, "h1").text == "Thank you"
    consent = app.store.load(Candidate, candidate.id).consent
    assert consent.status == "granted" and consent.channel == "email_link"
    violations = [e["message"] for e in browser.get_log("browser")
                  if "Content Security Policy" in e["message"]]
    assert violations == []

    browser.back()
    browser.refresh()  # the used link: a page saying so
    assert browser.find_element(By.TAG_NAME, "h1").text == "Link already used"
