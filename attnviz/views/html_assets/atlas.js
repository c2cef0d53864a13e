// attnviz atlas page: a layers × heads grid (the "atlas" tab: each head's strongest role; the other
// tabs: one score each), and, for the head clicked, its α′ on the text and on the probe.
// Reads the attnviz-atlas/1 document embedded in ROOT_ID-data; α′ arrives as deflated bytes
// (round(255·α′), layers × heads × n × n, base64), inflated before the first paint, so the page stays small.
"use strict";
const root = document.getElementById(ROOT_ID);
const doc = JSON.parse(document.getElementById(ROOT_ID + "-data").textContent);
const L = doc.model.layers, H = doc.model.heads;
// The page's own words in the views' language, as in attnviz.js (t, tf; views/page_text.py finds their literals).
const WORDS = JSON.parse((document.getElementById(ROOT_ID + "-words") || { textContent: "{}" }).textContent);
const t = (s) => WORDS[s] || s;
const tf = (s, values) => (WORDS[s] || s).replace(/\{(\w+)\}/g, (all, k) => (k in values ? String(values[k]) : all));
// the roles' and scores' names as the page shows them (the document's keys, in English as they are)
const WORD = { sink: t("sink"), special: t("special"), self: t("self"), previous: t("previous"), next: t("next"),
  distance: t("distance"), entropy: t("entropy"), breadth: t("breadth"), induction: t("induction"),
  duplicate: t("duplicate"), broad: t("broad") };
const named = (key) => WORD[key] || key;
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
async function inflate(m) {  // {packed: "u8", shape, data: base64 of zlib} -> its bytes
  const stream = new Blob([Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0))]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
const alpha = {};  // which -> Uint8Array, filled before drawGrid
const sizes = { text: doc.tokens.length, probe: doc.probe.ids.length };
const LETTER = {}; for (const [role, t] of Object.entries(doc.thresholds)) LETTER[role] = t.letter;
const SHARE = new Set(["sink", "special", "self", "previous", "next", "breadth", "induction", "duplicate"]);
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
function color(t) {  // t in [0, 1] -> viridis rgb()
  t = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - i, a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return `rgb(${a.map((x, k) => Math.round(x + (b[k] - x) * f)).join(",")})`;
}
function roleScore(l, h) {  // [letter, score] of the head's strongest role, or ["·", null]
  const roles = doc.roles[l][h];
  if (!roles.length) return ["·", null];
  const t = doc.thresholds[roles[0]];
  return [t.letter, doc.scores[t.score][l][h]];
}

const header = el("div", "av-header");
const main = el("div", "av-headmain");
const title = el("div", "av-title");
title.append(el("span", "av-brand", "attnviz atlas"), el("span", "av-text", `${doc.model.name} · ${doc.model.family} · ` +
  tf("{layers} layers × {heads} heads", { layers: L, heads: H }) + " · " + (doc.model.causal ? t("decoder (causal)") : t("encoder"))));
main.append(title, el("pre", "av-config", tf("text: {text}", { text: doc.text }) + "\n" +
  tf("probe: {n} random tokens × 2, seed {seed}", { n: doc.probe.length, seed: doc.probe.seed })));
header.append(main);
const tabs = el("div", "av-tabs");
const legend = el("div", "av-atlas-legend av-dim");  // the role letters and thresholds (the "atlas" tab's cells)
legend.append(el("div", "", doc.legend.title));
for (const item of doc.legend.items) legend.append(el("span", "av-atlas-key", item), " ");  // a space between keys: the line wraps there
const grid = el("div", "av-atlas-grid");
const detail = el("div", "av-atlas-detail");
detail.append(el("p", "av-dim", t("click a head to see its α′ on the text and on the probe")));
root.replaceChildren(header, tabs, legend, grid, detail);
let current = "atlas", chosen = null;
for (const name of ["atlas", ...Object.keys(doc.scores)]) {
  const b = el("button", "av-tab", name === "atlas" ? t("atlas") : named(name));
  b.type = "button";
  b.setAttribute("aria-pressed", String(name === current));
  b.addEventListener("click", () => { current = name; for (const x of tabs.children) x.setAttribute("aria-pressed", String(x === b)); drawGrid(); });
  tabs.append(b);
}

function drawGrid() {
  legend.hidden = current !== "atlas";
  const table = el("table", "av-atlas-table");
  const head = table.insertRow();
  head.append(el("th", "", t("layer")));
  for (let h = 0; h < H; h++) head.append(el("th", "", `h${h + 1}`));
  const top = current === "atlas" || SHARE.has(current) ? 1 : Math.max(1e-9, ...doc.scores[current].flat());
  for (let l = 0; l < L; l++) {
    const row = table.insertRow();
    row.append(el("th", "", String(l + 1)));
    for (let h = 0; h < H; h++) {
      const [letter, s] = current === "atlas" ? roleScore(l, h) : ["", doc.scores[current][l][h]];
      const cell = el("button", "av-atlas-cell", current === "atlas" ? (s === null ? "·" : `${letter}${Math.min(99, Math.round(Number(s.toFixed(2)) * 100))}`) : s.toFixed(2));
      cell.type = "button";
      cell.dataset.layer = l; cell.dataset.head = h;
      if (s !== null) { cell.style.background = color(s / top); cell.style.color = s / top > 0.55 ? "#000" : "#fff"; }
      cell.title = headTitle(l, h);
      if (chosen && chosen[0] === l && chosen[1] === h) cell.classList.add("av-chosen");
      cell.addEventListener("click", () => { chosen = [l, h]; drawGrid(); drawDetail(l, h); });
      row.append(wrap(cell));
    }
  }
  grid.replaceChildren(table);
}
function wrap(cell) { const td = el("td"); td.append(cell); return td; }
function headTitle(l, h) {  // "layer 3, head 4: previous, self" in the page's language
  return tf("layer {l}, head {h}: {roles}", { l: l + 1, h: h + 1, roles: doc.roles[l][h].map(named).join(", ") || t("no role") });
}

function drawDetail(l, h) {
  const scores = Object.keys(doc.scores).map((k) => `${named(k)} ${doc.scores[k][l][h].toFixed(3)}`).join(" · ");
  const box = el("div", "av-atlas-heads");
  box.append(matrix("text", l, h, doc.tokens), matrix("probe", l, h, doc.probe_tokens));
  detail.replaceChildren(el("h3", "", headTitle(l, h)),
    el("p", "av-dim", scores), box);
}

function matrix(which, l, h, tokens) {
  const n = sizes[which], data = alpha[which], off = ((l * H) + h) * n * n;
  const cell = Math.max(2, Math.min(18, Math.floor(420 / n)));
  const fig = el("figure", "av-atlas-matrix");
  const canvas = el("canvas");
  canvas.width = canvas.height = n * cell;
  canvas.dataset.which = which;
  const g = canvas.getContext("2d");
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const masked = doc.model.causal && j > i;
      g.fillStyle = masked ? "#e5e7eb" : color(data[off + i * n + j] / 255);
      g.fillRect(j * cell, i * cell, cell, cell);
    }
  }
  const tip = el("div", "av-dim", "\u00a0");
  canvas.addEventListener("mousemove", (e) => {
    const r = canvas.getBoundingClientRect();
    const i = Math.floor((e.clientY - r.top) / r.height * n), j = Math.floor((e.clientX - r.left) / r.width * n);
    if (i < 0 || j < 0 || i >= n || j >= n) return;
    const v = doc.model.causal && j > i ? t("masked") : (data[off + i * n + j] / 255).toFixed(2);
    tip.textContent = `${i + 1} ${tokens[i]} → ${j + 1} ${tokens[j]}: α′ ≈ ${v}`;
  });
  const caption = which === "text" ? tf("α′ on the text ({n} tokens)", { n })
    : tf("α′ on the probe ({n} tokens: the second copy starts at {k})", { n, k: doc.probe.start + doc.probe.length + 1 });
  fig.append(el("figcaption", "", caption), canvas, tip);
  return fig;
}
Promise.all([inflate(doc.alpha.text), inflate(doc.alpha.probe)]).then(([text, probe]) => {
  alpha.text = text; alpha.probe = probe;
  drawGrid();
  root.dataset.ready = "1";
}, (e) => {
  root.append(el("p", "av-fallback", tf("attnviz: this browser cannot unpack the page's matrices ({error}); " +
    "open it in a browser with DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+).", { error: e })));
});
