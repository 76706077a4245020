import { useEffect, useState } from 'react';
import { authHeaders, isFinished, problem } from '../api';
import { initialDag, reduceEvents, type DagState, type MissionEvent } from './dagState';

/**
 * A mission's DAG state, following `/api/v1/missions/{id}/events` (NDJSON) live: events are applied once per
 * animation frame in a batch, so 200 steps changing at once stay smooth; a dropped connection resumes with
 * `?after=<last seq>`.
 */
export function useMissionEvents(missionId: string, onError: (text: string) => void): { dag: DagState; live: boolean } {
  const [dag, setDag] = useState<DagState>(initialDag);
  const [live, setLive] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    let state = initialDag;
    let pending: MissionEvent[] = [];
    let seen = 0;
    let frame = 0;
    const apply = () => {
      frame = 0;
      state = reduceEvents(pending, state);
      pending = [];
      setDag(state);
    };
    setDag(initialDag);

    (async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        try {
          const response = await fetch(
            `/api/v1/missions/${encodeURIComponent(missionId)}/events?after=${seen}`,
            { headers: { ...authHeaders(), Accept: 'application/x-ndjson' }, signal: abort.signal },
          );
          if (!response.ok || !response.body) {
            const p = await problem(response);
            onError(p.detail || p.title);
            if (response.status < 500) return;
            throw new Error(p.title);
          }
          setLive(true);
          attempt = 0;
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            for (const line of lines) {
              if (!line.trim()) continue; // heartbeat
              const event = JSON.parse(line) as MissionEvent;
              if (event.type === 'stream.error') continue; // too far behind: reconnect below
              if (event.seq > seen) seen = event.seq;
              pending.push(event);
            }
            if (pending.length && !frame) frame = requestAnimationFrame(apply);
          }
        } catch (e) {
          if (abort.signal.aborted) return;
          if (attempt === 0) onError(`event stream interrupted: ${e instanceof Error ? e.message : e}`);
        }
        setLive(false);
        if (frame) {
          cancelAnimationFrame(frame);
          apply();
        }
        if (isFinished(state.status)) return;
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
      }
    })();

    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
    };
    // onError is a toast function that never changes meaningfully
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [missionId]);

  return { dag, live };
}
