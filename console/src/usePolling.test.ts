import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPolling, type Visibility } from './usePolling';

/** A document whose visibility the test sets. */
class Doc extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('startPolling', () => {
  let doc: Doc;
  let results: ('ok' | 'fail')[];
  let load: ReturnType<typeof vi.fn<() => Promise<void>>>;
  const onSuccess = vi.fn();
  const onError = vi.fn();
  const start = (intervalMs: number | null = 10_000) =>
    startPolling(load, { intervalMs, onSuccess, onError }, doc as unknown as Visibility);

  beforeEach(() => {
    vi.useFakeTimers();
    doc = new Doc();
    results = [];
    load = vi.fn(() => (results.shift() === 'fail' ? Promise.reject(new Error('503')) : Promise.resolve()));
    onSuccess.mockClear();
    onError.mockClear();
  });
  afterEach(() => vi.useRealTimers());

  it('loads at once, then every interval, until stopped', async () => {
    const p = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(load).toHaveBeenCalledTimes(4);
    p.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('pauses while the tab is hidden and loads at once when it is shown again', async () => {
    const p = start();
    await vi.advanceTimersByTimeAsync(5_000);
    doc.show('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(1);
    doc.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10_000); // the interval starts again from the moment it is shown
    expect(load).toHaveBeenCalledTimes(3);
    p.stop();
    doc.show('hidden');
    doc.show('visible');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('a hidden tab does not poll from the start', async () => {
    doc.visibilityState = 'hidden';
    start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(1); // the page's first load
    doc.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('reports the first of a run of failed polls only, and again after a success', async () => {
    results = ['ok', 'fail', 'fail', 'fail', 'ok', 'fail'];
    start();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(load).toHaveBeenCalledTimes(6);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onSuccess).toHaveBeenCalledTimes(2);
  });

  it('a refresh reports every failure', async () => {
    results = ['fail', 'fail', 'fail'];
    const p = start();
    await vi.advanceTimersByTimeAsync(10_000); // the first load and one poll
    expect(onError).toHaveBeenCalledTimes(1);
    await p.refresh();
    expect(onError).toHaveBeenCalledTimes(2);
    p.stop();
  });

  it('skips a poll while the last load still waits, and reports nothing after stop', async () => {
    let release!: () => void;
    load.mockImplementation(() => new Promise<void>((r) => { release = r; }));
    const p = start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(load).toHaveBeenCalledTimes(1);
    p.stop();
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it('drops an answer that arrives after a newer one: the page never goes back to older data', async () => {
    const pending: ((v: string) => void)[] = [];
    const loadData = vi.fn(() => new Promise<string>((r) => pending.push(r)));
    const shown: string[] = [];
    const p = startPolling(loadData, { intervalMs: 10_000, onSuccess: (d) => shown.push(d), onError },
      doc as unknown as Visibility);
    pending.shift()!('first');
    await vi.advanceTimersByTimeAsync(10_000); // a poll starts and waits for the API
    expect(loadData).toHaveBeenCalledTimes(2);
    const refreshed = p.refresh(); // the page changed something and loads again
    pending.pop()!('after the change');
    await refreshed;
    pending.shift()!('before the change'); // the poll's answer comes last
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['first', 'after the change']);
    p.stop();
  });

  it('without an interval: the first load and refreshes only', async () => {
    const p = start(null);
    doc.show('hidden');
    doc.show('visible');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(1);
    await p.refresh();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
