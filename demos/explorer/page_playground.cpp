// The margin playground's part of the explorer script (demos/explorer/page.hpp).
// It reads the grid of demos/explorer/playground.cpp and interpolates: linearly
// in m (SphereFace's integer m snaps to the nearest), linearly in log s; K and
// the target p_y take the grid's values only.
#include "demos/explorer/page.hpp"

namespace fg {

const char* const kExplorerPlaygroundScript = R"JS(
function playground(P) {
  const sec = el('div', { id: 'playground' });
  sec.appendChild(el('h2', {}, 'Margin playground'));
  sec.appendChild(el('p', { class: 'note' },
    'K class weights evenly spread on a circle; a feature at angle theta from its own W_y, turned towards the ' +
    'nearest other class, has cos(2 pi k / K - theta) to class k. psi(theta) from each loss\'s own psi function, ' +
    'p_y(theta) = exp(-L) from the margin-softmax node, the smallest s by bisection on that node: all computed ' +
    'by the C++ loss code on a grid (K in ' + P.K.join(', ') + '; s in ' + P.s.join(', ') + '; theta every ' +
    (P.theta_deg[1] - P.theta_deg[0]) + ' degrees). Between grid points the page interpolates linearly in m and in log s.'));
  const c = el('div', { class: 'controls' });
  const lossSel = el('select', { id: 'pg-loss' });
  P.losses.forEach((L, i) => lossSel.appendChild(el('option', { value: i }, L.label)));
  const kS = el('input', { type: 'range', id: 'pg-K', min: 0, max: P.K.length - 1, step: 1, value: P.K.indexOf(10) });
  const sS = el('input', { type: 'range', id: 'pg-s', min: 0, max: 1000, step: 1, value: 600 });
  const mS = el('input', { type: 'range', id: 'pg-m', min: 0, max: 1000, step: 1, value: 400 });
  const tSel = el('select', { id: 'pg-target' });
  P.targets.forEach((t, i) => tSel.appendChild(el('option', { value: i }, 'target p_y = ' + t)));
  const lab = (t, x) => { const l = el('label', {}, t + ' '); l.appendChild(x); return l; };
  c.append(lab('loss', lossSel), lab('K', kS), lab('s', sS), lab('m', mS), tSel);
  sec.appendChild(c);
  const cv = el('canvas', { id: 'pg-canvas', width: 640, height: 300 });
  sec.appendChild(cv);
  const out = el('div', { id: 'pg-text', style: 'font-family: monospace; white-space: pre-wrap' });
  sec.appendChild(out);
  document.body.appendChild(sec);
  const bracket = (grid, v) => { let i = 0; while (i < grid.length - 2 && grid[i + 1] < v) i++;
    if (grid.length === 1) return [0, 0, 0];
    const t = Math.min(1, Math.max(0, (v - grid[i]) / (grid[i + 1] - grid[i]))); return [i, i + 1, t]; };
  const lerp = (a, b, t) => (a === null || b === null) ? (t < 0.5 ? a : b) : a + (b - a) * t;
  function update() {
    const L = P.losses[+lossSel.value], ki = +kS.value, K = P.K[ki];
    const s = Math.exp(Math.log(P.s[0]) + (Math.log(P.s[P.s.length - 1]) - Math.log(P.s[0])) * (+sS.value / 1000));
    let m = L.m[0] + (L.m[L.m.length - 1] - L.m[0]) * (+mS.value / 1000);
    if (L.name === 'sphereface') m = Math.round(m);
    const [m0, m1, tm] = bracket(L.m, m), [s0, s1, ts] = bracket(P.s.map(Math.log), Math.log(s));
    const psi = P.theta_deg.map((_, j) => lerp(L.psi[m0][j], L.psi[m1][j], tm));
    const py = P.theta_deg.map((_, j) => lerp(lerp(L.py[ki][s0][m0][j], L.py[ki][s1][m0][j], ts),
                                              lerp(L.py[ki][s0][m1][j], L.py[ki][s1][m1][j], ts), tm));
    const ti = +tSel.value, smin = lerp(L.smin[ki][m0][ti], L.smin[ki][m1][ti], tm);
    const g = cv.getContext('2d'), W = cv.width, H = cv.height, x0 = 50, x1 = W - 50, y0 = 20, y1 = H - 30;
    g.fillStyle = '#fff'; g.fillRect(0, 0, W, H); g.strokeStyle = '#999'; g.lineWidth = 1; g.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const X = d => x0 + (x1 - x0) * d / 180, Yp = v => y0 + (y1 - y0) * (1 - (v + 1.5) / 2.5), Yq = v => y0 + (y1 - y0) * (1 - v);
    g.fillStyle = '#222'; g.font = '11px sans-serif';
    for (let d = 0; d <= 180; d += 30) g.fillText(d + '\u00b0', X(d) - 8, y1 + 14);
    g.fillText('theta', (x0 + x1) / 2, H - 2);
    g.fillStyle = '#1f77b4'; g.fillText('psi(theta) (-1.5 .. 1)', 2, y0 - 6);
    g.fillStyle = '#d62728'; g.fillText('p_y (0 .. 1)', x1 - 40, y0 - 6);
    const fit = 360 / K; if (fit <= 180) { g.strokeStyle = '#aaa'; g.setLineDash([4, 3]); g.beginPath();
      g.moveTo(X(fit), y0); g.lineTo(X(fit), y1); g.stroke(); g.setLineDash([]); }
    const curve = (ys, Y, col) => { g.strokeStyle = col; g.lineWidth = 2; g.beginPath();
      ys.forEach((v, j) => { if (v === null) return; const p = [X(P.theta_deg[j]), Y(v)]; j ? g.lineTo(...p) : g.moveTo(...p); }); g.stroke(); };
    curve(psi, Yp, '#1f77b4'); curve(py, Yq, '#d62728');
    out.textContent = 'K = ' + K + ': the largest margin that fits on a circle is 2 pi / K = ' + (2 * Math.PI / K).toFixed(4) +
      ' rad (' + fit.toFixed(1) + ' deg; dashed line)\n' + L.label + ', m = ' + m.toFixed(3) + ', s = ' + s.toFixed(2) +
      ': psi(0) = ' + fmt(psi[0]) + ', p_y on W_y = ' + fmt(py[0]) + '\nsmallest s with p_y >= ' + P.targets[ti] +
      ' on W_y: ' + (smin === null ? 'none (psi(0) is not above the nearest other cosine, or s > 1000)' : fmt(smin));
  }
  [lossSel, kS, sS, mS, tSel].forEach(x => x.addEventListener('input', update));
  update();
}
)JS";

}  // namespace fg
