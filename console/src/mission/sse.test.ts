import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

describe('SseParser', () => {
  it('keeps each frame id, skips comments, joins data lines, and survives any split', () => {
    const text = 'id: 0\ndata: {"type":"start"}\n\n: heartbeat\n\nid: 3:1\r\ndata: a\r\ndata: b\r\n\r\ndata: [DONE]\n\n';
    const whole = new SseParser().push(text);
    expect(whole).toEqual([{ id: '0', data: '{"type":"start"}' }, { id: '3:1', data: 'a\nb' }, { id: undefined, data: '[DONE]' }]);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      expect([...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))]).toEqual(whole);
    }
  });
});
