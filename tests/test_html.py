"""The stepping page of `to_html`, opened from file:// in headless Chromium and used as a reader
would: keys, buttons, clicks and links. Every number it shows is compared with the engine's
(``Value.backward``'s gradients, formatted as the page formats them, or their repr), the console
must stay free of errors and no request may leave the file. Static pictures are measured in the
browser with DejaVu Sans and Liberation Sans to check that every text fits its box.

Screenshots go to each test's tmp_path, and also to $BACKPROPLAB_SCREENSHOTS when it is set (the
README's pictures are taken that way).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from browser import Browser
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograd import Value, to_html, to_svg, topological_order
from autograd.draw import RENDERER_ENV
from demos import article
from nn import EMILY, MLP, PARAMETER_NAMES, model_to_html, model_to_svg
from nn.draw import model_mimebundle


@pytest.fixture(scope="module")
def browser():
    chromium = Browser()
    yield chromium
    chromium.quit()


@pytest.fixture
def page(browser, tmp_path):
    """Open a page, wait for its script, and check afterwards that it stayed clean."""

    def open_page(html: str, fragment: str = "", name: str = "page.html") -> Path:
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        browser.open(path, fragment)
        wait_until(browser, "return document.body.dataset.ready === 'true'")
        opened.append(path)
        return path

    opened: list[Path] = []
    yield open_page
    errors, requests = browser.logs()
    assert errors == []
    allowed = {path.resolve().as_uri() for path in opened}
    assert [url for url in requests if url.split("#")[0] not in allowed] == []


def wait_until(browser, script: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not browser.run(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.02)


def screenshot(browser, tmp_path: Path, name: str) -> None:
    browser.driver.save_screenshot(str(tmp_path / name))
    folder = os.environ.get("BACKPROPLAB_SCREENSHOTS")
    if folder:
        browser.driver.save_screenshot(str(Path(folder) / name))


def press(browser, key: str) -> None:
    ActionChains(browser.driver).send_keys(key).perform()


def shown(browser) -> dict[str, list[str]]:
    """The text lines of every Value's box, by DOT name (v0, v1, ... in reading order)."""
    return browser.run(
        """
        const found = {};
        for (const group of document.querySelectorAll('#graph g.node')) {
          const name = group.querySelector('title').textContent;
          if (/^v\\d+$/.test(name)) {
            found[name] = [...group.querySelectorAll('text')].map((t) => t.textContent);
          }
        }
        return found;
        """
    )


def text_of(browser, element_id: str) -> str:
    return browser.run(f"return document.getElementById('{element_id}').textContent")


def step_number(browser) -> int:
    return int(browser.run("return document.body.dataset.step"))


def g4(x: float) -> str:
    return format(x, ".4g")


def example() -> tuple[Value, dict[str, Value]]:
    """A neuron, its squared error and a weight penalty: w1 feeds three operations."""
    x1 = Value(2.0, label="x1")
    w1 = Value(-0.5, label="w1")
    b = Value(0.25, label="b")
    h = (w1 * x1 + b).sigmoid()
    h.label = "h"
    loss = (1 - h) ** 2 + 0.1 * w1 * w1
    loss.label = "L"
    return loss, {"x1": x1, "w1": w1, "b": b, "h": h}


# ---------------------------------------------------------------------- stepping
def test_every_step_shows_the_engines_numbers(browser, page, tmp_path):
    loss, named = example()
    html = to_html(loss)
    order = topological_order(loss)
    operations = [value for value in order if not value.is_leaf]
    page(html)
    last = 1 + 2 * len(operations)  # start, forward steps, the seed, backward steps
    assert text_of(browser, "counter") == f"step 0 of {last}"
    boxes = shown(browser)
    for i, value in enumerate(order):
        expected = f"data {g4(value.data)}" if value.is_leaf else "data ?"
        assert boxes[f"v{i}"][-2:] == [expected, "grad ?"]

    # Forward: each operation in the order it was computed, its data appearing as it is.
    for position, value in enumerate(operations):
        press(browser, Keys.ARROW_RIGHT)
        assert step_number(browser) == 1 + position
        boxes = shown(browser)
        for i, other in enumerate(order):
            known = other.is_leaf or other in operations[: position + 1]
            assert boxes[f"v{i}"][-2] == (f"data {g4(other.data)}" if known else "data ?")
        assert text_of(browser, "step-text").endswith(f" = {g4(value.data)}")
    h = named["h"]
    assert text_of(browser, "step-text") != ""
    browser.run("window.location.hash = '#step=' + arguments[0]", 1 + operations.index(h))
    wait_until(browser, f"return document.body.dataset.step === '{1 + operations.index(h)}'")
    z = h.parents[0]
    expected = f"h = sigmoid(t2) = sigmoid({g4(z.data)}) = {g4(h.data)}"
    assert text_of(browser, "step-text") == expected

    # Backward, after the engine's own backward pass: the final gradients are the engine's.
    loss.backward()
    press(browser, Keys.END)
    assert step_number(browser) == last
    boxes = shown(browser)
    for i, value in enumerate(order):
        assert boxes[f"v{i}"][-1] == f"grad {g4(value.grad)}", value
    w1, x1 = named["w1"], named["x1"]
    expected_w1 = -2 * (1 - h.data) * h.data * (1 - h.data) * x1.data + 0.2 * w1.data
    assert w1.grad == pytest.approx(expected_w1, rel=1e-12)  # the engine against the formula
    screenshot(browser, tmp_path, "example-end.png")


def test_a_value_used_three_times_receives_three_contributions(browser, page):
    loss, named = example()
    page(to_html(loss))
    w1_box = f"v{topological_order(loss).index(named['w1'])}"
    texts = []
    press(browser, Keys.END)
    last = step_number(browser)
    press(browser, Keys.HOME)
    for _ in range(last):
        press(browser, Keys.ARROW_RIGHT)
        texts.append((text_of(browser, "step-text"), shown(browser)[w1_box][-1]))
    arrivals = [text for text, _ in texts if "dL/dw1" in text]
    assert len(arrivals) == 3
    assert "(so far)" not in arrivals[0]
    assert all("w1 is used more than once" in text for text in arrivals[1:])
    shown_grads = [grad for text, grad in texts if "dL/dw1" in text]
    # The running sum, in the engine's order: (0.1 w1) * w1 gives 0.1 w1, 0.1 * w1 gives
    # w1 * 0.1, then w1 * x1 gives the neuron's part.
    w1, x1, h = named["w1"].data, named["x1"].data, named["h"].data
    first = 0.1 * w1
    second = first + w1 * 0.1
    third = second + (-2 * (1 - h)) * (h * (1 - h)) * x1
    assert shown_grads == [f"grad {g4(first)}", f"grad {g4(second)}", f"grad {g4(third)}"]


def test_keys_and_buttons_step_play_and_reset(browser, page):
    loss, _ = example()
    page(to_html(loss))
    press(browser, Keys.END)
    last = step_number(browser)
    press(browser, Keys.ARROW_LEFT)
    assert step_number(browser) == last - 1
    press(browser, Keys.HOME)
    assert step_number(browser) == 0
    browser.driver.find_element(By.ID, "step").click()
    browser.driver.find_element(By.ID, "step").click()
    browser.driver.find_element(By.ID, "back").click()
    assert step_number(browser) == 1
    press(browser, " ")  # play: a step every 0.7 s
    wait_until(browser, "return document.body.dataset.step === '3'")
    press(browser, " ")  # pause
    paused_at = step_number(browser)
    time.sleep(1.0)
    assert step_number(browser) == paused_at
    browser.driver.find_element(By.ID, "reset").click()
    assert step_number(browser) == 0
    assert text_of(browser, "play") == "▶ Play"


def test_the_address_opens_a_step_and_a_node_and_follows_the_page(browser, page):
    loss, named = example()
    loss.backward()
    page(to_html(loss), "#step=3&node=w1")
    assert step_number(browser) == 3
    assert text_of(browser, "node-name") == "w1"
    # At step 3 the backward pass has not started: the panel says so, and when it will know.
    last = 1 + 2 * 8
    arrival = last  # w1 * x1, the first operation, is the last the backward pass goes through
    assert f"dL/dw1 not reached yet (complete at step {arrival})" in text_of(browser, "node-text")
    assert "with the numbers of the finished backward pass" in text_of(browser, "node-paths")
    press(browser, Keys.END)
    assert f"dL/dw1 = {g4(named['w1'].grad)}" in text_of(browser, "node-text")
    assert "finished backward pass" not in text_of(browser, "node-paths")
    browser.run("location.hash = '#step=3&node=w1'")
    wait_until(browser, "return document.body.dataset.step === '3'")
    press(browser, Keys.ARROW_RIGHT)
    assert browser.run("return location.hash") == "#step=4&node=w1"
    press(browser, Keys.ESCAPE)
    assert browser.run("return location.hash") == "#step=4"
    browser.run("location.hash = '#step=999&node=nobody'")  # clamped, and no node
    wait_until(browser, "return document.body.dataset.step !== '4'")
    assert step_number(browser) == 1 + 2 * 8
    assert browser.run("return document.getElementById('node-panel').hidden")


def test_clicking_a_value_shows_its_chain_rule_paths(browser, page):
    loss, named = example()
    loss.backward()
    page(to_html(loss))
    index = topological_order(loss).index(named["b"])
    browser.driver.find_element(
        By.XPATH, f"//*[local-name()='g'][*[local-name()='title' and text()='v{index}']]"
    ).click()
    assert text_of(browser, "node-name") == "b"
    paths = text_of(browser, "node-paths")
    # b reaches L along one path, through h: dL/db = dL/dh · dh/db.
    assert "along its one path" in paths
    assert "dL/db = dL/dh · dh/db" in paths
    h = named["h"].data
    assert f"= {g4(-2 * (1 - h))} · {g4(h * (1 - h))}" in paths
    assert paths.rstrip().endswith(f"= {named['b'].grad!r}b → t2 → h → t3 → t4 → L")
    # w1 reaches L along three paths; the page names their sum, the engine's gradient.
    index = topological_order(loss).index(named["w1"])
    browser.driver.find_element(
        By.XPATH, f"//*[local-name()='g'][*[local-name()='title' and text()='v{index}']]"
    ).click()
    paths = text_of(browser, "node-paths")
    assert "along 3 paths" in paths  # through h, and twice through the penalty 0.1 * w1 * w1
    # With no labelled Value on the way, every step is a factor: t5 = 0.1 * w1, t6 = t5 * w1.
    w1 = named["w1"].data
    assert f"dL/dw1 = dL/dt6 · dt6/dt5 · dt5/dw1\n  = 1 · {g4(w1)} · 0.1" in paths
    assert f"dL/dw1 = {named['w1'].grad!r}" in paths


# ---------------------------------------------------------------------- the article's page
def test_the_articles_worked_example_as_a_page(browser, page, tmp_path, capsys):
    assert article.main(["--epochs", "1", "--html", "--out", str(tmp_path)]) == 0
    assert "backprop.html" in capsys.readouterr().out
    html = (tmp_path / "backprop.html").read_text(encoding="utf-8")
    page(html, "#node=w1", name="backprop.html")
    paths = text_of(browser, "node-paths")
    assert "dL/dw1 = dL/do1 · do1/dh1 · dh1/dw1" in paths
    assert "= -0.9526 · 0.2494 · -0.09035" in paths
    assert "= 0.02146953526581111" in paths
    # Every name a learner knows from the article is on the page.
    names = {lines[0] for lines in shown(browser).values() if len(lines) == 3}
    assert {"x1", "x2", *PARAMETER_NAMES, "h1", "h2", "o1", "L"} <= names
    press(browser, Keys.END)
    screenshot(browser, tmp_path, "article-backprop.png")


# ---------------------------------------------------------------------- self-contained
def test_the_page_holds_everything_it_needs(browser, page):
    loss, _ = example()
    html = to_html(loss)
    assert "Content-Security-Policy" in html
    assert re.search(r"""(src|href)\s*=|url\(|@import|fetch\(|XMLHttpRequest""", html) is None
    page(html)  # the fixture checks the console and the requests


def test_labels_cannot_break_the_page(browser, page):
    x = Value(1.0, label='</script><script>document.title="owned"</script>')
    y = Value(2.0, label="<b>&amp;</b> \" ' \\")
    z = x * y
    z.label = "</svg>"
    html = to_html(z)
    page(html, "#node=" + "%3C%2Fsvg%3E")
    assert browser.run("return document.title") != "owned"
    assert text_of(browser, "node-name") == "</svg>"


def test_notebook_frames_step_too(browser, page, tmp_path, monkeypatch):
    loss, _ = example()
    frame = loss._repr_mimebundle_()["text/html"]
    assert frame.startswith("<iframe srcdoc=")
    path = page(f"<html><body data-ready='true'>{frame}</body></html>")
    browser.driver.switch_to.frame(browser.driver.find_element(By.TAG_NAME, "iframe"))
    try:
        wait_until(browser, "return document.body.dataset.ready === 'true'")
        browser.driver.find_element(By.ID, "step").click()  # which also gives the frame the keys
        press(browser, Keys.ARROW_RIGHT)
        assert step_number(browser) == 2
    finally:
        browser.driver.switch_to.default_content()
    assert path.exists()
    model_bundle = model_mimebundle(MLP(2, [2, 1], seed=0))
    assert model_bundle is not None and "neuron h1" in model_bundle["text/html"]
    assert model_mimebundle(object()) is None  # type: ignore[arg-type]
    monkeypatch.setenv(RENDERER_ENV, str(tmp_path / "no-such-dot"))
    with pytest.warns(RuntimeWarning, match="cannot draw this Value"):
        assert loss._repr_mimebundle_() is None
    with pytest.warns(RuntimeWarning, match="cannot draw this model"):
        assert model_mimebundle(MLP(2, [1], seed=0)) is None


def test_model_page_without_a_target_steps_back_from_the_output(browser, page):
    model = MLP(2, [2, 1], seed=0)
    page(model_to_html(model, [1.0, -1.0]))
    press(browser, Keys.END)
    boxes = {lines[0]: lines for lines in shown(browser).values() if len(lines) == 3}
    assert boxes["o1"][-1] == "grad 1"
    assert model.parameters()[0].grad == 0.0  # drawing changed no grad


# ---------------------------------------------------------------------- static pictures
FONTS = ("DejaVu Sans", "Liberation Sans")

FIT = """
const font = arguments[0];
const spills = [];
for (const text of document.querySelectorAll('svg text')) text.style.fontFamily = `"${font}"`;
const outline = (group) => group.querySelector(':scope > path, :scope > polygon, :scope > ellipse');
for (const group of document.querySelectorAll('g.node, g.cluster')) {
  const name = group.querySelector('title').textContent;
  let shape = outline(group);
  if (name === 'legend') {
    const box = [...document.querySelectorAll('g.cluster')]
      .find((c) => c.querySelector('title').textContent === 'cluster_legend');
    shape = outline(box);
    const swatches = [...group.querySelectorAll(':scope > polygon')].map((p) => p.getBBox());
    for (const text of group.querySelectorAll(':scope > text')) {
      const b = text.getBBox();
      for (const s of swatches) {
        const apart = b.x >= s.x + s.width || s.x >= b.x + b.width;
        if (!apart && b.y < s.y + s.height && s.y < b.y + b.height) {
          spills.push([name, text.textContent, 'covers a swatch']);
        }
      }
    }
  }
  if (!shape) continue;
  const box = shape.getBBox();
  for (const text of group.querySelectorAll(':scope > text')) {
    const b = text.getBBox();
    const spill = Math.max(box.x - b.x, b.x + b.width - (box.x + box.width));
    if (spill > 0.5) spills.push([name, text.textContent, spill]);
  }
}
return spills;
"""


def font_width(browser, font: str) -> float:
    return browser.run(
        "const c = document.createElement('canvas').getContext('2d');"
        f"c.font = '100px \"{font}\"'; return c.measureText('0123456789').width;"
    )


def pictures() -> dict[str, str]:
    model = MLP(2, [2, 1], seed=0)
    for parameter, name in zip(model.parameters(), PARAMETER_NAMES, strict=True):
        parameter.label = name
    inputs = [
        Value(EMILY.shifted[0], label="x1 = weight - 135"),
        Value(EMILY.shifted[1], label="x2 = height - 66"),
    ]
    x = Value(-123.456789, label="MMMMMMMM wide WWW")
    y = (x * 1234.5678 - x.exp()).tanh() / 3
    y.backward()
    return {
        "network-tb": model_to_svg(model, inputs, 1.0, direction="TB"),
        "network-lr": model_to_svg(model, inputs, 1.0),
        "wide-labels": to_svg(y, digits=10),
    }


def test_every_text_fits_its_box_in_dejavu_and_liberation_sans(browser, page, tmp_path):
    for name, svg in pictures().items():
        page(f"<html><body data-ready='true'>{svg[svg.index('<svg') :]}</body></html>")
        # Both fonts are really there: their digits differ in width (636 and 556 per mille).
        assert font_width(browser, "DejaVu Sans") == pytest.approx(636, abs=1)
        assert font_width(browser, "Liberation Sans") == pytest.approx(556, abs=1)
        for font in FONTS:
            assert browser.run(FIT, font) == [], (name, font)


def test_the_network_picture_reads_at_a_readmes_width():
    svg = pictures()["network-tb"]
    size = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    width, height = float(size[1]), float(size[2])
    # Shown 880 px across, text of 11 units is 11 * 880 / width px high: at least 11 px when the
    # picture is at most 880 pt wide. It is taller than wide, as a page is, not a strip.
    assert width <= 880
    assert height > width


# ---------------------------------------------------------------------- screens
SCREENS = ((800, 600), (1280, 800))

READING = """
// The rendered size of every node's text (font size times the drawing's scale), and where
// the current step's node and its explanation stand in the window.
const sizes = [];
for (const text of document.querySelectorAll('#graph g.node text')) {
  if (text.closest('g.node').querySelector('title').textContent === 'legend') continue;
  sizes.push(parseFloat(text.getAttribute('font-size')) * text.getScreenCTM().a);
}
sizes.sort((a, b) => a - b);
const inside = (rect, box) =>
  rect.left >= box.left - 0.5 && rect.right <= box.right + 0.5 &&
  rect.top >= box.top - 0.5 && rect.bottom <= box.bottom + 0.5;
const screen = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
const area = document.getElementById('graph').getBoundingClientRect();
const visible = {
  left: Math.max(area.left, 0), top: Math.max(area.top, 0),
  right: Math.min(area.right, innerWidth), bottom: Math.min(area.bottom, innerHeight),
};
const id = arguments[0];
const group = id && [...document.querySelectorAll('#graph g.node')]
  .find((g) => g.querySelector('title').textContent === id);
return {
  smallest: sizes[0], median: sizes[sizes.length >> 1],
  node: group ? inside(group.getBoundingClientRect(), visible) : null,
  text: inside(document.getElementById('step-text').getBoundingClientRect(), screen),
};
"""


def small_chain() -> Value:
    """Nine operations in a row: as a strip left to right, it used to shrink to 7 px text."""
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w")
    y = (w * x + 1).tanh()
    for _ in range(3):
        y = (y * w).sigmoid() + 0.25
    y.label = "y"
    return y


def test_text_is_legible_and_the_explanation_on_screen_at_every_step(browser, page, tmp_path):
    article.main(["--epochs", "1", "--html", "--out", str(tmp_path)])
    pages = {
        "article": (tmp_path / "backprop.html").read_text(encoding="utf-8"),
        "chain": to_html(small_chain(), direction="LR"),
    }
    try:
        for width, height in SCREENS:
            browser.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            for name, html in pages.items():
                page(html, name=f"{name}.html")
                data = page_data(html)
                for n, step in enumerate(data["steps"]):
                    if n:
                        press(browser, Keys.ARROW_RIGHT)
                    assert step_number(browser) == n
                    seen = browser.run(READING, step["node"])
                    where = (name, width, height, n)
                    assert seen["smallest"] >= 10, where
                    assert seen["text"], where
                    assert seen["node"] in (True, None), where
                screenshot(browser, tmp_path, f"{name}-{width}x{height}.png")
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_page_zooms_pans_and_keeps_text_legible(browser, page):
    page(to_html(small_chain(), direction="LR"))
    start = float(browser.run("return document.body.dataset.zoom"))
    press(browser, "+")
    assert float(browser.run("return document.body.dataset.zoom")) == pytest.approx(start * 1.25)
    for _ in range(20):
        press(browser, "-")
    assert browser.run(READING, None)["smallest"] >= 10  # zooming out stops at legible text
    press(browser, "0")
    assert float(browser.run("return document.body.dataset.zoom")) == pytest.approx(start)


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found[1])


def emulate(browser, width: int, height: int) -> None:
    browser.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def test_a_long_chain_reads_across_a_wide_window_and_down_a_tall_one(browser, page):
    w, u = Value(0.9, label="w"), Value(0.1, label="u")
    h = Value(0.5, label="h0")
    for _ in range(12):
        h = (w * h + u).tanh()
    html = to_html(h)
    assert html.count('class="drawing"') == 2  # small enough to be drawn both ways
    try:
        for (width, height), direction in (((1600, 600), "LR"), ((600, 1000), "TB")):
            emulate(browser, width, height)
            page(html, name=f"chain-{direction}.html")
            assert browser.run("return document.body.dataset.direction") == direction
            assert browser.run("return document.querySelectorAll('#graph svg').length") == 1
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_clicking_a_reference_selects_the_value_it_stands_for(browser, page):
    w, u = Value(0.9, label="w"), Value(0.1, label="u")
    h = Value(0.5, label="h0")
    for _ in range(8):
        h = (w * h + u).tanh()
    h.label = "h"
    page(to_html(h, direction="TB"))
    order = topological_order(h)
    reference = browser.driver.find_element(
        By.XPATH,
        f"//*[local-name()='g'][*[local-name()='title' and starts-with(text(), "
        f"'r{order.index(u)}_')]]",
    )
    reference.click()
    assert text_of(browser, "node-name") == "u"
    assert "along 8 paths" in text_of(browser, "node-paths")  # one through each use


def test_a_huge_path_count_is_shown_exactly(browser, page):
    # 60 diamonds in a row: 2**60 paths from x to the output; the page writes 3 of them and
    # names the rest exactly (a float would say 1152921504606847000).
    x = Value(0.5, label="x")
    v = x
    for _ in range(60):
        v = v * 0.5 + v * 0.25
    page(to_html(v, legend=False, direction="TB"), "#node=x")
    paths = text_of(browser, "node-paths")
    assert f"sum over all {2**60} paths ({2**60 - 3} more not shown)" in paths
