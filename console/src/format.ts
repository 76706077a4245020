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

const MICROS_PER_CREDIT = 1_000_000n;

/**
 * Integer micro-credits as credits, exactly (no floating point): every significant decimal, thousands grouped;
 * `12345678` is `12.345678`, `5000000` is `5`, `-1500` is `-0.0015`.
 */
export function exactCredits(micros: number | bigint | undefined | null): string {
  if (micros == null) return '—';
  if (typeof micros === 'number' && !Number.isSafeInteger(micros)) return String(micros);
  const m = BigInt(micros);
  const sign = m < 0n ? '-' : '';
  const abs = m < 0n ? -m : m;
  const whole = (abs / MICROS_PER_CREDIT).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (abs % MICROS_PER_CREDIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Credits as the user typed them (`5`, `12.5`, `0.000001`, `1,000.25`) into integer micro-credits, exactly (string
 * arithmetic, no floating point). Throws an Error saying what is wrong: not a number, negative, more than 6 decimals
 * (a micro-credit is the smallest amount), or too large.
 */
export function parseCredits(input: string): number {
  const text = input.trim().replace(/_/g, '');
  if (text === '') throw new Error('enter an amount in credits, e.g. 5 or 12.5');
  if (text.startsWith('-')) throw new Error(`"${input.trim()}" is negative: enter 0 or more credits`);
  const match = /^(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[1] === '' && !match[2])) {
    throw new Error(`"${input.trim()}" is not an amount of credits: use digits and one decimal point, e.g. 12.5`);
  }
  const whole = match[1].replace(/,/g, '') || '0';
  const fraction = match[2] ?? '';
  if (fraction.length > 6) {
    throw new Error(`"${input.trim()}" has more than 6 decimals: the smallest amount is 0.000001 credits (1 micro-credit)`);
  }
  const micros = BigInt(whole) * MICROS_PER_CREDIT + BigInt(fraction.padEnd(6, '0'));
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`"${input.trim()}" is too large: at most ${exactCredits(Number.MAX_SAFE_INTEGER)} credits`);
  }
  return Number(micros);
}
