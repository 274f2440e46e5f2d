// The signature on every webhook delivery, as Stripe and GitHub receivers know it:
// `Disposition-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint's secret>`.
// The time is signed too, so a receiver refuses a replay older than a few minutes.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'Disposition-Signature';

export function signWebhook(secret: string, body: string, at = Date.now()): string {
  const t = Math.floor(at / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** What a receiver does (the README shows the same in a few lines): true when genuine and recent. */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string,
  now = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
