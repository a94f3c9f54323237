// Values as the drivers return them: PGlite and pg both give Date for timestamptz and parsed JSON for jsonb.

/** A timestamp column as an ISO string, or undefined when null. */
export function iso(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A timestamp column that is never null, as an ISO string. */
export function isoOf(value: Date | string): string {
  return iso(value) as string;
}
