// The vendor's pages, reached through an emailed link; every form works without JavaScript.
import { stepper } from './stepper';
import { VENDOR_ACTIONS, type VendorAction } from '../../actions/registry';
import type { VendorTaskView } from '../../presentation/vendor-task';
import { fieldError, html, layout, type Markup } from './html';
import { dueWithDaysLeft } from '../../domain/enforcement';

function header(view: VendorTaskView): Markup {
  return html`
<h1>${view.task.title}</h1>
<section><dl class="facts">
  <dt>From</dt><dd>${view.district}</dd>
  <dt>To</dt><dd>${view.subprocessor ? html`<bdi>${view.subprocessor.name}</bdi>, subprocessor of <bdi>${view.vendor.name}</bdi>` : html`<bdi>${view.vendor.name}</bdi>`}</dd>
  <dt>Contract</dt><dd>${view.contract.id}${view.contract.title ? ` — ${view.contract.title}` : ''} (${view.service.name}), terminated ${view.contract.terminationDate}</dd>
  <dt>Due</dt><dd><span class="${view.task.overdue ? 'overdue' : ''}">${dueWithDaysLeft(Date.parse(view.task.dueAt), Date.now())}</span></dd>
</dl></section>`;
}

function errorsBlock(message?: string): Markup {
  return message ? html`<div class="notice warn" role="alert">${message}</div>` : html``;
}

export function vendorTaskPage(
  token: string,
  view: VendorTaskView,
  state: {
    values?: Record<string, string>;
    errors?: Record<string, string>;
    message?: string;
    info?: string;
    askCode?: boolean;
    extra?: Markup[];
  } = {},
): string {
  // The task's own part, from the folder of the action that does it (its `page`).
  const action = (Object.values(VENDOR_ACTIONS) as VendorAction[]).find((a) => a.task === view.task.kind && a.page);
  const body = action!.page!({
    base: `/v/${token}`,
    api: `/api/vendor/${token}`,
    view,
    value: (name: string, fallback = '') => state.values?.[name] ?? fallback,
    problem: (name: string) => fieldError(state.errors ?? {}, name),
    errors: state.errors ?? {},
    ...(state.askCode ? { askCode: true } : {}),
  });
  return layout(
    { title: view.task.title, scripts: view.task.kind === 'return' ? ['/static/upload.js'] : [] },
    html`
${header(view)}
${stepper(view.lifecycle)}
${state.info ? html`<div class="notice ok" role="status">${state.info}</div>` : ''}
${errorsBlock(state.message)}
${body}
${state.extra ?? ''}`,
  );
}

export function vendorDonePage(title: string, message: string): string {
  return layout(
    { title },
    html`<h1>${title}</h1><div class="notice ok" role="status">${message}</div><p>You can close this page.</p>`,
  );
}

export function vendorRefusedPage(message: string): string {
  return layout(
    { title: 'This link cannot be used' },
    html`<h1>This link cannot be used</h1><div class="notice warn" role="alert">${message}</div>`,
  );
}
