// A provisioning run watched live: GET /v1/provisioning-runs/{id} polled with
// backoff (0.5 s, growing to 5 s) until it succeeds or fails; on failure its
// reason and a Retry button (POST …/retry starts a new run).
import { Accepted, json, Run } from './api';
import { announce, fmtTime, h, randomKey } from './dom';
import { showError } from './errors';

const STEP_LABELS: Record<string, string> = {
  bind_account: 'Bind the account', configure_account: 'Configure the account',
  create_environments: 'Create environments', provision_dataplane: 'Provision the dataplane',
  write_relationships: 'Write permissions', activate: 'Activate',
};

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

function stepItem(run: Run, s: Run['steps'][number]) {
  const active = run.current_step === s.name && !run.finished_at;
  return h('li', { class: `step step-${s.state}`, 'data-step': s.name, 'data-state': s.state,
    'aria-current': active ? 'step' : undefined },
  h('span', { class: 'step-name' }, STEP_LABELS[s.name] ?? s.name),
  h('span', { class: 'step-state' }, s.state + (s.attempts > 1 ? ` (attempt ${s.attempts})` : '')),
  s.last_error ? h('span', { class: 'step-error' }, s.last_error) : null);
}

export async function runPage(root: HTMLElement, id: string, signal: AbortSignal) {
  const state = h('p', { id: 'run-state', 'aria-live': 'polite' });
  const steps = h('ol', { class: 'steps', 'aria-label': 'Provisioning steps' });
  const failure = h('div', {});
  const link = h('p', {});
  root.replaceChildren(h('h1', {}, 'Provisioning'), state, steps, failure, link);
  let delay = 500;
  let last = '';
  while (!signal.aborted) {
    let run: Run;
    try {
      run = await json<Run>('GET', `/v1/provisioning-runs/${encodeURIComponent(id)}`);
    } catch (err) {
      showError(failure, err);
      await sleep(delay = Math.min(delay * 2, 5000), signal);
      continue;
    }
    if (signal.aborted) return;
    link.replaceChildren(h('a', { href: `#/workspaces/${run.workspace_id}` }, 'Open the workspace'));
    steps.replaceChildren(...run.steps.map((s) => stepItem(run, s)));
    const summary = `Run ${run.state}` + (run.current_step ? `: ${STEP_LABELS[run.current_step] ?? run.current_step}` : '') +
      (run.next_attempt_at ? ` (next attempt ${fmtTime(run.next_attempt_at)})` : '');
    state.textContent = summary;
    state.dataset.state = run.state;
    const fingerprint = JSON.stringify(run.steps.map((s) => [s.state, s.attempts]));
    if (fingerprint !== last) { delay = 500; last = fingerprint; } else delay = Math.min(delay * 1.5, 5000);
    if (run.state === 'succeeded') { announce('Provisioning succeeded: the workspace is active'); return; }
    if (run.state === 'failed') {
      const retry = h('button', { type: 'button' }, 'Retry');
      const box = h('div', { class: 'alert', role: 'alert', id: 'run-failure' },
        h('strong', {}, 'Provisioning failed'), h('p', { class: 'reason' }, run.error ?? 'unknown reason'),
        run.error_code ? h('p', { class: 'muted' }, `Code: ${run.error_code}`) : null, retry);
      failure.replaceChildren(box);
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        try {
          const a = await json<Accepted>('POST', `/v1/provisioning-runs/${encodeURIComponent(id)}/retry`,
            undefined, { 'Idempotency-Key': randomKey() });
          location.hash = `#/runs/${a.provisioning_run_id}`;
        } catch (err) {
          retry.disabled = false;
          showError(failure, err);
        }
      });
      return;
    }
    await sleep(delay, signal);
  }
}
