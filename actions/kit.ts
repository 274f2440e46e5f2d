// What every action declares (one folder per action under actions/, listed in actions/registry.ts): its body,
// who may take it, the workflow update it sends and that update's payload, the sentence a page and the API answer
// after it, its form's fields and its CLI spelling. From these the server derives the API route and its OpenAPI
// entry and the page form's handling, the CLI its command and usage line, and the workflow the validator's payload
// schema. The workflow's side of an action (validator and state change) is the folder's handler.ts.
import { z } from 'zod';
import type { CaseState } from '../domain/case-state';
import type { Form } from '../domain/form-fields';
import { linkRefSchema } from '../domain/messages';
import type { LinkTaskKind, Role } from '../domain/statuses';

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
export function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

export const cliText = (values: CliValues, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new ActionUsageError(`--${name} is required`);
  return value;
};

// The update name and payload schema keep their exact types, so the workflow's handlers are typed by them.
type Exact<D, U extends string, M extends z.ZodType> = Omit<D, 'audience' | 'update' | 'message'> & { update: U; message: M };
export const staff = <Body, const U extends string, M extends z.ZodType>(declaration: Exact<StaffActionDeclaration<Body>, U, M>) => ({ audience: 'staff' as const, ...declaration });
export const vendor = <Body, const U extends string, M extends z.ZodType>(declaration: Exact<VendorActionDeclaration<Body>, U, M>) => ({ audience: 'vendor' as const, ...declaration });

/** Who acted: `user:<name>`, `cli:<os user>`, `vendor:<task>` or `system`. */
export const actor = { actor: z.string().min(1).max(200) };
export const link = { link: linkRefSchema };


