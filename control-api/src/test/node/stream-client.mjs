// Consumes one G-Pilot mission stream with the Vercel AI SDK's own code and prints what it made of it, as one JSON
// line on stdout, for the Java ITCases to assert on.
//
//   node stream-client.mjs sse <streamUrl> <token> [lastEventId]
//       fetch + parseJsonEventStream(uiMessageChunkSchema) + readUIMessageStream
//   node stream-client.mjs resume <apiBase> <token> <missionId> [query]
//       DefaultChatTransport.reconnectToStream: the request useChat({resume: true}) makes, on its default path
//       `${api}/${chatId}/stream` with api = <apiBase>/api/v1/missions (query, e.g. active=true, added if given)
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  uiMessageChunkSchema,
} from 'ai';

const [mode, ...args] = process.argv.slice(2);

// AI SDK 5 read chunks with strict objects; 6 lets unknown fields through. Chunks that keep to the fields the schema
// names (ai/src/ui-message-stream/ui-message-chunks.ts) are read by clients of either version.
const FIELDS = {
  start: ['messageId', 'messageMetadata'],
  finish: ['finishReason', 'messageMetadata'],
  abort: ['reason'],
  error: ['errorText'],
  'message-metadata': ['messageMetadata'],
  'start-step': [],
  'finish-step': [],
  'text-start': ['id', 'providerMetadata'],
  'text-delta': ['id', 'delta', 'providerMetadata'],
  'text-end': ['id', 'providerMetadata'],
};

function extraFields(chunk) {
  const allowed = chunk.type.startsWith('data-') ? ['id', 'data', 'transient'] : FIELDS[chunk.type];
  if (allowed == null) return [`unexpected chunk type ${chunk.type}`];
  return Object.keys(chunk).filter(k => k !== 'type' && !allowed.includes(k));
}

function strictProblems(chunks) {
  return chunks.flatMap((c, i) => extraFields(c).map(f => `chunk ${i} (${c.type}): ${f}`));
}

async function assemble(chunks) {
  const errors = [];
  const stream = new ReadableStream({
    start(controller) {
      chunks.forEach(c => controller.enqueue(c));
      controller.close();
    },
  });
  let message = null;
  for await (const m of readUIMessageStream({ stream, onError: e => errors.push(String(e?.message ?? e)) })) {
    message = m;
  }
  return { message, errors };
}

async function sse(url, token, lastEventId) {
  const headers = { Authorization: `Bearer ${token}` };
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  const response = await fetch(url, { headers });
  const result = { status: response.status, headers: Object.fromEntries(response.headers) };
  if (!response.ok || !response.body) {
    result.body = await response.text();
    return result;
  }
  const [forParser, forRaw] = response.body.tee();
  const rawText = (async () => {
    let text = '';
    const decoder = new TextDecoder();
    for await (const bytes of forRaw) text += decoder.decode(bytes, { stream: true });
    return text;
  })();
  // Awaited below; a cut connection fails both branches, and the parser's failure is the one reported.
  rawText.catch(() => {});
  const chunks = [];
  const invalid = [];
  for await (const parsed of parseJsonEventStream({ stream: forParser, schema: uiMessageChunkSchema })) {
    if (parsed.success) chunks.push(parsed.value);
    else invalid.push({ error: String(parsed.error?.message ?? parsed.error), raw: parsed.rawValue });
  }
  const raw = await rawText;
  result.ids = [...raw.matchAll(/^id: (.*)$/gm)].map(m => m[1]);
  result.done = /(^|\n)data: \[DONE\]\n\n$/.test(raw);
  result.chunks = chunks;
  result.invalid = invalid;
  result.strict = strictProblems(chunks);
  Object.assign(result, await assemble(chunks));
  return result;
}

async function resume(apiBase, token, missionId, query) {
  const transport = new DefaultChatTransport({
    api: `${apiBase}/api/v1/missions`,
    headers: { Authorization: `Bearer ${token}` },
    ...(query
      ? {
          prepareReconnectToStreamRequest: ({ id, headers }) => ({
            api: `${apiBase}/api/v1/missions/${encodeURIComponent(id)}/stream?${query}`,
            headers,
          }),
        }
      : {}),
  });
  const stream = await transport.reconnectToStream({ chatId: missionId });
  if (stream == null) return { noActiveStream: true };
  // The transport validates every chunk against uiMessageChunkSchema and fails the stream on the first bad one.
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { noActiveStream: false, chunks, strict: strictProblems(chunks), ...(await assemble(chunks)) };
}

try {
  let result;
  if (mode === 'sse') result = await sse(args[0], args[1], args[2]);
  else if (mode === 'resume') result = await resume(args[0], args[1], args[2], args[3]);
  else throw new Error(`unknown mode ${mode}`);
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ failure: String(e?.stack ?? e) }) + '\n');
  process.exitCode = 1;
}
