// The contract between the console's shell and its sections (inbox, dashboard, agents, inspector, settings):
// the shell signs staff in once and hands every section element these four properties.

/** The console's languages; pt-BR is the default. */
export type ConsoleLocale = 'pt-BR' | 'en';

/** An authorized `fetch` of the orchestrator's API: adds the bearer token and refreshes it once after a 401. */
export type ApiFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Who is signed in to the console. */
export interface StaffIdentity {
  /** The account id (the token's subject). */
  subject: string;
  role: 'operator' | 'admin';
  /** The account's display name. */
  name: string;
}

/**
 * What a section element MUST accept as properties. The shell sets them before the element is connected and
 * again whenever they change; a section MUST NOT sign in by itself nor keep tokens.
 */
export interface ConsoleSection {
  api: ApiFetch;
  locale: ConsoleLocale;
  /** The shop's IANA time zone; sections show dates in it. */
  timeZone: string;
  staff: StaffIdentity;
  /** Called before the shell signs out, while the token still works (e.g. to go "away" at the desk). */
  signOut?(): Promise<void>;
}

/** The shop's time zone until the desk's settings say otherwise. */
export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

/** The BCP 47 tag `Intl` formats a console locale with. */
export function intlLocale(locale: ConsoleLocale): string {
  return locale === 'en' ? 'en-US' : 'pt-BR';
}

/** A date and time in `timeZone`, short; the ISO text itself when it is not a date. */
export function formatDateTime(iso: string, locale: ConsoleLocale, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(locale), {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(d);
}

/** The hour and minute of `iso` in `timeZone`; empty when it is not a date. */
export function formatTime(iso: string, locale: ConsoleLocale, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(intlLocale(locale), { hour: '2-digit', minute: '2-digit', timeZone }).format(
    d,
  );
}
