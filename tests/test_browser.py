"""Real-browser test: JupyterLab in headless Chromium runs notebook 00, and dragging its slider
(arrow keys on the handle) redraws the widget's text and picture."""

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
