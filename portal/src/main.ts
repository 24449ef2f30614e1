// The Customer Portal: a hash-routed page on the API of the server that
// serves it (docs/portal.md).
import { claims, json, setOnUnauthorized, token } from './api';
import { h } from './dom';
import { showError } from './errors';
import { createPage, listPage } from './list';
import { runPage } from './run';
import { workspacePage } from './workspace';

const main = () => document.getElementById('main') as HTMLElement;

// Each render gets a signal that aborts when the page changes (polls stop).
let current = new AbortController();

function nav() {
  const n = document.getElementById('nav');
  if (!n) return;
  n.replaceChildren();
  if (!token.get()) return;
  n.append(h('ul', {},
    h('li', {}, h('a', { href: '#/' }, 'Workspaces')),
    h('li', {}, h('a', { href: '#/new' }, 'Create workspace')),
    h('li', { class: 'who' }, `Signed in as ${claims().sub || 'unknown'}`),
    h('li', {}, h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'))));
}

function signOut() {
  token.clear();
  location.hash = '#/signin';
}

async function signInPage(root: HTMLElement) {
  const tokenForm = h('form', { class: 'card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h' }, 'Sign in with a token'),
    h('div', { class: 'field' },
      h('label', { for: 'token' }, 'Bearer token'),
      h('textarea', { id: 'token', name: 'token', rows: '4', required: true, autocomplete: 'off',
        spellcheck: 'false', 'aria-describedby': 'token-help' }),
      h('p', { id: 'token-help', class: 'muted' },
        'A JWT from your identity provider (or `workspaced token --sub NAME`). Kept in this tab only.')),
    h('button', { type: 'submit' }, 'Sign in'));
  tokenForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = (tokenForm.querySelector('textarea') as HTMLTextAreaElement).value.trim();
    await signInWith(tokenForm, t);
  });
  root.replaceChildren(h('h1', {}, 'Sign in'), tokenForm);
  let config = { dev_sign_in: false };
  try { config = await json('GET', '/portal/config.json'); } catch { /* not offered */ }
  if (!config.dev_sign_in) return;
  const devForm = h('form', { class: 'card', 'aria-labelledby': 'dev-h' },
    h('h2', { id: 'dev-h' }, 'Dev sign-in'),
    h('p', { class: 'muted' }, 'This server has dev tokens on and you are on its machine: sign in as any subject with the sign-in code the server logged at start (portal_sign_in_code).'),
    h('div', { class: 'field' }, h('label', { for: 'dev-code' }, 'Sign-in code'),
      h('input', { id: 'dev-code', name: 'code', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'dev-code-err' }),
      h('p', { class: 'field-error', id: 'dev-code-err', 'data-error-for': 'code' })),
    h('div', { class: 'field' }, h('label', { for: 'dev-sub' }, 'Subject'),
      h('input', { id: 'dev-sub', name: 'sub', required: true, autocomplete: 'username', 'aria-describedby': 'dev-sub-err' }),
      h('p', { class: 'field-error', id: 'dev-sub-err', 'data-error-for': 'sub' })),
    h('div', { class: 'field' }, h('label', { for: 'dev-groups' }, 'Groups (comma-separated, optional)'),
      h('input', { id: 'dev-groups', name: 'groups', 'aria-describedby': 'dev-groups-err' }),
      h('p', { class: 'field-error', id: 'dev-groups-err', 'data-error-for': 'groups' })),
    h('button', { type: 'submit' }, 'Dev sign-in'));
  devForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(devForm);
    const groups = String(fd.get('groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    try {
      const r = await json<{ token: string }>('POST', '/portal/dev-token',
        { sub: String(fd.get('sub') ?? '').trim(), code: String(fd.get('code') ?? '').trim(),
          ...(groups.length ? { groups } : {}) });
      await signInWith(devForm, r.token);
    } catch (err) { showError(devForm, err); }
  });
  root.append(devForm);
}

async function signInWith(form: HTMLElement, t: string) {
  token.set(t);
  try {
    await json('GET', '/v1/workspaces?limit=1');
    location.hash = '#/';
  } catch (err) {
    token.clear();
    showError(form, err);
  }
}

async function render() {
  current.abort();
  current = new AbortController();
  const signal = current.signal;
  const root = main();
  const path = location.hash.replace(/^#/, '') || '/';
  nav();
  if (!token.get() && path !== '/signin') { location.hash = '#/signin'; return; }
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let m: RegExpMatchArray | null;
  try {
    if (path === '/signin') await signInPage(root);
    else if (path === '/new') await createPage(root);
    else if ((m = path.match(/^\/runs\/([^/?]+)$/))) await runPage(root, decodeURIComponent(m[1]), signal);
    else if ((m = path.match(/^\/workspaces\/([^/?]+)$/))) await workspacePage(root, decodeURIComponent(m[1]), signal);
    else await listPage(root, new URLSearchParams(path.split('?')[1] ?? ''));
  } catch (err) {
    root.replaceChildren();
    showError(root, err);
  }
  if (!signal.aborted) {
    const heading = root.querySelector('h1');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); document.title = `${heading.textContent} — Workspaces`; }
  }
}

setOnUnauthorized(() => { token.clear(); location.hash = '#/signin'; });
window.addEventListener('hashchange', render);
render();
