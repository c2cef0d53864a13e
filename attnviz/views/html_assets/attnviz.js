"use strict";
// attnviz: the interactive view of one attnviz/1 document.  html.py wraps this file as
// (function (ROOT_ID) { ... })("attnviz-…") and embeds the document in a JSON block whose id is ROOT_ID-data.
// Plain JS, SVG and canvas; no library, no network.  Text from the document (tokens, header) is
// only ever set through textContent, attributes or canvas fillText: never parsed as HTML.

const root = document.getElementById(ROOT_ID);
const doc = JSON.parse(document.getElementById(ROOT_ID + "-data").textContent);
const view = doc.view || {};
// The page's own words in the views' language: {English: translation} from views/html.py (no block in
// English).  Every label goes through t, or tf when it carries values (its {name} placeholders filled from an
// object); views/page_text.py finds their string literals for the catalogs (context "page"): keep them literal.
const WORDS = JSON.parse((document.getElementById(ROOT_ID + "-words") || { textContent: "{}" }).textContent);
const t = (s) => WORDS[s] || s;
const tf = (s, values) => (WORDS[s] || s).replace(/\{(\w+)\}/g, (all, k) => (k in values ? String(values[k]) : all));
// The SVG namespace, taken from a parsed <svg> so that the page carries no URL at all.
const SVG_NS = new DOMParser().parseFromString("<svg></svg>", "text/html").body.firstChild.namespaceURI;
const LINE_MIN = 0.01; // lines with α′ below this are not drawn (they would be invisible)
const LINES_MAX = 256; // the lines view is offered up to this many tokens
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
const NEG = [33, 102, 172], MID = [247, 247, 247], POS = [178, 24, 43]; // RdBu, as in the terminal
const HEAD_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"];
const dpr = () => window.devicePixelRatio || 1;

// ------------------------------------------------------------------ small helpers

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

function lerp(c0, c1, t) {
  return [0, 1, 2].map((i) => Math.round(c0[i] + (c1[i] - c0[i]) * t));
}

function viridis(t) {
  t = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2);
  return lerp(VIRIDIS[i], VIRIDIS[i + 1], t - i);
}

function diverging(t) { // t in [-1, 1]: blue … near-white … red
  t = Math.min(Math.max(t, -1), 1);
  return t >= 0 ? lerp(MID, POS, t) : lerp(MID, NEG, -t);
}

const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
const headColor = (h) => h < HEAD_COLORS.length ? HEAD_COLORS[h] : `hsl(${(h * 137.5) % 360},65%,45%)`;

function fmt3(x) { // x with 3 decimals exactly as Python's f"{x:.3f}" (exact ties go to even)
  if (x === null || x === undefined) return t("masked");
  const s = Math.abs(x).toFixed(20), dot = s.indexOf(".");
  let out = Math.abs(x).toFixed(3);
  if (/^50*$/.test(s.slice(dot + 4))) { // an exact tie: toFixed rounded up; Python rounds to even
    const down = s.slice(0, dot + 4);
    if (Number(down.slice(-1)) % 2 === 0) out = down;
  }
  return (x < 0 || Object.is(x, -0) ? "-" : "") + out;
}

function tick(x) { // a legend number: 3 significant digits, no trailing zeros
  return String(Number(x.toPrecision(3)));
}

function font(px) { // the page's own font, for canvas text
  return `${px}px ${getComputedStyle(root).fontFamily || "sans-serif"}`;
}

function short(token, most) {
  const chars = Array.from(token);
  return chars.length > most ? chars.slice(0, most - 1).join("") + "…" : token;
}

function textWidth(texts, font) {
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = font;
  return texts.reduce((w, t) => Math.max(w, ctx.measureText(t).width), 0);
}

function sizeCanvas(c, w, h) {
  const r = dpr();
  c.width = Math.round(w * r);
  c.height = Math.round(h * r);
  c.style.width = w + "px";
  c.style.height = h + "px";
  const ctx = c.getContext("2d");
  ctx.setTransform(r, 0, 0, r, 0, 0);
  return ctx;
}

function stageWidth() {
  return Math.max(280, ui.stage.clientWidth || root.clientWidth || 800);
}

// ------------------------------------------------------------------ the document

const tokens = doc.tokens || [];
const n = tokens.length;
const layers = (doc.layers || []).map((l, k) => ({
  label: l.kind === "rollout" ? t("rollout") : tf("layer {l}", { l: l.index + 1 }), kind: l.kind || "attention", heads: l.heads, k,
}));
const isModel = (doc.source || {}).kind === "model";
const unit = (doc.source || {}).patch === null ? "pixel" : "patch"; // an image's items: pixels (patch null) or patches
const unitName = unit === "patch" ? t("patch") : t("pixel"), unitsName = unit === "patch" ? t("patches") : t("pixels");
const longHeads = view.long ? view.long.heads : null;

function tokenLabel(i) {
  return `${i} ${tokens[i]}`;
}

function matrixOf(layer, head, which) {
  const hd = layers[layer].heads[head];
  return which === "alpha" ? hd.alpha : hd.alpha_prime;
}

function availableViews() {
  const v = [];
  if (view.image && layers.length) v.push(["image", t("image")]); // a summary page (no layers) has no α′ rows to draw over them
  if (view.audio && layers.length) v.push(["audio", t("audio")]);
  if (layers.length && n <= LINES_MAX) v.push(["lines", t("lines")]);
  if (layers.length) v.push(["matrix", t("matrix")]);
  if (layers.length > 1) v.push(["model", t("layers × heads")]);
  if (longHeads) v.push(["summary", t("summary")]);
  return v;
}

// ------------------------------------------------------------------ state and layout

const state = {
  view: null, layer: 0, head: 0, which: "alpha_prime", checked: new Set(), focus: null, pinned: false,
  query: null,
};
const ui = {};

function buildHeader() {
  const head = el("div", "av-header"), main = el("div", "av-headmain");
  const title = el("div", "av-title");
  const dl = el("button", "av-download", t("download JSON"));
  dl.type = "button";
  dl.title = t("the document this page draws (schema attnviz/1 with its view extension)");
  dl.addEventListener("click", download);
  title.append(el("span", "av-brand", "attnviz"), inputText(shownText(doc)));
  main.append(title, el("pre", "av-config", view.header || ""));
  head.append(main, dl);
  return head;
}

function shownText(doc) { // the input; a decoder's own continuation (--generate) after "+", newlines as ⏎
  const chars = Array.from(doc.text || ""), at = (doc.config || {}).prompt_chars;
  if (!doc.generated || at == null || at >= chars.length) return chars.join("");
  return chars.slice(0, at).join("") + "  + " + chars.slice(at).join("").replace(/\n/g, "⏎").trim();
}

function inputText(text) { // the input as given; a long one is cut to its start, with a button for the rest
  const span = el("span", "av-text"), most = 280;
  const chars = Array.from(text);
  if (chars.length <= most) {
    span.textContent = text;
    return span;
  }
  const cut = chars.slice(0, most).join("") + "…", more = el("button", "av-small av-more");
  more.type = "button";
  let open = false;
  const set = () => {
    span.firstChild.textContent = open ? text : cut;
    more.textContent = open ? t("less") : tf("all {n} characters", { n: chars.length.toLocaleString() });
  };
  span.append(document.createTextNode(""), " ", more);
  more.addEventListener("click", () => { open = !open; set(); });
  set();
  return span;
}

function buildToolbar() {
  const bar = el("div", "av-toolbar");
  ui.tabs = el("div", "av-tabs");
  for (const [key, name] of availableViews()) {
    const b = el("button", "av-tab", name);
    b.type = "button";
    b.dataset.view = key;
    b.addEventListener("click", () => show(key));
    ui.tabs.append(b);
  }
  ui.layerSel = select("layer", t("layer"), layers.map((l) => l.label), (v) => setLayer(Number(v)));
  ui.headSel = select("head", t("head"), [], (v) => { state.head = Number(v); render(); });
  ui.checks = el("div", "av-checks");
  ui.which = el("div", "av-which");
  for (const [key, name] of [["alpha_prime", t("α′ (weights)")], ["alpha", t("α (scores)")]]) {
    const b = el("button", "av-tab", name);
    b.type = "button";
    b.dataset.which = key;
    b.addEventListener("click", () => { state.which = key; render(); });
    ui.which.append(b);
  }
  bar.append(ui.tabs, ui.layerSel.wrap, ui.headSel.wrap, ui.checks, ui.which);
  return bar;
}

function select(name, label, options, onchange) {
  const wrap = el("label", "av-select");
  const s = el("select");
  s.name = name;
  wrap.append(el("span", "av-label", label), s);
  s.addEventListener("change", () => onchange(s.value));
  const fill = (opts) => {
    s.replaceChildren(...opts.map((o, i) => { const e = el("option", "", o); e.value = i; return e; }));
  };
  fill(options);
  return { wrap, sel: s, fill };
}

function headCount() {
  if (state.view === "summary") return longHeads.length;
  return layers.length ? layers[state.layer].heads.length : 0;
}

function syncControls() {
  for (const b of ui.tabs.children) b.setAttribute("aria-pressed", String(b.dataset.view === state.view));
  const h = headCount();
  ui.layerSel.wrap.hidden = layers.length < 2 || state.view === "model" || state.view === "summary";
  ui.layerSel.sel.value = state.layer;
  ui.headSel.fill(Array.from({ length: h }, (_, i) => tf("head {h}", { h: i + 1 })));
  ui.headSel.sel.value = state.head;
  ui.headSel.wrap.hidden = h < 2 || ["lines", "model"].includes(state.view);
  ui.checks.hidden = h < 2 || state.view !== "lines";
  const hasAlpha = layers.length && layers[state.layer].heads[0].alpha !== undefined;
  ui.which.hidden = state.view !== "matrix" || !hasAlpha;
  if (!hasAlpha) state.which = "alpha_prime";
  for (const b of ui.which.children) b.setAttribute("aria-pressed", String(b.dataset.which === state.which));
  if (state.view === "lines") buildChecks(h);
}

function buildChecks(h) {
  ui.checks.replaceChildren(el("span", "av-label", t("heads")));
  for (let i = 0; i < h; i++) {
    const lab = el("label", "av-check");
    const box = el("input");
    box.type = "checkbox";
    box.dataset.head = i;
    box.checked = state.checked.has(i);
    box.addEventListener("change", () => {
      if (box.checked) state.checked.add(i); else state.checked.delete(i);
      render();
    });
    const sw = el("span", "av-swatch");
    sw.style.background = headColor(i);
    lab.append(box, sw, el("span", "", String(i + 1)));
    ui.checks.append(lab);
  }
  for (const [name, on] of [[t("all"), true], [t("none"), false]]) {
    const b = el("button", "av-small", name);
    b.type = "button";
    b.addEventListener("click", () => {
      state.checked = new Set(on ? Array.from({ length: h }, (_, i) => i) : []);
      render();
    });
    ui.checks.append(b);
  }
}

function setLayer(k) {
  state.layer = k;
  const h = layers[k].heads.length;
  if (state.head >= h) state.head = 0;
  state.checked = new Set(Array.from({ length: h }, (_, i) => i));
  render();
}

function show(v) {
  state.view = v;
  state.focus = null;
  state.pinned = false;
  if (v === "summary" && state.head >= longHeads.length) state.head = 0;
  render();
}

function render() {
  syncControls();
  hideTip();
  ui.stage.replaceChildren();
  ui.stage.dataset.view = state.view;
  ({ lines: drawLines, matrix: drawMatrix, model: drawModel, audio: drawAudio, image: drawImage,
    summary: drawSummary })[state.view]();
}

// ------------------------------------------------------------------ tooltip

function showTip(evt, rows) {
  const tip = ui.tip;
  tip.replaceChildren(...rows.map(([k, v, cls]) => {
    const r = el("div", "av-tip-row");
    r.append(el("span", "av-tip-key", k), el("span", "av-tip-val" + (cls ? " " + cls : ""), v));
    return r;
  }));
  tip.hidden = false;
  const w = tip.offsetWidth, h = tip.offsetHeight;
  const x = evt.clientX + 14 + w > window.innerWidth ? evt.clientX - w - 10 : evt.clientX + 14;
  const y = evt.clientY + 14 + h > window.innerHeight ? evt.clientY - h - 10 : evt.clientY + 14;
  tip.style.left = Math.max(2, x) + "px";
  tip.style.top = Math.max(2, y) + "px";
}

function hideTip() {
  if (ui.tip) ui.tip.hidden = true;
}

// ------------------------------------------------------------------ lines view

function linesGeometry() {
  const W = Math.min(stageWidth(), 900);
  const most = W < 500 ? 10 : 18;
  const labels = tokens.map((t) => short(t, most));
  const heads = textWidth([t("query i"), t("key j")], font(12)); // the columns' headings (.av-colhead): not cut off over short tokens
  const colW = Math.min(W * 0.3, Math.ceil(Math.max(1.12 * textWidth(labels, "bold " + font(W < 500 ? 12 : 13)), heads)) + 12);
  return { W, colW, rowH: W < 500 ? 19 : 21, top: 26, labels, x1: colW + 6, x2: W - colW - 6 };
}

function lineRow(g, h, lane, i, j, a) { // lane: this head's offset from the rows' middle, in pixels
  return svgEl("line", {
    x1: g.x1, y1: g.top + (i + 0.5) * g.rowH + lane, x2: g.x2, y2: g.top + (j + 0.5) * g.rowH + lane,
    stroke: headColor(h), "stroke-opacity": Math.min(a, 1).toFixed(3), "data-q": i, "data-k": j, "data-h": h,
  });
}

function lanes(g, hs) { // each checked head its own lane across the row (bertviz-style): lines of
  // different heads never lie on top of each other, so every head keeps its colour instead of a blend
  const span = hs.length > 1 ? 0.7 * g.rowH : 0, step = span / Math.max(hs.length, 1);
  return { offset: (k) => (k + 0.5) * step - span / 2, width: hs.length > 1 ? Math.min(2, Math.max(1.5, step)) : 2 };
}

function addLines(g, group, pick) { // pick(i, j) -> whether the (query i, key j) line belongs
  const frag = document.createDocumentFragment();
  const heads = layers[state.layer].heads, hs = [...state.checked].sort((a, b) => a - b), lane = lanes(g, hs);
  group.style.setProperty("--av-line-w", lane.width.toFixed(2));
  hs.forEach((h, k) => {
    const ap = heads[h].alpha_prime, dy = lane.offset(k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (ap[i][j] >= LINE_MIN && pick(i, j)) frag.append(lineRow(g, h, dy, i, j, ap[i][j]));
      }
    }
  });
  group.append(frag);
}

function tokenColumn(g, side) {
  const col = svgEl("g", { class: "av-col av-col-" + side });
  const x = side === "q" ? g.colW : g.W - g.colW;
  col.append(svgEl("text", { x, y: 16, class: "av-colhead", "text-anchor": side === "q" ? "end" : "start" }));
  col.lastChild.textContent = side === "q" ? t("query i") : t("key j");
  for (let i = 0; i < n; i++) {
    const y = g.top + i * g.rowH;
    const item = svgEl("g", { class: "av-tok", "data-side": side, "data-i": i });
    const bg = svgEl("rect", { x: side === "q" ? 0 : g.W - g.colW, y, width: g.colW, height: g.rowH, class: "av-tokbg" });
    const label = svgEl("text", { x: side === "q" ? x - 4 : x + 4, y: y + g.rowH / 2, "dominant-baseline": "central",
      "text-anchor": side === "q" ? "end" : "start", class: tokClass(i) });
    label.textContent = g.labels[i];
    const title = svgEl("title", {});
    title.textContent = tokenLabel(i) + ((doc.oov || [])[i] ? t(" (not in the vocabulary)") : "");
    item.append(bg, label, title);
    col.append(item);
  }
  return col;
}

function tokClass(i) {
  return "av-toktext" + ((doc.special || [])[i] ? " av-special" : "") + ((doc.oov || [])[i] ? " av-oov" : "");
}

function drawLines() {
  const g = linesGeometry();
  const svg = svgEl("svg", { class: "av-lines" + (g.W < 500 ? " av-narrow" : ""), width: g.W, height: g.top + n * g.rowH + 4,
    viewBox: `0 0 ${g.W} ${g.top + n * g.rowH + 4}` });
  const all = svgEl("g", { class: "av-all" });
  const focus = svgEl("g", { class: "av-focus" });
  addLines(g, all, () => true);
  svg.append(all, focus, tokenColumn(g, "q"), tokenColumn(g, "k"));
  ui.lines = { svg, all, focus, g };
  svg.addEventListener("mouseover", (e) => {
    const t = e.target.closest(".av-tok");
    if (t && !state.pinned) setFocus(t.dataset.side, Number(t.dataset.i));
  });
  svg.addEventListener("mouseleave", () => { if (!state.pinned) setFocus(null); });
  svg.addEventListener("click", (e) => {
    const t = e.target.closest(".av-tok");
    if (!t) { state.pinned = false; setFocus(null); return; }
    const same = state.focus && state.focus[0] === t.dataset.side && state.focus[1] === Number(t.dataset.i);
    state.pinned = !(same && state.pinned);
    setFocus(t.dataset.side, Number(t.dataset.i));
  });
  ui.stage.append(note(t("Lines join query i (left) to key j (right); opacity = α′_ij, one colour per head, each head in its own lane of the row. " +
    "Hover a token to keep only its lines, click to pin it.")), figureButtons(), svg);
  if (state.focus) setFocus(state.focus[0], state.focus[1]);
}

function setFocus(side, i) {
  const t0 = performance.now();
  const L = ui.lines;
  state.focus = side ? [side, i] : null;
  L.focus.replaceChildren();
  for (const t of L.svg.querySelectorAll(".av-tok")) {
    t.classList.toggle("av-on", !!side && t.dataset.side === side && Number(t.dataset.i) === i);
    t.querySelector("rect").style.fillOpacity = "";
  }
  L.all.setAttribute("display", side ? "none" : "inline");
  if (side) {
    addLines(L.g, L.focus, side === "q" ? (q) => q === i : (q, k) => k === i);
    shadeOthers(side, i);
  }
  root.dataset.pinned = String(state.pinned);
  timing(t0);
}

function shadeOthers(side, i) { // the other column's tokens, shaded by the mean α′ over the checked heads
  const heads = layers[state.layer].heads, hs = [...state.checked];
  if (!hs.length) return;
  const other = side === "q" ? "k" : "q";
  for (const t of ui.lines.svg.querySelectorAll(`.av-tok[data-side="${other}"]`)) {
    const j = Number(t.dataset.i);
    const mean = hs.reduce((s, h) => s + (side === "q" ? heads[h].alpha_prime[i][j] : heads[h].alpha_prime[j][i]), 0) / hs.length;
    const rect = t.querySelector("rect");
    rect.style.fillOpacity = Math.min(Math.max(mean, 0), 1).toFixed(3);
  }
}

function timing(t0) { // the redraw's own time, then the time until the next frame was drawn
  root.dataset.redrawMs = (performance.now() - t0).toFixed(2);
  requestAnimationFrame(() => setTimeout(() => { root.dataset.frameMs = (performance.now() - t0).toFixed(2); }, 0));
}

function note(text) {
  return el("p", "av-note", text);
}

// ------------------------------------------------------------------ heat maps (matrix, summary, thumbnails)

let hatchPattern = null;

function hatch(ctx) {
  if (!hatchPattern) {
    const p = document.createElement("canvas");
    p.width = p.height = 6;
    const c = p.getContext("2d");
    c.fillStyle = "#d9d9d9";
    c.fillRect(0, 0, 6, 6);
    c.strokeStyle = "#8c8c8c";
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(0, 6); c.lineTo(6, 0); c.moveTo(-1, 1); c.lineTo(1, -1); c.moveTo(5, 7); c.lineTo(7, 5);
    c.stroke();
    hatchPattern = p;
  }
  return ctx.createPattern(hatchPattern, "repeat");
}

function colorScale(m, which) { // -> (value -> [r, g, b]) and the legend's range
  let lo = Infinity, hi = -Infinity;
  for (const row of m) for (const x of row) if (x !== null) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  if (which === "alpha") {
    const s = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return { color: (x) => diverging(x / s), lo: -s, hi: s, diverging: true };
  }
  const top = hi > 0 ? hi : 1, bottom = Math.min(lo, 0);
  return { color: (x) => viridis((x - bottom) / ((top - bottom) || 1)), lo: bottom, hi: top, diverging: false };
}

function timeScale(m, al) { // a sound's α′: √ scale up to the 99.5th percentile of the allowed cells (the PNG
  // figure's scale, numpy's linear quantile), so the few near-one-hot silent frames do not leave every other cell black
  const v = [];
  m.forEach((row, i) => row.forEach((x, j) => { if (x !== null && !(al && al[i][j] === null)) v.push(x); }));
  v.sort((a, b) => a - b);
  const pos = 0.995 * (v.length - 1), lo = Math.floor(pos), hi = Math.min(lo + 1, v.length - 1);
  let top = v.length ? v[lo] + (v[hi] - v[lo]) * (pos - lo) : 1;
  if (!(top > 0)) top = v.length && v[v.length - 1] > 0 ? v[v.length - 1] : 1;
  const level = (x) => Math.sqrt(Math.min(Math.max(x, 0) / top, 1));
  return { color: (x) => viridis(level(x)), paint: (u) => rgb(viridis(u)), lo: 0, hi: top, diverging: false };
}

function heatGeometry(rows, cols, rowLabels, colLabels, maxW) {
  const f = font(12);
  const lw = Math.min(130, Math.ceil(textWidth(rowLabels, f)) + 10);
  const lh = Math.min(130, Math.ceil(textWidth(colLabels, f)) + 10);
  const least = cols <= 80 ? 12 : 1; // up to 80 tokens keep readable labels (the stage scrolls sideways)
  const cell = Math.max(least, Math.min(24, Math.floor((maxW - lw - 90) / cols)));
  const labels = cell >= 9;
  const x0 = labels ? lw : 4, y0 = labels ? lh : 4;
  return { rows, cols, cell, x0, y0, labels, w: x0 + cols * cell + 4, h: y0 + rows * cell + 4 };
}

function drawHeat(canvas, g, value, color, rowLabels, colLabels) {
  const ctx = sizeCanvas(canvas, g.w, g.h);
  if (g.cell < 6) {
    drawHeatPixels(ctx, g, value, color);
  } else {
    const pat = hatch(ctx);
    for (let i = 0; i < g.rows; i++) {
      for (let j = 0; j < g.cols; j++) {
        const v = value(i, j);
        ctx.fillStyle = v === null ? pat : rgb(color(v));
        ctx.fillRect(g.x0 + j * g.cell, g.y0 + i * g.cell, g.cell, g.cell);
      }
    }
  }
  if (g.labels) heatLabels(ctx, g, rowLabels, colLabels);
  Object.assign(canvas.dataset, { x0: g.x0, y0: g.y0, cell: g.cell, rows: g.rows, cols: g.cols });
}

function drawHeatPixels(ctx, g, value, color) { // many small cells: one pixel per cell, scaled up
  const off = document.createElement("canvas");
  off.width = g.cols; off.height = g.rows;
  const octx = off.getContext("2d"), img = octx.createImageData(g.cols, g.rows);
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) {
    const v = value(i, j), o = 4 * (i * g.cols + j);
    const c = v === null ? ((i + j) % 3 ? [217, 217, 217] : [140, 140, 140]) : color(v); // masked: grey stripes
    img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, g.x0, g.y0, g.cols * g.cell, g.rows * g.cell);
}

function heatLabels(ctx, g, rowLabels, colLabels) {
  const size = Math.min(12, g.cell - 1);
  ctx.font = font(size);
  ctx.fillStyle = "#333";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  rowLabels.forEach((t, i) => ctx.fillText(t, g.x0 - 4, g.y0 + (i + 0.5) * g.cell, g.x0 - 6));
  ctx.save();
  ctx.textAlign = "left";
  colLabels.forEach((t, j) => {
    ctx.setTransform(dpr(), 0, 0, dpr(), 0, 0);
    ctx.translate(g.x0 + (j + 0.5) * g.cell, g.y0 - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(t, 0, 0, g.y0 - 6);
  });
  ctx.restore();
}

function cellAt(canvas, evt) {
  const r = canvas.getBoundingClientRect(), d = canvas.dataset;
  const j = Math.floor((evt.clientX - r.left - Number(d.x0)) / Number(d.cell));
  const i = Math.floor((evt.clientY - r.top - Number(d.y0)) / Number(d.cell));
  return i >= 0 && j >= 0 && i < Number(d.rows) && j < Number(d.cols) ? [i, j] : null;
}

function colorbar(scale, title, height) {
  const c = el("canvas", "av-colorbar");
  const h = Math.max(90, Math.min(height, 320)), w = 70, top = 22;
  const ctx = sizeCanvas(c, w, h + top + 8);
  const paint = scale.paint || ((t) => rgb(scale.diverging ? diverging(2 * t - 1) : viridis(t)));
  for (let y = 0; y < h; y++) {
    ctx.fillStyle = paint(1 - y / (h - 1));
    ctx.fillRect(4, top + y, 14, 1);
  }
  ctx.strokeStyle = "#999";
  ctx.strokeRect(4.5, top + 0.5, 13, h - 1);
  ctx.font = font(11);
  ctx.fillStyle = "#333";
  ctx.textBaseline = "middle";
  ctx.fillText(title, 2, 8, w - 4);
  ctx.fillText(tick(scale.hi), 22, top + 1);
  if (scale.diverging) ctx.fillText("0", 22, top + h / 2);
  ctx.fillText(tick(scale.lo), 22, top + h - 2);
  return c;
}

function heatPanel(caption, g, canvas, scale, title) {
  const wrap = el("div", "av-heat");
  const fig = el("div", "av-heatfig");
  fig.append(canvas, colorbar(scale, title, g.rows * g.cell));
  wrap.append(el("div", "av-caption", caption), fig);
  return wrap;
}

// ------------------------------------------------------------------ matrix view

function drawMatrix() {
  const L = layers[state.layer], head = Math.min(state.head, L.heads.length - 1);
  const m = matrixOf(state.layer, head, state.which), ap = L.heads[head].alpha_prime, al = L.heads[head].alpha;
  const labels = tokens.map((t, i) => short(t, 14));
  const g = heatGeometry(n, n, labels, labels, stageWidth());
  const scale = colorScale(m, state.which);
  const canvas = el("canvas", "av-matrix");
  drawHeat(canvas, g, (i, j) => (al && al[i][j] === null ? null : m[i][j]), scale.color, labels, labels);
  const name = state.which === "alpha" ? t("α (scores)") : t("α′ (weights)");
  const where = whereOf(L, head + 1);
  canvas.addEventListener("mousemove", (e) => {
    const c = cellAt(canvas, e);
    if (!c) return hideTip();
    const [i, j] = c, rows = [[t("query"), tokenLabel(i)], [t("key"), tokenLabel(j)]];
    if (al) rows.push(["α", al[i][j] === null ? t("masked") : fmt3(al[i][j]), "av-tip-alpha"]);
    rows.push(["α′", fmt3(ap[i][j]), "av-tip-ap"]);
    showTip(e, rows);
  });
  canvas.addEventListener("mouseleave", hideTip);
  const masked = al && al.some((row) => row.includes(null));
  ui.stage.append(heatPanel(tf("{where} · {name} · rows: query i, columns: key j", { where, name }) +
    (masked ? t(" · hatched: masked") : "") + (g.labels ? "" : t(" · hover for the tokens")), g, canvas, scale,
  state.which === "alpha" ? "α" : "α′"));
}

// ------------------------------------------------------------------ model view (layers × heads)

function drawModel() {
  const attn = layers.filter((l) => l.kind !== "rollout"), roll = layers.find((l) => l.kind === "rollout");
  const H = Math.max(...attn.map((l) => l.heads.length));
  const rows = attn.length + (roll ? 1 : 0) + 1;
  const room = Math.max(420, window.innerHeight - Math.max(0, ui.stage.getBoundingClientRect().top) - 60); // fit one screen
  const side = Math.max(16, Math.min(84, Math.floor((stageWidth() - 86) / H) - 6, Math.floor(room / rows) - 6));
  const grid = el("div", "av-grid");
  grid.style.gridTemplateColumns = `72px repeat(${H}, ${side + 4}px)`;
  grid.append(el("div", "av-gridlabel", t("head")));
  for (let h = 0; h < H; h++) grid.append(el("div", "av-gridhead", String(headNumber(attn[0], h))));
  for (const L of attn) {
    grid.append(el("div", "av-gridlabel", L.label));
    L.heads.forEach((hd, h) => grid.append(thumb(L, h, side)));
    for (let h = L.heads.length; h < H; h++) grid.append(el("div"));
  }
  if (roll) {
    grid.append(el("div", "av-gridlabel", t("rollout")), thumb(roll, 0, side));
    const rest = el("div", "av-rollnote", t("α′ through all layers (with the residual path)"));
    rest.style.gridColumn = `span ${Math.max(1, H - 1)}`;
    grid.append(rest);
  }
  ui.stage.append(note(t("Each square is one head's α′ (rows: query i, columns: key j), coloured from 0 to the head's " +
    "largest weight. Hover for the head's summary, click to open it.")), grid);
}

function headNumber(L, h) { // the head's own number from 1 (--head 9 keeps one head: it is 9, not 1)
  const hd = L && L.heads[h];
  return hd && hd.index != null ? hd.index + 1 : h + 1;
}

function thumb(L, h, side) {
  const ap = L.heads[h].alpha_prime;
  const box = el("button", "av-thumb");
  box.type = "button";
  Object.assign(box.dataset, { layer: L.k, head: h });
  const c = document.createElement("canvas");
  c.width = c.height = n;
  c.style.width = c.style.height = side + "px";
  const ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
  const color = colorScale(ap, "alpha_prime").color;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const [r, g, b] = color(ap[i][j]), o = 4 * (i * n + j);
    img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  box.append(c);
  box.addEventListener("click", () => { state.layer = L.k; state.head = h; show("matrix"); });
  box.addEventListener("mousemove", (e) => showTip(e, thumbTip(L, h)));
  box.addEventListener("mouseleave", hideTip);
  return box;
}

function thumbTip(L, h) {
  const s = L.heads[h].summary;
  const rows = [[t("head"), whereOf(L, headNumber(L, h))]];
  if (s) {
    rows.push([t("entropy"), tf("{bits} bits", { bits: s.entropy.toFixed(2) })]);
    // a decoder's head: the first-token sink instead of [CLS]/[SEP] and the next token it cannot see
    const keys = s.sink === undefined ? ["cls", "sep", "self", "prev", "next"] : ["sink", "self", "prev"];
    for (const k of keys) rows.push([summaryName(k), fmt3(s[k])]);
  }
  return rows;
}

// cls and sep as the model names them when it is not BERT ([CLS], [SEP]): RoBERTa's <s>, </s>
function summaryName(k) {
  const special = doc.special || [], tokens = doc.tokens || [];
  const first = special[0] ? tokens[0] : null, other = tokens.find((t, i) => i > 0 && special[i]);
  if (k === "cls" && first && first !== "[CLS]") return first;
  if (k === "sep" && other && other !== "[SEP]") return other;
  return { self: t("self"), prev: t("prev"), next: t("next"), sink: t("sink") }[k] || k;
}

function whereOf(L, head) { // the map shown: the rollout, or a layer's head (numbered from 1)
  return L.kind === "rollout" ? t("attention rollout") : tf("{layer} · head {h}", { layer: L.label, h: head });
}

// ------------------------------------------------------------------ audio view

function audioGeometry() {
  const a = view.audio, W = Math.min(stageWidth() - 78, 1040);
  const x0 = 48, w = W - x0 - 8;
  const x = (t) => x0 + (t / a.duration) * w;
  const span = (i) => [a.times[i], i + 1 < n ? a.times[i + 1] : a.duration];
  return { a, W, x0, w, x, span, specH: 120, matH: Math.max(120, Math.min(w, 300)), curveH: 130 };
}

function itemAt(t) { // the item whose time span holds t
  const times = view.audio.times;
  let i = 0;
  while (i + 1 < times.length && times[i + 1] <= t) i++;
  return i;
}

function drawAudio() {
  const g = audioGeometry(), L = layers[state.layer], head = Math.min(state.head, L.heads.length - 1);
  const hd = L.heads[head], spec = el("canvas", "av-spec"), mat = el("canvas", "av-audiomat");
  const curve = svgEl("svg", { class: "av-curve", width: g.W, height: g.curveH });
  ui.audio = { g, spec, mat, curve, ap: hd.alpha_prime, al: hd.alpha };
  const pick = (e, fromRows) => {
    const r = e.currentTarget.getBoundingClientRect();
    const t = fromRows ? (e.clientY - r.top) / g.matH * g.a.duration : (e.clientX - r.left - g.x0) / g.w * g.a.duration;
    if (t >= 0 && t <= g.a.duration) selectTime(itemAt(t));
  };
  spec.addEventListener("click", (e) => pick(e, false));
  mat.addEventListener("click", (e) => pick(e, true));
  const where = whereOf(L, head + 1);
  const row = el("div", "av-heatfig");
  row.append(mat, colorbar(timeScale(hd.alpha_prime, hd.alpha), "α′ (√)", g.matH - 30));
  ui.stage.append(note(tf("Top: the spectrogram ({bands}; {lo} … {hi} dB). " +
    "Below: α′ over time ({where}): rows are query times, columns key times on the same axis",
  { bands: bandsName(g.a), lo: g.a.db_range[0], hi: g.a.db_range[1], where }) +
    ((hd.alpha || []).some((r) => r.includes(null)) ? t("; hatched: masked") : "") +
    t(". Click a time to see its α′ curve.")), spec, row, curve);
  selectTime(state.query !== null && state.query < n ? state.query : null);
}

function drawSpectrogram(canvas, g) {
  const s = g.a.spectrogram, frames = s.length, bands = s[0].length;
  const ctx = sizeCanvas(canvas, g.W, g.specH + 22);
  const off = document.createElement("canvas");
  off.width = frames; off.height = bands;
  const img = off.getContext("2d").createImageData(frames, bands);
  for (let f = 0; f < frames; f++) for (let b = 0; b < bands; b++) {
    const [r, gg, bb] = viridis(s[f][b] / 255), o = 4 * ((bands - 1 - b) * frames + f);
    img.data[o] = r; img.data[o + 1] = gg; img.data[o + 2] = bb; img.data[o + 3] = 255;
  }
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, g.x0, 0, g.w, g.specH);
  timeAxis(ctx, g, g.specH);
  sideLabel(ctx, bandsName(g.a), g.specH);
}

function bandsName(a) { // the frequency axis: audio_view's default name in the page's language, a caller's own as given
  return a.bands === "mel bands" ? t("mel bands") : a.bands;
}

function sideLabel(ctx, text, h) {
  ctx.save();
  ctx.fillStyle = "#333";
  ctx.font = font(11);
  ctx.translate(14, h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, 0, 0, h);
  ctx.restore();
}

function timeAxis(ctx, g, y) {
  ctx.fillStyle = "#333";
  ctx.font = font(11);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const step = niceStep(g.a.duration / Math.max(2, Math.floor(g.w / 90)));
  for (let k = 0; k * step <= g.a.duration + 1e-9; k++) {
    const t = k * step;
    ctx.fillRect(Math.round(g.x(t)), y, 1, 4);
    ctx.fillText(`${+t.toFixed(3)} s`, Math.min(g.x(t), g.x0 + g.w - 14), y + 5);
  }
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

function drawTimeMatrix(canvas, g, ap, al) {
  const ctx = sizeCanvas(canvas, g.x0 + g.w, g.matH), pat = hatch(ctx);
  const color = timeScale(ap, al).color;
  const X = (i) => g.span(i).map((t) => Math.round(g.x(t)));
  const Y = (i) => g.span(i).map((t) => Math.round(t / g.a.duration * g.matH));
  for (let i = 0; i < n; i++) {
    const [ya, yb] = Y(i);
    for (let j = 0; j < n; j++) {
      const [xa, xb] = X(j);
      ctx.fillStyle = al && al[i][j] === null ? pat : rgb(color(ap[i][j]));
      ctx.fillRect(xa, ya, Math.max(1, xb - xa), Math.max(1, yb - ya));
    }
  }
  sideLabel(ctx, t("query time"), g.matH);
}

function selectTime(i) {
  const A = ui.audio, g = A.g;
  state.query = i;
  A.curve.replaceChildren();
  A.curve.removeAttribute("data-query");
  drawSpectrogram(A.spec, g);
  drawTimeMatrix(A.mat, g, A.ap, A.al);
  if (i === null) {
    const hint = svgEl("text", { x: g.x0, y: 30, class: "av-hint" });
    hint.textContent = t("click the spectrogram (or a row of α′) to pick a query time");
    A.curve.append(hint);
    return;
  }
  markTime(A, i);
  drawCurve(A, i);
}

function markTime(A, i) {
  const g = A.g, [ta, tb] = g.span(i);
  let ctx = A.spec.getContext("2d");
  ctx.fillStyle = "rgba(255,59,48,0.9)";
  ctx.fillRect(Math.round(g.x((ta + tb) / 2)) - 1, 0, 2, g.specH);
  ctx = A.mat.getContext("2d");
  ctx.strokeStyle = "#ff3b30";
  ctx.lineWidth = 1.5;
  const ya = ta / g.a.duration * g.matH, yb = tb / g.a.duration * g.matH;
  ctx.strokeRect(g.x0 + 0.75, ya - 0.75, g.w - 1.5, Math.max(2, yb - ya) + 1.5);
}

function drawCurve(A, i) {
  const g = A.g, row = A.ap[i], top = Math.max(...row) || 1, h = g.curveH - 34;
  const pts = row.map((a, j) => {
    const [ta, tb] = g.span(j);
    return `${g.x((ta + tb) / 2).toFixed(1)},${(8 + h * (1 - a / top)).toFixed(1)}`;
  });
  A.curve.setAttribute("data-query", i);
  A.curve.append(svgEl("line", { x1: g.x0, y1: 8 + h, x2: g.x0 + g.w, y2: 8 + h, class: "av-axis" }),
    svgEl("polyline", { points: pts.join(" "), class: "av-curveline" }));
  const lab = svgEl("text", { x: g.x0, y: g.curveH - 8, class: "av-hint" });
  lab.textContent = tf("α′ of query {i} ({token}) over key time: strongest {top}", { i: i + 1, token: tokens[i], top: fmt3(top) });  // numbered from 1, like the terminal
  const ymax = svgEl("text", { x: g.x0 - 4, y: 12, class: "av-tick", "text-anchor": "end" });
  ymax.textContent = tick(top);
  const y0 = svgEl("text", { x: g.x0 - 4, y: 12 + h, class: "av-tick", "text-anchor": "end" });
  y0.textContent = "0";
  A.curve.append(lab, ymax, y0);
}

// ------------------------------------------------------------------ image view

const SHADE = 0.82; // the image overlay darkens a patch by SHADE · (1 − α′/max): bright = attended

function drawImage() {
  const im = view.image, maxW = Math.min(stageWidth() - 90, 640), maxH = 520;
  const s = Math.min(maxW / im.width, maxH / im.height);
  const w = Math.round(im.width * s), h = Math.round(im.height * s);
  const box = el("div", "av-imagebox");
  box.style.width = w + "px";
  box.style.height = h + "px";
  const pic = el("canvas", "av-picture"), over = el("canvas", "av-overlay");
  const pctx = sizeCanvas(pic, w, h);
  sizeCanvas(over, w, h);
  const img = new Image();
  pctx.imageSmoothingEnabled = false;  // a 32-pixel picture shown large: its pixels are the items, keep them sharp
  img.addEventListener("load", () => { pctx.drawImage(img, 0, 0, w, h); pic.dataset.loaded = "true"; });
  img.src = "data:image/png;base64," + im.png;
  box.append(pic, over);
  const caption = el("div", "av-caption", tf("Click a pixel: its {unit} becomes the query, and its α′ over every {unit} is overlaid.", { unit: unitName }));
  ui.image = { w, h, over, caption };
  over.addEventListener("click", (e) => {
    const r = over.getBoundingClientRect();
    const row = Math.min(im.rows - 1, Math.floor((e.clientY - r.top) / h * im.rows));
    const col = Math.min(im.cols - 1, Math.floor((e.clientX - r.left) / w * im.cols));
    overlay(row * im.cols + col);
  });
  const L = layers[state.layer], head = Math.min(state.head, L.heads.length - 1);
  const where = whereOf(L, head + 1);
  const legend = { lo: 0, hi: 1, paint: (t) => { const v = Math.round(255 * (1 - SHADE * (1 - t))); return `rgb(${v},${v},${v})`; } };
  const fig = el("div", "av-heatfig");
  fig.append(box, colorbar(legend, t("α′ / max"), h - 30));
  ui.stage.append(note(tf("{rows} × {cols} {units}, one item each ({where}). Attended {units} stay bright, " +
    "the rest is darkened; the query {unit} is outlined.", { rows: im.rows, cols: im.cols, units: unitsName, where, unit: unitName })), caption, fig);
  if (state.query !== null && state.query < n) overlay(state.query);
}

function overlay(i) {
  const t0 = performance.now();
  const im = view.image, I = ui.image, L = layers[state.layer];
  const ap = L.heads[Math.min(state.head, L.heads.length - 1)].alpha_prime[i];
  const top = Math.max(...ap) || 1, pw = I.w / im.cols, ph = I.h / im.rows;
  const ctx = I.over.getContext("2d");
  ctx.clearRect(0, 0, I.w, I.h);
  for (let j = 0; j < n; j++) {
    const t = Math.max(ap[j], 0) / top;
    ctx.fillStyle = `rgba(0,0,0,${(SHADE * (1 - t)).toFixed(3)})`;
    const x = Math.round((j % im.cols) * pw), y = Math.round(Math.floor(j / im.cols) * ph);
    ctx.fillRect(x, y, Math.round(((j % im.cols) + 1) * pw) - x, Math.round((Math.floor(j / im.cols) + 1) * ph) - y);
  }
  const qr = Math.floor(i / im.cols), qc = i % im.cols;
  ctx.lineWidth = 3; ctx.strokeStyle = "#000";
  ctx.strokeRect(qc * pw + 1.5, qr * ph + 1.5, pw - 3, ph - 3);
  ctx.lineWidth = 1.5; ctx.strokeStyle = "#ff3b30";
  ctx.strokeRect(qc * pw + 1.5, qr * ph + 1.5, pw - 3, ph - 3);
  state.query = i;
  I.over.dataset.query = i;
  const best = ap.indexOf(Math.max(...ap));
  I.caption.textContent = tf("query: {unit} {token} (item {i}) · strongest key: {unit} {best} (item {b}), α′ {a}",
    { unit: unitName, token: tokens[i], i: i + 1, best: tokens[best], b: best + 1, a: fmt3(ap[best]) });
  timing(t0);
}

// ------------------------------------------------------------------ summary view (long inputs)

function drawSummary() {
  const lg = view.long, head = Math.min(state.head, lg.heads.length - 1), m = lg.heads[head].summary;
  const bins = lg.bins, rows = m.length;
  const labels = Array.from({ length: rows }, (_, b) => `${bins[b]} ${short(tokens[bins[b]] || "", 10)}`);
  const g = heatGeometry(rows, rows, labels, labels, Math.min(stageWidth(), 900));
  const scale = colorScale(m, "alpha_prime");
  const canvas = el("canvas", "av-matrix");
  drawHeat(canvas, g, (i, j) => m[i][j], scale.color, labels, labels);
  canvas.addEventListener("mousemove", (e) => {
    const c = cellAt(canvas, e);
    if (!c) return hideTip();
    const span = (b) => `${bins[b]} … ${bins[b + 1] - 1}`;
    showTip(e, [[t("queries"), span(c[0])], [t("keys"), span(c[1])], [t("mean α′"), fmt3(m[c[0]][c[1]]), "av-tip-ap"]]);
  });
  canvas.addEventListener("mouseleave", hideTip);
  ui.stage.append(heatPanel(tf("head {h} · mean α′ between blocks of ≈{n} tokens (rows: query blocks, columns: key blocks)",
    { h: head + 1, n: Math.round(n / rows).toLocaleString() }), g, canvas, scale, "α′"), examplesTable(lg, head));
}

function examplesTable(lg, head) {
  const table = el("table", "av-examples");
  const hr = el("tr");
  hr.append(el("th", "", t("query")), el("th", "", tf("head {h}: top keys by α′", { h: head + 1 })));
  const how = { n: lg.examples.length, how: "--json" }; // the option as its reader writes it (views/html.py)
  table.append(el("caption", "", tf("{n} queries, evenly spaced; every query's top keys: {how}", how)), hr);
  for (const ex of lg.examples) {
    const tr = el("tr"), keys = ex.heads[head];
    const cell = el("td");
    keys.keys.forEach((j, r) => {
      const k = el("span", "av-key", `${j} ${short(tokens[j], 16)}`);
      k.append(el("span", "av-w", fmt3(keys.alpha_prime[r])));
      cell.append(k);
    });
    tr.append(el("td", "av-q", `${ex.query} ${short(tokens[ex.query], 16)}`), cell);
    table.append(tr);
  }
  return table;
}

// ------------------------------------------------------------------ packed matrices (views/pack.py)

let packed = false; // some matrix came packed: the download writes the inflated document

async function inflate(b64) { // base64 of zlib data -> its bytes
  const bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function unpackMatrix(m) { // {packed, shape, data[, scale]} -> rows of numbers (null = masked)
  const b = await inflate(m.data), [rows, cols] = m.shape, N = rows * cols, out = [];
  for (let i = 0; i < rows; i++) {
    const row = new Array(cols);
    for (let j = 0, c = i * cols; j < cols; j++, c++) {
      if (m.packed === "u16") {
        row[j] = ((b[c] | (b[N + c] << 8)) * m.scale) / 65535; // the same operations as pack.py's check
      } else {
        const v = b[c] | (b[N + c] << 8) | (b[2 * N + c] << 16) | (b[3 * N + c] << 24); // a signed int32
        row[j] = v === -2147483648 ? null : v / 1000;
      }
    }
    out.push(row);
  }
  return out;
}

async function unpack() { // every packed α and α′ of the document, in place, before the first paint
  const jobs = [];
  for (const l of doc.layers || []) {
    for (const hd of l.heads) {
      for (const key of ["alpha", "alpha_prime"]) {
        if (hd[key] && hd[key].packed) {
          packed = true;
          jobs.push(unpackMatrix(hd[key]).then((rows) => { hd[key] = rows; }));
        }
      }
    }
  }
  await Promise.all(jobs);
}

// ------------------------------------------------------------------ download and start

function download() {
  const text = packed ? JSON.stringify(doc) : document.getElementById(ROOT_ID + "-data").textContent;
  saveBlob(new Blob([text], { type: "application/json" }), "attnviz.json");
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a");
  a.href = url;
  a.download = name;
  root.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// the lines view as a file: what is on screen (the layer, the heads checked, the token hovered or
// pinned), with the page's styles written into the file so that it draws the same anywhere
const SVG_STYLES = ["fill", "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "opacity", "display",
  "visibility", "font-family", "font-size", "font-weight", "font-style"];

function figureButtons() {
  const bar = el("div", "av-figbar");
  for (const [kind, what] of [["svg", t("download SVG")], ["png", t("download PNG")]]) {
    const b = el("button", "av-small av-fig-" + kind, what);
    b.type = "button";
    b.title = t("save the lines as they are on screen (the layer, heads and token shown), for a paper or slides");
    b.addEventListener("click", () => saveLines(kind));
    bar.append(b);
  }
  return bar;
}

function standaloneSvg(svg) {
  const copy = svg.cloneNode(true), from = [svg, ...svg.querySelectorAll("*")], to = [copy, ...copy.querySelectorAll("*")];
  from.forEach((e, k) => {
    const cs = getComputedStyle(e);
    to[k].setAttribute("style", SVG_STYLES.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(";"));
  });
  copy.setAttribute("xmlns", SVG_NS);
  copy.insertBefore(svgEl("rect", { x: 0, y: 0, width: "100%", height: "100%", fill: "#ffffff" }), copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

function saveLines(kind) {
  const svg = ui.lines.svg, text = standaloneSvg(svg), name = `attnviz-lines-layer${layerNumber()}`;
  if (kind === "svg") return saveBlob(new Blob([text], { type: "image/svg+xml" }), name + ".svg");
  const img = new Image(), scale = 2, w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height"));
  img.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = w * scale;
    canvas.height = h * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, w, h);
    canvas.toBlob((blob) => saveBlob(blob, name + ".png"), "image/png");
  };
  img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
}

function layerNumber() {
  const l = layers[state.layer];
  return l && l.index !== undefined ? l.index + 1 : state.layer + 1;
}

function start() {
  const app = el("div", "av-app");
  ui.stage = el("div", "av-stage");
  ui.tip = el("div", "av-tip");
  ui.tip.hidden = true;
  app.append(buildHeader(), buildToolbar(), ui.stage, ui.tip);
  for (const f of root.querySelectorAll(".av-fallback")) f.remove();
  root.append(app);
  if (layers.length) state.checked = new Set(layers[0].heads.map((_, i) => i));
  if (Number.isInteger(view.focus) && view.focus >= 0 && view.focus < n) { // saved with --focus: open on that query
    state.query = view.focus;
    state.focus = ["q", view.focus];
    state.pinned = true;
  }
  const views = availableViews().map((v) => v[0]);
  state.view = ["image", "audio", isModel ? "model" : "lines", "matrix", "summary"].find((v) => views.includes(v));
  render();
  let pending = null, lastW = ui.stage.clientWidth;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => { if (ui.stage.clientWidth !== lastW) { lastW = ui.stage.clientWidth; render(); } }, 150);
  });
  root.dataset.readyMs = performance.now().toFixed(1); // after navigation start: the first view is drawn
  root.dataset.ready = "true";
}

unpack().then(start, (e) => {
  root.append(el("p", "av-fallback", tf("attnviz: this browser cannot unpack the page's matrices ({error}); " +
    "open it in a browser with DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+).", { error: e })));
});
