// How the dashboard writes figures and picks ranges: in the shop's locale and time zone, never the browser's.

/** The dashboard's languages, as the console's. */
export type DashboardLocale = 'pt-BR' | 'en';

/** The ranges of the range picker. */
export type RangePreset = 'today' | '7d' | '30d' | 'custom';

/** The BCP 47 tag `Intl` formats a locale with. */
export const intlLocale = (locale: DashboardLocale) => (locale === 'en' ? 'en-US' : 'pt-BR');

/** A duration in ms as "850 ms", "1.2 s", "3 min 5 s"; "–" for none. */
export function duration(ms: number | null | undefined, locale: DashboardLocale): string {
  if (ms === null || ms === undefined) return '–';
  const number = (value: number, digits: number) =>
    new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: digits }).format(value);
  if (ms < 1000) return `${number(Math.round(ms), 0)} ms`;
  if (ms < 60_000) return `${number(ms / 1000, 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** A ratio (0–1) as a percentage with one decimal; "–" for none. */
export function percent(rate: number | null | undefined, locale: DashboardLocale): string {
  if (rate === null || rate === undefined) return '–';
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(rate);
}

/** A whole number with the locale's grouping. */
export const integer = (n: number, locale: DashboardLocale) =>
  new Intl.NumberFormat(intlLocale(locale)).format(n);

/** A date and time in `timeZone`, short. */
export function dateTime(iso: string, locale: DashboardLocale, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(new Date(iso));
}

/** A time axis label in `timeZone`: the hour within a day or two, the day beyond. */
export function axisLabel(ms: number, spanMs: number, locale: DashboardLocale, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions =
    spanMs <= 2 * 86_400_000
      ? { hour: '2-digit', minute: '2-digit', timeZone }
      : { day: '2-digit', month: 'short', timeZone };
  return new Intl.DateTimeFormat(intlLocale(locale), options).format(new Date(ms));
}

/** The offset of `timeZone` from UTC at `at`, in ms (e.g. −3 h for São Paulo). */
function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** Midnight of the calendar day `yyyy-mm-dd` in `timeZone`, as an instant. */
export function startOfDay(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  // Two passes settle the offset even on a day the clocks change.
  let at = new Date(guess - offsetMs(new Date(guess), timeZone));
  at = new Date(guess - offsetMs(at, timeZone));
  return at;
}

/** The calendar day (`yyyy-mm-dd`) of `at` in `timeZone`. */
export function dayOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Adds `days` calendar days to `yyyy-mm-dd`. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/**
 * The range `[from, to)` of a preset in `timeZone`: today from its midnight to now; 7 and 30 days the last whole
 * days with today; custom from the first day's midnight to the midnight after the last day (capped at now).
 */
export function rangeOf(
  preset: RangePreset,
  options: { now: Date; timeZone: string; firstDay?: string; lastDay?: string },
): { from: Date; to: Date } {
  const { now, timeZone } = options;
  const today = dayOf(now, timeZone);
  if (preset === 'custom' && options.firstDay && options.lastDay) {
    const from = startOfDay(options.firstDay, timeZone);
    const end = startOfDay(addDays(options.lastDay, 1), timeZone);
    return { from, to: end.getTime() > now.getTime() ? now : end };
  }
  const back = preset === '7d' ? 6 : preset === '30d' ? 29 : 0;
  return { from: startOfDay(addDays(today, -back), timeZone), to: now };
}
