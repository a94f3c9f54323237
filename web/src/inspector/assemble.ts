// What a turn of an inspector chat amounts to, assembled from the agent's raw JSON-RPC stream events.

/** One data part of the answer: which artifact carried it (its name, else its id) and its value. */
export interface Annotation {
  artifact: string;
  data: unknown;
}

/** The answer of one turn as the agent's events build it. */
export interface AssembledAnswer {
  /** The text parts of every artifact, in order, joined (an `append: false` update replaces its artifact). */
  text: string;
  /** Every data part, in order. */
  annotations: Annotation[];
  /** The last task state seen (e.g. `TASK_STATE_COMPLETED`), if any. */
  state?: string;
  /** The text of the last status message (what an agent says when it fails, refuses or asks for input). */
  statusText?: string;
  taskId?: string;
  contextId?: string;
  /** JSON-RPC errors the stream carried. */
  errors: string[];
}

interface RawPart {
  text?: string;
  data?: unknown;
}
interface RawStatus {
  state?: string;
  message?: { parts?: RawPart[] };
}
interface RawResult {
  task?: { id?: string; contextId?: string; status?: RawStatus; artifacts?: RawArtifact[] };
  message?: { messageId?: string; contextId?: string; taskId?: string; parts?: RawPart[] };
  statusUpdate?: { taskId?: string; contextId?: string; status?: RawStatus };
  artifactUpdate?: { taskId?: string; contextId?: string; artifact?: RawArtifact; append?: boolean };
}
interface RawArtifact {
  artifactId?: string;
  name?: string;
  parts?: RawPart[];
}

/**
 * Assembles the events of a streamed turn as the agent sent them — JSON-RPC results
 * (`{ result: { task | message | statusUpdate | artifactUpdate } }` or `{ error }`) or HTTP+JSON stream responses
 * (the same without `result`) — into the answer a client would show: artifacts' texts joined, data parts
 * listed as annotations, the last state, and the task and context the next turn continues.
 */
export function assembleAnswer(events: unknown[]): AssembledAnswer {
  const artifacts = new Map<string, { name: string; parts: RawPart[] }>();
  const answer: AssembledAnswer = { text: '', annotations: [], errors: [] };
  const put = (artifact: RawArtifact, append: boolean) => {
    const id = artifact.artifactId ?? artifact.name ?? '';
    const current = artifacts.get(id);
    const parts = artifact.parts ?? [];
    if (append && current) current.parts.push(...parts);
    else artifacts.set(id, { name: artifact.name || id, parts: [...parts] });
  };
  const ids = (v: { taskId?: string; id?: string; contextId?: string }, isTask: boolean) => {
    const taskId = isTask ? v.id : v.taskId;
    if (taskId) answer.taskId = taskId;
    if (v.contextId) answer.contextId = v.contextId;
  };
  const statusOf = (status: RawStatus | undefined) => {
    if (status?.state) answer.state = status.state;
    const text = status?.message?.parts
      ?.map((p) => p.text ?? '')
      .join('')
      .trim();
    if (text) answer.statusText = text;
  };
  for (const event of events) {
    const rpc = (event ?? {}) as {
      result?: RawResult;
      error?: { code?: number; message?: string };
    };
    if (rpc.error) {
      answer.errors.push(`${rpc.error.code ?? ''} ${rpc.error.message ?? ''}`.trim());
      continue;
    }
    // JSON-RPC wraps each stream response in `result`; HTTP+JSON sends it as it is.
    const result = rpc.result ?? (rpc as RawResult);
    if (result.task) {
      ids(result.task, true);
      statusOf(result.task.status);
      for (const a of result.task.artifacts ?? []) put(a, false);
    } else if (result.message) {
      ids(result.message, false);
      put({ artifactId: `message:${result.message.messageId ?? ''}`, parts: result.message.parts }, false);
    } else if (result.statusUpdate) {
      ids(result.statusUpdate, false);
      statusOf(result.statusUpdate.status);
    } else if (result.artifactUpdate) {
      ids(result.artifactUpdate, false);
      put(result.artifactUpdate.artifact ?? {}, result.artifactUpdate.append === true);
    }
  }
  for (const { name, parts } of artifacts.values()) {
    for (const p of parts) {
      if (typeof p.text === 'string') answer.text += p.text;
      else if (p.data !== undefined) answer.annotations.push({ artifact: name, data: p.data });
    }
  }
  return answer;
}
