// Opening a vendor's link for reading: signature and expiry, then the record (the task must be open now).
import { DispositionError } from '../domain/errors';
import type { CaseRecord } from '../infra/database/case-record-store';
import { LINK_REFUSAL_TEXT, type LinkClaims } from '../infra/keys/link-tokens';
import { readLink } from '../client/case-service';
import type { ServerContext } from './server-context';

const GONE = new Set(['expired', 'task_closed', 'superseded', 'case_closed']);

export async function openVendorLink(
  ctx: ServerContext,
  token: string,
): Promise<{ claims: LinkClaims; record: CaseRecord }> {
  const { check, record } = await readLink(ctx.keyring, ctx.records, token);
  if (!check.valid) {
    const contact = ctx.config.adminEmail
      ? ` Questions: ${ctx.config.adminEmail}.`
      : ' Contact the district that sent you the link.';
    throw new DispositionError(
      GONE.has(check.reason!) ? 'link_gone' : 'link_refused',
      `${LINK_REFUSAL_TEXT[check.reason!]}${contact}`,
      { reason: check.reason },
    );
  }
  return { claims: check.claims!, record: record! }; // a valid link's case has a record
}

export async function requireReturnTask(
  ctx: ServerContext,
  token: string,
): Promise<{ claims: LinkClaims; record: CaseRecord }> {
  const opened = await openVendorLink(ctx, token);
  if (opened.claims.task !== 'return')
    throw new DispositionError('wrong_state', 'files are uploaded only through the link of the return task');
  return opened;
}
