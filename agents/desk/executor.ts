import { TaskState } from '@a2a-js/sdk';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { Logger } from '../runtime/index.js';
import type { createHandoffSkill } from './handoff-executor.js';
import type { createOperatorSkill } from './operator-executor.js';
import { skillOf } from './parts.js';
import { OPERATOR_SKILL } from './protocol.js';

/** The desk's executor: each task goes to the skill its token was minted for. */
export function createDeskExecutor(options: {
  handoff: ReturnType<typeof createHandoffSkill>;
  operator: ReturnType<typeof createOperatorSkill>;
  logger: Logger;
  now?: () => Date;
}): AgentExecutor {
  const { handoff, operator, logger, now = () => new Date() } = options;
  return {
    async execute(context, bus) {
      try {
        if (skillOf(context) === OPERATOR_SKILL) await operator.execute(context, bus);
        else await handoff.execute(context, bus);
      } catch (error) {
        logger.error({ err: error, taskId: context.taskId }, 'desk task failed');
        throw error;
      }
    },
    async cancelTask(taskId, bus) {
      if (await handoff.cancel(taskId, bus)) return;
      // Not a handoff: operator actions and offline messages end at once, so there is nothing left to stop.
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: '',
          status: {
            state: TaskState.TASK_STATE_CANCELED,
            message: undefined,
            timestamp: now().toISOString(),
          },
          metadata: undefined,
        }),
      );
    },
  };
}
