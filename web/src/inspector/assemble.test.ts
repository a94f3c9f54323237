import { describe, expect, it } from 'vitest';
import { assembleAnswer } from './assemble.js';

const update = (artifactId: string, parts: unknown[], append: boolean, name = artifactId) => ({
  jsonrpc: '2.0',
  id: 1,
  result: {
    artifactUpdate: { taskId: 't1', contextId: 'c1', artifact: { artifactId, name, parts }, append },
  },
});
const status = (state: string, text?: string) => ({
  result: {
    statusUpdate: {
      taskId: 't1',
      contextId: 'c1',
      status: { state, ...(text ? { message: { parts: [{ text }] } } : {}) },
    },
  },
});

describe('assembleAnswer', () => {
  it('joins streamed text chunks and lists data parts as annotations', () => {
    const answer = assembleAnswer([
      { result: { task: { id: 't1', contextId: 'c1', status: { state: 'TASK_STATE_SUBMITTED' } } } },
      status('TASK_STATE_WORKING'),
      update('answer', [{ text: 'Entregamos ' }], false),
      update('answer', [{ text: 'em 3 dias.' }], true),
      update('citations', [{ data: { sources: [{ id: 'faq-1' }] } }], false),
      status('TASK_STATE_COMPLETED'),
    ]);
    expect(answer).toMatchObject({
      text: 'Entregamos em 3 dias.',
      annotations: [{ artifact: 'citations', data: { sources: [{ id: 'faq-1' }] } }],
      state: 'TASK_STATE_COMPLETED',
      taskId: 't1',
      contextId: 'c1',
      errors: [],
    });
  });

  it('replaces an artifact sent again without append, and keeps status messages and errors', () => {
    const answer = assembleAnswer([
      update('a', [{ text: 'draft' }], false),
      update('a', [{ text: 'final' }], false),
      status('TASK_STATE_FAILED', 'the agent gave up'),
      { jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'Task not found' } },
      'not json at all',
    ]);
    expect(answer.text).toBe('final');
    expect(answer.statusText).toBe('the agent gave up');
    expect(answer.state).toBe('TASK_STATE_FAILED');
    expect(answer.errors).toEqual(['-32001 Task not found']);
  });

  it('reads a direct message answer', () => {
    const answer = assembleAnswer([
      {
        result: { message: { messageId: 'm', contextId: 'c9', parts: [{ text: 'oi' }, { data: { x: 1 } }] } },
      },
    ]);
    expect(answer).toMatchObject({ text: 'oi', contextId: 'c9', annotations: [{ data: { x: 1 } }] });
    expect(answer.taskId).toBeUndefined();
  });

  it('reads HTTP+JSON stream responses, which have no JSON-RPC envelope', () => {
    const answer = assembleAnswer([
      { task: { id: 't2', contextId: 'c2', status: { state: 'TASK_STATE_SUBMITTED' } } },
      {
        artifactUpdate: {
          taskId: 't2',
          contextId: 'c2',
          artifact: { artifactId: 'a', parts: [{ text: 'olá' }] },
        },
      },
      { statusUpdate: { taskId: 't2', contextId: 'c2', status: { state: 'TASK_STATE_COMPLETED' } } },
    ]);
    expect(answer).toMatchObject({
      text: 'olá',
      taskId: 't2',
      contextId: 'c2',
      state: 'TASK_STATE_COMPLETED',
    });
  });
});
