/** Wait assumed per person ahead when the desk has no history of real waits yet. */
export const DEFAULT_WAIT_SEC = 120;

/** The median of `values`, or undefined when there are none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Estimated seconds until a person joins the conversation at queue `position`: the position shared among the
 * online operators, times the median of the recent real waits (queued until assigned), {@link DEFAULT_WAIT_SEC}
 * without history.
 */
export function estimateWaitSec(options: {
  position: number;
  onlineOperators: number;
  recentWaitsSec: readonly number[];
}): number {
  const typical = median(options.recentWaitsSec) ?? DEFAULT_WAIT_SEC;
  return Math.max(0, Math.round((options.position / Math.max(1, options.onlineOperators)) * typical));
}
