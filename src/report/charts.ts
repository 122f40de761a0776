// Inline SVG charts for the review, generated in code (no browser needed): sparklines, a
// circuit state timeline and an error-budget burn-down. Every text in them is XML-escaped.

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

export interface SparklineOptions {
  readonly title: string;
  readonly unit: string;
  readonly width?: number;
  readonly height?: number;
  readonly color?: string;
}

/** A line over hourly values (gaps where an hour has none), with its min and max labelled. */
export function sparkline(values: readonly (number | null)[], o: SparklineOptions): string {
  const w = o.width ?? 560;
  const h = o.height ?? 64;
  const pad = 4;
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const label = `${escapeXml(o.title)}`;
  if (present.length === 0) {
    return `<svg class="chart" role="img" aria-label="${label}: no data" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg"><text x="${pad}" y="${h / 2}" font-size="12" fill="#666">${label}: no data</text></svg>`;
  }
  const min = Math.min(...present);
  const max = Math.max(...present);
  const span = max - min || 1;
  const x = (i: number): number => pad + (values.length <= 1 ? 0 : (i / (values.length - 1)) * (w - 2 * pad));
  const y = (v: number): number => h - 14 - ((v - min) / span) * (h - 28);
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  const lines = segments
    .map((pts) => (pts.includes(' ') ? `<polyline fill="none" stroke="${o.color ?? '#2563eb'}" stroke-width="1.5" points="${pts}"/>` : `<circle r="1.5" fill="${o.color ?? '#2563eb'}" cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}"/>`))
    .join('');
  const unit = escapeXml(o.unit);
  return `<svg class="chart" role="img" aria-label="${label}, ${fmt(min)} to ${fmt(max)} ${unit}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg"><title>${label}</title>${lines}<text x="${pad}" y="${h - 2}" font-size="10" fill="#555">min ${fmt(min)} ${unit}</text><text x="${w - pad}" y="10" font-size="10" fill="#555" text-anchor="end">max ${fmt(max)} ${unit}</text></svg>`;
}

/** One bar per hour coloured by the share of the hour the circuit was open (grey: no data). */
export function circuitTimeline(hours: readonly { hour: string; circuit_open_s: number }[], width = 560): string {
  const h = 28;
  const n = Math.max(1, hours.length);
  const bw = width / n;
  const bars = hours
    .map((x, i) => {
      const share = Math.min(1, x.circuit_open_s / 3600);
      const color = share === 0 ? '#16a34a' : share < 0.1 ? '#f59e0b' : '#dc2626';
      return `<rect x="${(i * bw).toFixed(2)}" y="4" width="${Math.max(1, bw - 0.5).toFixed(2)}" height="${h - 8}" fill="${color}"><title>${escapeXml(x.hour)}: open ${x.circuit_open_s.toFixed(0)} s</title></rect>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="Circuit state per hour: green closed, amber open under 10 %, red open longer" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" xmlns="http://www.w3.org/2000/svg"><title>Circuit state per hour</title>${bars}</svg>`;
}

/** The share of an error budget left after each hour, from 100 % down (below 0 when overspent). */
export function burndown(points: readonly { hour: string; remaining: number }[], title: string, width = 560): string {
  const h = 80;
  const pad = 4;
  if (points.length === 0) return sparkline([], { title, unit: '%', width, height: h });
  const values = points.map((p) => p.remaining * 100);
  const lo = Math.min(0, ...values);
  const hi = 100;
  const x = (i: number): number => pad + (points.length <= 1 ? 0 : (i / (points.length - 1)) * (width - 2 * pad));
  const y = (v: number): number => pad + ((hi - v) / (hi - lo || 1)) * (h - 2 * pad - 12);
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const zero = y(0);
  const last = values[values.length - 1]!;
  return `<svg class="chart" role="img" aria-label="${escapeXml(title)}: ${last.toFixed(1)} % of the budget left" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(title)}</title><line x1="0" x2="${width}" y1="${zero.toFixed(1)}" y2="${zero.toFixed(1)}" stroke="#999" stroke-dasharray="3 3"/><polyline fill="none" stroke="${last < 0 ? '#dc2626' : '#2563eb'}" stroke-width="1.5" points="${pts}"/><text x="${width - pad}" y="${h - 2}" font-size="10" fill="#555" text-anchor="end">${last.toFixed(1)} % left</text></svg>`;
}
