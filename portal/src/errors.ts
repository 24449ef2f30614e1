// Shows a problem document: an alert with its title and detail, and each
// field error beside its field (by the field's name) in `form`.
import { ApiError, Problem } from './api';
import { h } from './dom';

export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem;
  return { title: 'Error', status: 0, detail: e instanceof Error ? e.message : String(e) };
}

export function clearErrors(scope: HTMLElement) {
  scope.querySelectorAll('.alert').forEach((a) => a.remove());
  scope.querySelectorAll<HTMLElement>('[data-error-for]').forEach((p) => { p.textContent = ''; });
  scope.querySelectorAll('[aria-invalid]').forEach((i) => i.removeAttribute('aria-invalid'));
}

export function alertBox(p: Problem): HTMLElement {
  return h('div', { class: 'alert', role: 'alert', tabindex: '-1' },
    h('strong', {}, `${p.title}${p.status ? ` (${p.status})` : ''}`),
    h('p', {}, p.detail),
    p.instance ? h('p', { class: 'muted' }, `Request id: ${p.instance}`) : null);
}

export function showError(scope: HTMLElement, e: unknown) {
  clearErrors(scope);
  const p = problemOf(e);
  const unplaced: string[] = [];
  for (const fe of p.errors ?? []) {
    // "labels.team" or "group_mappings[0].role" → the form's field "labels" / "group_mappings".
    const root = fe.field.split(/[.[]/)[0];
    const slot = scope.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(fe.field)}"]`) ??
      scope.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(root)}"]`);
    if (slot) {
      slot.textContent = (slot.textContent ? `${slot.textContent} ` : '') + `${fe.field}: ${fe.detail}`;
      const input = scope.querySelector(`[name="${CSS.escape(root)}"]`);
      input?.setAttribute('aria-invalid', 'true');
    } else {
      unplaced.push(`${fe.field || 'body'}: ${fe.detail}`);
    }
  }
  const box = alertBox(p);
  if (unplaced.length) box.append(h('ul', {}, unplaced.map((u) => h('li', {}, u))));
  scope.prepend(box);
  box.focus();
}
