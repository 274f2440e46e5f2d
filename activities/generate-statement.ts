// 7400.1 III.C: the statement that all known copies are destroyed, gathered from the case (data), then drawn
// (PDF), stored, hashed and signed by the server key so that anyone can tell it from an altered copy.
import { rosterCoverageSentence } from '../domain/roster-coverage';
import { exceptionsOf, subprocessorsOf } from '../domain/case-state';
import { EXCEPTION_KINDS } from '../domain/case-terms';
import { isoSeconds, readableMoment } from '../domain/dates';
import crypto from 'node:crypto';
import { statementSigningText } from '../domain/statement-record';
import type { CaseState, StatementInfo } from '../domain/case-state';
import {
  SANITIZATION_METHODS,
  SANITIZATION_PLACES,
  type SanitizedSystem,
  type SignatoryCheck,
} from '../domain/certification';
import type { Config } from '../infra/config';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { AccessLog } from '../infra/database/access-log';
import type { Keyring } from '../infra/keys/keys';
import { requestTimestamp } from '../infra/statement/cms';
import { signatureRoom, signPdf } from '../infra/statement/pdf-signature';
import { statementSigner } from '../infra/statement/signing-certificate';
import type { StatementContent, StatementSection } from '../infra/statement/statement-pdf';
import { renderStatementOffThread } from '../infra/statement/statement-renderer';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import { asSentence } from '../domain/text';

export interface StatementDeps {
  config: Pick<Config, 'districtName' | 'publicUrl' | 'signingP12' | 'tsaUrl'>;
  storage: CaseFileStorage;
  keyring: Keyring;
  /** The case's access log, whose head hash the statement prints (7400.1 I.D). */
  accessLog?: Pick<AccessLog, 'caseHead'>;
  /** The case's correspondence file, which the statement names. */
  records?: Pick<CaseRecordStore, 'listMessages'>;
}

/** Times in the statement's text read as people write them; its data record keeps ISO 8601. */
const iso = readableMoment;

/** What the signature covers: the statement id and the SHA-256 of the PDF's bytes. */

export function gatherStatement(
  state: CaseState,
  statementId: string,
  issuedAt: number,
  config: Pick<Config, 'districtName' | 'publicUrl'>,
  accessLogHead?: string,
  messages?: { sent: number; failed: number },
): StatementContent {
  const { input } = state;
  const sections: StatementSection[] = [];
  sections.push({
    heading: 'Parties and contract',
    rows: [
      ['District', config.districtName],
      ['Vendor', input.vendor.name],
      ['Service', `${input.service.name}${input.service.url ? ` (${input.service.url})` : ''}`],
      [
        'Contract',
        `${input.contract.id}${input.contract.title ? ` — ${input.contract.title}` : ''}${input.contract.agreement ? ` (${input.contract.agreement.toUpperCase()})` : ''}`,
      ],
      ...(input.contract.clause ? [['Agreement clause', input.contract.clause] as [string, string]] : []),
      ['Termination date', input.contract.terminationDate],
      ['Case', state.caseId],
    ],
  });
  const exceptions = exceptionsOf(state);
  if (exceptions.length) {
    sections.push({
      heading: 'Exceptions: data the vendor may keep',
      paragraphs: [
        `The district allowed ${input.vendor.name} to keep only the data below, for the reasons given. The vendor's statement of destruction covers everything else.`,
      ],
      table: {
        columns: ['Data', 'Why', 'Until', 'Recorded'],
        widths: [150, 190, 60, 100],
        rows: exceptions.map((e) => [
          e.scope,
          `${EXCEPTION_KINDS[e.kind]}: ${e.reason}`,
          e.endsOn ?? 'no end date',
          `${e.addedBy}, ${new Date(e.addedAt).toISOString().slice(0, 10)}`,
        ]),
      },
    });
  }
  sections.push({
    heading: 'Ownership (7400.1 III.B)',
    paragraphs: [
      `At no time was the district's information, or any student information maintained, retained or gathered by ${input.vendor.name}, the property of ${asSentence(input.vendor.name)}`,
    ],
  });

  const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
  if (input.disposition.option === 'destroy_only') {
    sections.push({
      heading: 'Return of data (7400.1 III.A)',
      paragraphs: ['The district chose not to have its data returned and asked only for its destruction.'],
    });
  } else if (accepted) {
    sections.push({
      heading: 'Return of data (7400.1 III.A)',
      paragraphs: [
        `Scope: ${input.disposition.extent === 'complete' ? "all of the vendor's data of the district" : 'the categories below, each of them whole'}. Returned in ${state.returnRounds.length} round(s); round ${accepted.round} was accepted by ${accepted.decision!.by} on ${iso(accepted.decision!.at)}.`,
        ...(accepted.roster ? [rosterCoverageSentence(accepted.roster)] : []),
        ...(accepted.shortfalls.length
          ? [
              `It fell short of what the district expected (${accepted.shortfalls.join('; ')}), and the district accepted it all the same: ${asSentence(accepted.decision!.reason ?? 'no reason was recorded')}`,
            ]
          : []),
      ],
      rows: [
        ['Files', String(accepted.files)],
        ['Bytes', String(accepted.bytes)],
        ['ZIP SHA-256', accepted.zipSha256 ?? ''],
      ],
      table: {
        columns: ['Category', 'Files', 'Bytes', 'Expected records', 'Returned records'],
        widths: [200, 50, 90, 80, 80],
        rows: accepted.categories.map((c) => [
          c.label,
          String(c.files),
          String(c.bytes),
          c.expectedRecords === undefined ? '—' : String(c.expectedRecords),
          String(c.returnedRecords),
        ]),
      },
    });
  }

  const cert = state.certification;
  if (cert) {
    const d = cert.destruction;
    sections.push({
      heading: 'Destruction of all known copies (7400.1 III.C)',
      rows: [
        ['Signatory', `${d.signatoryName}, ${d.signatoryTitle} <${d.signatoryEmail}>`],
        ["Signatory's address verified", signatoryCheckLine(cert.signatoryCheck)],
        ['Completed on', d.completedOn],
        ['Method (NIST SP 800-88)', SANITIZATION_METHODS[d.method]],
        ['Technique', d.technique],
        ['Verification', d.verification],
        ...(d.systems
          ? []
          : [
              ['Sanitization by place', 'not recorded: this certification did not list each place the data lived'] as [
                string,
                string,
              ],
            ]),
        ...(d.validator
          ? [['Validated by', `${d.validator.name}, ${d.validator.title} <${d.validator.email}>`] as [string, string]]
          : []),
        [
          'Backups',
          d.backups.destroyed
            ? 'destroyed'
            : `roll off on ${d.backups.rollOffDate}${state.backupRolloff ? `; confirmed rolled off on ${state.backupRolloff.confirmedOn}` : ''}`,
        ],
        ['Subprocessors', subprocessorLine(state)],
        ['Accounts closed (I.B)', d.accountsClosed ? "yes: the district's users' accounts are closed" : 'no'],
        [
          'Attestation',
          d.attestation
            ? `${input.vendor.name} states that all known copies of the district's information have been destroyed${exceptionsOf(state).length ? ', except the data listed under "Exceptions"' : ''}.`
            : '',
        ],
        ['Certified', iso(cert.at)],
      ],
    });
    if (d.systems) {
      sections.push({
        heading: 'Sanitization by place (NIST SP 800-88, Appendix G)',
        paragraphs: [
          `Each place where the district's data may have lived at ${input.vendor.name}, as the vendor certified it: whether it held the data and, where it did, how it was sanitized and verified.`,
        ],
        table: {
          columns: ['Place', 'Sanitization'],
          widths: [140, 360],
          rows: d.systems.map((s) => [
            `${SANITIZATION_PLACES[s.place]}${s.name ? `: ${s.name}` : ''}`,
            systemLine(s, d.backups.rollOffDate),
          ]),
        },
      });
    }
    const subprocessors = subprocessorsOf(state);
    if (subprocessors.length) {
      sections.push({
        heading: 'Subprocessors (7400.1 III.C)',
        paragraphs: [
          `${input.vendor.name} named ${subprocessors.length} subprocessor(s) that held the district's data. Each was asked, through its own link, to certify the destruction of what it held; the district may instead waive one, and says why.`,
        ],
        table: {
          columns: ['Subprocessor', 'Certification or waiver'],
          widths: [150, 350],
          rows: subprocessors.map((s) => [
            `${s.name} <${s.contactEmail}>`,
            s.certification
              ? `Certified ${iso(s.certification.at)} by ${s.certification.signatoryName}, ${s.certification.signatoryTitle} <${s.certification.signatoryEmail}> (${signatoryCheckLine(s.certification.signatoryCheck)}): destruction completed ${s.certification.completedOn}, ${SANITIZATION_METHODS[s.certification.method]}. Technique: ${asSentence(s.certification.technique)} Verified: ${asSentence(s.certification.verification)} Backups: ${s.certification.backups.destroyed ? 'destroyed' : `roll off on ${s.certification.backups.rollOffDate}`}. The subprocessor states that all known copies it held are destroyed.`
              : s.waiver
                ? `Waived by the district (${s.waiver.by}, ${iso(s.waiver.at)}): ${s.waiver.reason}`
                : 'No certification',
          ]),
        },
      });
    }
    const t = cert.tracking;
    sections.push({
      heading: 'Tracking mechanisms (7400.1 IV.A, IV.C)',
      paragraphs: [
        t.noneInUse
          ? `${input.vendor.name} states that it used no tracking mechanism for the district.`
          : `${input.vendor.name} states that each tracking mechanism below was removed or terminated.`,
        t.collectedDataDestroyed ? 'Information collected by tracking mechanisms has been destroyed.' : '',
      ].filter(Boolean),
      ...(t.mechanisms.length
        ? {
            table: {
              columns: ['Mechanism', 'Kind', 'Removed on'],
              widths: [260, 120, 120],
              rows: t.mechanisms.map((m) => [m.name, m.kind, m.removedOn]),
            },
          }
        : {}),
    });
  }

  if (state.signoff) {
    sections.push({
      heading: 'District countersignature',
      paragraphs: [
        `Countersigned for ${config.districtName} by ${state.signoff.by.replace(/^user:/, '')} (legal staff) on ${iso(state.signoff.at)}, who states that they reviewed the vendor's certification and the case record above.${state.signoff.note ? ` Their note: ${state.signoff.note}` : ''}`,
      ],
    });
  }
  sections.push({
    heading: 'Timeline',
    table: {
      columns: ['When (UTC)', 'What'],
      widths: [130, 370],
      rows: state.timeline.map((e) => [iso(e.at), e.summary]),
    },
  });
  sections.push({
    heading: 'Access log (7400.1 I.D)',
    paragraphs: [
      accessLogHead
        ? `Every request that read or changed this case is in the district's hash-chained access log. Its latest entry about this case, when this statement was issued, has the hash ${accessLogHead}; \`disposition audit verify\` proves the chain up to it is intact.`
        : 'No request about this case was recorded in the access log before this statement was issued.',
    ],
  });
  if (messages !== undefined) {
    sections.push({
      heading: 'Correspondence',
      paragraphs: [
        `${messages.sent} message(s) were sent for this case before this statement was issued${messages.failed ? `, and ${messages.failed} could not be delivered` : ''}. Each is kept with the case record as sent, with its delivery outcome, for as long as the record; the district exports them as its correspondence file (\`disposition case correspondence ${state.caseId} -o FILE\`).`,
      ],
    });
  }
  sections.push({
    heading: 'How to verify this statement',
    paragraphs: [
      `This PDF is signed by ${config.districtName} inside the file (a PAdES signature a PDF reader shows in its signature panel); the certificate that signed it is published at ${config.publicUrl}/api/statements/certificate, and \`disposition statement verify FILE\` checks it without the district's server.`,
      `The SHA-256 of this PDF is also recorded by the district and signed with its server key. Upload this file at ${config.publicUrl}/verify, or look up statement ${statementId} there (the QR code beside the title opens that page), to confirm that it is genuine and unaltered. Any change to the file, however small, fails verification.`,
    ],
  });
  if (accepted) {
    const files = (state.submittedFiles ?? []).map((f) => [`${f.category}/${f.name}`, String(f.bytes), f.sha256]);
    sections.push({
      heading: 'Appendix: returned files',
      // At 7 pt a SHA-256 takes 274 pt whole; a longer name goes on under itself.
      table: { columns: ['File', 'Bytes', 'SHA-256'], widths: [170, 56, 274], rows: files, compact: true },
    });
  }

  return {
    title: 'Statement of Return and Destruction of Student Data',
    statementId,
    issuedAt: new Date(issuedAt),
    subject: `${input.vendor.name}, contract ${input.contract.id}`,
    sections,
    footer: `${config.districtName} · statement ${statementId} · policy 7400.1`,
    verifyUrl: `${config.publicUrl}/verify?statementId=${encodeURIComponent(statementId)}`,
    attachments: [
      {
        name: 'statement.json',
        type: 'application/json',
        description:
          'The data this statement prints, for systems that read it (the PDF is what was signed and what counts)',
        content: JSON.stringify(statementData(state, statementId, issuedAt, config), null, 2),
      },
    ],
    signature: {
      name: config.districtName,
      reason: `Statement ${statementId}: return and destruction of student data, ${input.vendor.name}, contract ${input.contract.id} (policy 7400.1)`,
      signedAt: new Date(issuedAt),
    },
  };
}

/** What the statement says, as data: embedded in the PDF as `statement.json` (a PDF/A-3 associated file). */
export function statementData(
  state: CaseState,
  statementId: string,
  issuedAt: number,
  config: Pick<Config, 'districtName' | 'publicUrl'>,
) {
  const { input } = state;
  const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
  const at = (ms: number) => isoSeconds(ms);
  return {
    format: 'disposition-statement/1',
    statementId,
    issuedAt: at(issuedAt),
    district: config.districtName,
    caseId: state.caseId,
    vendor: input.vendor.name,
    service: input.service,
    contract: input.contract,
    disposition: input.disposition,
    exceptions: exceptionsOf(state).map(({ addedAt, ...e }) => ({ ...e, addedAt: at(addedAt) })),
    returnPackage: accepted
      ? {
          round: accepted.round,
          files: accepted.files,
          bytes: accepted.bytes,
          zipSha256: accepted.zipSha256 ?? null,
          categories: accepted.categories,
          ...(accepted.roster ? { roster: accepted.roster } : {}),
          acceptedBy: accepted.decision!.by,
          acceptedAt: at(accepted.decision!.at),
          ...(accepted.shortfalls.length
            ? { shortfalls: accepted.shortfalls, acceptedBecause: accepted.decision!.reason ?? null }
            : {}),
        }
      : null,
    certification: state.certification ? { ...state.certification, at: at(state.certification.at) } : null,
    backupRolloff: state.backupRolloff ? { ...state.backupRolloff, at: at(state.backupRolloff.at) } : null,
    subprocessors: subprocessorsOf(state).map((s) => ({
      id: s.id,
      name: s.name,
      contactEmail: s.contactEmail,
      certification: s.certification ? { ...s.certification, at: at(s.certification.at) } : null,
      waiver: s.waiver ? { ...s.waiver, at: at(s.waiver.at) } : null,
    })),
    countersignature: state.signoff ? { ...state.signoff, at: at(state.signoff.at) } : null,
    timeline: state.timeline.map((e) => ({ at: at(e.at), type: e.type, summary: e.summary })),
  };
}

/** One place's sanitization on the statement: never held, or method, date, technique, tool, verification, keys. */
function systemLine(s: SanitizedSystem, rollOffDate: string | undefined): string {
  if (!s.heldData) return "Never held the district's data.";
  if (s.place === 'backups' && rollOffDate && !s.completedOn) {
    return [
      `Roll off on ${rollOffDate} (see "Backups").`,
      ...(s.technique ? [`Technique: ${asSentence(s.technique)}`] : []),
      ...(s.tool ? [asSentence(`Tool: ${s.tool}${s.toolVersion ? `, version ${s.toolVersion}` : ''}`)] : []),
    ].join(' ');
  }
  const method = s.method ? `${s.method[0]!.toUpperCase()}${s.method.slice(1)}` : '';
  return [
    `${method} (NIST SP 800-88), completed ${s.completedOn}.`,
    `Technique: ${asSentence(s.technique ?? '')}`,
    asSentence(`Tool: ${s.tool}${s.toolVersion ? `, version ${s.toolVersion}` : ''}`),
    `Verified: ${asSentence(s.verification ?? '')}`,
    ...(s.cryptoErase
      ? [`Cryptographic erase: keys destroyed: ${s.cryptoErase.keys}; how: ${asSentence(s.cryptoErase.how)}`]
      : []),
  ].join(' ');
}

/** How the signatory's address was verified (docs/architecture.md, "The signatory check"): the one-time code, when, and from where. */
function signatoryCheckLine(check: SignatoryCheck | undefined): string {
  if (!check) return 'not verified: certified before signatories confirmed their address with a one-time code';
  return `${check.email}: a one-time code sent to it was entered on ${iso(check.verifiedAt)}; the certification was made from ${check.ip}${check.userAgent ? ` (${check.userAgent})` : ''}`;
}

/** The certification's own line: each subprocessor is in its section; a case certified before the cascade kept dates. */
function subprocessorLine(state: CaseState): string {
  const cascaded = subprocessorsOf(state);
  if (cascaded.length) return `${cascaded.map((s) => s.name).join('; ')}: see "Subprocessors"`;
  // Certifications made before subprocessors certified on their own named each with the date the vendor gave.
  const named = state.certification!.destruction.subprocessors as { name: string; destroyedOn?: string }[];
  return named.length
    ? named
        .map((s) => `${s.name}${s.destroyedOn ? ` (destroyed ${s.destroyedOn}, as the vendor certified)` : ''}`)
        .join('; ')
    : 'none named';
}

export function makeGenerateStatement(deps: StatementDeps) {
  return async function generateStatement({
    state,
    statementId,
    issuedAt,
  }: {
    state: CaseState;
    statementId: string;
    issuedAt: number;
  }): Promise<StatementInfo> {
    const messages = deps.records ? await deps.records.listMessages(state.caseId) : undefined;
    const counts = messages && {
      sent: messages.filter((m) => m.outcome === 'sent').length,
      failed: messages.filter((m) => m.outcome === 'failed').length,
    };
    // Signed inside the PDF with the district's certificate (PAdES B-B; B-T with a time stamp when TSA_URL is set).
    const signer = statementSigner(deps.config, deps.keyring);
    const tsaUrl = deps.config.tsaUrl;
    const content = gatherStatement(
      state,
      statementId,
      issuedAt,
      deps.config,
      await deps.accessLog?.caseHead(state.caseId),
      counts,
    );
    const drawn = await renderStatementOffThread({
      ...content,
      signature: { ...content.signature!, room: signatureRoom([signer.certificate, ...signer.chain], Boolean(tsaUrl)) },
    });
    const pdf = await signPdf(drawn, signer, tsaUrl ? (value) => requestTimestamp(tsaUrl, value) : undefined);
    const certificate = new crypto.X509Certificate(signer.certificate).fingerprint256;
    const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
    const signing = deps.keyring.currentSigning();
    const signature = crypto
      .sign(null, Buffer.from(statementSigningText(statementId, sha256)), signing.privateKey)
      .toString('base64');
    await deps.storage.saveStatement(statementId, pdf);
    return { statementId, issuedAt, sha256, signature, keyId: signing.kid, bytes: pdf.length, certificate };
  };
}
