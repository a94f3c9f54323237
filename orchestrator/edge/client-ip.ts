import type { Context } from 'hono';

/** The client's address as the socket sees it (proxies' X-Forwarded-For is not trusted by default). */
export function clientIp(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
