import type { Message } from '@a2a-js/sdk';
import type { RequestContext } from '@a2a-js/sdk/server';
import type { ServiceTokenClaims } from '../runtime/index.js';

/** The first data part of `message` whose `kind` is a string, or undefined. */
export function dataOf(message: Message): (Record<string, unknown> & { kind: string }) | undefined {
  for (const part of message.parts) {
    const value = part.content?.$case === 'data' ? part.content.value : undefined;
    if (value && typeof value === 'object' && typeof (value as { kind?: unknown }).kind === 'string') {
      return value as Record<string, unknown> & { kind: string };
    }
  }
  return undefined;
}

/** The text parts of `message`, joined. */
export function textOf(message: Message): string {
  return message.parts
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join(' ')
    .trim();
}

/**
 * The skill a task was sent to. The runtime already checked that the token is for the requested skill (the
 * request's or the message's `metadata.skill`), so the token's claim names it.
 */
export function skillOf(context: RequestContext): string {
  const claims = context.context.state.get('claims') as ServiceTokenClaims | undefined;
  return claims?.skill ?? '';
}

/** The value of the first data part of `message`, whatever it holds, or undefined. */
export function firstDataOf(message: Message): unknown {
  for (const part of message.parts) if (part.content?.$case === 'data') return part.content.value;
  return undefined;
}
