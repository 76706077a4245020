/** Money is integer micro-credits (SPEC.md section 8): 1 credit = 1,000,000. */
export function credits(micros: number | undefined | null): string {
  const m = micros ?? 0;
  const c = m / 1_000_000;
  if (m === 0) return '0';
  if (Math.abs(c) < 0.01) return c.toPrecision(2);
  return c.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

export function duration(ms: number | undefined | null): string {
  if (ms == null || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function tokens(n: number | undefined | null): string {
  const v = n ?? 0;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}k` : v.toLocaleString('en-US');
}

export function time(ms: number | undefined | null): string {
  return ms ? new Date(ms).toLocaleString() : '—';
}
