// The light load generator's reading of a chat reply (`POST /api/chat/messages`): byte scanning of the SSE stream
// for the few facts the bench needs, instead of decoding every chunk to text and JSON-parsing every event.
//
// The orchestrator writes each event as `event: NAME\ndata: JSON\n(id: …\n)?\n` (orchestrator/chat/sse-writer.ts),
// with `\n` line ends and one `data:` line (JSON has no raw line breaks), so a blank line — `\n\n` — can only end an
// event, never occur inside one: blocks are found with `indexOf` and only their first bytes are looked at.

const BLOCK_END = Buffer.from('\n\n');
const EVENT = Buffer.from('event: ');
const NAME = {
  conversation: Buffer.from('conversation'),
  delta: Buffer.from('delta'),
  done: Buffer.from('done'),
  error: Buffer.from('error'),
};
// The data lines' openings, in the key order the orchestrator serialises them (chat/reply-stream.ts).
const DATA = {
  conversation: Buffer.from('data: {"conversationId":"'),
  delta: Buffer.from('data: {"agent":"'),
  error: Buffer.from('data: {"code":"'),
};
const ORCHESTRATOR = Buffer.from('orchestrator"');
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Follows one chat reply's SSE stream chunk by chunk: the conversation id, whether an agent's text (a `delta` not
 * written by the orchestrator itself) has come, the `error` code if any, and whether `done` came. Only an event cut
 * between two chunks is kept (copied once); nothing else is decoded.
 */
export class SseScanner {
  conversationId: string | undefined;
  agentText = false;
  errorCode: string | undefined;
  done = false;
  private carry: Buffer | undefined;

  /** Reads the next chunk of the body; true when this chunk brought the first agent text of the reply. */
  push(chunk: Buffer): boolean {
    let buf = chunk;
    let from = 0;
    if (this.carry) {
      // The carried part has no block end in it, save one that a `\n` ending it would complete.
      from = this.carry.length - 1;
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let first = false;
    let start = 0;
    for (;;) {
      const end = buf.indexOf(BLOCK_END, Math.max(start, from));
      if (end < 0) break;
      if (this.block(buf, start, end)) first = true;
      start = end + 2;
    }
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
    return first;
  }

  /** One event, `buf[start, end)`; true when it is the reply's first agent text. */
  private block(buf: Buffer, start: number, end: number): boolean {
    if (!startsWith(buf, start, end, EVENT)) return false; // a comment or an `id:`-only block
    const nameStart = start + EVENT.length;
    // buf[end] is a newline, so the name's line ends at `end` at the latest.
    const nameEnd = buf.indexOf(NEWLINE, nameStart);
    const dataStart = nameEnd + 1;
    if (isName(buf, nameStart, nameEnd, NAME.delta)) {
      if (this.agentText) return false;
      const agent = this.field(buf, dataStart, end, DATA.delta, 'agent');
      const fromOrchestrator =
        agent === undefined
          ? false
          : typeof agent === 'number'
            ? startsWith(buf, agent, end, ORCHESTRATOR)
            : agent === 'orchestrator';
      if (fromOrchestrator) return false;
      this.agentText = true;
      return true;
    }
    if (isName(buf, nameStart, nameEnd, NAME.conversation)) {
      const at = this.field(buf, dataStart, end, DATA.conversation, 'conversationId');
      this.conversationId = typeof at === 'number' ? quoted(buf, at, end) : at;
    } else if (isName(buf, nameStart, nameEnd, NAME.error)) {
      const at = this.field(buf, dataStart, end, DATA.error, 'code');
      this.errorCode = (typeof at === 'number' ? quoted(buf, at, end) : at) ?? 'error';
    } else if (isName(buf, nameStart, nameEnd, NAME.done)) this.done = true;
    return false;
  }

  /**
   * Where a string field's value starts when the data line opens as expected (a byte offset), else the field read
   * the slow way, by parsing the line — so a change of key order costs CPU, never a wrong figure.
   */
  private field(
    buf: Buffer,
    start: number,
    end: number,
    opening: Buffer,
    key: string,
  ): number | string | undefined {
    if (startsWith(buf, start, end, opening)) return start + opening.length;
    const line = buf.toString('utf8', start, end);
    if (!line.startsWith('data:')) return undefined;
    try {
      const value = (JSON.parse(line.slice(5)) as Record<string, unknown>)[key];
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
}

function isName(buf: Buffer, start: number, end: number, name: Buffer): boolean {
  return end - start === name.length && buf.compare(name, 0, name.length, start, end) === 0;
}

function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  return end - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The JSON string value starting at `at` up to its closing quote (ids and codes have no escapes). */
function quoted(buf: Buffer, at: number, end: number): string | undefined {
  const close = buf.indexOf(QUOTE, at);
  return close < 0 || close > end ? undefined : buf.toString('latin1', at, close);
}
