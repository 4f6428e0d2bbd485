"""Real-browser tests: JupyterLab in headless Chromium runs notebooks 00 and 09, and dragging
their sliders (arrow keys on the handle) redraws the widgets' text and pictures."""

import re

import pytest
from browser import (
    SLIDER_HANDLE,
    browser_page,
    copy_notebook,
    jupyterlab,
    open_and_run_all,
    require_chromium,
)
from course_paths import OUTPUT

pytestmark = pytest.mark.browser


def _widget_output(page):
    output = page.locator(".widget-output").first
    return output.inner_text(), output.locator("img").first.get_attribute("src")


def test_notebook_00_slider_redraws_in_jupyterlab(root, tmp_path):
    require_chromium()
    copy_notebook(root, "00_start_here.ipynb", tmp_path)
    with jupyterlab(tmp_path) as (base, token), browser_page() as page:
        open_and_run_all(page, base, token, "00_start_here.ipynb")
        handle = page.locator(SLIDER_HANDLE).first
        handle.wait_for(timeout=60_000)
        handle.scroll_into_view_if_needed()
        text_before, image_before = _widget_output(page)
        assert "T = 1.00" in text_before and image_before.startswith("data:image/png")
        handle.focus()
        for _ in range(10):
            handle.press("ArrowRight")  # 10 steps of 0.05
        page.locator(".widget-output", has_text="T = 1.50").first.wait_for(timeout=30_000)
        text_after, image_after = _widget_output(page)
        assert "T = 1.50: cat 0.557" in text_after
        assert image_after != image_before
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=OUTPUT / "browser_00_start_here.png", full_page=False)


def _candidates(text: str) -> int:
    return int(re.search(r"candidate tokens: (\d+) of", text).group(1))


def test_notebook_09_sliders_redraw_the_next_token_chart_in_jupyterlab(root, tmp_path):
    """The next-token explorer: moving the temperature and the top-p sliders redraws the bar
    chart and changes the printed number of candidate tokens."""
    require_chromium()
    name = "09_sampling_and_llm_controls.ipynb"
    copy_notebook(root, name, tmp_path)
    with jupyterlab(tmp_path) as (base, token), browser_page() as page:
        open_and_run_all(page, base, token, name)
        handles = page.locator(SLIDER_HANDLE)  # explorer: temperature, top-k, top-p; playground
        handles.first.wait_for(timeout=60_000)
        temperature, top_p = handles.nth(0), handles.nth(2)
        temperature.scroll_into_view_if_needed()

        def explorer(settings: str) -> tuple[str, str]:
            """The explorer's text and chart, once it shows `settings`."""
            output = page.locator(".widget-output", has_text=settings).first
            output.wait_for(timeout=30_000)
            return output.text_content(), output.locator("img").first.get_attribute("src")

        text_0, image_0 = explorer("temperature 1.00, top-k off, top-p 0.90")
        assert image_0.startswith("data:image/png")
        temperature.focus()
        for _ in range(6):
            temperature.press("ArrowLeft")  # 6 steps of 0.05: 1.00 -> 0.70
        text_1, image_1 = explorer("temperature 0.70, top-k off, top-p 0.90")
        assert image_1 != image_0
        assert _candidates(text_1) < _candidates(text_0)  # sharper: fewer tokens reach p
        top_p.focus()
        for _ in range(8):
            top_p.press("ArrowLeft")  # 8 steps of 0.05: 0.90 -> 0.50
        text_2, image_2 = explorer("temperature 0.70, top-k off, top-p 0.50")
        assert image_2 != image_1
        assert _candidates(text_2) < _candidates(text_1)  # a smaller nucleus
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=OUTPUT / "browser_09_sampling.png", full_page=False)
