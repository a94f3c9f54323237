// Business hours of the desk: when a handoff may wait for a person instead of being turned into an offline message.
// Grammar: `always`, or ranges separated by `;` or `,`, each `<day>[-<day>] HH:MM-HH:MM` with days mon..sun, e.g.
// `mon-fri 09:00-18:00; sat 09:00-13:00`. A range ends before its end minute; overnight ranges are not supported.

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** One opening: the weekdays (0 = Sunday) and the minutes of the day, `from` included and `to` excluded. */
export interface OpeningRange {
  days: ReadonlySet<number>;
  from: number;
  to: number;
}

/** Parsed business hours: `always` open, or open within any of `ranges`. */
export type BusinessHours = { always: true } | { always: false; ranges: OpeningRange[] };

const RANGE = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

function day(name: string, spec: string): number {
  const index = DAYS.indexOf(name as (typeof DAYS)[number]);
  if (index < 0) throw new Error(`unknown day "${name}" in "${spec}" (use ${DAYS.join(', ')})`);
  return index;
}

function minutes(hours: string, mins: string, spec: string): number {
  const h = Number(hours);
  const m = Number(mins);
  if (h > 24 || m > 59 || (h === 24 && m !== 0))
    throw new Error(`invalid time ${hours}:${mins} in "${spec}"`);
  return h * 60 + m;
}

/** Parses `spec`; throws an error naming the bad part (e.g. `mon-fri 9-18` lacks minutes). */
export function parseBusinessHours(spec: string): BusinessHours {
  const text = spec.trim().toLowerCase();
  if (text === 'always') return { always: true };
  const parts = text.split(/[;,]/).map((p) => p.trim().replace(/\s+/g, ' '));
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new Error(`invalid business hours "${spec}": empty range`);
  }
  const ranges = parts.map((part) => {
    const match = RANGE.exec(part);
    if (!match) {
      throw new Error(
        `invalid business hours range "${part}": expected like "mon-fri 09:00-18:00" or "always"`,
      );
    }
    const [, first = '', last, fh = '', fm = '', th = '', tm = ''] = match;
    const start = day(first, part);
    const end = last === undefined ? start : day(last, part);
    const days = new Set<number>();
    // A day range may wrap over the week's end, e.g. fri-mon.
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
    const from = minutes(fh, fm, part);
    const to = minutes(th, tm, part);
    if (to <= from) throw new Error(`invalid business hours range "${part}": it must end after it starts`);
    return { days, from, to };
  });
  return { always: false, ranges };
}

/** Throws when `timeZone` is not an IANA time zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}

/** Whether the desk is open at `at`, read on the wall clock of `timeZone`. */
export function isOpen(hours: BusinessHours, at: Date, timeZone: string): boolean {
  if (hours.always) return true;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = DAYS.indexOf(get('weekday').toLowerCase() as (typeof DAYS)[number]);
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  return hours.ranges.some((r) => r.days.has(weekday) && minute >= r.from && minute < r.to);
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** `hours` in the grammar {@link parseBusinessHours} reads: consecutive days as `mon-fri`, others one range each. */
export function formatBusinessHours(hours: BusinessHours): string {
  if (hours.always) return 'always';
  return hours.ranges
    .flatMap((r) => {
      const days = [...r.days].sort((a, b) => a - b);
      const runs: number[][] = [];
      for (const d of days) {
        const run = runs.at(-1);
        if (run && run.at(-1) === d - 1) run.push(d);
        else runs.push([d]);
      }
      return runs.map((run) => {
        const first = DAYS[run[0] as number];
        const last = DAYS[run.at(-1) as number];
        return `${run.length > 1 ? `${first}-${last}` : first} ${hhmm(r.from)}-${hhmm(r.to)}`;
      });
    })
    .join('; ');
}
