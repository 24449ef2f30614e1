// A few DOM helpers: elements are built with textContent only (never
// innerHTML), so nothing the server returns is ever parsed as markup.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | ((e: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {},
  ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

let seq = 0;
export const uid = (p: string) => `${p}-${++seq}`;

// A labelled input with a place for its field error (aria-describedby).
export function field(label: string, name: string, attrs: Attrs = {},
  control?: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  const id = uid(name);
  const err = h('p', { class: 'field-error', id: `${id}-err`, 'data-error-for': name });
  const input = control ?? h('input', { name, ...attrs });
  input.id = id;
  input.setAttribute('name', name);
  input.setAttribute('aria-describedby', `${id}-err`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, err);
}

export function select(name: string, options: [string, string][], value = ''): HTMLSelectElement {
  const s = h('select', { name }, options.map(([v, t]) => h('option', { value: v }, t)));
  if (value || options.some(([v]) => v === '')) s.value = value;
  return s;
}

export function announce(text: string) {
  const s = document.getElementById('status');
  if (s) s.textContent = text;
}

export function fmtTime(s: string | null | undefined): string {
  if (!s) return '—';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

// An Idempotency-Key (crypto.randomUUID needs a secure context; this does not).
export function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
