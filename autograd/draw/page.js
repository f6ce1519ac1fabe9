// Steps through the forward and backward pass that autograd.to_html wrote into this page.
// Every number and every count shown comes from the page's data, computed in Python by the
// engine: this script only chooses which of those texts to show, and does no arithmetic on them.
// (The arithmetic below is on screen coordinates: zoom, panning, scrolling.)
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const steps = DATA.steps;
  const last = steps.length - 1;
  const byId = new Map(DATA.nodes.map((node) => [node.id, node]));
  const byName = new Map();
  for (const node of DATA.nodes) {
    if (!byName.has(node.name)) byName.set(node.name, node);
  }
  const element = (id) => document.getElementById(id);
  const area = element("graph");

  // The drawing. The page may hold it twice, left to right and top to bottom: the one whose
  // shape is closer to the drawing area's stays, so that it shows larger when it fits and
  // scrolls along the area's long side when it does not (a long chain then reads across a wide
  // window and down a tall one).
  const PX_PER_PT = 4 / 3; // Graphviz measures in points
  const drawings = [...area.querySelectorAll(".drawing")];
  const natural = (drawing) => {
    const box = drawing.querySelector("svg").viewBox.baseVal;
    return { width: box.width * PX_PER_PT, height: box.height * PX_PER_PT };
  };
  const fitZoom = (size) =>
    Math.min((area.clientWidth - 16) / size.width, (area.clientHeight - 16) / size.height);
  const mismatch = (size) =>
    Math.abs(Math.log(size.width / size.height / (area.clientWidth / area.clientHeight)));
  let chosen = drawings[0];
  for (const drawing of drawings.slice(1)) {
    if (mismatch(natural(drawing)) < mismatch(natural(chosen))) chosen = drawing;
  }
  for (const drawing of drawings) {
    if (drawing !== chosen) drawing.remove();
  }
  chosen.hidden = false;
  document.body.dataset.direction = chosen.dataset.direction;
  const svg = chosen.querySelector("svg");
  const size = natural(chosen);
  svg.removeAttribute("width");
  svg.removeAttribute("height");

  // Zoom: never so small that node text falls below MIN_TEXT_PX; fitting the whole drawing
  // when that is larger, and never larger than the drawing's own size.
  const MIN_TEXT_PX = 10.5;
  const minZoom = MIN_TEXT_PX / (DATA.smallestText * PX_PER_PT);
  const maxZoom = 4;
  let zoom = 1;
  const clampZoom = (z) => Math.max(minZoom, Math.min(maxZoom, z));
  function setZoom(z, centreX, centreY) {
    // Keep the point under (centreX, centreY), in the area's coordinates, where it was.
    const cx = centreX === undefined ? area.clientWidth / 2 : centreX;
    const cy = centreY === undefined ? area.clientHeight / 2 : centreY;
    const x = (area.scrollLeft + cx) / zoom;
    const y = (area.scrollTop + cy) / zoom;
    zoom = clampZoom(z);
    svg.style.width = size.width * zoom + "px";
    svg.style.height = size.height * zoom + "px";
    area.scrollLeft = x * zoom - cx;
    area.scrollTop = y * zoom - cy;
    document.body.dataset.zoom = String(zoom);
  }
  const fitted = () => clampZoom(Math.min(1, fitZoom(size)));
  setZoom(fitted());

  const shapes = new Map(); // Graphviz titles each group with its DOT name (v3, op3, v1->op3)
  const references = new Map(); // "v3" -> the small boxes that stand for v3 beside its uses
  for (const group of svg.querySelectorAll("g.node, g.edge")) {
    const title = group.querySelector("title");
    if (!title) continue;
    shapes.set(title.textContent, group);
    const reference = /^r(\d+)_/.exec(title.textContent);
    if (reference) {
      const id = "v" + reference[1];
      if (!references.has(id)) references.set(id, []);
      references.get(id).push(group);
    }
  }
  const edgesInto = new Map(); // "op3" or "v3" -> its incoming edge groups
  for (const [title, group] of shapes) {
    const arrow = title.indexOf("->");
    if (arrow < 0) continue;
    const head = title.slice(arrow + 2);
    if (!edgesInto.has(head)) edgesInto.set(head, []);
    edgesInto.get(head).push(group);
  }
  // A Value's box ends in two lines, "data ..." and "grad ...": the texts the steps change.
  // Graphviz starts each line where its final text would start; a changed text ("grad ?") is
  // centred in the box instead. The centre is read from the outline's coordinates (x, y pairs):
  // asking the browser to measure would lay the whole drawing out before it is first shown.
  const lines = new Map();
  for (const node of DATA.nodes) {
    const group = shapes.get(node.id);
    if (!group) continue;
    const texts = group.querySelectorAll("text");
    const outline = group.querySelector("path, polygon");
    const numbers = (outline.getAttribute("d") || outline.getAttribute("points") || "")
      .match(/-?\d+(\.\d+)?/g)
      .map(Number);
    const xs = numbers.filter((_, i) => i % 2 === 0);
    const centre = String((Math.min(...xs) + Math.max(...xs)) / 2);
    for (const text of [texts[texts.length - 2], texts[texts.length - 1]]) {
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("x", centre);
    }
    lines.set(node.id, { data: texts[texts.length - 2], grad: texts[texts.length - 1] });
  }
  const opOf = (id) => "op" + id.slice(1);
  const slider = element("slider");
  slider.max = String(last);
  let current = 0;
  let selected = null;
  let timer = null;

  // What every Value shows after step n: the data computed so far and the gradients so far.
  function stateAt(n) {
    const data = new Map();
    const grad = new Map();
    for (let i = 1; i <= n; i++) {
      const step = steps[i];
      if (step.kind === "forward") data.set(step.node, step.shownData);
      if (step.grads) {
        for (const [id, shown] of Object.entries(step.grads)) grad.set(id, shown);
      }
    }
    return { data, grad };
  }

  function setText(target, text) {
    if (target && target.textContent !== text) target.textContent = text;
  }

  function mark(id, name, on) {
    for (const key of [id, opOf(id)]) {
      const group = shapes.get(key);
      if (group) group.classList.toggle(name, on);
    }
    for (const group of references.get(id) || []) group.classList.toggle(name, on);
  }

  // Scroll the drawing so that `group` is in view, centred when it was not.
  function reveal(group) {
    const box = group.getBoundingClientRect();
    const view = area.getBoundingClientRect();
    const inside =
      box.left >= view.left && box.right <= view.right && box.top >= view.top && box.bottom <= view.bottom;
    if (inside) return;
    area.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
    area.scrollTop += box.top + box.height / 2 - (view.top + view.height / 2);
  }

  function render(scroll) {
    const step = steps[current];
    const state = stateAt(current);
    const uses = new Set(step.uses || []);
    const targets = new Set(step.targets || []);
    for (const node of DATA.nodes) {
      const known = node.leaf || state.data.has(node.id);
      const shown = lines.get(node.id);
      if (shown) {
        setText(shown.data, "data " + (node.leaf ? node.shownData : state.data.get(node.id) || "?"));
        setText(shown.grad, "grad " + (state.grad.get(node.id) || "?"));
      }
      mark(node.id, "pending", !known);
      mark(node.id, "current", node.id === step.node);
      mark(node.id, "used", uses.has(node.id));
      mark(node.id, "receiving", targets.has(node.id));
      mark(node.id, "selected", node.id === selected);
    }
    for (const group of svg.querySelectorAll("g.edge.active")) group.classList.remove("active");
    if (step.node && step.kind !== "seed") {
      for (const key of [opOf(step.node), step.node]) {
        for (const group of edgesInto.get(key) || []) group.classList.add("active");
      }
    }
    const phase = { start: "Start", forward: "Forward pass", seed: "Backward pass" };
    element("phase").textContent = phase[step.kind] || "Backward pass";
    element("step-text").textContent = step.text;
    element("counter").textContent = `step ${current} of ${last}`;
    slider.value = String(current);
    element("back").disabled = current === 0;
    element("step").disabled = current === last;
    document.body.dataset.step = String(current);
    renderSelection(state);
    writeHash();
    element("explanation").scrollTop = 0;
    if (scroll && step.node && shapes.get(step.node)) reveal(shapes.get(step.node));
  }

  // The selected Value, as known at the current step: its data once computed, its gradient so
  // far, and its chain-rule paths, which are the finished backward pass's numbers.
  function renderSelection(state) {
    const panel = element("node-panel");
    if (!selected) {
      panel.hidden = true;
      return;
    }
    const node = byId.get(selected);
    panel.hidden = false;
    element("node-name").textContent = node.name;
    const about = [];
    about.push(node.leaf ? "a leaf: a parameter or an input" : node.formula);
    const known = node.leaf || state.data.has(node.id);
    about.push(known ? "data " + node.shownData : `data not computed yet (step ${node.computedAt})`);
    let finished = true;
    if (node.grad !== undefined) {
      const symbol = `d${DATA.rootName}/d${node.name}`;
      finished = current >= node.finishedAt;
      if (finished) about.push(`${symbol} = ${node.shownGrad}`);
      else if (state.grad.has(node.id)) {
        about.push(`${symbol} so far: ${state.grad.get(node.id)} (complete at step ${node.finishedAt})`);
      } else about.push(`${symbol} not reached yet (complete at step ${node.finishedAt})`);
    }
    element("node-text").textContent = about.join("\n");
    const box = element("node-paths");
    box.replaceChildren();
    if (!node.paths) return;
    const { count, more, paths, total } = node.paths;
    const heading = document.createElement("h3");
    heading.textContent =
      (count === "1" ? "The chain rule, along its one path" : `The chain rule, along ${count} paths`) +
      (finished ? "" : ", with the numbers of the finished backward pass");
    box.append(heading);
    paths.forEach((path, i) => {
      const item = document.createElement("pre");
      item.className = "path";
      const result = count === "1" ? total : path.value;
      let text = (count === "1" ? "" : `path ${i + 1}: `) + path.symbols;
      if (path.numbers) text += `\n  = ${path.numbers}`;
      if (path.numbers && path.numbers !== result) text += `\n  = ${result}`;
      item.textContent = text;
      const route = document.createElement("div");
      route.className = "route";
      route.textContent = path.route;
      box.append(item, route);
    });
    if (count !== "1") {
      const sum = document.createElement("pre");
      sum.className = "path total";
      const hidden = more === "0" ? "" : ` (${more} more not shown)`;
      sum.textContent = `sum over all ${count} paths${hidden}:\n${node.paths.symbol} = ${total}`;
      box.append(sum);
    }
  }

  function writeHash() {
    let hash = "#step=" + current;
    if (selected) hash += "&node=" + encodeURIComponent(byId.get(selected).name);
    try {
      history.replaceState(null, "", hash);
    } catch (error) {
      // A page shown inside a notebook's frame may not change its address: nothing to keep.
    }
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.has("step")) {
      const n = parseInt(params.get("step"), 10);
      if (!Number.isNaN(n)) current = Math.max(0, Math.min(last, n));
    }
    if (params.has("node")) {
      const wanted = params.get("node");
      const node = byName.get(wanted) || byId.get(wanted);
      selected = node ? node.id : null;
    }
  }

  function go(n) {
    current = Math.max(0, Math.min(last, n));
    render(true);
  }

  function play(on) {
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (on) {
      if (current === last) go(0);
      timer = setInterval(() => {
        if (current >= last) play(false);
        else go(current + 1);
      }, 700);
    }
    element("play").textContent = timer === null ? "▶ Play" : "⏸ Pause";
  }

  function select(id) {
    selected = id;
    render(false);
  }

  // Each button does what its key does.
  const actions = {
    ArrowRight: () => go(current + 1),
    ArrowLeft: () => go(current - 1),
    " ": () => play(timer === null),
    Home: () => {
      play(false);
      go(0);
    },
    End: () => go(last),
    Escape: () => select(null),
    "+": () => setZoom(zoom * 1.25),
    "-": () => setZoom(zoom / 1.25),
    0: () => setZoom(fitted()),
  };
  actions["="] = actions["+"]; // the same key as +, without Shift
  element("reset").addEventListener("click", actions.Home);
  element("back").addEventListener("click", actions.ArrowLeft);
  element("step").addEventListener("click", actions.ArrowRight);
  element("play").addEventListener("click", actions[" "]);
  element("zoom-in").addEventListener("click", actions["+"]);
  element("zoom-out").addEventListener("click", actions["-"]);
  element("zoom-fit").addEventListener("click", actions[0]);
  slider.addEventListener("input", () => go(Number(slider.value)));

  // Pan by dragging the drawing; zoom with Ctrl and the wheel (or a touchpad's pinch).
  let drag = null;
  area.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: area.scrollLeft, top: area.scrollTop, moved: false };
  });
  area.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
    if (!drag.moved) area.setPointerCapture(event.pointerId);
    drag.moved = true;
    area.scrollLeft = drag.left - dx;
    area.scrollTop = drag.top - dy;
  });
  const endDrag = () => {
    // A drag that moved is not a click: keep it from selecting the Value it ended on.
    if (drag && drag.moved) setTimeout(() => (drag = null), 0);
    else drag = null;
  };
  area.addEventListener("pointerup", endDrag);
  area.addEventListener("pointercancel", endDrag);
  area.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      const view = area.getBoundingClientRect();
      setZoom(zoom * Math.exp(-event.deltaY / 300), event.clientX - view.left, event.clientY - view.top);
    },
    { passive: false },
  );
  svg.addEventListener("click", (event) => {
    if (drag && drag.moved) return;
    const group = event.target.closest("g.node");
    if (!group) return;
    const title = group.querySelector("title").textContent;
    // An operation (op3) stands for the Value it makes, a reference (r3_1) for its original.
    const found = /^(?:op|r)(\d+)/.exec(title);
    const id = found ? "v" + found[1] : title;
    if (!byId.has(id)) return;
    select(id);
    if (title.startsWith("r")) reveal(shapes.get(id));
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target instanceof HTMLInputElement && event.target.type === "range") return;
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  window.addEventListener("hashchange", () => {
    readHash();
    render(true);
  });

  readHash();
  render(true);
  document.body.dataset.ready = "true";
})();
