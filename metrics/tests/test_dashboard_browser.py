"""The usage dashboard in a real browser: headless Chromium against a live Daphne gateway.

Logs into /admin/ as an admin, opens the dashboard and checks that the three charts were
drawn (Chart.js instances, canvases with a size and painted pixels) from assets the gateway
served itself. A screenshot lands in the test's tmp_path.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD
from metrics.tests.usage_data import COMPLEX, SIMPLE, record

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CANVASES = ("chart-tokens-per-day", "chart-requests-per-day", "chart-top-users")
# Per canvas: its CSS size and how many pixels hold paint (alpha > 0).
CANVAS_FACTS_JS = """(ids) => ids.map((id) => {
  const canvas = document.getElementById(id);
  const rect = canvas.getBoundingClientRect();
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return {id, width: rect.width, height: rect.height, painted};
})"""
CHARTS_JS = """() => Object.fromEntries(Object.entries(window.usageDashboard.charts).map(
  ([name, chart]) => [name, {
    type: chart.config.type,
    datasets: chart.data.datasets.map((d) => d.label),
    points: chart.data.labels.length,
  }]))"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def usage(user, admin_user):
    for days_ago in range(6):
        record(user, prompt=40 + 10 * days_ago, completion=30, days_ago=days_ago)
        record(user, model=COMPLEX, intent="search", prompt=120, completion=90, days_ago=days_ago)
        record(
            admin_user,
            model=COMPLEX,
            intent="analysis",
            prompt=60,
            completion=20,
            days_ago=days_ago,
        )
    record(user, model=SIMPLE, outcome="blocked", prompt=0, completion=0)


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_its_charts(live_gateway, admin_user, usage, tmp_path):
    from playwright.sync_api import sync_playwright

    origin = live_gateway.url
    foreign: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: _note_foreign(r.url, origin, foreign))
            page.on("response", lambda r: _note_failed(r.status, r.url, failed))
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(f"{origin}/admin/login/?next=/admin/")
            page.fill("#id_username", admin_user.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{origin}/admin/")
            page.screenshot(path=str(tmp_path / "admin-index.png"))
            page.click("#usage-dashboard-module th a")
            page.wait_for_url(f"{origin}/admin/usage-dashboard/")
            page.click("a[href='?days=7']")
            page.wait_for_url(f"{origin}/admin/usage-dashboard/?days=7")
            page.wait_for_selector("#content-main[data-charts-ready='true']")

            charts = page.evaluate(CHARTS_JS)
            canvases = page.evaluate(CANVAS_FACTS_JS, list(CANVASES))
            page.screenshot(path=str(tmp_path / "usage-dashboard.png"), full_page=True)
        finally:
            browser.close()

    assert charts["tokens"] == {"type": "bar", "datasets": [COMPLEX, SIMPLE], "points": 7}
    assert charts["requests"]["datasets"] == [COMPLEX, SIMPLE]
    assert charts["users"]["points"] == 2  # bob and alice_admin
    for canvas in canvases:
        assert canvas["width"] > 100 and canvas["height"] > 100, canvas
        assert canvas["painted"] > 1000, canvas
    assert errors == []
    assert failed == []
    assert foreign == []  # no CDN: every asset came from the gateway
    assert (tmp_path / "usage-dashboard.png").stat().st_size > 10_000


def _note_failed(status: int, url: str, failed: list[str]) -> None:
    if status >= 400 and not url.endswith("/favicon.ico"):  # the admin declares no favicon
        failed.append(f"{status} {url}")


def _note_foreign(url: str, origin: str, foreign: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != origin:
        foreign.append(url)
