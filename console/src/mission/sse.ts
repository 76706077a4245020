/** One Server-Sent Events frame: its `id:` (if any) and its `data:` lines joined. */
export interface SseFrame {
  id?: string;
  data: string;
}

/**
 * An incremental SSE parser (the WHATWG event-stream format) that keeps each frame's id: the console resumes
 * `/stream` with `Last-Event-ID` set to the id of the last frame it applied (SPEC.md section 9). Comments
 * (`: heartbeat`) are skipped.
 */
export class SseParser {
  private buffer = '';
  private id: string | undefined;
  private data: string[] = [];

  /** Feeds decoded text; returns the frames it completed. */
  push(text: string): SseFrame[] {
    this.buffer += text;
    const frames: SseFrame[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (sep === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + sep);
      if (line === '') {
        if (this.data.length) frames.push({ id: this.id, data: this.data.join('\n') });
        this.id = undefined;
        this.data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') this.data.push(value);
        else if (field === 'id') this.id = value;
      }
    }
    return frames;
  }
}
