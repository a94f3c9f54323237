/** An authorized `fetch` of the orchestrator's API, lent by the console's shell (it adds the bearer token). */
export type DashboardApi = (path: string, init?: RequestInit) => Promise<Response>;

/** Who is signed in, as the console's shell says. */
export interface DashboardStaff {
  subject: string;
  role: 'operator' | 'admin';
  name: string;
}

/** A refused or failed API call: its HTTP status and the error body's stable `code`. */
export class DashboardApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
  }
}

/** The JSON body of a 2xx answer; a {@link DashboardApiError} for anything else. */
export async function readJson<T>(response: Response): Promise<T> {
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: unknown };
    throw new DashboardApiError(response.status, typeof body.code === 'string' ? body.code : 'error');
  }
  return (await response.json()) as T;
}
