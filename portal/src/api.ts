// The API as the portal calls it: same origin, the bearer token from the
// sign-in, every error turned into its problem document.

export interface FieldError { field: string; detail: string }
export interface Problem {
  type?: string; title: string; status: number; detail: string;
  instance?: string; errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(public problem: Problem) { super(problem.detail || problem.title); }
}

const KEY = 'workspaced.token';
export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

// The token's subject and groups, for display and for choosing controls
// only: the server checks every call.
export function claims(): { sub: string; groups: string[] } {
  const t = token.get();
  try {
    const part = (t ?? '').split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const c = JSON.parse(atob(part));
    return { sub: String(c.sub ?? ''), groups: Array.isArray(c.groups) ? c.groups : [] };
  } catch {
    return { sub: '', groups: [] };
  }
}

export interface Page<T> { items: T[]; next: string | null }

async function problemOf(r: Response): Promise<Problem> {
  try {
    const p = await r.json();
    if (p && typeof p === 'object' && 'status' in p) return p as Problem;
  } catch { /* not a problem document */ }
  return { title: r.statusText || 'Error', status: r.status, detail: `the server answered ${r.status}` };
}

export let onUnauthorized = () => {};
export function setOnUnauthorized(f: () => void) { onUnauthorized = f; }

export async function request(method: string, path: string, body?: unknown,
  headers: Record<string, string> = {}): Promise<Response> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  const t = token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  if (body !== undefined) h['Content-Type'] ??= 'application/json';
  let r: Response;
  try {
    r = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError({ title: 'Network error', status: 0, detail: 'the server could not be reached' });
  }
  if (!r.ok) {
    const p = await problemOf(r);
    if (r.status === 401 && t) onUnauthorized();
    throw new ApiError(p);
  }
  return r;
}

export async function json<T>(method: string, path: string, body?: unknown,
  headers?: Record<string, string>): Promise<T> {
  return (await request(method, path, body, headers)).json() as Promise<T>;
}

// rel="next" of a Link header, as a same-origin path.
export function nextLink(r: Response): string | null {
  const link = r.headers.get('Link');
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) {
      const u = new URL(m[1], location.href);
      return u.origin === location.origin ? u.pathname + u.search : null;
    }
  }
  return null;
}

// `itemsOf`: where a page's items are in its body (the body itself for
// most lists; `records` for the vault's).
export async function page<T>(path: string,
  itemsOf: (body: unknown) => T[] = (body) => body as T[]): Promise<Page<T>> {
  const r = await request('GET', path);
  return { items: itemsOf(await r.json()), next: nextLink(r) };
}

// Every page of a list from `path` on, following Link, up to `max` items;
// `more` tells that the list goes on past them.
export async function allPages<T>(path: string, max: number,
  itemsOf?: (body: unknown) => T[]): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let next: string | null = path;
  while (next && items.length < max) {
    const p: Page<T> = await page<T>(next, itemsOf);
    items.push(...p.items);
    next = p.next;
  }
  return { items: items.slice(0, max), more: next !== null || items.length > max };
}

export interface Workspace {
  id: string; account_id: string; name: string; slug: string; status: string;
  region: string; tenancy_model: string; created_at: string; updated_at: string;
  created_by: string; updated_by: string; labels: Record<string, string>;
  group_mappings: { group_name: string; role: string }[];
  runtime: { generation: string | null } | null; provisioning_phase: string;
  status_reason: string | null; frozen_by: string | null; frozen_at: string | null;
  deletion_protection: boolean;
}
export interface Step {
  name: string; state: string; attempts: number; last_error: string | null;
  started_at?: string | null; finished_at?: string | null;
}
export interface Run {
  id: string; workspace_id: string; state: string; current_step: string | null;
  retry_of: string | null; error: string | null; error_code: string | null;
  finished_at: string | null; next_attempt_at: string | null; steps: Step[];
}
export interface Accepted { workspace_id: string; provisioning_run_id: string }
export interface Account { id: string; name: string }
export interface Member { subject: string; role: string; created_at: string }
export interface Permissions { read: boolean; write: boolean; administer: boolean; reveal_secret?: boolean; detokenize?: boolean }
export interface VaultField { type: string; token: string; deterministic: boolean; mask: string }
export interface VaultRecord { id: string; created_at: string; created_by: string; fields: Record<string, VaultField> }
export interface SecretVersion { version: number; environment: string | null; description: string; created_at: string; created_by: string }
export interface Secret { name: string; latest_version: number; versions: SecretVersion[] }
export interface AuditEvent {
  seq: number; time: string; actor: { subject: string }; action: string;
  target: { type: string; id: string }; outcome: string; details?: unknown;
}
