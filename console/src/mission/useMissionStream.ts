import { readUIMessageStream, type UIMessageChunk } from 'ai';
import { useEffect, useRef, useState } from 'react';
import { authHeaders, problem } from '../api';
import { resumable, type MissionMessage } from './liveMission';
import { SseParser } from './sse';

// Follows `/api/v1/missions/{id}/stream` (the AI SDK UI message stream) with the SDK's own reader. The tab keeps the
// newest resumable snapshot of the message with the id of the last frame in it (sessionStorage), so a reload, or a
// dropped connection, goes on with `Last-Event-ID` from there: no frame twice, none missing (SPEC.md section 9).

interface Checkpoint {
  frameId: string;
  message: MissionMessage;
  done: boolean;
}

const storageKey = (id: string) => `gpilot.stream.${id}`;

function load(id: string): Checkpoint | null {
  try {
    const raw = sessionStorage.getItem(storageKey(id));
    return raw ? (JSON.parse(raw) as Checkpoint) : null;
  } catch {
    return null;
  }
}

function save(id: string, c: Checkpoint) {
  try {
    sessionStorage.setItem(storageKey(id), JSON.stringify(c));
  } catch {
    // quota: the next reload replays the whole message instead
    sessionStorage.removeItem(storageKey(id));
  }
}

export interface MissionStream {
  message?: MissionMessage;
  connected: boolean;
  done: boolean;
  /** How the stream started: replayed from the start, or resumed after a remembered frame. */
  resumedFrom?: string;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The frames of one response as UI message chunks, with a marker after each read noting the last frame id. */
function chunks(body: ReadableStream<Uint8Array>, onDone: () => void): ReadableStream<UIMessageChunk> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  return new ReadableStream<UIMessageChunk>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        let last: string | undefined;
        let any = false;
        for (const frame of parser.push(decoder.decode(value, { stream: true }))) {
          if (frame.data === '[DONE]') {
            onDone();
            continue;
          }
          controller.enqueue(JSON.parse(frame.data) as UIMessageChunk);
          any = true;
          if (frame.id !== undefined) last = frame.id;
        }
        if (last !== undefined) {
          controller.enqueue({ type: 'message-metadata', messageMetadata: { frameId: last } });
        }
        if (any) return;
      }
    },
    cancel() {
      return reader.cancel();
    },
  });
}

export function useMissionStream(missionId: string | null, onError: (text: string) => void): MissionStream {
  const [state, setState] = useState<MissionStream>({ connected: false, done: false });
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  useEffect(() => {
    if (!missionId) {
      setState({ connected: false, done: false });
      return;
    }
    const abort = new AbortController();
    let checkpoint = load(missionId);
    setState({ message: checkpoint?.message, connected: false, done: checkpoint?.done ?? false });
    if (checkpoint?.done) return;

    let frame = 0;
    let latest: MissionMessage | undefined = checkpoint?.message;
    const render = () => {
      frame = 0;
      setState((s) => ({ ...s, message: latest }));
    };
    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    const persist = (c: Checkpoint, now = false) => {
      checkpoint = c;
      clearTimeout(saveTimer);
      if (now) save(missionId, c);
      else saveTimer = setTimeout(() => save(missionId, c), 250);
    };
    const flush = () => checkpoint && save(missionId, checkpoint);
    window.addEventListener('pagehide', flush);

    (async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        let done = false;
        try {
          const headers: Record<string, string> = { ...authHeaders(), Accept: 'text/event-stream' };
          if (checkpoint) headers['Last-Event-ID'] = checkpoint.frameId;
          const response = await fetch(`/api/v1/missions/${encodeURIComponent(missionId)}/stream`, {
            headers,
            signal: abort.signal,
          });
          if (!response.ok || !response.body) {
            const p = await problem(response);
            throw new HttpError(response.status, p.detail || p.title);
          }
          attempt = 0;
          setState((s) => ({ ...s, connected: true, resumedFrom: checkpoint?.frameId }));
          let prevFrame = checkpoint?.frameId;
          for await (const m of readUIMessageStream<MissionMessage>({
            message: checkpoint?.message ? structuredClone(checkpoint.message) : undefined,
            stream: chunks(response.body, () => (done = true)),
            onError: (e) => onErrorRef.current(e instanceof Error ? e.message : String(e)),
          })) {
            latest = m;
            if (!frame) frame = requestAnimationFrame(render);
            const id = m.metadata?.frameId;
            if (id && id !== prevFrame) {
              prevFrame = id;
              if (resumable(m)) persist({ frameId: id, message: m, done: false });
            }
          }
          if (done) {
            const fid = latest?.metadata?.frameId ?? checkpoint?.frameId;
            if (latest && fid) persist({ frameId: fid, message: latest, done: true }, true);
            setState({ message: latest, connected: false, done: true });
            return;
          }
        } catch (e) {
          if (abort.signal.aborted) return;
          if (e instanceof HttpError && e.status >= 400 && e.status < 500) {
            onErrorRef.current(e.message);
            setState((s) => ({ ...s, connected: false, done: true }));
            return;
          }
          if (attempt === 0) onErrorRef.current(`stream interrupted (${e instanceof Error ? e.message : e}); reconnecting`);
        }
        // The connection ended before [DONE]: resume after the last remembered frame.
        latest = checkpoint?.message;
        setState((s) => ({ ...s, connected: false, message: latest }));
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
      }
    })();

    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
      flush();
      clearTimeout(saveTimer);
      window.removeEventListener('pagehide', flush);
    };
  }, [missionId]);

  return state;
}
