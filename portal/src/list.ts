// The workspaces list (the caller's, or an account's) with filters and
// paging through Link, and the create form.
import { Account, Accepted, json, page, Workspace } from './api';
import { announce, field, fmtTime, h, randomKey, select } from './dom';
import { clearErrors, showError } from './errors';

const STATUSES: [string, string][] = [['', 'Any'], ['provisioning', 'provisioning'],
  ['active', 'active'], ['frozen', 'frozen'], ['error', 'error']];

async function accounts(): Promise<Account[]> {
  try { return (await page<Account>('/v1/accounts?limit=100')).items; } catch { return []; }
}

export function statusBadge(s: string) {
  return h('span', { class: `badge badge-${s}` }, s);
}

export async function listPage(root: HTMLElement, params: URLSearchParams) {
  const accs = await accounts();
  const scope = params.get('account') ?? '';
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter workspaces' },
    accs.length ? field('Scope', 'account', {}, select('account',
      [['', 'My workspaces'], ...accs.map((a): [string, string] => [a.id, `Account: ${a.name}`])], scope)) : null,
    field('Status', 'status', {}, select('status', STATUSES, params.get('status') ?? '')),
    field('Region', 'region', { value: params.get('region') ?? '' }),
    field('Label (key:value)', 'label', { value: params.get('label') ?? '', placeholder: 'team:data' }),
    field('Name starts with', 'name_prefix', { value: params.get('name_prefix') ?? '' }),
    h('button', { type: 'submit' }, 'Apply filters'));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (String(v)) q.set(k, String(v));
    location.hash = `#/?${q}`;
  });
  const table = h('table', {}, h('caption', { class: 'sr-only' }, 'Workspaces'),
    h('thead', {}, h('tr', {}, ['Name', 'Slug', 'Status', 'Region', 'Created'].map((c) => h('th', { scope: 'col' }, c)))));
  const body = h('tbody', {});
  table.append(body);
  const more = h('button', { type: 'button', class: 'secondary' }, 'Load more');
  const region = h('section', { 'aria-labelledby': 'list-h' }, h('div', { class: 'scroll' }, table), more);
  root.replaceChildren(h('h1', { id: 'list-h' }, 'Workspaces'),
    h('p', {}, h('a', { href: '#/new', class: 'button' }, 'Create workspace')), filters, region);

  const q = new URLSearchParams();
  for (const k of ['status', 'region', 'label', 'name_prefix']) {
    const v = params.get(k);
    if (v) q.set(k, v);
  }
  q.set('limit', params.get('limit') ?? '20');
  let next: string | null = scope
    ? `/v1/workspaces/by-account/${encodeURIComponent(scope)}?${q}`
    : `/v1/workspaces?${q}`;
  const load = async () => {
    if (!next) return;
    more.disabled = true;
    try {
      const p = await page<Workspace>(next);
      for (const w of p.items) {
        body.append(h('tr', {},
          h('td', {}, h('a', { href: `#/workspaces/${w.id}` }, w.name)),
          h('td', {}, w.slug), h('td', {}, statusBadge(w.status)), h('td', {}, w.region),
          h('td', {}, fmtTime(w.created_at))));
      }
      next = p.next;
      announce(`${body.children.length} workspaces shown${next ? ', more available' : ''}`);
      if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: '5' }, 'No workspaces match.')));
    } catch (err) {
      showError(region, err);
    }
    more.disabled = false;
    more.hidden = !next;
  };
  more.addEventListener('click', load);
  await load();
}

// "key=value" lines → {key: value}: one pair a line, split at the first
// "=" (a label key holds none), so a value may hold "," and "=".
export function parseLabels(text: string): Record<string, string> | undefined {
  return parsePairs(text, (t) => t.indexOf('='));
}

// "group=role" lines → {group: role}, split at the last "=" (a role holds
// none; a group name may).
export function parseMappings(text: string): Record<string, string> | undefined {
  return parsePairs(text, (t) => t.lastIndexOf('='));
}

function parsePairs(text: string, at: (line: string) => number): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const i = at(t);
    out[i < 0 ? t : t.slice(0, i).trim()] = i < 0 ? '' : t.slice(i + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

export async function createPage(root: HTMLElement) {
  const accs = await accounts();
  const form = h('form', { class: 'card', 'aria-labelledby': 'create-h', novalidate: true },
    accs.length
      ? field('Account', 'account_id', {}, select('account_id', accs.map((a): [string, string] => [a.id, a.name])))
      : field('Account id', 'account_id', { required: true }),
    field('Name', 'name', { required: true, autocomplete: 'off' }),
    field('Region', 'region', { required: true, value: 'us-east-1' }),
    field('Slug (optional, generated from the name)', 'slug', { autocomplete: 'off' }),
    field('Labels (key=value, one per line, optional)', 'labels', {}, h('textarea', { rows: '3' })),
    h('button', { type: 'submit' }, 'Create workspace'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const fd = new FormData(form);
    const body: Record<string, unknown> = {
      account_id: String(fd.get('account_id') ?? ''), name: String(fd.get('name') ?? ''),
      region: String(fd.get('region') ?? ''),
    };
    const slug = String(fd.get('slug') ?? '').trim();
    if (slug) body.slug = slug;
    const labels = parseLabels(String(fd.get('labels') ?? ''));
    if (labels) body.labels = labels;
    const button = form.querySelector('button') as HTMLButtonElement;
    button.disabled = true;
    try {
      const a = await json<Accepted>('POST', '/v1/workspaces', body,
        { 'Idempotency-Key': randomKey() });
      location.hash = `#/runs/${a.provisioning_run_id}`;
    } catch (err) {
      showError(form, err);
    }
    button.disabled = false;
  });
  root.replaceChildren(h('h1', { id: 'create-h' }, 'Create a workspace'), form);
}
