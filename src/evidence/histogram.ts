// A mergeable log-bucketed histogram (the DDSketch idea): percentiles of any union of hours
// within a stated relative error.

/**
 * Bucket growth factor γ. Bucket i holds values in (γ^(i-1), γ^i]; its representative value
 * 2γ^i/(γ+1) is within (γ-1)/(γ+1) ≈ 0.99 % of every value in it (Masson et al., "DDSketch",
 * VLDB 2019, §2). Merging is adding counts per bucket, so hourly pieces give exact week answers
 * up to that bound.
 */
export const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

/** Relative error bound of every percentile computed from these histograms. */
export const RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);

/** The bucket of values <= 0 (a latency of exactly 0 ms). */
export const ZERO_BUCKET = -100_000;

/** The bucket index of a value. */
export function bucketOf(value: number): number {
  if (!(value > 0)) return ZERO_BUCKET;
  return Math.ceil(Math.log(value) / LOG_GAMMA - 1e-12);
}

/** The value that stands for every value in a bucket. */
export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : (2 * GAMMA ** bucket) / (GAMMA + 1);
}

/** Bucket index → count. */
export type Histogram = Map<number, number>;

export function addToHistogram(h: Histogram, bucket: number, count = 1): void {
  h.set(bucket, (h.get(bucket) ?? 0) + count);
}

export function mergeHistograms(into: Histogram, from: Histogram): Histogram {
  for (const [b, n] of from) addToHistogram(into, b, n);
  return into;
}

export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) n += c;
  return n;
}

/**
 * The q-quantile (0 < q <= 1) by nearest rank: the representative of the bucket that holds the
 * ⌈q·n⌉-th smallest value. Undefined for an empty histogram.
 */
export function quantile(h: Histogram, q: number): number | undefined {
  const n = histogramCount(h);
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * n));
  const buckets = [...h.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const b of buckets) {
    seen += h.get(b)!;
    if (seen >= rank) return bucketValue(b);
  }
  return bucketValue(buckets[buckets.length - 1]!);
}

/** Serialises a histogram as `bucket:count` pairs in bucket order (the kz:histogram literal). */
export function formatHistogram(h: Histogram): string {
  return [...h.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}:${n}`)
    .join(' ');
}

export function parseHistogram(text: string): Histogram {
  const h: Histogram = new Map();
  for (const pair of text.split(' ')) {
    if (pair === '') continue;
    const [b, n] = pair.split(':');
    const bucket = Number(b);
    const count = Number(n);
    if (!Number.isInteger(bucket) || !Number.isInteger(count) || count < 0) {
      throw new Error(`histogram literal: expected "bucket:count" pairs, found ${JSON.stringify(pair)}`);
    }
    addToHistogram(h, bucket, count);
  }
  return h;
}
