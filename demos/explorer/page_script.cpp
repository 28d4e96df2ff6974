// The explorer page's script and styles (demos/explorer/page.hpp), kept as
// C++ raw strings: the page is built by the program that trains, with no
// generator step, and a build that compiles the sources has them.
//
// The script only looks up and draws. Every loss number it shows (loss,
// theta_y, psi, -dL/dh, -dL/dW, p_y, the smallest s) is in the embedded data,
// computed by the C++ loss code; the page computes screen positions, the
// normalised view h / |h|, decision regions (argmax over the class scores, as
// the PNG draws them), linear interpolation between grid points, and the
// layout of the Markdown table as an HTML <table>.
#include "demos/explorer/page.hpp"

namespace fg {

const char* const kExplorerStyle = R"CSS(
body { font: 14px/1.4 sans-serif; margin: 12px 18px; color: #222; background: #fff; }
h1 { font-size: 19px; margin: 4px 0 8px; }
h2 { font-size: 16px; margin: 18px 0 6px; }
h3 { font-size: 13px; margin: 2px 0; font-weight: normal; }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 6px 0; }
.panels { display: flex; flex-wrap: wrap; gap: 10px; }
.panel { border: 1px solid #ccc; padding: 4px; }
canvas { display: block; cursor: crosshair; }
#info { min-height: 3.2em; background: #f4f4f4; padding: 4px 8px; font-family: monospace; white-space: pre-wrap; }
table.md { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
table.md th, table.md td { border: 1px solid #ccc; padding: 2px 6px; }
table.md th { background: #f0f0f0; }
#table p { font-size: 12px; max-width: 70em; }
.note { color: #666; font-size: 12px; }
)CSS";

const char* const kExplorerScript = R"JS(
'use strict';
const D = JSON.parse(document.getElementById('fg-data').textContent);
const color = k => D.colors[k] || '#808080';
const fmt = v => (v === null || v === undefined || !isFinite(v)) ? 'n/a' : Number(v).toPrecision(5);
const el = (tag, attrs, text) => { const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; };
const S = { epoch: 0, view: 'raw', grad: true, hover: null, rot: [], screen: [] };
const nFrames = Math.max(...D.runs.map(r => r.frames.length));
S.epoch = nFrames - 1;
const PX = D.runs.length > 1 ? 300 : 520;

document.title = D.title;
document.body.appendChild(el('h1', {}, D.title));
const ctl = el('div', { class: 'controls' });
const slider = el('input', { type: 'range', id: 'epoch', min: 0, max: nFrames - 1, step: 1, value: S.epoch });
const epochLabel = el('span', { id: 'epoch-label' });
const viewSel = el('select', { id: 'view' });
for (const v of ['raw', 'normalised']) viewSel.appendChild(el('option', { value: v }, v));
const gradBox = el('input', { type: 'checkbox', id: 'show-grad' }); gradBox.checked = true;
const lab = (t, x) => { const l = el('label', {}, t + ' '); l.appendChild(x); return l; };
ctl.append(lab('epoch', slider), epochLabel, lab('view', viewSel), lab('arrows -dL/dh', gradBox));
document.body.appendChild(ctl);
const panels = el('div', { class: 'panels' });
document.body.appendChild(panels);
const canvases = D.runs.map((r, ri) => {
  const p = el('div', { class: 'panel' });
  p.appendChild(el('h3', { id: 'title-' + ri }, r.title));
  const c = el('canvas', { id: 'panel-' + ri, width: PX, height: PX });
  p.appendChild(c); panels.appendChild(p);
  S.rot.push({ yaw: 0.5, pitch: 0.3 });
  return c;
});
const info = el('div', { id: 'info' }, 'hover a point');
document.body.appendChild(info);
document.body.appendChild(el('p', { class: 'note' },
  'Points: ' + D.points + '. Arrows from the origin: the class weights W_j (scaled to the view; ' +
  'dashed: the centres c_j). Short arrows on points: -dL/dh from the loss\'s own backward on that point alone ' +
  '(pair and triplet losses: on the P x K batch the point is drawn in) ' +
  '(lengths scaled so the longest is 28 px). Thin arrows at the tips of W_j: -dL/dW_j over the sample. ' +
  'Background: the decision regions (argmax over classes of W_j.h, or of cos theta_j for angular scoring). ' +
  'In 3-D, drag a panel to turn the sphere; dim points are behind it.' +
  (D.runs.some(r => r.dim > 3) ? ' Features of more than 3 dimensions are drawn on the plane of the first two principal ' +
    'directions of each frame\'s features, through the origin (h -> (a1.h, a2.h)); the normalised view projects h/|h|; ' +
    'no decision regions; the hover numbers (and -dL/dh) are those of the full features.' : '')));
// The table (Markdown from the program: paragraphs and one pipe table) as
// HTML: whatever columns the header row names, each cell's `code` kept.
function cells(line) { return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(c => c.trim()); }
function inline(tag, text) { const e = el(tag);
  text.split('`').forEach((part, k) => { if (part) e.appendChild(k % 2 ? el('code', {}, part) : document.createTextNode(part)); });
  return e; }
function markdown(md) {
  const box = el('div', { id: 'table' }), lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    if (!lines[i].trim().startsWith('|')) { box.appendChild(inline('p', lines[i])); continue; }
    const rows = []; while (i < lines.length && lines[i].trim().startsWith('|')) rows.push(cells(lines[i++])); i--;
    const sep = rows.length > 1 && rows[1].every(c => /^:?-+:?$/.test(c));
    const align = sep ? rows[1].map(c => c.endsWith(':') ? 'right' : 'left') : [];
    const t = el('table', { class: 'md' }), head = el('thead'), body = el('tbody'), hr = el('tr');
    rows[0].forEach(c => hr.appendChild(inline('th', c))); head.appendChild(hr); t.append(head, body);
    rows.slice(sep ? 2 : 1).forEach(r => { const tr = el('tr');
      r.forEach((c, k) => { const td = inline('td', c); td.style.textAlign = align[k] || 'left'; tr.appendChild(td); });
      body.appendChild(tr); });
    box.appendChild(t);
  }
  return box;
}
if (D.table) { document.body.appendChild(el('h2', {}, 'Table')); document.body.appendChild(markdown(D.table)); }

function frameOf(r) { return r.frames[Math.min(S.epoch, r.frames.length - 1)]; }
function vec(f, N, i, normed) { const H = normed && f.Hn ? f.Hn : f.H; return H.slice(i * N, i * N + N); }
function norm(v) { return Math.sqrt(v.reduce((a, x) => a + x * x, 0)); }
function rotate(v, ri) {
  if (v.length === 2) return [v[0], v[1], 0];
  const { yaw, pitch } = S.rot[ri];
  const x1 = Math.cos(yaw) * v[0] + Math.sin(yaw) * v[2], z1 = -Math.sin(yaw) * v[0] + Math.cos(yaw) * v[2];
  const y2 = Math.cos(pitch) * v[1] - Math.sin(pitch) * z1, z2 = Math.sin(pitch) * v[1] + Math.cos(pitch) * z1;
  return [x1, y2, z2];
}
function arrow(g, x0, y0, x1, y1, col, w, dash) {
  g.strokeStyle = col; g.fillStyle = col; g.lineWidth = w; g.setLineDash(dash ? [4, 3] : []);
  g.beginPath(); g.moveTo(x0, y0); g.lineTo(x1, y1); g.stroke(); g.setLineDash([]);
  const a = Math.atan2(y1 - y0, x1 - x0), h = 4 + 1.5 * w;
  g.beginPath(); g.moveTo(x1, y1); g.lineTo(x1 - h * Math.cos(a - 0.4), y1 - h * Math.sin(a - 0.4));
  g.lineTo(x1 - h * Math.cos(a + 0.4), y1 - h * Math.sin(a + 0.4)); g.closePath(); g.fill();
}
function lighten(hex, t) {
  const n = parseInt(hex.slice(1), 16), c = [n >> 16, (n >> 8) & 255, n & 255].map(x => Math.round(x + (255 - x) * t));
  return 'rgb(' + c.join(',') + ')';
}

function draw(ri) {
  // N: the coordinates drawn (r.view: 2 for a run of more than 3 dimensions, on its PCA plane).
  const r = D.runs[ri], f = frameOf(r), N = r.view, c = canvases[ri], g = c.getContext('2d');
  const m = f.y.length, cx = PX / 2, cy = PX / 2, R = PX * 0.44, normed = S.view === 'normalised';
  g.fillStyle = '#fff'; g.fillRect(0, 0, PX, PX);
  let ext = 1e-12;
  if (!normed) { const ns = []; for (let i = 0; i < m; i++) ns.push(norm(vec(f, N, i)));
    ns.sort((a, b) => a - b); ext = Math.max(ns[Math.floor(0.98 * (m - 1))] || 0, 1e-12); }
  // On a PCA plane the normalised view is the projection of h / |h| (f.Hn), drawn as it is.
  const place = v => { const u = normed ? (f.Hn ? v : v.map(x => x / Math.max(norm(v), 1e-12))) : v.map(x => x / ext);
    const p = rotate(u, ri); return [cx + p[0] * R * 0.9, cy - p[1] * R * 0.9, p[2]]; };
  const W = f.W || f.C;
  if (f.W && r.dim === 2) {  // decision regions, 4-px cells
    const wn = f.W.map(w => r.scoring === 'cosine' ? Math.max(norm(w), 1e-12) : 1);
    for (let py = 0; py < PX; py += 4) for (let px = 0; px < PX; px += 4) {
      const x = px + 2 - cx, y = cy - (py + 2);
      let best = 0, bv = -Infinity;
      f.W.forEach((w, j) => { const s = (w[0] * x + w[1] * y) / wn[j]; if (s > bv) { bv = s; best = j; } });
      g.fillStyle = lighten(color(best), 0.86); g.fillRect(px, py, 4, 4);
    }
  }
  g.strokeStyle = '#bbb'; g.lineWidth = 1;
  if (normed || N === 3) { g.beginPath(); g.arc(cx, cy, R * 0.9, 0, 2 * Math.PI); g.stroke(); }
  const scr = new Array(m), order = [...Array(m).keys()];
  for (let i = 0; i < m; i++) scr[i] = place(vec(f, N, i, normed));
  order.sort((a, b) => scr[a][2] - scr[b][2]);
  for (const i of order) {
    g.globalAlpha = (N === 3 && scr[i][2] < 0) ? 0.25 : 0.85;
    g.fillStyle = color(f.y[i]); g.beginPath(); g.arc(scr[i][0], scr[i][1], 2.6, 0, 2 * Math.PI); g.fill();
  }
  g.globalAlpha = 1;
  const G = f.grad; let gmax = 1e-30;
  for (let i = 0; i < m * N; i++) if (G[i] !== null) gmax = Math.max(gmax, Math.abs(G[i]));
  const gv = i => rotate(G.slice(i * N, i * N + N).map(x => x === null ? 0 : x), ri);
  if (S.grad) for (let i = 0; i < m; i++) {
    const d = gv(i), l = Math.hypot(d[0], d[1]) / gmax * 28;
    if (l < 1) continue; const a = Math.atan2(d[1], d[0]);
    g.globalAlpha = 0.6; arrow(g, scr[i][0], scr[i][1], scr[i][0] + l * Math.cos(a), scr[i][1] - l * Math.sin(a), '#333', 0.8);
  }
  g.globalAlpha = 1;
  if (W) {
    const wmax = Math.max(...W.map(norm), 1e-12);
    let pmax = 1e-30; if (f.W_push) f.W_push.forEach(p => { pmax = Math.max(pmax, norm(p)); });
    W.forEach((w, j) => {
      const Wn = f.W ? f.Wn : f.Cn;  // PCA plane: the projection of W_j / |W_j|
      const u = rotate(normed && Wn ? Wn[j] : w.map(x => x / (normed ? Math.max(norm(w), 1e-12) : wmax)), ri);
      const tx = cx + u[0] * R, ty = cy - u[1] * R;
      arrow(g, cx, cy, tx, ty, color(j), 2.2, !f.W);
      if (f.W_push && f.W_push[j]) { const p = rotate(f.W_push[j], ri), l = norm(f.W_push[j]) / pmax * 30;
        if (l >= 1) { const a = Math.atan2(p[1], p[0]); arrow(g, tx, ty, tx + l * Math.cos(a), ty - l * Math.sin(a), '#000', 1); } }
    });
  }
  if (S.hover && S.hover.ri === ri) {
    const i = S.hover.i, d = gv(i), l = Math.max(Math.hypot(d[0], d[1]) / gmax * 28, 8), a = Math.atan2(d[1], d[0]);
    g.strokeStyle = '#000'; g.lineWidth = 2; g.beginPath(); g.arc(scr[i][0], scr[i][1], 6, 0, 2 * Math.PI); g.stroke();
    arrow(g, scr[i][0], scr[i][1], scr[i][0] + l * Math.cos(a), scr[i][1] - l * Math.sin(a), '#d00', 2.2);
  }
  g.fillStyle = '#222'; g.font = '12px sans-serif';
  g.fillText('epoch ' + f.epoch + (f.accuracy !== null ? ', accuracy ' + fmt(f.accuracy) : '') + (normed ? ', h/|h|' : ', raw h') +
    (r.dim > 3 ? ', ' + r.dim + '-D on its PCA plane' : ''), 6, 14);
  if (f.note) g.fillText(f.note.slice(0, 70), 6, PX - 6);
  S.screen[ri] = scr;
}
function drawAll() {
  const e = D.runs[0].frames[Math.min(S.epoch, D.runs[0].frames.length - 1)].epoch;
  epochLabel.textContent = 'epoch ' + e + ' (frame ' + (S.epoch + 1) + ' of ' + nFrames + ')';
  D.runs.forEach((_, ri) => draw(ri));
  showInfo();
}
function showInfo() {
  if (!S.hover) { info.textContent = 'hover a point'; return; }
  const r = D.runs[S.hover.ri], f = frameOf(r), i = S.hover.i, N = r.dim;
  const gr = (f.grad_full || f.grad).slice(i * N, i * N + N);
  info.textContent = '';
  const put = (label, key, v) => { info.append(label + ' '); info.appendChild(el('span', { 'data-k': key }, v)); info.append('   '); };
  put(r.title + ', epoch ' + f.epoch + ', point', 'index', String(f.index[i]));
  put('class', 'label', String(f.y[i])); info.append('(' + (r.names[f.y[i]] || '') + ')\n');
  put('theta_y (deg)', 'theta_y_deg', fmt(f.theta[i])); put('psi(theta_y)', 'psi', fmt(f.psi[i]));
  put('loss', 'loss', fmt(f.loss[i]));
  if (f.batch) info.append(f.batch[i] === null ? '(drawn in no batch)' : '(from one ' + f.pk + ' batch drawn as training ' +
    'draws it, batch ' + f.batch[i] + ': its loss, this point\'s -dL/dh' +
    (gr.every(v => v === 0) ? '; the point is in no active pair or triplet of it' : '') + ')');
  info.append('\n');
  put('-dL/dh', 'neg_grad', '(' + gr.map(fmt).join(', ') + ')');
}
slider.addEventListener('input', () => { S.epoch = +slider.value; drawAll(); });
viewSel.addEventListener('change', () => { S.view = viewSel.value; drawAll(); });
gradBox.addEventListener('change', () => { S.grad = gradBox.checked; drawAll(); });
canvases.forEach((c, ri) => {
  let drag = null;
  c.addEventListener('mousedown', e => { drag = [e.clientX, e.clientY]; });
  window.addEventListener('mouseup', () => { drag = null; });
  c.addEventListener('mousemove', e => {
    if (drag && D.runs[ri].dim === 3) {
      S.rot[ri].yaw += (e.clientX - drag[0]) * 0.01; S.rot[ri].pitch += (e.clientY - drag[1]) * 0.01;
      drag = [e.clientX, e.clientY]; draw(ri); return;
    }
    const b = c.getBoundingClientRect(), x = e.clientX - b.left, y = e.clientY - b.top, scr = S.screen[ri] || [];
    let best = -1, bd = 64;
    for (let i = 0; i < scr.length; i++) { const d = (scr[i][0] - x) ** 2 + (scr[i][1] - y) ** 2;
      if (d < bd && !(D.runs[ri].dim === 3 && scr[i][2] < 0)) { bd = d; best = i; } }
    const h = best < 0 ? null : { ri, i: best };
    if (JSON.stringify(h) !== JSON.stringify(S.hover)) { S.hover = h; drawAll(); }
  });
});
window.fgExplorer = { data: D, state: S, drawAll,
  pointOnScreen(ri, i) { const b = canvases[ri].getBoundingClientRect(), p = S.screen[ri][i];
    return { x: b.left + p[0], y: b.top + p[1], front: p[2] >= 0 }; },
  screenPoints(ri) { return S.screen[ri].map(p => [p[0], p[1], p[2]]); } };
drawAll();
if (D.playground) playground(D.playground);
)JS";

}  // namespace fg
