// The lifecycle at a glance: one list item per step, the current one marked for assistive technology
// (aria-current="step"), each done step with its day. Plain HTML: it needs no script, and wraps on a phone.
import { html, type Markup } from './html';

interface Step {
  title: string;
  state: 'done' | 'current' | 'upcoming' | 'stopped';
  at?: string | null;
  note?: string;
}

const STATE_WORDS: Record<Step['state'], string> = {
  done: 'Done',
  current: 'Now',
  upcoming: 'Next',
  stopped: 'Stopped',
};

export function stepper(steps: readonly Step[]): Markup {
  return html`<ol class="stepper" aria-label="Where the case stands">${steps.map(
    (step) => html`
  <li class="step ${step.state}" ${step.state === 'current' ? html`aria-current="step"` : ''}><span class="step-title">${step.title}</span>
    <span class="step-when"><span class="step-state">${STATE_WORDS[step.state]}</span>${step.at ? html` · <time datetime="${step.at}">${step.at.slice(0, 10)}</time>` : ''}${step.note ? ` · ${step.note}` : ''}</span></li>`,
  )}
</ol>`;
}
