// What every action declares (one folder per action under actions/, listed in actions/registry.ts): its body,
// who may take it, the workflow update it sends and that update's payload, the sentence a page and the API answer
// after it, its form's fields and its CLI spelling. From these the server derives the API route and its OpenAPI
// entry and the page form's handling, the CLI its command and usage line, and the workflow the validator's payload
// schema. The workflow's side of an action (validator and state change) is the folder's handler.ts.
import { z } from 'zod';
import type { CaseState } from '../domain/case-state';
import type { Form } from '../presentation/forms';
import type { Markup } from '../presentation/markup';
import type { VendorTaskView } from '../presentation/vendor-task';
import { linkRefSchema } from '../domain/messages';
import type { LinkTaskKind, Role } from '../domain/statuses';

/** What a page says after the action succeeded; `title` heads the vendor's page. */
export interface Outcome {
  title?: string;
  text: (state: CaseState) => string;
}

interface Declaration<Body> {
  /**
   * The end of its URLs: `/api/cases/:caseId/<path>` and `/cases/:caseId/<path>`, or the vendor's under the link.
   * A `:name` segment is a path parameter, checked by `params` and handed to `send`.
   */
  path: string;
  /** The file under examples/ holding its example body (default: the path's first segment). */
  example?: string;
  /** The workflow update it sends (the name is part of every running case's history: never rename one). */
  update: string;
  /** One line for the API document. */
  summary: string;
  /** The request body, checked at the edge; absent when the action takes none. */
  body?: z.ZodType<Body>;
  /** The update's payload, checked again by the workflow's validator. */
  message: z.ZodType;
  /** The page form's fields as a body (then checked by `body`). */
  fromForm: (form: Form) => unknown;
  /** Page messages by outcome key (`?done=<key>` after the redirect), and which one this body leads to. */
  outcomes: Record<string, Outcome>;
  outcome: (body: Body) => string;
}

export interface StaffActionDeclaration<Body = unknown> extends Declaration<Body> {
  audience: 'staff';
  roles: readonly Role[];
  /** Which form the case page shows again, refilled, when the action is refused (none: just the reason). */
  refill?: (form: Form) => string;
  /**
   * `disposition case <name> ID <usage>`: its options, the body they make, and the words after ID that fill the
   * path parameters, in order (`case <name> ID REQUEST …`).
   */
  cli: {
    name: string;
    usage: string;
    help: string;
    options: Record<string, 'string' | 'boolean'>;
    body(values: CliValues): unknown;
    params?: readonly string[];
  };
  /** The path parameters beyond the case id, each with its check (ids from domain/ids.ts). */
  params?: Record<string, z.ZodType<string>>;
  /** The update's payload and id from the state as it is now (a repeat with the same id answers the first result). */
  send(
    state: CaseState,
    body: Body,
    actor: string,
    params: Record<string, string>,
  ): { payload: object; updateId: string };
  /** What it adds to `GET /api/cases/:caseId` (beside the case's own fields). */
  details?: (state: CaseState) => Record<string, unknown>;
  /**
   * Its form on the case page (with what the form needs to be understood), or nothing for this case and person, and
   * where on the page it goes (`CasePanelPlace`).
   */
  panel?: { place: CasePanelPlace; render: (page: CasePanelContext) => Markup | undefined };
  /**
   * Owned by the case record, not the workflow (the legal hold): written there in one transaction whatever the
   * case's state, open or closed; the workflows that guard the case's data are told after.
   */
  recordOwned?: true;
  /**
   * The action takes a file: multipart/form-data with it in the field `file` (the API and the page's form), `--file
   * PATH` on the CLI. The service reads and keeps it before the update is sent (client/case-service.ts,
   * `takeUpload`), and what it made of it is the body `send` gets; the file itself never reaches the workflow.
   */
  upload?: { maxBytes: number; what: string };
}

/** A file a person sent with an action (`upload`). */
export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface VendorActionDeclaration<Body = unknown> extends Declaration<Body> {
  audience: 'vendor';
  /** The task whose link carries the action; `any`: the link of whichever task is open (a subprocessor's too). */
  task: LinkTaskKind | 'any';
  /** The update's payload without the link, which the server adds from the token. */
  payload: (body: Body) => object;
  /**
   * What tells one request from another through the same link, added to the update id (an action that may be taken
   * more than once per link); without it a second request through a link answers the first result.
   */
  updateSuffix?: (payload: object) => string;
  /** For a `task: any` action: its form on the vendor's task page, under the task's own. */
  form?: (page: VendorFormContext) => Markup;
  /** For the action that does its link's task: the task page's body, what the task asks and its form. */
  page?: (page: VendorTaskPageContext) => Markup;
  /** 202 when the work goes on after the answer (packaging). */
  status?: 202;
  /** The payload lists the files staged for the case, read by the server when the action is taken. */
  withStagedFiles?: true;
  /**
   * A certification: the signatory's address, which must be verified by a one-time code before the action is taken
   * (docs/architecture.md, "The signatory check"), and the code when the body carries one. The server adds `signatoryCheck` to the payload.
   */
  signatory?(body: Body): { email: string; code?: string };
  /**
   * What the case's state refuses in this body (dates against the case's own, say), checked before anything is
   * mailed (the signatory's code) and again by the workflow's validator, with the same words.
   */
  problems?: (state: CaseState, body: Body, now: number) => string[];
  /** The body as the API document shows it, when it says more than `body` (a deprecated shape still accepted). */
  bodyDoc?: z.ZodType;
}

// Any declared action, as the routes, the CLI and the service take them: the body they pass is the one `body` checked.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type StaffAction = StaffActionDeclaration<any>;
export type VendorAction = VendorActionDeclaration<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

export type CliValues = Record<string, string | boolean | undefined>;

/**
 * Where on the case page an action's form goes: `task`, the district's own open task, under the returned data;
 * `actions`, among the case's actions; `subprocessors`, under the subprocessors' table; `section`, a section of its
 * own after the actions. Within a place, forms follow actions/registry.ts's order.
 */
export type CasePanelPlace = 'task' | 'actions' | 'subprocessors' | 'section';

/** What a staff action's section of the case page gets. */
export interface CasePanelContext {
  caseId: string;
  state: CaseState;
  role: Role;
  /** The hidden CSRF field every form carries. */
  csrf: Markup;
  /** A field's value to refill after a refusal of this form, else ''. */
  again: (form: string, name: string) => string;
  /** A field's error after a refusal of this form. */
  problem: (form: string, name: string) => Markup;
}

/** What a vendor action's form on the task page gets. */
export interface VendorFormContext {
  /** `/v/<token>`: the form posts to `${base}/<path>`. */
  base: string;
  state: CaseState;
  /** The task (and subprocessor) of the link the page was opened with. */
  link: { task: LinkTaskKind; sub?: string | undefined };
  /** A field's value to refill after a refusal, else ''. */
  again: (name: string) => string;
  /** A field's error after a refusal. */
  problem: (name: string) => Markup;
}

/** What the body of a vendor's task page gets (the page's head, stepper and notices are the server's). */
export interface VendorTaskPageContext {
  /** `/v/<token>`: the form posts to `${base}/<path>`. */
  base: string;
  /** The same link's API, `/api/vendor/<token>`, for the page's script. */
  api: string;
  view: VendorTaskView;
  /** A field's value as typed before a refusal, else `fallback` (or ''). */
  value: (name: string, fallback?: string) => string;
  /** A field's error after a refusal, shown beside it. */
  problem: (name: string) => Markup;
  /** Whether some field was refused (a section that holds one opens). */
  errors: Record<string, string>;
  /** A certification's code was emailed: the form asks for it. */
  askCode?: boolean;
}

/** A CLI command given the wrong options: the CLI prints it with the usage and exits 2. */
export class ActionUsageError extends Error {}

export { textHash } from '../domain/update-ids';

export const cliText = (values: CliValues, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new ActionUsageError(`--${name} is required`);
  return value;
};

// The update name and payload schema keep their exact types, so the workflow's handlers are typed by them.
type Exact<D, U extends string, M extends z.ZodType> = Omit<D, 'audience' | 'update' | 'message'> & {
  update: U;
  message: M;
};
export const staff = <Body, const U extends string, M extends z.ZodType>(
  declaration: Exact<StaffActionDeclaration<Body>, U, M>,
) => ({ audience: 'staff' as const, ...declaration });
export const vendor = <Body, const U extends string, M extends z.ZodType>(
  declaration: Exact<VendorActionDeclaration<Body>, U, M>,
) => ({ audience: 'vendor' as const, ...declaration });

/** Who acted: `user:<name>`, `cli:<os user>`, `vendor:<task>` or `system`. */
export const actor = { actor: z.string().min(1).max(200) };
export const link = { link: linkRefSchema };
