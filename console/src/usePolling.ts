import { useCallback, useEffect, useRef, useState } from 'react';

// Pages that refresh by themselves (analytics, budgets, wallet) poll the same way: at once, then every 10 s while the
// tab is shown; a hidden tab does not poll and refreshes at once when shown again. A run of failed polls reports
// only its first failure (one toast while the API is down, not one every 10 s); a user's Refresh reports every one.
// Loading and showing are two steps: an answer that arrives after a newer one (a poll that was waiting when a change
// the page made refreshed it) is dropped, so the page never goes back to older data.

/** What startPolling needs of the document: its visibility and the event that says it changed. */
export type Visibility = Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;

export interface PollOptions<T> {
  /** Between two polls, in ms; null: no polling, only the first load and refresh(). */
  intervalMs: number | null;
  /** Gets each answer that is newer than the last one shown. */
  onSuccess: (data: T) => void;
  onError: (e: unknown) => void;
}

export interface Poller {
  /** Loads at once (a user's Refresh, or after a change the page made) and reports a failure whatever came before. */
  refresh: () => Promise<void>;
  stop: () => void;
}

/**
 * Calls load at once, then every intervalMs while doc is visible, and at once when doc becomes visible again; hands
 * onSuccess the answers in the order the loads started (an older answer that arrives after a newer one is dropped).
 */
export function startPolling<T>(load: () => Promise<T>, { intervalMs, onSuccess, onError }: PollOptions<T>,
  doc: Visibility = document): Poller {
  let stopped = false;
  let failing = false;
  let inFlight = 0;
  let started = 0; // loads started so far; each knows its number
  let shown = 0; // the number of the newest load whose outcome was reported
  let timer: ReturnType<typeof setInterval> | undefined;

  async function run(report: boolean) {
    const n = ++started;
    inFlight++;
    try {
      const data = await load();
      if (stopped || n < shown) return;
      shown = n;
      failing = false;
      onSuccess(data);
    } catch (e) {
      if (stopped || n < shown) return;
      shown = n;
      if (report || !failing) onError(e);
      failing = true;
    } finally {
      inFlight--;
    }
  }
  // a poll while the last one still waits for the API is skipped, not queued
  const poll = () => (inFlight > 0 ? undefined : run(false));
  const schedule = () => {
    clearInterval(timer);
    timer = doc.visibilityState === 'hidden' ? undefined : setInterval(poll, intervalMs!);
  };
  const onVisibility = () => {
    schedule();
    if (doc.visibilityState !== 'hidden') poll();
  };

  if (intervalMs != null) {
    schedule();
    doc.addEventListener('visibilitychange', onVisibility);
  }
  run(true);
  return {
    refresh: () => run(true),
    stop: () => {
      stopped = true;
      clearInterval(timer);
      doc.removeEventListener('visibilitychange', onVisibility);
    },
  };
}

/**
 * Polls load (every 10 s unless live is false) for as long as the component is shown, and again from the start when
 * load changes (a new filter); show gets each answer newer than the last one shown. onError gets the failures to
 * show. Returns when the last load succeeded and a refresh for the page's Refresh button and its own changes.
 */
export function usePolling<T>(load: () => Promise<T>, show: (data: T) => void, onError: (e: unknown) => void,
  { live = true, intervalMs = 10_000 }: { live?: boolean; intervalMs?: number } = {}) {
  const [updated, setUpdated] = useState<number | null>(null);
  const report = useRef(onError);
  const display = useRef(show);
  const poller = useRef<Poller | null>(null);
  useEffect(() => {
    report.current = onError;
    display.current = show;
  });
  useEffect(() => {
    const p = startPolling(load, {
      intervalMs: live ? intervalMs : null,
      onSuccess: (data) => {
        display.current(data);
        setUpdated(Date.now());
      },
      onError: (e) => report.current(e),
    });
    poller.current = p;
    return p.stop;
  }, [load, live, intervalMs]);
  const refresh = useCallback(() => poller.current?.refresh() ?? Promise.resolve(), []);
  return { updated, refresh };
}
