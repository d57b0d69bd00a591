"""Issue 17: the workbench in a real browser: Debian's chromium, driven by Selenium through
Debian's chromedriver (given by path: Selenium Manager downloads nothing). A coder opens the
worklist, opens a note with the keyboard, accepts a line, edits one, rejects one, downloads the
CSV and reads the audit trail; a note holding <script> runs nothing. The screenshots are kept in
build/workbench-screenshots/ (or $VERTCODE_SCREENSHOTS)."""

import csv
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT
from workbench_helpers import Server, make_notes, write_results

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("VERTCODE_SCREENSHOTS", ROOT / "build" / "workbench-screenshots"))

pytestmark = pytest.mark.skipif(
    not (Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()) and os.environ.get("CI") != "true",
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path / "dl")})
    yield driver
    driver.quit()


@pytest.fixture
def server(coder, tmp_path):
    results = write_results(coder, make_notes(tmp_path / "notes"), tmp_path / "results.jsonl")
    running = Server(results, "--db", tmp_path / "review.db")
    yield running
    running.kill()


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def keys(driver, text):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(text).perform()


def wait_for(condition, seconds=20.0, driver=None):
    """`condition()` once it holds; a page still loading (no such element yet) is waited for."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            found = condition()
        except Exception:  # the page is being replaced: its elements come and go
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(
        "waited in vain" + (f": the page says {driver.find_element('tag name', 'body').text[:500]!r}" if driver else "")
    )


def line_states(driver):
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "tbody.decide .state")]


def test_a_coder_reviews_notes_in_the_browser(browser, server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server.address)
    assert "2 review, 4 auto" in browser.find_element(By.CSS_SELECTOR, ".counts").text
    shot(browser, "1-worklist")
    keys(browser, "j")  # from b13a-34 (review, first) to seed-04
    keys(browser, "\ue007")  # Enter opens it
    wait_for(lambda: browser.find_element(By.TAG_NAME, "h1").text.endswith("seed-04.txt"))
    assert line_states(browser) == ["to do", "to do"]

    keys(browser, "a")  # accept 22513
    wait_for(lambda: line_states(browser)[0] == "accepted 22513 ×1 by ana", driver=browser)
    keys(browser, "e")  # edit 22515: units 2 -> 1
    units = browser.switch_to.active_element
    assert units.get_attribute("name") == "units"
    units.clear()
    units.send_keys("1\ue007")
    wait_for(lambda: line_states(browser)[1] == "edited to 22515 ×1 by ana")
    shot(browser, "2-note-decided")
    history = browser.find_element(By.CSS_SELECTOR, "table.history").text
    assert "ana accept 22513 ×1" in history and "ana edit 22515 ×1" in history

    keys(browser, "n")  # the next note of the worklist: the first auto one
    wait_for(lambda: browser.find_element(By.TAG_NAME, "h1").text.endswith("dated.txt"))
    browser.find_element(By.LINK_TEXT, "back to the worklist").click()
    browser.find_element(By.PARTIAL_LINK_TEXT, "b13a-34.txt").click()
    keys(browser, "a")  # accept 22510
    wait_for(lambda: line_states(browser)[0] == "accepted 22510 ×1 by ana")
    keys(browser, "r")  # reject 20225: wrong level
    reason = browser.switch_to.active_element
    assert reason.get_attribute("name") == "reason"
    Select(reason).select_by_visible_text("wrong level")
    reason.find_element(By.XPATH, "ancestor::form//button").click()
    wait_for(lambda: line_states(browser)[1] == "rejected: wrong level by ana")
    assert "ana reject 20225 ×1 wrong level" in browser.find_element(By.CSS_SELECTOR, "table.history").text

    browser.find_element(By.LINK_TEXT, "back to the worklist").click()
    assert "2 done" in browser.find_element(By.CSS_SELECTOR, ".counts").text
    browser.find_element(By.LINK_TEXT, "CSV").click()
    download = tmp_path / "dl" / "vertcode-charges.csv"
    wait_for(download.exists)
    rows = list(csv.DictReader(download.open(encoding="utf-8")))
    got = [(r["note"].rsplit("/", 1)[-1], r["code"], r["units"], r["decision"], r["user"]) for r in rows]
    assert got == [
        ("b13a-34.txt", "22510", "1", "accepted", "ana"),
        ("seed-04.txt", "22513", "1", "accepted", "ana"),
        ("seed-04.txt", "22515", "1", "edited", "ana"),
    ]
    shot(browser, "3-worklist-after")


def test_a_note_holding_script_runs_nothing(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.address + "?q=balloon+tamp")
    browser.find_element(By.PARTIAL_LINK_TEXT, "hostile-<b>.txt").click()
    wait_for(lambda: browser.find_element(By.TAG_NAME, "h1").text.endswith("hostile-<b>.txt"))
    time.sleep(0.5)  # an onerror handler would have run by now
    assert browser.title != "pwned" and browser.title.startswith("vertcode: ")
    assert browser.execute_script("return document.body.getAttribute('data-pwned')") is None
    assert browser.execute_script("return document.querySelectorAll('.note script, .note img').length") == 0
    assert "<script>document.title='pwned';" in browser.find_element(By.CSS_SELECTOR, ".note").text
    shot(browser, "4-hostile-note")
