// The daily audit checkpoint (infra/database/audit-checkpoint.ts): the heads of both logs, signed, mailed to the
// administrators with the file `audit verify --checkpoint` takes.
import type { Config } from '../infra/config';
import type { AccessLog } from '../infra/database/access-log';
import { takeCheckpoint } from '../infra/database/audit-checkpoint';
import type { Keyring } from '../infra/keys/keys';
import type { MailTransport } from '../infra/mail/mail-transport';
import { renderMail } from '../infra/mail/mail-layout';

export interface CheckpointDeps {
  config: Pick<Config, 'districtName' | 'mailFrom' | 'adminEmail' | 'publicUrl'>;
  accessLog?: Pick<AccessLog, 'heads'>;
  keyring: Pick<Keyring, 'currentSigning'>;
  transport: MailTransport;
  administrators?: () => Promise<string[]>;
}

export function makeCheckpointActivities(deps: CheckpointDeps) {
  return {
    /** Mails today's checkpoint to ADMIN_EMAIL and every administrator with an address; answers what it signed. */
    mailAuditCheckpoint: async (): Promise<{
      sentTo: string[];
      accessLog: number | null;
      intrusions: number | null;
    }> => {
      if (!deps.accessLog) throw new Error('this worker has no access log to take a checkpoint of');
      const checkpoint = await takeCheckpoint(deps.accessLog, deps.keyring, deps.config.districtName);
      const to = [
        ...new Set(
          [deps.config.adminEmail, ...((await deps.administrators?.()) ?? [])].filter((a): a is string => !!a),
        ),
      ];
      const summary = {
        sentTo: to,
        accessLog: checkpoint.accessLog?.seq ?? null,
        intrusions: checkpoint.intrusions?.id ?? null,
      };
      if (to.length === 0) return summary;
      const day = checkpoint.takenAt.slice(0, 10);
      const file = `audit-checkpoint-${checkpoint.takenAt.replace(/[:.]/g, '-')}.json`;
      const mail = renderMail(
        {
          subject: `Audit checkpoint for ${deps.config.districtName}, ${day}: access log at entry ${checkpoint.accessLog?.seq ?? 0}`,
          heading: 'Keep this message: the audit logs as they stood today',
          blocks: [
            {
              kind: 'p',
              text: `At ${checkpoint.takenAt} the access log ended at entry ${checkpoint.accessLog ? `${checkpoint.accessLog.seq} (hash ${checkpoint.accessLog.hash})` : '0 (empty)'} and the intrusion log at event ${checkpoint.intrusions ? `${checkpoint.intrusions.id} (hash ${checkpoint.intrusions.hash})` : '0 (none chained yet)'}. The attached ${file} is signed with the server key.`,
            },
            {
              kind: 'p',
              text: 'The logs live in the database, and someone who can change the database could cut entries off their end or rewrite them with fresh hashes. This message is kept outside it. To check the logs against it at any later time, save the attachment and run:',
            },
            { kind: 'list', items: [`npx disposition audit verify --checkpoint ${file}`] },
            {
              kind: 'p',
              text: 'It names every entry this checkpoint saw that is gone or different. Keep these messages as long as the district keeps its access records.',
            },
          ],
        },
        deps.config.districtName,
        `${deps.config.districtName}\nSent by Disposition every day for policy 7400.1 (I.C, I.D).`,
      );
      await deps.transport.send({
        messageId: `<audit-checkpoint.${checkpoint.takenAt.replace(/[^0-9]/g, '')}@${new URL(deps.config.publicUrl).hostname || 'disposition.local'}>`,
        from: deps.config.mailFrom,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'X-Disposition-Mail': 'audit_checkpoint' },
        attachments: [
          {
            filename: file,
            content: Buffer.from(`${JSON.stringify(checkpoint, null, 2)}\n`),
            contentType: 'application/json',
          },
        ],
      });
      return summary;
    },
  };
}
