// One workspace: its fields, environments, members and group mappings (edit
// controls only where the caller may administer it: the server checks every
// call regardless), freeze/unfreeze, delete/restore, secrets (metadata, every
// version's behind a disclosure; a new version and a delete for a writer; a
// value only on an explicit click for a caller who may reveal it),
// the data vault (vault.ts), export downloads and the audit log.
import { allPages, AuditEvent, json, Member, page, Permissions, request, Secret, VaultRecord, Workspace } from './api';
import { announce, field, fmtTime, h, select } from './dom';
import { clearErrors, showError } from './errors';
import { parseLabels, parseMappings, statusBadge } from './list';
import { vaultSection } from './vault';

const ROLES: [string, string][] = [['admin', 'admin'], ['member', 'member'], ['viewer', 'viewer']];
// Members read for the page (5 pages of 1,000): enough for any team, bounded
// for a workspace an organisation shares.
const MAX_MEMBERS_SHOWN = 5000;
// Secrets read for the page, the same bound (the quota is per account).
const MAX_SECRETS_SHOWN = 5000;
// Vault records read for the page (5 pages of 100, the API's largest): a
// record is a row per field, up to 32.
const MAX_VAULT_RECORDS_SHOWN = 500;

function section(id: string, title: string, ...children: (Node | null)[]) {
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, title), ...children);
}

export async function workspacePage(root: HTMLElement, id: string, signal: AbortSignal) {
  const wid = encodeURIComponent(id);
  const r = await request('GET', `/v1/workspaces/${wid}`);
  const etag = r.headers.get('ETag') ?? '';
  const w = (await r.json()) as Workspace;
  const [perm, envs, members, secrets, vault] = await Promise.all([
    json<Permissions>('GET', `/portal/workspaces/${wid}/permissions`),
    json<{ name: string }[]>('GET', `/v1/workspaces/${wid}/environments`).catch(() => []),
    allPages<Member>(`/v1/workspaces/${wid}/members?limit=1000`, MAX_MEMBERS_SHOWN)
      .catch(() => ({ items: [] as Member[], more: false })),
    allPages<Secret>(`/v1/workspaces/${wid}/secrets?limit=1000`, MAX_SECRETS_SHOWN).catch(() => null),
    allPages<VaultRecord>(`/v1/workspaces/${wid}/vault/records?limit=100`, MAX_VAULT_RECORDS_SHOWN,
      (body) => (body as { records: VaultRecord[] }).records).catch(() => null),
  ]);
  if (signal.aborted) return;
  const admin = perm.administer;
  // A deleted workspace refuses every change but its restore, and every
  // reveal: no control for them is shown.
  const deleted = w.status === 'deleting' || w.status === 'deleted';
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const ifMatch: Record<string, string> = etag ? { 'If-Match': etag } : {};

  const dl = h('dl', { class: 'fields' });
  const row = (k: string, v: Node | string) => dl.append(h('dt', {}, k), h('dd', {}, v));
  row('Status', statusBadge(w.status));
  if (w.status_reason) row('Reason', w.status_reason);
  if (w.frozen_by) row('Frozen by', `${w.frozen_by} at ${fmtTime(w.frozen_at)}`);
  row('Id', w.id); row('Slug', w.slug); row('Account', w.account_id); row('Region', w.region);
  row('Tenancy', w.tenancy_model); row('Provisioning phase', w.provisioning_phase);
  row('Runtime', w.runtime?.generation || '—');  // "" when none
  row('Labels', Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '—');
  row('Created', `${fmtTime(w.created_at)} by ${w.created_by}`);
  row('Updated', `${fmtTime(w.updated_at)} by ${w.updated_by}`);

  // replaceChildren would write a null as the text "null": leave them out.
  const parts: (Node | null)[] = [
    h('h1', {}, w.name),
    h('p', { class: 'muted' }, admin ? 'You administer this workspace.' : 'You can read this workspace.'),
    section('details-h', 'Details', dl),
    admin && !deleted ? editSection(w, wid, ifMatch, reload) : null,
    admin && !deleted ? statusSection(w, wid, ifMatch, reload) : null,
    admin ? lifecycleSection(w, wid, ifMatch, reload) : null,
    section('envs-h', 'Environments', h('ul', { class: 'envs' }, envs.map((e) => h('li', {}, e.name)))),
    membersSection(members, wid, admin && !deleted, reload),
    mappingsSection(w, wid, admin && !deleted, ifMatch, reload),
    secretsSection(secrets, wid, perm.write && !deleted, perm.reveal_secret === true && !deleted, reload),
    vaultSection(vault, wid, perm.write && !deleted, perm.detokenize === true && !deleted, reload),
    exportSection(wid),
    auditSection(wid)];
  root.replaceChildren(...parts.filter((n): n is Node => n !== null));
}

function editSection(w: Workspace, wid: string, ifMatch: Record<string, string>, reload: () => void) {
  const labels = h('textarea', { rows: '3' });
  labels.value = Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join('\n');
  const form = h('form', { id: 'edit-form' },
    field('Name', 'name', { value: w.name, required: true }),
    field('Labels (key=value, one per line)', 'labels', {}, labels),
    h('button', { type: 'submit' }, 'Save changes'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const fd = new FormData(form);
    const next = parseLabels(String(fd.get('labels') ?? '')) ?? {};
    const patch: Record<string, unknown> = { name: String(fd.get('name') ?? '') };
    // Only what the user changed: a label whose line was left as shown
    // keeps its value exactly (spaces around it included).
    const merged: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(next)) if (w.labels[k]?.trim() !== v) merged[k] = v;
    for (const k of Object.keys(w.labels)) if (!(k in next)) merged[k] = null;
    if (Object.keys(merged).length) patch.labels = merged;
    try {
      await json('PATCH', `/v1/workspaces/${wid}`, patch,
        { 'Content-Type': 'application/merge-patch+json', ...ifMatch });
      announce('Saved');
      reload();
    } catch (err) { showError(form, err); }
  });
  return section('edit-h', 'Edit', w.status === 'frozen'
    ? h('p', { class: 'muted' }, 'The workspace is frozen: changes are refused until it is unfrozen.') : null, form);
}

function statusSection(w: Workspace, wid: string, ifMatch: Record<string, string>, reload: () => void) {
  const freezing = w.status !== 'frozen';
  const form = h('form', { id: 'status-form' },
    freezing ? field('Reason', 'reason', { maxlength: '1000', required: true }) : null,
    h('button', { type: 'submit', class: freezing ? 'danger' : '' }, freezing ? 'Freeze' : 'Unfreeze'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = String(new FormData(form).get('reason') ?? '');
    try {
      await json('PATCH', `/v1/workspaces/${wid}/status`,
        freezing ? { status: 'frozen', reason } : { status: 'active' }, ifMatch);
      announce(freezing ? 'Frozen' : 'Unfrozen');
      reload();
    } catch (err) { showError(form, err); }
  });
  return section('status-h', freezing ? 'Freeze' : 'Unfreeze', h('p', { class: 'muted' }, freezing
    ? 'A frozen workspace keeps serving reads and refuses every change.'
    : `Frozen${w.status_reason ? `: ${w.status_reason}` : ''}.`), form);
}

// Delete (soft: restorable until its retention window ends; docs/lifecycle.md)
// once the slug is typed, optionally discarding what the pillars hold (the
// server allows that to account admins only); restore while deleted.
function lifecycleSection(w: Workspace, wid: string, ifMatch: Record<string, string>, reload: () => void) {
  if (w.status === 'deleting' || w.status === 'deleted') {
    const form = h('form', { id: 'restore-form' }, h('button', { type: 'submit' }, 'Restore'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await json('POST', `/v1/workspaces/${wid}/restore`);
        announce('Restored');
        reload();
      } catch (err) { showError(form, err); }
    });
    return section('lifecycle-h', 'Restore', h('p', { class: 'muted' },
      'This workspace is deleted: it is purged when its retention window ends, unless it is restored first.'), form);
  }
  const form = h('form', { id: 'delete-form' },
    field(`Type the slug (${w.slug}) to confirm`, 'confirm', { required: true, autocomplete: 'off', spellcheck: 'false' }),
    h('div', { class: 'field' }, h('label', {}, h('input', { type: 'checkbox', name: 'force' }),
      ' Also discard what its pillars hold (account admins only)')),
    h('button', { type: 'submit', class: 'danger' }, 'Delete workspace'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const fd = new FormData(form);
    if (String(fd.get('confirm') ?? '').trim() !== w.slug) {
      const slot = form.querySelector<HTMLElement>('[data-error-for="confirm"]');
      if (slot) slot.textContent = `Type ${w.slug} exactly to delete this workspace.`;
      return;
    }
    const force = fd.get('force') !== null;
    try {
      await request('DELETE', `/v1/workspaces/${wid}${force ? '?force=true' : ''}`, undefined, ifMatch);
      announce('Deleted');
      reload();
    } catch (err) { showError(form, err); }
  });
  return section('lifecycle-h', 'Delete', h('p', { class: 'muted' }, w.deletion_protection
    ? 'Deletion protection is on: clear it (PATCH deletion_protection) before deleting.'
    : 'The workspace goes to deleted and can be restored until its retention window ends.'), form);
}

function membersSection(list: { items: Member[]; more: boolean }, wid: string, admin: boolean,
  reload: () => void) {
  const members = list.items;
  const box = h('div', {});
  const put = async (subject: string, role: string) => {
    try {
      await json('PUT', `/v1/workspaces/${wid}/members/${encodeURIComponent(subject)}`, { role });
      announce(`${subject} is ${role}`);
      reload();
    } catch (err) { showError(box, err); }
  };
  const table = h('table', { id: 'members' }, h('caption', { class: 'sr-only' }, 'Members'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Subject'), h('th', { scope: 'col' }, 'Role'),
      admin ? h('th', { scope: 'col' }, 'Actions') : null)),
    h('tbody', {}, members.map((m) => {
      if (!admin) return h('tr', {}, h('td', {}, m.subject), h('td', {}, m.role));
      const role = select('role', ROLES, m.role);
      role.setAttribute('aria-label', `Role of ${m.subject}`);
      return h('tr', {}, h('td', {}, m.subject), h('td', {}, role),
        h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => put(m.subject, role.value) }, 'Save role'),
          h('button', { type: 'button', class: 'danger', onclick: async () => {
            try {
              await request('DELETE', `/v1/workspaces/${wid}/members/${encodeURIComponent(m.subject)}`);
              reload();
            } catch (err) { showError(box, err); }
          } }, `Remove ${m.subject}`)));
    })));
  box.append(h('div', { class: 'scroll' }, table));
  if (list.more) {
    box.append(h('p', { class: 'muted', id: 'members-more' },
      `The first ${members.length} members are shown; use the API or \`workspaced ws members\` for all.`));
  }
  if (admin) {
    const form = h('form', { class: 'inline', id: 'add-member' },
      field('Subject', 'subject', { required: true }), field('Role', 'role', {}, select('role', ROLES, 'member')),
      h('button', { type: 'submit' }, 'Add member'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const fd = new FormData(form);
      put(String(fd.get('subject') ?? '').trim(), String(fd.get('role')));
    });
    box.append(form);
  }
  return section('members-h', 'Members', box);
}

function mappingsSection(w: Workspace, wid: string, admin: boolean, ifMatch: Record<string, string>,
  reload: () => void) {
  const list = h('ul', {}, w.group_mappings.map((g) => h('li', {}, `${g.group_name} → ${g.role}`)));
  if (!w.group_mappings.length) list.append(h('li', {}, 'None'));
  if (!admin) return section('mappings-h', 'Group mappings', list);
  const text = h('textarea', { rows: '3' });
  text.value = w.group_mappings.map((g) => `${g.group_name}=${g.role}`).join('\n');
  const form = h('form', { id: 'mappings-form' },
    field('Mappings (group=role, one per line)', 'group_mappings', {}, text),
    h('button', { type: 'submit' }, 'Save mappings'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = Object.entries(parseMappings(text.value) ?? {}).map(([group_name, role]) => ({ group_name, role }));
    try {
      await json('PUT', `/v1/workspaces/${wid}/group-mappings`, body, ifMatch);
      reload();
    } catch (err) { showError(form, err); }
  });
  return section('mappings-h', 'Group mappings', list, form);
}

// Secrets: metadata only until a caller who may reveal clicks Reveal; the
// value is shown in its row and never kept anywhere else. `null`: the list
// failed (a workspace without a dataplane yet).
function secretsSection(list: { items: Secret[]; more: boolean } | null, wid: string, write: boolean,
  reveal: boolean, reload: () => void) {
  const box = h('div', {});
  if (!list) return section('secrets-h', 'Secrets', h('p', { class: 'muted' }, 'Secrets are not available.'));
  const secrets = list.items;
  const columns = ['Name', 'Version', 'Environment', 'Description', 'Created', 'Value'];
  if (write) columns.push('Actions');
  const table = h('table', { id: 'secrets' }, h('caption', { class: 'sr-only' }, 'Secrets'),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, secrets.map((s) => {
      const v = s.versions[s.versions.length - 1];
      const value = h('td', { class: 'secret-value' });
      // Every version's metadata, newest first, behind a disclosure.
      const versions = s.versions.length > 1
        ? h('details', { class: 'versions' }, h('summary', {}, `${s.versions.length} versions`),
          h('ol', { reversed: true }, [...s.versions].reverse().map((x) => h('li', {},
            `v${x.version}${x.environment ? ` · ${x.environment}` : ''} · ${fmtTime(x.created_at)} by ${x.created_by}` +
            (x.description ? ` · ${x.description}` : '')))))
        : null;
      // DELETE destroys every version: asked once more, by name.
      const actions = write
        ? h('td', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Delete the secret ${s.name} and all ${s.versions.length} of its versions? This cannot be undone.`)) return;
          try {
            await request('DELETE', `/v1/workspaces/${wid}/secrets/${encodeURIComponent(s.name)}`);
            announce(`Deleted the secret ${s.name}`);
            reload();
          } catch (err) { showError(box, err); }
        } }, `Delete ${s.name}`))
        : null;
      if (reveal) {
        value.append(h('button', { type: 'button', class: 'secondary', onclick: async () => {
          try {
            const r = await json<{ value: string }>('POST',
              `/v1/workspaces/${wid}/secrets/${encodeURIComponent(s.name)}/reveal`, {});
            value.replaceChildren(h('code', {}, r.value));
          } catch (err) { showError(box, err); }
        } }, `Reveal ${s.name}`));
      } else {
        value.append('—');
      }
      return h('tr', {}, h('td', {}, s.name), h('td', {}, String(s.latest_version), versions),
        h('td', {}, v?.environment ?? '—'), h('td', {}, v?.description ?? ''),
        h('td', {}, v ? `${fmtTime(v.created_at)} by ${v.created_by}` : ''), value, actions);
    })));
  if (!secrets.length) {
    table.querySelector('tbody')?.append(h('tr', {}, h('td', { colspan: String(columns.length) }, 'None')));
  }
  box.append(h('div', { class: 'scroll' }, table));
  if (list.more) {
    box.append(h('p', { class: 'muted', id: 'secrets-more' },
      `The first ${secrets.length} secrets are shown; use the API for all.`));
  }
  if (write) {
    const form = h('form', { class: 'inline', id: 'put-secret' },
      field('Secret name', 'name', { required: true, maxlength: '128' }),
      field('Value', 'value', { required: true, type: 'password', autocomplete: 'off' }),
      field('Environment', 'environment', {}, select('environment',
        [['', '—'], ['dev', 'dev'], ['staging', 'staging'], ['prod', 'prod']], '')),
      field('Description', 'description', { maxlength: '1024' }),
      h('button', { type: 'submit' }, 'Put version'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const fd = new FormData(form);
      const body: Record<string, string> = { value: String(fd.get('value') ?? '') };
      const env = String(fd.get('environment') ?? '');
      if (env) body.environment = env;
      const description = String(fd.get('description') ?? '');
      if (description) body.description = description;
      const name = String(fd.get('name') ?? '').trim();
      try {
        await json('PUT', `/v1/workspaces/${wid}/secrets/${encodeURIComponent(name)}`, body);
        form.reset();
        announce(`Saved a new version of ${name}`);
        reload();
      } catch (err) { showError(form, err); }
    });
    box.append(form);
  }
  return section('secrets-h', 'Secrets', box);
}

function exportSection(wid: string) {
  const box = h('div', { class: 'buttons' });
  for (const format of ['json', 'ndjson', 'csv']) {
    box.append(h('button', { type: 'button', class: 'secondary', 'data-format': format, onclick: async () => {
      try {
        const r = await request('GET', `/v1/workspaces/${wid}/export?format=${format}`, undefined, { Accept: '*/*' });
        const name = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') ?? '')?.[1] ?? `workspace.${format}`;
        const url = URL.createObjectURL(await r.blob());
        const a = h('a', { href: url, download: name });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        announce(`Downloaded ${name}`);
      } catch (err) { showError(box, err); }
    } }, `Export ${format.toUpperCase()}`));
  }
  return section('export-h', 'Export', box);
}

function auditSection(wid: string) {
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    field('Action', 'action', { placeholder: 'member.put' }), field('Actor', 'actor'),
    field('Since (RFC 3339)', 'since', { placeholder: '2026-05-01T00:00:00Z' }),
    field('Until (RFC 3339)', 'until'),
    field('Per page', 'limit', {}, select('limit', [['5', '5'], ['10', '10'], ['50', '50'], ['200', '200']], '10')),
    h('button', { type: 'submit' }, 'Show events'));
  const body = h('tbody', {});
  const table = h('table', { id: 'audit' }, h('caption', { class: 'sr-only' }, 'Audit events'),
    h('thead', {}, h('tr', {}, ['#', 'Time', 'Actor', 'Action', 'Outcome'].map((c) => h('th', { scope: 'col' }, c)))), body);
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Next page');
  const box = h('div', {}, filters, h('div', { class: 'scroll' }, table), more);
  let next: string | null = null;
  const load = async (path: string | null, reset: boolean) => {
    if (!path) return;
    clearErrors(box);
    try {
      const p = await page<AuditEvent>(path);
      if (reset) body.replaceChildren();
      for (const e of p.items) {
        body.append(h('tr', {}, h('td', {}, String(e.seq)), h('td', {}, fmtTime(e.time)),
          h('td', {}, e.actor?.subject ?? ''), h('td', {}, e.action), h('td', {}, e.outcome)));
      }
      next = p.next;
      more.hidden = !next;
      announce(`${body.children.length} audit events shown`);
    } catch (err) { showError(box, err); }
  };
  const first = () => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (String(v)) q.set(k, String(v));
    return `/v1/workspaces/${wid}/audit?${q}`;
  };
  filters.addEventListener('submit', (e) => { e.preventDefault(); load(first(), true); });
  more.addEventListener('click', () => load(next, true));
  load(first(), true);
  return section('audit-h', 'Audit log', box);
}
