// The data vault panel of a workspace page (docs/vault.md): the records
// (the first ones, saying so when there are more) as tokens and masks; a value only on an explicit click for a
// caller with `detokenize` (shown in its row, kept nowhere else); a
// one-field record form and a record's Delete for a caller with `write`.
import { json, request, VaultRecord } from './api';
import { announce, field, fmtTime, h, select } from './dom';
import { clearErrors, showError } from './errors';

const TYPES: [string, string][] = [['text', 'text'], ['email', 'email'], ['card_number', 'card number'],
  ['national_id', 'national id'], ['phone', 'phone']];

function section(box: Node) {
  return h('section', { 'aria-labelledby': 'vault-h', class: 'card' }, h('h2', { id: 'vault-h' }, 'Data vault'), box);
}

// `list` null: the list failed (a workspace without a dataplane yet);
// `more`: the workspace holds more records than those read.
export function vaultSection(list: { items: VaultRecord[]; more: boolean } | null, wid: string,
  write: boolean, detokenize: boolean, reload: () => void) {
  if (!list) return section(h('p', { class: 'muted' }, 'The vault is not available.'));
  const records = list.items;
  const box = h('div', {});
  const rows: HTMLElement[] = [];
  for (const r of records) {
    let first = true;
    for (const [name, f] of Object.entries(r.fields)) {
      const value = h('td', { class: 'vault-value' });
      if (detokenize) {
        value.append(h('button', { type: 'button', class: 'secondary', onclick: async () => {
          try {
            const res = await json<{ results: { value?: string }[] }>('POST',
              `/v1/workspaces/${wid}/vault/detokenize`, { tokens: [f.token] });
            value.replaceChildren(h('code', {}, res.results[0]?.value ?? '(not found)'));
          } catch (err) { showError(box, err); }
        } }, `Detokenize ${name}`));
      } else {
        value.append('—');
      }
      // A record is deleted whole (all its fields' tokens stop resolving):
      // its button is on its first row, asked once more.
      const id = r.id.slice(0, 8);
      const actions = write
        ? h('td', {}, first ? h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Delete the record ${id} and its ${Object.keys(r.fields).length} field(s)? Its tokens will no longer detokenize.`)) return;
          try {
            await request('DELETE', `/v1/workspaces/${wid}/vault/records/${encodeURIComponent(r.id)}`);
            announce(`Deleted the record ${id}`);
            reload();
          } catch (err) { showError(box, err); }
        } }, `Delete record ${id}`) : null)
        : null;
      first = false;
      rows.push(h('tr', {}, h('td', {}, h('code', {}, id)), h('td', {}, name),
        h('td', {}, f.type), h('td', {}, h('code', {}, f.mask)), h('td', {}, h('code', {}, f.token)),
        h('td', {}, `${fmtTime(r.created_at)} by ${r.created_by}`), value, actions));
    }
  }
  const columns = ['Record', 'Field', 'Type', 'Mask', 'Token', 'Created', 'Value'];
  if (write) columns.push('Actions');
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: String(columns.length) }, 'None')));
  const table = h('table', { id: 'vault' }, h('caption', { class: 'sr-only' }, 'Vault records'),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows));
  box.append(h('div', { class: 'scroll' }, table));
  if (list.more) {
    box.append(h('p', { class: 'muted', id: 'vault-more' },
      `The first ${records.length} records are shown; use the API for all.`));
  }
  if (write) {
    const form = h('form', { class: 'inline', id: 'vault-record' },
      field('Field name', 'name', { required: true, maxlength: '64' }),
      field('Type', 'type', {}, select('type', TYPES, 'text')),
      field('Value', 'value', { required: true, type: 'password', autocomplete: 'off' }),
      field('Deterministic token', 'deterministic', { type: 'checkbox' }),
      h('button', { type: 'submit' }, 'Tokenize'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const fd = new FormData(form);
      const name = String(fd.get('name') ?? '').trim();
      const body = { fields: { [name]: { type: String(fd.get('type') ?? 'text'),
        value: String(fd.get('value') ?? ''), deterministic: fd.get('deterministic') !== null } } };
      try {
        await json('POST', `/v1/workspaces/${wid}/vault/records`, body);
        form.reset();
        announce(`Stored ${name} in the vault`);
        reload();
      } catch (err) { showError(form, err); }
    });
    box.append(form);
  }
  return section(box);
}
