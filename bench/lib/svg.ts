/**
 * A dependency-free SVG bar chart: side-by-side panels, each with groups of bars (one bar per
 * series) and the value written above each bar. Used by the benchmarks to draw their results.
 */

/** One panel: `groups` along the x axis, one bar per series in each group. */
export interface Panel {
  title: string;
  /** Printed after each value, e.g. "k/s" or "ms". */
  unit: string;
  groups: string[];
  series: { name: string; values: number[] }[];
  /** Digits after the decimal point of the printed values (default 0). */
  digits?: number;
}

const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#718096'];
const W = 320;
const H = 280;
const TOP = 64;
const BOTTOM = 40;
const LEFT = 16;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(p: Panel, x0: number): string {
  const max = Math.max(...p.series.flatMap((s) => s.values.filter(Number.isFinite)), 1e-9);
  const plotH = H - TOP - BOTTOM;
  const groupW = (W - 2 * LEFT) / p.groups.length;
  const barW = Math.min(36, (groupW - 16) / p.series.length);
  const out: string[] = [`<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  out.push(`<line x1="${x0 + LEFT}" y1="${H - BOTTOM}" x2="${x0 + W - LEFT}" y2="${H - BOTTOM}" stroke="#333"/>`);
  p.groups.forEach((g, gi) => {
    const gx = x0 + LEFT + gi * groupW + (groupW - barW * p.series.length) / 2;
    p.series.forEach((s, si) => {
      const v = s.values[gi] ?? NaN;
      const h = Number.isFinite(v) ? (v / max) * plotH : 0;
      const x = gx + si * barW;
      const y = H - BOTTOM - h;
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`);
      const label = Number.isFinite(v) ? v.toFixed(p.digits ?? 0) : 'n/a';
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10">${label}</text>`);
    });
    out.push(`<text x="${x0 + LEFT + gi * groupW + groupW / 2}" y="${H - BOTTOM + 16}" text-anchor="middle" font-size="12">${esc(g)}</text>`);
  });
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#555">${esc(p.unit)}</text>`);
  return out.join('\n');
}

/** The whole chart: a title, a legend of the series (taken from the first panel) and the panels side by side. */
export function barChartSvg(title: string, panels: Panel[], note = ''): string {
  const width = W * panels.length;
  const height = H + 30;
  const legend = (panels[0]?.series ?? [])
    .map((s, i) => `<rect x="${LEFT + i * 120}" y="36" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${LEFT + i * 120 + 16}" y="46" font-size="12">${esc(s.name)}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="${height - 6}" font-size="11" fill="#555">${esc(title)}${note ? ` — ${esc(note)}` : ''}</text>`,
    `<g transform="translate(0,0)">${legend}</g>`,
    ...panels.map((p, i) => panel(p, i * W)),
    '</svg>',
    '',
  ].join('\n');
}
