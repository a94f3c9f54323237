import type { AddressInfo } from 'node:net';
import { TaskState } from '@a2a-js/sdk';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ANA, startDesk, type TestDesk } from './testing/desk-harness.js';

// Offline messages e-mailed through a real SMTP server on a free local port.

let desk: TestDesk | undefined;
let smtp: SMTPServer | undefined;

afterEach(async () => {
  await desk?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  desk = undefined;
  smtp = undefined;
});

async function startSmtp(received: string[]): Promise<number> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      let mail = '';
      stream.on('data', (chunk: Buffer) => {
        mail += chunk.toString('utf8');
      });
      stream.on('end', () => {
        received.push(mail);
        done();
      });
    },
  });
  const server = smtp;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.server.address() as AddressInfo).port;
}

const offline = {
  kind: 'offline_message',
  email: 'maria@example.com',
  text: 'Meu pedido não chegou',
  language: 'pt-BR',
  shopper: { subject: 'customer:3', role: 'customer' },
};

async function tickets(d: TestDesk) {
  return (await d.act(ANA, { action: 'offline_messages' })).result.tickets as any[];
}

describe('offline message e-mail', () => {
  it('e-mails the team and records when it went out', async () => {
    const received: string[] = [];
    const port = await startSmtp(received);
    desk = await startDesk({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, DESK_NOTIFY_EMAIL: 'team@example.com' },
    });
    const task = await desk.handoffTask({ subject: 'customer:3', role: 'customer' }, offline);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    await expect
      .poll(async () => (await tickets(desk as TestDesk))[0]?.notifiedAt, { timeout: 10_000 })
      .toBeDefined();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/To: team@example.com/);
    expect(received[0]).toMatch(/maria@example.com/);
  });

  it('completes the task when the mail server is down, without notifiedAt', async () => {
    const port = await startSmtp([]);
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    smtp = undefined;
    desk = await startDesk({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, DESK_NOTIFY_EMAIL: 'team@example.com' },
    });
    const task = await desk.handoffTask({ subject: 'customer:3', role: 'customer' }, offline);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    await new Promise((r) => setTimeout(r, 500));
    const [ticket] = await tickets(desk);
    expect(ticket).toMatchObject({ email: 'maria@example.com' });
    expect(ticket.notifiedAt).toBeUndefined();
  });
});
