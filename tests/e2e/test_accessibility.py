"""The HTML report in a real browser (headless Chromium), national and local, at 1 280 and 390 px.

axe-core finds no violation of the WCAG 2.1 A and AA rules; every table has its caption; a table wider than a
phone scrolls in a region a keyboard can reach and scroll, named by its caption, with its first column and its
caption in view; the table of contents stays in view beside the text on a wide screen and is one column on a
phone, with no word broken; a link leads back to the top from anywhere; every chart has its numbers in a table
under it.

`make test` installs Chromium (tools/setup-system.sh) and axe-core (npm, pinned by tools/package-lock.json): a
missing one is a failure here, not a skip, except off Debian, where the set-up cannot install them. Each test
saves screenshots of what it looked at in its temporary folder (pytest's ``tmp_path``), for a reader to look at.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from helpers.data import hermetic
from nns.build.report import build_report
from nns.config import ROOT, Scope

LOCAL = "Väst"
WIDTHS = (1280, 390)
PHONE = 390
HEIGHT = 900
AXE = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REPORTS = ("riket", LOCAL)

if not Path("/etc/debian_version").exists() and not (CHROMIUM and AXE.exists()):
    pytest.skip("Chromium och axe-core installeras av tools/setup-system.sh och make test, bara på Debian",
                allow_module_level=True)


@pytest.fixture(scope="module")
def pages(national, tmp_path_factory) -> dict[str, Path]:
    """The national report (the session's) and one förbund's, as HTML files."""
    local = build_report(hermetic(tmp_path_factory.mktemp("local")), Scope(2022, LOCAL), ("html",))
    return {"riket": national.out_dir / "rapport.html", LOCAL: local.out_dir / "rapport.html"}


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium saknas: kör tools/setup-system.sh (make test gör det)"
    with sync_playwright() as p:
        # Debian's Chromium, not a browser of Playwright's own (which would be downloaded)
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, pages):
    """open_page(report, width): the report in a new tab of that width, scrolled to the top."""
    opened = []

    def _open(report: str, width: int, details: bool = False):
        page = browser.new_page(viewport={"width": width, "height": HEIGHT})
        opened.append(page)
        page.goto(pages[report].as_uri())
        if details:   # the charts' numbers: hidden until a reader opens them
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        return page

    yield _open
    for page in opened:
        page.close()


def _shot(page, tmp_path: Path, name: str, selector: str | None = None) -> None:
    """A screenshot of the page's top, or of the first element that ``selector`` finds (none: no screenshot)."""
    if selector:
        if not page.locator(selector).count():
            return
        page.locator(selector).first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"{name}.png"))


def _violations(result: dict) -> str:
    lines = []
    for v in result["violations"]:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} ställen): {v['help']}")
        for node in v["nodes"][:3]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def test_axe_core_is_installed():
    assert AXE.exists(), f"{AXE.relative_to(ROOT)} saknas: kör make test (npm ci --prefix tools)"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("report", REPORTS)
def test_axe_core_finds_no_wcag_violation(report, width, open_page, tmp_path):
    page = open_page(report, width, details=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    _shot(page, tmp_path, f"{report}-{width}-top")
    _shot(page, tmp_path, f"{report}-{width}-tabell", ".nns-table")
    _shot(page, tmp_path, f"{report}-{width}-diagram", "details.nns-data")
    assert result["passes"], "axe-core checked nothing"
    assert not result["violations"], (f"axe-core: {report} vid {width} px bryter mot {len(result['violations'])} "
                                      f"regel/regler:\n{_violations(result)}")


@pytest.mark.parametrize("report", REPORTS)
def test_every_table_has_its_caption(report, open_page):
    page = open_page(report, PHONE, details=True)
    tables = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => [
        t.closest('[id]') ? t.closest('[id]').id : '', t.caption ? t.caption.textContent.trim() : ''])""")
    assert len(tables) > 20
    assert [where for where, caption in tables if not caption] == []


@pytest.mark.parametrize("report", REPORTS)
def test_tables_wider_than_a_phone_scroll_by_keyboard_with_caption_and_first_column_in_view(report, open_page,
                                                                                             tmp_path):
    page = open_page(report, PHONE)
    scrolling = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        const s = getComputedStyle(e);
        return ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1
            && e.querySelector('table');   // the charts' regions: the test below
    }).map(e => e.id)""")
    assert scrolling, "no table is wider than a phone: this test would check nothing"
    for region_id in scrolling:
        region = page.locator(f"[id='{region_id}']")
        assert region.get_attribute("role") == "region", region_id
        assert region.get_attribute("tabindex") == "0", region_id
        name_id = region.get_attribute("aria-labelledby")
        assert name_id and page.locator(f"[id='{name_id}']").inner_text().strip(), region_id
        region.focus()
        page.keyboard.press("ArrowRight")   # a keyboard scrolls the focused region (smoothly: wait for it)
        try:
            page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
        except PlaywrightTimeout:
            pytest.fail(f"{region_id}: the keyboard does not scroll it")
        box = region.evaluate("""e => {
            e.scrollLeft = e.scrollWidth;
            const r = e.getBoundingClientRect(), stub = e.querySelector('tbody th[scope=row]');
            return {left: r.left, right: r.right, caption: e.querySelector('caption').getBoundingClientRect().toJSON(),
                    stub: stub.getBoundingClientRect().left};
        }""")
        assert abs(box["stub"] - box["left"]) < 2, f"{region_id}: the first column scrolls out of view"
        assert box["caption"]["left"] >= box["left"] - 1 and box["caption"]["right"] <= box["right"] + 1, \
            f"{region_id}: the caption is wider than the screen"
    region.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"{report}-{PHONE}-tabell-scrollad.png"))


@pytest.mark.parametrize("report", REPORTS)
def test_the_table_of_contents_stays_in_view_beside_the_text_on_a_wide_screen(report, open_page, tmp_path):
    page = open_page(report, 1280)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    toc = page.locator("nav#TOC").bounding_box()
    main = page.locator("main").bounding_box()
    page.screenshot(path=str(tmp_path / f"{report}-1280-mitten.png"))
    assert toc["y"] >= -1 and toc["y"] + toc["height"] <= HEIGHT + 1 and toc["height"] > HEIGHT / 2
    assert toc["x"] + toc["width"] <= main["x"], "the table of contents is not beside the text"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("report", REPORTS)
def test_no_word_is_broken_in_the_table_of_contents_or_a_heading(report, width, open_page):
    page = open_page(report, width)
    broken = page.evaluate("""() => {
        const broken = [];
        for (const el of document.querySelectorAll('nav#TOC a, h1, h2, h3')) {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const m of node.data.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                    if (lines.size > 1) broken.push(m[0]);
                }
            }
        }
        return broken;
    }""")
    assert broken == []
    if width == PHONE:
        assert page.evaluate("() => getComputedStyle(document.querySelector('nav#TOC > ul')).columnCount") in (
            "auto", "1")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("report", REPORTS)
def test_a_link_leads_back_to_the_top_from_anywhere(report, width, open_page):
    page = open_page(report, width)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight * 0.6)")
    link = page.get_by_role("link", name="Till början")
    assert link.count() == 1, "no link 'Till början'"
    box = link.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= HEIGHT, "the link is not in view"
    link.click()
    try:
        page.wait_for_function("() => window.scrollY === 0", timeout=5000)
    except PlaywrightTimeout:
        pytest.fail(f"'Till början' leads to {page.evaluate('window.scrollY')} px, not to the top")


@pytest.mark.parametrize("report", REPORTS)
def test_every_chart_has_its_numbers_in_a_table_under_it(report, open_page):
    page = open_page(report, PHONE, details=True)
    charts = page.evaluate("""() => [...document.querySelectorAll('.nns-figure')].filter(f => f.querySelector('img'))
        .map(f => {
            const d = f.querySelector('details'), t = d && d.querySelector('table');
            return {summary: d ? d.querySelector('summary').textContent : '', caption: t ? t.caption.textContent : '',
                    columns: t ? t.querySelectorAll('thead th[scope=col]').length : 0,
                    rows: t ? [...t.querySelectorAll('tbody tr')].map(r => r.querySelectorAll('th[scope=row]').length) : [],
                    values: t ? [...t.querySelectorAll('tbody td')].map(c => c.textContent.trim()) : []};
        })""")
    assert len(charts) >= 10
    for chart in charts:
        assert chart["summary"] == "Diagrammets data"
        assert chart["caption"].startswith("Diagram ") and " i siffror" in chart["caption"]
        assert chart["columns"] >= 2 and chart["rows"] and set(chart["rows"]) == {1}
        assert all(v.endswith("%") or v in ("–", "..", "") for v in chart["values"]), chart["values"]


@pytest.mark.parametrize("report", REPORTS)
def test_on_a_phone_every_chart_keeps_a_legible_width_in_a_region_a_keyboard_can_scroll(report, open_page):
    """At 390 px a chart drawn 6.4 inches wide would shrink its 7-point labels to 5 px; it keeps 600 px (9 px
    labels) and scrolls sideways in a focusable region named by its label."""
    page = open_page(report, PHONE)
    charts = page.evaluate("""() => [...document.querySelectorAll('.nns-figure img')].map(img => {
        const r = img.closest('.nns-chart-scroll');
        return {width: img.getBoundingClientRect().width, region: !!r, tabindex: r ? r.tabIndex : -1,
                label: r ? r.getAttribute('aria-label') : '', scrolls: r ? r.scrollWidth > r.clientWidth : false};
    })""")
    assert len(charts) >= 10
    for chart in charts:
        assert chart["width"] >= 600 and chart["region"] and chart["tabindex"] == 0, chart
        assert chart["label"].startswith("Diagram ") and chart["scrolls"], chart
    region = page.locator(".nns-chart-scroll").first
    region.focus()
    page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    except PlaywrightTimeout:
        pytest.fail("the keyboard does not scroll a chart's region")
