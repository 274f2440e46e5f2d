// Every action a person takes on a case, declared once: its body, who may take it, the workflow update it
// sends and that update's payload, the message a page shows after it, its form's fields and its CLI spelling.
// From these the server derives the API route and its OpenAPI entry and the page form's handling, the CLI its
// command and usage line, and the workflow the validator's payload schema (client/server/action-routes.ts,
// client/cli.ts, workflows/case-guards.ts). A new action is its declaration here, its handler in
// workflows/case-handlers.ts, its form in the page markup, and its test.
//
// Pure data and functions over the case state: the workflow bundle loads this module (lazily, to validate).
import { z } from 'zod';
import { acknowledgeBodySchema, cancelBodySchema, countersignBodySchema, enforcementBodySchema, extendBodySchema, legalHoldBodySchema, rejectionNeedsReason, reviewBodySchema, reviewBodyShape, submitReturnBodySchema } from './api';
import { certificationReceived, exceptionsOf, latestTask, legalHoldMessage, openTaskOf, type CaseState } from './case-state';
import { exceptionSchema } from './case-input';
import { backupRolloffSchema, certificationBodyDocSchema, certificationBodySchema, certificationSchema, signatoryCheckSchema, subprocessorCertificationBodySchema, subprocessorCertificationSchema, subprocessorLinkSchema, subprocessorWaiverSchema } from './certification';
import { readableMoment } from './dates';
import { certificationFromForm, flatFormBody, formText, subprocessorCertificationFromForm, type Form } from './form-fields';
import { linkRefSchema, stagedFileRefSchema } from './messages';
import { TASK_TITLES, type LinkTaskKind, type Role } from './statuses';
import { updateId } from './update-ids';

/** What a page says after the action succeeded; `title` heads the vendor's page. */
export interface Outcome {
  title?: string;
  text(state: CaseState): string;
}

interface Declaration<Body> {
  /** The last segment of its URLs: `/api/cases/:caseId/<path>` and `/cases/:caseId/<path>`, or the vendor's under the link. */
  path: string;
  /** The workflow update it sends (the name is part of every running case's history: never rename one). */
  update: string;
  /** One line for the API document. */
  summary: string;
  /** The request body, checked at the edge; absent when the action takes none. */
  body?: z.ZodType<Body>;
  /** The update's payload, checked again by the workflow's validator. */
  message: z.ZodType;
  /** The page form's fields as a body (then checked by `body`). */
  fromForm(form: Form): unknown;
  /** Page messages by outcome key (`?done=<key>` after the redirect), and which one this body leads to. */
  outcomes: Record<string, Outcome>;
  outcome(body: Body): string;
}

export interface StaffActionDeclaration<Body = unknown> extends Declaration<Body> {
  audience: 'staff';
  roles: readonly Role[];
  /** Which form the case page shows again, refilled, when the action is refused (none: just the reason). */
  refill?(form: Form): string;
  /** `disposition case <name> ID <usage>`: its options, and the body they make. */
  cli: { name: string; usage: string; help: string; options: Record<string, 'string' | 'boolean'>; body(values: CliValues): unknown };
  /** The update's payload and id from the state as it is now (a repeat with the same id answers the first result). */
  send(state: CaseState, body: Body, actor: string): { payload: object; updateId: string };
  /**
   * Owned by the case record, not the workflow (the legal hold): written there in one transaction whatever the
   * case's state, open or closed; the workflows that guard the case's data are told after.
   */
  recordOwned?: true;
}

export interface VendorActionDeclaration<Body = unknown> extends Declaration<Body> {
  audience: 'vendor';
  /** The task whose link carries the action. */
  task: LinkTaskKind;
  /** The update's payload without the link, which the server adds from the token. */
  payload(body: Body): object;
  /** 202 when the work goes on after the answer (packaging). */
  status?: 202;
  /** The payload lists the files staged for the case, read by the server when the action is taken. */
  withStagedFiles?: true;
  /**
   * A certification: the signatory's address, which must be verified by a one-time code before the action is taken
   * (DESIGN "Signatory check"), and the code when the body carries one. The server adds `signatoryCheck` to the payload.
   */
  signatory?(body: Body): { email: string; code?: string };
  /** The body as the API document shows it, when it says more than `body` (a deprecated shape still accepted). */
  bodyDoc?: z.ZodType;
}

// Any declared action, as the routes, the CLI and the service take them: the body they pass is the one `body` checked.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type StaffAction = StaffActionDeclaration<any>;
export type VendorAction = VendorActionDeclaration<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

export type CliValues = Record<string, string | boolean | undefined>;

/** A CLI command given the wrong options: the CLI prints it with the usage and exits 2. */
export class ActionUsageError extends Error {}

/** FNV-1a, as 8 hex digits: short, stable, and loadable in the workflow bundle (no node:crypto). */
function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

const cliText = (values: CliValues, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new ActionUsageError(`--${name} is required`);
  return value;
};

// The update name and payload schema keep their exact types, so the workflow's handlers are typed by them.
type Exact<D, U extends string, M extends z.ZodType> = Omit<D, 'audience' | 'update' | 'message'> & { update: U; message: M };
const staff = <Body, const U extends string, M extends z.ZodType>(declaration: Exact<StaffActionDeclaration<Body>, U, M>) => ({ audience: 'staff' as const, ...declaration });
const vendor = <Body, const U extends string, M extends z.ZodType>(declaration: Exact<VendorActionDeclaration<Body>, U, M>) => ({ audience: 'vendor' as const, ...declaration });

/** Who acted: `user:<name>`, `cli:<os user>`, `vendor:<task>` or `system`. */
const actor = { actor: z.string().min(1).max(200) };
const link = { link: linkRefSchema };

const openTitle = (state: CaseState): string => {
  const open = openTaskOf(state);
  return open ? TASK_TITLES[open.kind] : 'the case';
};

export const STAFF_ACTIONS = {
  review: staff({
    path: 'review',
    update: 'reviewReturn',
    summary: 'Accept or reject the returned data',
    roles: ['admin'],
    body: reviewBodySchema,
    /** `gen` is the review task this decision answers; a decision on an older package is refused. */
    message: reviewBodyShape.extend({ gen: z.number().int().positive(), ...actor }).superRefine(rejectionNeedsReason),
    fromForm: (form) => flatFormBody(form, { decision: 'text', reason: 'text' }),
    refill: (form) => (formText(form, 'decision') === 'reject' ? 'reject' : 'accept'),
    outcomes: {
      accepted: { text: () => 'Return accepted; the vendor is asked to certify destruction.' },
      rejected: { text: () => 'Return rejected; the vendor is told why and asked to return the data again.' },
    },
    outcome: (body) => (body.decision === 'reject' ? 'rejected' : 'accepted'),
    cli: {
      name: 'review', usage: '--accept | --reject --reason R', help: 'accept or reject the returned data',
      options: { accept: 'boolean', reject: 'boolean', reason: 'string' },
      body: (values) => {
        if (values.accept === values.reject) throw new ActionUsageError('give either --accept or --reject --reason R');
        return { decision: values.accept ? 'accept' : 'reject', ...(typeof values.reason === 'string' ? { reason: values.reason } : {}) };
      },
    },
    send: (state, body, by) => {
      const open = openTaskOf(state);
      const gen = open?.kind === 'review' ? open.gen : latestTask(state, 'review')?.gen ?? 1;
      return { payload: { ...body, gen, actor: by }, updateId: updateId('review', gen, 'reviewReturn') };
    },
  }),
  extend: staff({
    path: 'extend',
    update: 'extendDeadline',
    summary: 'Move the due time of the open task',
    roles: ['admin'],
    body: extendBodySchema,
    message: extendBodySchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { task: 'text', until: 'text', reason: 'text' }),
    refill: () => 'extend',
    outcomes: {
      extended: {
        text: (state) => {
          const open = openTaskOf(state);
          return open ? `Due time extended: "${TASK_TITLES[open.kind]}" is now due ${readableMoment(open.dueAt)}.` : 'Due time extended.';
        },
      },
    },
    outcome: () => 'extended',
    cli: {
      name: 'extend', usage: '--task T --until DATE --reason R', help: 'move the due time of the open task',
      options: { task: 'string', until: 'string', reason: 'string' },
      body: (values) => ({ task: cliText(values, 'task'), until: cliText(values, 'until'), reason: cliText(values, 'reason') }),
    },
    send: (state, body, by) => {
      const open = openTaskOf(state);
      return { payload: { ...body, actor: by }, updateId: `${updateId(open?.kind ?? 'case', open?.gen ?? 0, 'extendDeadline')}-${body.until}` };
    },
  }),
  resendLink: staff({
    path: 'resend-link',
    update: 'resendLink',
    summary: 'Email a new link for the open vendor task; older links stop working',
    roles: ['admin'],
    message: z.object(actor),
    fromForm: () => ({}),
    outcomes: { 'link-sent': { text: (state) => `A new link for "${openTitle(state)}" is on its way to the vendor; older links no longer work.` } },
    outcome: () => 'link-sent',
    cli: { name: 'resend-link', usage: '', help: 'email a new link for the open vendor task', options: {}, body: () => ({}) },
    send: (state, _body, by) => {
      const open = openTaskOf(state);
      return { payload: { actor: by }, updateId: updateId(open?.kind ?? 'case', open?.gen ?? 0, 'resendLink') };
    },
  }),
  cancel: staff({
    path: 'cancel',
    update: 'cancelCase',
    summary: 'Cancel the case',
    roles: ['admin'],
    body: cancelBodySchema,
    message: cancelBodySchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { reason: 'text' }),
    refill: () => 'cancel',
    outcomes: { cancelled: { text: () => 'Case cancelled.' } },
    outcome: () => 'cancelled',
    cli: { name: 'cancel', usage: '--reason R', help: 'cancel the case', options: { reason: 'string' }, body: (values) => ({ reason: cliText(values, 'reason') }) },
    send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'cancelCase') }),
  }),
  addException: staff({
    path: 'exceptions',
    update: 'addException',
    summary: 'Record data the vendor may keep, and why (the exceptions register); the certification confirms all but these, and the statement lists them',
    roles: ['admin'],
    body: exceptionSchema,
    message: exceptionSchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { kind: 'text', scope: 'text', reason: 'text', endsOn: 'text' }),
    refill: () => 'exceptions',
    outcomes: { 'exception-added': { text: () => 'Exception recorded. The vendor\'s certification will confirm all but the listed exceptions.' } },
    outcome: () => 'exception-added',
    cli: {
      name: 'exception', usage: '--kind K --scope S --reason R [--ends-on DATE]', help: 'record data the vendor may keep, and why',
      options: { kind: 'string', scope: 'string', reason: 'string', 'ends-on': 'string' },
      body: (values) => ({ kind: cliText(values, 'kind'), scope: cliText(values, 'scope'), reason: cliText(values, 'reason'), ...(typeof values['ends-on'] === 'string' ? { endsOn: values['ends-on'] } : {}) }),
    },
    // One id per exception as written: a repeat of the same request answers once; two different ones both count.
    send: (state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', exceptionsOf(state).length + 1, `addException-${textHash(JSON.stringify(body))}`) }),
  }),
  markNotCooperating: staff({
    path: 'not-cooperating',
    update: 'markNotCooperating',
    summary: 'Mark the vendor as not cooperating (its open task overdue and escalated), with a note',
    roles: ['admin'],
    body: enforcementBodySchema,
    message: enforcementBodySchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { note: 'text' }),
    refill: () => 'not-cooperating',
    outcomes: { 'not-cooperating': { text: () => 'The vendor is marked as not cooperating. Refer the case to legal when the note is not answered.' } },
    outcome: () => 'not-cooperating',
    cli: { name: 'not-cooperating', usage: '--note N', help: 'mark the vendor as not cooperating (an overdue, escalated task)', options: { note: 'string' }, body: (values) => ({ note: cliText(values, 'note') }) },
    send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'markNotCooperating') }),
  }),
  referToLegal: staff({
    path: 'refer-to-legal',
    update: 'referToLegal',
    summary: 'Refer the case to legal counsel (after the vendor was marked not cooperating): legal staff get a letter with the case\'s history',
    roles: ['admin'],
    body: enforcementBodySchema,
    message: enforcementBodySchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { note: 'text' }),
    refill: () => 'refer-to-legal',
    outcomes: { referred: { text: () => 'The case is referred to legal. Legal staff are emailed the referral letter with the case\'s history.' } },
    outcome: () => 'referred',
    cli: { name: 'refer-to-legal', usage: '--note N', help: 'refer the case to legal counsel; legal staff get the referral letter', options: { note: 'string' }, body: (values) => ({ note: cliText(values, 'note') }) },
    send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'referToLegal') }),
  }),
  waiveSubprocessor: staff({
    path: 'waive-subprocessor',
    update: 'waiveSubprocessor',
    summary: 'Let the case finish without one subprocessor\'s certification, saying why (the statement shows the waiver and its reason)',
    roles: ['admin'],
    body: subprocessorWaiverSchema,
    message: subprocessorWaiverSchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', reason: 'text' }),
    refill: () => 'waive-subprocessor',
    outcomes: { 'subprocessor-waived': { text: () => 'Subprocessor waived: the case no longer waits for its certification, and the statement shows the waiver with its reason.' } },
    outcome: () => 'subprocessor-waived',
    cli: {
      name: 'waive-subprocessor', usage: '--subprocessor ID --reason R', help: 'let the case finish without a subprocessor\'s certification, saying why',
      options: { subprocessor: 'string', reason: 'string' },
      body: (values) => ({ subprocessorId: cliText(values, 'subprocessor'), reason: cliText(values, 'reason') }),
    },
    send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, `waiveSubprocessor-${body.subprocessorId}`) }),
  }),
  resendSubprocessorLink: staff({
    path: 'subprocessor-link',
    update: 'resendSubprocessorLink',
    summary: 'Email a subprocessor a new link, to a corrected address when given; its older links stop working',
    roles: ['admin'],
    body: subprocessorLinkSchema,
    message: subprocessorLinkSchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', contactEmail: 'text' }),
    refill: () => 'subprocessor-link',
    outcomes: { 'subprocessor-link-sent': { text: () => 'A new link is on its way to the subprocessor, the vendor copied; its older links no longer work.' } },
    outcome: () => 'subprocessor-link-sent',
    cli: {
      name: 'subprocessor-link', usage: '--subprocessor ID [--email E]', help: 'email a subprocessor a new link (to a corrected address)',
      options: { subprocessor: 'string', email: 'string' },
      body: (values) => ({ subprocessorId: cliText(values, 'subprocessor'), ...(typeof values.email === 'string' ? { contactEmail: values.email } : {}) }),
    },
    send: (state, body, by) => {
      const gen = state.subprocessors?.find((s) => s.id === body.subprocessorId)?.gen ?? 0;
      return { payload: { ...body, actor: by }, updateId: updateId('subprocessor_certify', gen, `resendSubprocessorLink-${body.subprocessorId}`) };
    },
  }),
  countersign: staff({
    path: 'countersign',
    update: 'countersignStatement',
    summary: 'Countersign for the district (cases started with legalSignoff): after the vendor certified, legal staff review and countersign; only then is the statement issued, naming who countersigned and when',
    roles: ['legal'],
    body: countersignBodySchema,
    /** `gen` is the countersignature task this answers (a later one, after a reopening, needs its own). */
    message: countersignBodySchema.extend({ gen: z.number().int().positive(), ...actor }),
    fromForm: (form) => flatFormBody(form, { attestation: 'boolean', note: 'text' }),
    refill: () => 'countersign',
    outcomes: { countersigned: { text: () => 'Countersigned for the district. The statement is being issued and will name you.' } },
    outcome: () => 'countersigned',
    cli: {
      name: 'sign', usage: '[--note N]', help: 'countersign for the district (legal staff), after the vendor certified',
      options: { note: 'string' },
      body: (values) => ({ attestation: true, ...(typeof values.note === 'string' ? { note: values.note } : {}) }),
    },
    send: (state, body, by) => {
      const gen = latestTask(state, 'countersign')?.gen ?? 1;
      return { payload: { ...body, gen, actor: by }, updateId: updateId('countersign', gen, 'countersignStatement') };
    },
  }),
  legalHold: staff({
    path: 'legal-hold',
    update: 'setLegalHold',
    summary: 'Hold or release the case\'s data',
    roles: ['admin', 'legal'],
    body: legalHoldBodySchema,
    message: legalHoldBodySchema.extend(actor),
    fromForm: (form) => flatFormBody(form, { on: 'boolean', reason: 'text' }),
    refill: () => 'legal-hold',
    outcomes: { 'hold-set': { text: () => legalHoldMessage(true) }, 'hold-released': { text: () => legalHoldMessage(false) } },
    outcome: (body) => (body.on ? 'hold-set' : 'hold-released'),
    cli: {
      name: 'hold', usage: '--on|--off --reason R', help: 'set or release a legal hold',
      options: { on: 'boolean', off: 'boolean', reason: 'string' },
      body: (values) => {
        if (values.on === values.off) throw new ActionUsageError('give either --on or --off');
        return { on: values.on === true, reason: cliText(values, 'reason') };
      },
    },
    send: (state, body, by) => ({ payload: { ...body, actor: by }, updateId: `${updateId('case', state.legalHold.length, 'setLegalHold')}-${body.on ? 'on' : 'off'}` }),
    recordOwned: true,
  }),
} satisfies Record<string, StaffAction>;

export const VENDOR_ACTIONS = {
  acknowledge: vendor({
    path: 'acknowledge',
    task: 'acknowledge',
    update: 'acknowledgeNotice',
    summary: 'Acknowledge the notice',
    body: acknowledgeBodySchema,
    message: acknowledgeBodySchema.extend(link),
    fromForm: (form) => flatFormBody(form, { contactName: 'text', contactEmail: 'text', contactTitle: 'text' }),
    outcomes: { acknowledged: { title: 'Notice acknowledged', text: () => 'Notice acknowledged. The next task is on its way by email.' } },
    outcome: () => 'acknowledged',
    payload: (body) => body,
  }),
  submitReturn: vendor({
    path: 'submit-return',
    task: 'return',
    update: 'submitReturn',
    summary: 'Finish the return',
    body: submitReturnBodySchema,
    message: submitReturnBodySchema.extend({ ...link, files: z.array(stagedFileRefSchema).min(1, 'stage at least one file before submitting the return').max(100_000) }),
    fromForm: (form) => flatFormBody(form, { note: 'text' }),
    outcomes: { returned: { title: 'Return submitted', text: () => 'Return received. The district will review it and write to you.' } },
    outcome: () => 'returned',
    payload: (body) => (body.note ? { note: body.note } : {}),
    status: 202,
    withStagedFiles: true,
  }),
  certify: vendor({
    path: 'certify',
    task: 'certify',
    update: 'certify',
    summary: 'Certify destruction (III.C) and removal of tracking mechanisms (IV.A)',
    body: certificationBodySchema,
    bodyDoc: certificationBodyDocSchema,
    message: z.object({ ...link, certification: certificationSchema, signatoryCheck: signatoryCheckSchema.optional() }),
    fromForm: certificationFromForm,
    signatory: (body) => ({ email: body.destruction.signatoryEmail, ...(body.verificationCode ? { code: body.verificationCode } : {}) }),
    outcomes: {
      certified: {
        title: 'Certification received',
        text: certificationReceived,
      },
    },
    outcome: () => 'certified',
    payload: ({ verificationCode: _code, ...certification }) => ({ certification }),
  }),
  certifySubprocessor: vendor({
    path: 'subprocessor-certify',
    task: 'subprocessor_certify',
    update: 'certifySubprocessor',
    summary: 'A subprocessor the vendor named certifies the destruction of the district\'s data it held (through its own link)',
    body: subprocessorCertificationBodySchema,
    message: z.object({ ...link, certification: subprocessorCertificationSchema, signatoryCheck: signatoryCheckSchema.optional() }),
    fromForm: subprocessorCertificationFromForm,
    signatory: (body) => ({ email: body.signatoryEmail, ...(body.verificationCode ? { code: body.verificationCode } : {}) }),
    outcomes: { 'subprocessor-certified': { title: 'Certification received', text: () => 'Certification received. Thank you: nothing more is needed from you for this case.' } },
    outcome: () => 'subprocessor-certified',
    payload: ({ verificationCode: _code, ...certification }) => ({ certification }),
  }),
  backupRolloff: vendor({
    path: 'backup-rolloff',
    task: 'confirm_backup_rolloff',
    update: 'confirmBackupRolloff',
    summary: 'Confirm that backups rolled off',
    body: backupRolloffSchema,
    message: backupRolloffSchema.extend(link),
    fromForm: (form) => flatFormBody(form, { confirmedOn: 'text', attestation: 'boolean' }),
    outcomes: { 'rolled-off': { title: 'Confirmation received', text: () => 'Confirmation received. The final statement will be emailed to you.' } },
    outcome: () => 'rolled-off',
    payload: (body) => body,
  }),
} satisfies Record<string, VendorAction>;

export type StaffActionName = keyof typeof STAFF_ACTIONS;
export type VendorActionName = keyof typeof VENDOR_ACTIONS;
type AnyAction = (typeof STAFF_ACTIONS)[StaffActionName] | (typeof VENDOR_ACTIONS)[VendorActionName];
export type UpdateName = AnyAction['update'];

/** An update's payload as the workflow receives it. */
export type RequestOf<U extends UpdateName> = z.infer<Extract<AnyAction, { update: U }>['message']>;

/** The payload schema of an update, for the workflow's validator. */
export function messageSchemaOf(update: UpdateName): z.ZodType {
  const found = [...Object.values(STAFF_ACTIONS), ...Object.values(VENDOR_ACTIONS)].find((a) => a.update === update);
  if (!found) throw new Error(`no action sends the update ${update}`);
  return found.message;
}
