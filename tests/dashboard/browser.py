"""Open the dashboard as an operator does: the file, by itself, in Chromium.

Playwright drives Debian's Chromium (the set-up installs it; `playwright install` would download
a browser, which a machine without network cannot). Everything the page says to the console at
error level, every uncaught exception and every request that leaves the file is collected, so a
test can fail on any of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.settings import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("FUGOU_CHROMIUM", "/usr/bin/chromium"))
# the flags a root, offline, screenless machine needs (../shared/STACK.md)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(os.environ.get("FUGOU_TEST_ARTIFACTS", PROJECT_ROOT / "build" / "test-artifacts"))

# what a drawn chart holds: Vega's SVG puts every mark in a <g class="mark-…"> group
MARKS_JS = """
el => el.querySelectorAll(
  'svg g[class*="mark-"] path, svg g[class*="mark-"] line, svg g[class*="mark-"] text'
).length
"""


@dataclass
class PanelSeen:
    key: str
    rows: int
    has_chart: bool
    charts_rendered: int
    marks: int
    text: str


@dataclass
class PageSeen:
    lang: str
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    panels: dict[str, PanelSeen] = field(default_factory=dict)
    title: str = ""
    screenshot: Path | None = None


def open_dashboard(html: Path, langs: tuple[str, ...] = ("zh", "en"), name: str = "dashboard"):
    """The page in each language (switched with its own button, as a person would), with a
    full-page screenshot of each in ARTIFACTS."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"no Chromium at {CHROMIUM}: ./scripts/setup.sh installs Debian's chromium package"
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen: list[PageSeen] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            current = PageSeen(lang=langs[0])
            page.on(
                "console",
                lambda m: (
                    current.errors.append(f"console.{m.type}: {m.text}")
                    if m.type in ("error", "assert")
                    else None
                ),
            )
            page.on("pageerror", lambda e: current.errors.append(f"uncaught: {e}"))
            page.on(
                "request",
                lambda r: (
                    current.outside_requests.append(r.url)
                    if not r.url.startswith(("file:", "data:", "blob:", "about:"))
                    else None
                ),
            )
            page.goto(html.resolve().as_uri() + f"?lang={langs[0]}")
            page.wait_for_function(
                "document.documentElement.dataset.ready === 'true'", timeout=60_000
            )
            for i, lang in enumerate(langs):
                if i:
                    # the listeners read `current` when they fire: from here on, this page's
                    current = PageSeen(lang=lang)
                    page.click(f"[data-set-lang='{lang}']")
                    page.wait_for_function(
                        "lang => [...document.querySelectorAll("
                        "`.chart[data-chart-lang='${lang}']`)].every("
                        "el => el.getAttribute('data-rendered') === 'true')",
                        arg=lang,
                        timeout=60_000,
                    )
                current.title = page.title()
                for section in page.query_selector_all("section.panel"):
                    key = section.get_attribute("data-panel")
                    charts = section.query_selector_all(f".chart[data-chart-lang='{lang}']")
                    current.panels[key] = PanelSeen(
                        key=key,
                        rows=int(section.get_attribute("data-rows") or 0),
                        has_chart=section.get_attribute("data-has-chart") == "true",
                        charts_rendered=sum(
                            c.get_attribute("data-rendered") == "true" for c in charts
                        ),
                        marks=sum(c.evaluate(MARKS_JS) for c in charts),
                        text=section.inner_text(),
                    )
                current.screenshot = ARTIFACTS / f"{name}-{lang}.png"
                page.screenshot(path=str(current.screenshot), full_page=True)
                seen.append(current)
        finally:
            browser.close()
    return seen
