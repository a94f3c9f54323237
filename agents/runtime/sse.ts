/** One server-sent event: its name (`message` when none is given) and its data lines joined. */
export interface SseBlock {
  event: string;
  data: string;
}

/**
 * Takes the complete events off the front of a `text/event-stream` buffer (events end with a blank line; `\r\n` is
 * read as `\n`). Returns them, blocks without data left out, and what is left of the buffer for the next chunk.
 */
export function takeSseEvents(buffer: string): { events: SseBlock[]; rest: string } {
  let rest = buffer.replace(/\r\n?/g, '\n');
  const events: SseBlock[] = [];
  for (let cut = rest.indexOf('\n\n'); cut !== -1; cut = rest.indexOf('\n\n')) {
    const block = rest.slice(0, cut);
    rest = rest.slice(cut + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}
