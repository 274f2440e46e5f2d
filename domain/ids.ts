// The identifiers that travel in URLs and commands, with the one pattern each is checked against.
import { z } from 'zod';

export const ID_PATTERNS = {
  caseId: { pattern: /^[A-Za-z0-9]{6,32}$/, description: 'the case id', refusal: 'is not a case id' },
  fileId: { pattern: /^[A-Za-z0-9_-]{8,64}$/, description: 'a staged file', refusal: 'is not a file id' },
  statementId: { pattern: /^[A-Za-z0-9-]{8,64}$/, description: 'a statement id', refusal: 'is not a statement id' },
  token: {
    pattern: /^[A-Za-z0-9._-]+$/,
    description: 'the token of an emailed vendor link',
    refusal: 'is not a link token',
  },
  webhookId: { pattern: /^wh_[A-Za-z0-9_-]{12}$/, description: 'a webhook endpoint', refusal: 'is not a webhook id' },
  deliveryId: {
    pattern: /^dlv_[A-Za-z0-9_-]{22}$/,
    description: 'a webhook delivery',
    refusal: 'is not a delivery id',
  },
  bulkId: { pattern: /^bulk[A-Za-z0-9]{12}$/, description: 'a bulk start', refusal: 'is not a bulk start id' },
  requestId: {
    pattern: /^r[0-9]{1,6}$/,
    description: 'a request the vendor made on the case',
    refusal: 'is not a request id',
  },
} as const;

export type IdName = keyof typeof ID_PATTERNS;

export const isCaseId = (text: unknown): text is string =>
  typeof text === 'string' && ID_PATTERNS.caseId.pattern.test(text);
export const isStatementId = (text: unknown): text is string =>
  typeof text === 'string' && ID_PATTERNS.statementId.pattern.test(text);

const idSchema = (name: IdName) => z.string().regex(ID_PATTERNS[name].pattern, ID_PATTERNS[name].refusal);
export const caseIdSchema = idSchema('caseId');
export const fileIdSchema = idSchema('fileId');
export const statementIdSchema = idSchema('statementId');
export const webhookIdSchema = idSchema('webhookId');
export const deliveryIdSchema = idSchema('deliveryId');
export const bulkIdSchema = idSchema('bulkId');
export const requestIdSchema = idSchema('requestId');
export const tokenSchema = z.string().min(1).max(1000);

/** Anything shaped like a vendor link's token (`v1.<kid>.<payload>.<signature>`), whole or cut, wherever it sits. */
const LINK_TOKEN_SHAPE = /v1(?:\.|%2e)[A-Za-z0-9._~%-]+/gi;

/**
 * What a log may keep of a text a request brought (a path, a reason, a user agent): every token-shaped run
 * replaced, so a live link never reaches a log, whichever route or refusal carried it (docs/architecture.md,
 * "Security").
 */
export const redactLinkTokens = (text: string): string => text.replace(LINK_TOKEN_SHAPE, ':redacted');
