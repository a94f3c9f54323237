import type { RequestContext } from '@a2a-js/sdk/server';
import type { ServiceTokenClaims } from './service-token.js';

/** Who a task is for, from its verified service token: never from the message text. */
export interface Caller {
  subject: string;
  role: string;
  scopes: Set<string>;
  correlationId: string;
}

/** Reads the verified caller of a task; throws when the runtime did not authenticate it (a wiring bug). */
export function callerOf(context: RequestContext): Caller {
  const claims = context.context.state.get('claims') as ServiceTokenClaims | undefined;
  if (!claims) throw new Error('task has no verified service token');
  const correlationId = (context.context.state.get('correlationId') as string | undefined) ?? claims.cid;
  return { subject: claims.sub, role: claims.role, scopes: claims.scopes, correlationId };
}
