// The SVG line chart of the perf plots (perf/plot.mjs, perf/plot-reconnect.mjs): no dependencies, one self-contained <svg>.
export const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k` : `${+n.toFixed(1)}`);
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** A line chart: series of {x, y, hollow} (markers: false draws the line only); log scales when asked; optional horizontal reference line. */
export function chart({ title, xLabel, yLabel, series, logX = false, logY = false, reference }) {
  const W = 560, H = 330, L = 70, R = 20, T = 36, B = 50;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y).concat(reference ? [reference.y] : []);
  const bounds = (values, log) => {
    let lo = Math.min(...values), hi = Math.max(...values);
    if (log) {
      lo = 10 ** Math.floor(Math.log10(Math.max(lo, 1e-3)));
      hi = 10 ** Math.ceil(Math.log10(Math.max(hi, lo * 10)));
    } else {
      lo = Math.min(0, lo);
      hi = hi === lo ? lo + 1 : hi * 1.08;
    }
    return [lo, hi];
  };
  const [x0, x1] = bounds(xs, logX), [y0, y1] = bounds(ys, logY);
  const sx = (x) => L + ((logX ? Math.log10(x) - Math.log10(x0) : x - x0) / (logX ? Math.log10(x1) - Math.log10(x0) : x1 - x0)) * (W - L - R);
  const sy = (y) => H - B - ((logY ? Math.log10(Math.max(y, y0)) - Math.log10(y0) : y - y0) / (logY ? Math.log10(y1) - Math.log10(y0) : y1 - y0)) * (H - T - B);
  const ticks = (lo, hi, log) => {
    if (log) {
      const t = [];
      for (let v = lo; v <= hi * 1.0001; v *= 10) t.push(v);
      return t;
    }
    const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
    const n = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? step * 10;
    const t = [];
    for (let v = Math.ceil(lo / n) * n; v <= hi; v += n) t.push(v);
    return t;
  };
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
  svg += `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`;
  for (const t of ticks(y0, y1, logY)) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/><text x="${L - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`;
  }
  for (const t of ticks(x0, x1, logX)) {
    svg += `<line x1="${sx(t)}" x2="${sx(t)}" y1="${T}" y2="${H - B}" stroke="#f4f4f4"/><text x="${sx(t)}" y="${H - B + 15}" text-anchor="middle">${fmt(t)}</text>`;
  }
  svg += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`;
  svg += `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`;
  svg += `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
  if (reference) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${sy(reference.y)}" y2="${sy(reference.y)}" stroke="#2ca02c" stroke-dasharray="6 4"/>`;
    svg += `<text x="${W - R - 4}" y="${sy(reference.y) - 5}" text-anchor="end" fill="#2ca02c">${esc(reference.label)}</text>`;
  }
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      svg += `<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="4 4"' : ''} points="${pts.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}"/>`;
    }
    for (const p of s.markers === false ? [] : pts) {
      svg += `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="4" fill="${p.hollow ? 'white' : s.color}" stroke="${s.color}" stroke-width="2"><title>${esc(p.note ?? '')}</title></circle>`;
    }
    svg += `<rect x="${L + 10}" y="${T + 8 + i * 16}" width="12" height="3" fill="${s.color}"/><text x="${L + 27}" y="${T + 13 + i * 16}">${esc(s.name)}</text>`;
  });
  return svg + '</svg>';
}
