// The signatory check (docs/architecture.md, "The signatory check"): a certification is accepted only from someone who reads the
// address it is signed with. The first POST of a certification emails a 6-digit code to `signatoryEmail` and
// answers 202; the same POST with `verificationCode` completes it. A code lives 15 minutes; five wrong ones void
// it; each wrong or expired code is refused by field, and the security events record it as an intrusion.
import crypto from 'node:crypto';
import { renderMail } from '../infra/mail/mail-layout';
import type { SignatoryCheck } from '../domain/certification';
import { readableMoment } from '../domain/dates';
import { DispositionError } from '../domain/errors';
import type { LinkClaims } from '../infra/keys/link-tokens';
import type { CaseRecord } from '../infra/database/case-record-store';
import type { ServerContext } from './server-context';
import { fieldRefusal } from '../domain/messages';
import { codeSentence } from '../domain/mail';

export const CODE_TTL_MS = 15 * 60_000;
export const MAX_WRONG_CODES = 5;
/** A repeat without a code within this time does not send another (nobody's inbox is flooded by a held key). */
const RESEND_AFTER_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Codes mailed (issue 26 item 1). For one task (one link, whatever addresses it names): at most 3 an hour and 5 a
 * day. To one address: at most 10 an hour and 20 a day that remain unused; a code that certified is given back,
 * so a privacy officer certifying many of the district's contracts at once (a bulk termination) is not stopped,
 * while an inbox cannot be flooded through many links. Past a bound, 429 with Retry-After.
 */
export const CODES_MAILED = {
  task: [
    { windowMs: HOUR_MS, max: 3, words: 'an hour' },
    { windowMs: DAY_MS, max: 5, words: 'a day' },
  ],
  address: [
    { windowMs: HOUR_MS, max: 10, words: 'an hour' },
    { windowMs: DAY_MS, max: 20, words: 'a day' },
  ],
} as const;
/** Codes tried for one task in a day, whichever code they were for; past it the task waits for a new link. */
export const CODE_TRIES_PER_DAY = 12;

/** Who sent the certifying request: kept with the verification and printed on the statement. */
export interface Requester {
  ip: string;
  userAgent: string;
}

export type SignatoryGate =
  { verified: SignatoryCheck } | { sent: { status: 'verification_sent'; message: string; next: string } };

/** The task a code is for: the case, the task and its generation, and the subprocessor when the link names one. */
const taskKeyOf = (claims: LinkClaims): string => [claims.caseId, claims.task, claims.gen, claims.sub ?? ''].join('/');

/** A keyed hash of the code (the link key: a database alone cannot test guesses), with the key's id. */
function codeHash(ctx: Pick<ServerContext, 'keyring'>, code: string, kid?: string): string | undefined {
  const key = kid ? { kid, key: ctx.keyring.get('link', kid) } : ctx.keyring.current('link');
  if (!key.key) return undefined;
  return `${key.kid}:${crypto.createHmac('sha256', key.key).update(`signatory-code/1 ${code}`).digest('hex')}`;
}

/**
 * How the codes table names an address: a keyed hash under a link key, with its id, so the address is not kept
 * in the clear. Answers one name per link key of the keyring (a code sent before a rotation is still found),
 * the current key's first.
 */
function addressKeys(ctx: Pick<ServerContext, 'keyring'>, email: string): string[] {
  const current = ctx.keyring.current('link');
  const keys = [current, ...ctx.keyring.all('link').filter((k) => k.kid !== current.kid)];
  return keys.map(
    ({ kid, key }) => `${kid}:${crypto.createHmac('sha256', key).update(`signatory-address/1 ${email}`).digest('hex')}`,
  );
}

/** Counts one more code mailed for the task and to the address, refusing it past either's bounds. */
async function boundCodesMailed(
  ctx: Pick<ServerContext, 'counters'>,
  taskKey: string,
  address: string,
  now: number,
): Promise<void> {
  for (const [scope, key, bounds] of [
    ['for one task', `task|${taskKey}`, CODES_MAILED.task],
    ['to one address', `address|${address}`, CODES_MAILED.address],
  ] as const) {
    for (const { windowMs, max, words } of bounds) {
      const { hits, startedAt } = await ctx.counters.hit(`signatory-codes|${key}|${windowMs}`, windowMs, now);
      if (hits > max) {
        const wait = Math.max(1, Math.ceil((startedAt + windowMs - now) / 1000));
        throw new DispositionError(
          'rate_limited',
          `At most ${max} codes are emailed ${scope} in ${words}, and that many were: a new one can be sent after ${readableMoment(startedAt + windowMs)}. Use the last code emailed while it works (15 minutes).`,
          { retryAfterSeconds: wait },
        );
      }
    }
  }
}

function refuse(message: string): never {
  throw fieldRefusal('verificationCode', message);
}

/**
 * Lets a certification through once its signatory's address is verified for this task: sends a code, or checks
 * the one given. Answers the verification to record with the certification, or the 202 to send back.
 */
export async function checkSignatory(
  ctx: ServerContext,
  claims: LinkClaims,
  rawEmail: string,
  code: string | undefined,
  requester: Requester,
  /** The case as the request read it with the link (its vendor is named in the mail). */
  record: Pick<CaseRecord, 'state'> | undefined,
  now = Date.now(),
): Promise<SignatoryGate> {
  const email = rawEmail.trim().toLowerCase();
  const taskKey = taskKeyOf(claims);
  const store = ctx.signatories;
  const names = addressKeys(ctx, email);
  const held = await store.get(taskKey, names);
  const stored = held?.email ?? names[0]!;
  if (held?.verified)
    return {
      verified: { email, verifiedAt: held.verified.at, ip: held.verified.ip, userAgent: held.verified.userAgent },
    };
  const live = held && held.expiresAt > now && held.attempts < MAX_WRONG_CODES;

  if (code === undefined) {
    if (live && now - held.sentAt < RESEND_AFTER_MS) {
      return {
        sent: {
          status: 'verification_sent',
          message: `A code was emailed to ${email}, the signatory's address, at ${readableMoment(held.sentAt)}. Enter it below to certify; it works until ${readableMoment(held.expiresAt)}, and until then nothing is certified.`,
          next: 'Send the same certification again with "verificationCode" set to the emailed code.',
        },
      };
    }
    await boundCodesMailed(ctx, taskKey, stored, now);
    const fresh = crypto.randomInt(0, 1_000_000).toString().padStart(6, '0');
    await store.issue(taskKey, stored, codeHash(ctx, fresh)!, now, now + CODE_TTL_MS);
    try {
      await mailCode(ctx, claims, record, email, fresh, now + CODE_TTL_MS);
    } catch (err) {
      await store.forget(taskKey, stored);
      throw new DispositionError(
        'mail_unavailable',
        `the code could not be emailed to ${email} (${(err as Error).message}); nothing was recorded: try again in a moment`,
      );
    }
    return {
      sent: {
        status: 'verification_sent',
        message: `We emailed a 6-digit code to ${email}, the signatory's address. Enter it below to certify, within 15 minutes (until ${readableMoment(now + CODE_TTL_MS)}); until then nothing is certified.`,
        next: 'Send the same certification again with "verificationCode" set to the emailed code.',
      },
    };
  }

  const tries = await ctx.counters.hit(`signatory-tries|${taskKey}`, DAY_MS, now);
  if (tries.hits > CODE_TRIES_PER_DAY) {
    const wait = Math.max(1, Math.ceil((tries.startedAt + DAY_MS - now) / 1000));
    throw new DispositionError(
      'rate_limited',
      `Too many codes were tried for this task today (${CODE_TRIES_PER_DAY}): it now waits for the district. Ask the district to email you a new link, then certify through it.`,
      { retryAfterSeconds: wait },
    );
  }
  if (!held)
    refuse(
      `no code was sent to ${email} for this task: send the certification without a code, and one is emailed to that address`,
    );
  if (held.attempts >= MAX_WRONG_CODES)
    refuse(
      `too many wrong codes: the code sent to ${email} no longer works. Send the certification without a code for a new one`,
    );
  if (held.expiresAt <= now)
    refuse(
      `the code sent to ${email} expired at ${readableMoment(held.expiresAt)} (codes last 15 minutes). Send the certification without a code for a new one`,
    );
  const [kid] = held.codeHash.split(':');
  const expected = Buffer.from(held.codeHash);
  const given = Buffer.from(codeHash(ctx, code, kid) ?? '');
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    const wrong = await store.fail(taskKey, stored);
    const left = MAX_WRONG_CODES - wrong;
    refuse(
      left > 0
        ? `this is not the code sent to ${email} (${left} ${left === 1 ? 'try' : 'tries'} left)`
        : `this is not the code sent to ${email}, and that was the last try: the code no longer works. Send the certification without a code for a new one`,
    );
  }
  await store.verify(taskKey, stored, now, requester.ip, requester.userAgent);
  // A code that certified does not count against its address.
  for (const { windowMs } of CODES_MAILED.address)
    await ctx.counters.hit(`signatory-codes|address|${stored}|${windowMs}`, windowMs, now, -1);
  return { verified: { email, verifiedAt: now, ip: requester.ip, userAgent: requester.userAgent.slice(0, 500) } };
}

async function mailCode(
  ctx: ServerContext,
  claims: LinkClaims,
  record: Pick<CaseRecord, 'state'> | undefined,
  email: string,
  code: string,
  expiresAt: number,
): Promise<void> {
  if (!ctx.mail) throw new Error('this server sends no mail');
  const vendor = record?.state.input.vendor.name ?? 'the vendor';
  const what = claims.sub
    ? "a subprocessor's certification that the district's student data it held is destroyed"
    : `${vendor}'s certification that the district's student data is destroyed and its tracking mechanisms removed`;
  const mail = renderMail(
    {
      subject: `Your code to sign the destruction certification for ${ctx.config.districtName}`,
      heading: 'Confirm that you are signing',
      blocks: [
        {
          kind: 'p',
          text: `Someone is signing ${what} (case ${claims.caseId}${record ? `, contract ${record.state.input.contract.id}` : ''}) with your address, ${email}, as the signatory.`,
        },
        {
          kind: 'p',
          text: `If that is you, ${codeSentence(code)}. It works once, until ${readableMoment(expiresAt)} (15 minutes).`,
        },
        {
          kind: 'p',
          text: `If it is not you, do not pass the code on: nothing is certified without it. Tell ${ctx.config.districtName}${ctx.config.adminEmail ? ` at ${ctx.config.adminEmail}` : ''}.`,
        },
      ],
    },
    ctx.config.districtName,
    `${ctx.config.districtName}\nSent by Disposition for policy 7400.1. This code is sent only to the signatory and kept nowhere in clear.`,
  );
  await ctx.mail.send({
    // Named like the case's own mail (`<what>.<audience>.<case>@host`), so an outbox reader finds it by case.
    messageId: `<signatory-code-${crypto.randomBytes(6).toString('hex')}.vendor.${claims.caseId}@${new URL(ctx.config.publicUrl).hostname}>`,
    from: ctx.config.mailFrom,
    to: [email],
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: { 'X-Disposition-Mail': 'signatory_code', 'X-Disposition-Case': claims.caseId },
  });
}
