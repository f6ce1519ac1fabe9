// Steps through the forward and backward pass that autograd.to_html wrote into this page.
// Every number shown comes from the page's data, computed in Python by the engine: this script
// only chooses which of those texts to show, and does no arithmetic on them.
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

  // The drawing: Graphviz titles each group with its DOT name (v3, op3, v1->op3).
  const svg = document.querySelector("#graph svg");
  const shapes = new Map();
  for (const group of svg.querySelectorAll("g.node, g.edge")) {
    const title = group.querySelector("title");
    if (title) shapes.set(title.textContent, group);
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

  const element = (id) => document.getElementById(id);
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
    renderSelection();
    writeHash();
    if (scroll && step.node && shapes.get(step.node)) {
      shapes.get(step.node).scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  function renderSelection() {
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
    about.push("data " + node.data);
    if (node.grad !== undefined) about.push(`d${DATA.rootName}/d${node.name} = ${node.grad}`);
    element("node-text").textContent = about.join("\n");
    const box = element("node-paths");
    box.replaceChildren();
    if (!node.paths) return;
    const { count, paths, total } = node.paths;
    const heading = document.createElement("h3");
    heading.textContent =
      count === "1" ? "The chain rule, along its one path" : `The chain rule, along ${count} paths`;
    box.append(heading);
    paths.forEach((path, i) => {
      const item = document.createElement("pre");
      item.className = "path";
      const result = count === "1" ? total : path.value;
      item.textContent =
        (count === "1" ? "" : `path ${i + 1}: `) +
        `${path.symbols}\n  = ${path.numbers}\n  = ${result}`;
      const route = document.createElement("div");
      route.className = "route";
      route.textContent = path.route;
      box.append(item, route);
    });
    if (count !== "1") {
      const sum = document.createElement("pre");
      sum.className = "path total";
      const more = Number(count) > paths.length ? ` (${count - paths.length} more not shown)` : "";
      sum.textContent = `sum over all ${count} paths${more}:\nd${DATA.rootName}/d${node.name} = ${total}`;
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
  };
  element("reset").addEventListener("click", actions.Home);
  element("back").addEventListener("click", actions.ArrowLeft);
  element("step").addEventListener("click", actions.ArrowRight);
  element("play").addEventListener("click", actions[" "]);
  slider.addEventListener("input", () => go(Number(slider.value)));
  element("fit").addEventListener("change", (event) => {
    element("graph").classList.toggle("fit", event.target.checked);
  });
  svg.addEventListener("click", (event) => {
    const group = event.target.closest("g.node");
    if (!group) return;
    const title = group.querySelector("title").textContent;
    const id = title.startsWith("op") ? "v" + title.slice(2) : title;
    if (byId.has(id)) select(id);
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
