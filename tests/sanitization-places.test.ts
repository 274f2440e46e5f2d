// A certification as a certificate of sanitization carries it (issue 11, item 6; NIST SP 800-88 App. G): every
// place the data may have lived, marked held or never held, with method, technique, tool and version,
// verification and date where it held data, the keys of a cryptographic erase, and an optional validator. The
// older body without places stays accepted and is marked deprecated in the API document.
import { describe, expect, it } from 'vitest';
import { gatherStatement } from '../activities/generate-statement';
import type { CaseState } from '../domain/case-state';
import { certificationBodySchema, SANITIZATION_PLACES, type SanitizedSystem } from '../domain/certification';
import { certificationFromForm } from '../actions/certify/form-fields';
import { renderStatementPdf } from '../infra/statement/statement-pdf';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { harnessForTests } from './support/http-harness';

const today = new Date().toISOString().slice(0, 10);
const PLACES = Object.keys(SANITIZATION_PLACES) as SanitizedSystem['place'][];
const never = (place: SanitizedSystem['place']): SanitizedSystem => ({ place, heldData: false });
const production: SanitizedSystem = {
  place: 'production',
  name: 'Tenant database',
  heldData: true,
  method: 'purge',
  technique: 'Cryptographic erase of the tenant keys',
  tool: 'AWS KMS',
  toolVersion: '2014-11-01',
  verification: 'Decryption of a sampled row fails',
  completedOn: today,
  cryptoErase: { keys: 'alias/tenant-riverside', how: 'Scheduled deletion, confirmed in CloudTrail' },
};
const everyPlace = (): SanitizedSystem[] => [production, ...PLACES.filter((p) => p !== 'production').map(never)];
const input = caseInput({
  disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
  trackingMechanisms: [],
});
const withSystems = (systems: SanitizedSystem[]) => {
  const base = certification(input);
  return {
    ...base,
    destruction: {
      ...base.destruction,
      systems,
      validator: { name: 'Sam Oduya', title: 'Security Engineer', email: 'sam@acme-learning.example' },
    },
  };
};
const problems = (body: unknown) => {
  const parsed = certificationBodySchema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('places on a certification (the body check)', () => {
  it('takes every place listed, with details where it held data', () => {
    expect(problems(withSystems(everyPlace()))).toEqual([]);
    // The older shape, without places, is still taken.
    expect(problems(certification(input))).toEqual([]);
  });

  it('names what is missing: an unlisted place, a detail of a place that held data, details of one that never did', () => {
    expect(problems(withSystems(everyPlace().filter((s) => s.place !== 'logs' && s.place !== 'other')))).toEqual([
      'destruction.systems: list every place the data may have lived, marking heldData true or false: missing logs, other',
    ]);
    const { tool: _tool, completedOn: _on, ...noTool } = production;
    expect(problems(withSystems([noTool, ...everyPlace().slice(1)]))).toEqual([
      'destruction.systems.0.tool: required where the place held district data (Production systems)',
      'destruction.systems.0.completedOn: required where the place held district data (Production systems)',
    ]);
    expect(
      problems(
        withSystems([...everyPlace().slice(0, 7), { place: 'other', heldData: false, method: 'clear', tool: 'rm' }]),
      ),
    ).toEqual([
      'destruction.systems.7.method: a place that never held district data has nothing to sanitize: leave out method, tool',
    ]);
    expect(
      problems(withSystems([...everyPlace().slice(0, 7), { ...production, place: 'other', name: undefined }])),
    ).toEqual(['destruction.systems.7.name: name the place: "other" is not enough on a certificate']);
    const late = withSystems([{ ...production, completedOn: '2999-01-01' }, ...everyPlace().slice(1)]);
    expect(problems(late)).toEqual([
      expect.stringContaining('destruction.systems.0.completedOn: after destruction.completedOn'),
    ]);
    expect(
      problems(withSystems([{ ...production, cryptoErase: { keys: ' ', how: 'shredded' } }, ...everyPlace().slice(1)])),
    ).toEqual(['destruction.systems.0.cryptoErase.keys: name the keys that were destroyed']);
  });

  it('lets backups that roll off later say only how, since their own task confirms them', () => {
    const base = withSystems([
      ...everyPlace().filter((s) => s.place !== 'backups'),
      { place: 'backups', heldData: true, technique: 'Snapshots expire after 35 days' },
    ]);
    const rolling = {
      ...base,
      destruction: { ...base.destruction, backups: { destroyed: false, rollOffDate: '2999-01-01' } },
    };
    expect(problems(rolling)).toEqual([]);
    expect(problems({ ...rolling, destruction: { ...rolling.destruction, backups: { destroyed: true } } })).toEqual(
      expect.arrayContaining([expect.stringContaining('destruction.systems.7.method: required')]),
    );
  });

  it("reads the page's rows: details only where a place held data, a missing choice left for the check to name", () => {
    const form: Record<string, string> = {
      'destruction.systems.0.place': 'production',
      'destruction.systems.0.heldData': 'true',
      'destruction.systems.0.method': 'destroy',
      'destruction.systems.0.technique': 'Drives shredded',
      'destruction.systems.0.tool': 'Shredding contractor',
      'destruction.systems.0.verification': 'Certificate of destruction',
      'destruction.systems.0.completedOn': today,
      'destruction.systems.1.place': 'staging',
      'destruction.systems.1.heldData': 'false',
      'destruction.systems.1.technique': 'typed before choosing "never"',
      'destruction.systems.2.place': 'backups',
      'destruction.validator.name': 'Sam Oduya',
      'destruction.validator.title': 'Security Engineer',
      'destruction.validator.email': 'sam@acme-learning.example',
    };
    const body = certificationFromForm(form) as { destruction: { systems: unknown[]; validator: unknown } };
    expect(body.destruction.systems).toEqual([
      {
        place: 'production',
        heldData: true,
        method: 'destroy',
        technique: 'Drives shredded',
        tool: 'Shredding contractor',
        verification: 'Certificate of destruction',
        completedOn: today,
      },
      { place: 'staging', heldData: false },
      { place: 'backups' },
    ]);
    expect(body.destruction.validator).toEqual({
      name: 'Sam Oduya',
      title: 'Security Engineer',
      email: 'sam@acme-learning.example',
    });
    expect(problems(body)).toContain(
      'destruction.systems.2.heldData: Invalid input: expected boolean, received undefined',
    );
  });
});

describe('places on the statement', () => {
  it('lists each place with its sanitization, the erased keys and the validator; a certification without places says so', async () => {
    const at = Date.parse('2026-11-20T15:00:00Z');
    const state = (cert: ReturnType<typeof withSystems> | ReturnType<typeof certification>): CaseState => ({
      caseId: 'case00000077',
      input,
      status: 'generating_statement',
      createdAt: at,
      updatedAt: at,
      version: 3,
      createdBy: 'user:ada',
      tasks: [],
      returnRounds: [],
      legalHold: [],
      timeline: [],
      settledUpdates: {},
      certification: { ...cert, at },
    });
    const config = { districtName: 'Riverside USD', publicUrl: 'https://disposition.example' };
    const text = popplerText(
      await renderStatementPdf(gatherStatement(state(withSystems(everyPlace())), 'stmt-0077', at, config)),
    ).replace(/\s+/g, ' ');
    expect(text).toContain('Sanitization by place (NIST SP 800-88, Appendix G)');
    expect(text).toContain('Production systems: Tenant database Purge (NIST SP 800-88), completed');
    expect(text).toContain('Tool: AWS KMS, version 2014-11-01.');
    expect(text).toContain(
      'Cryptographic erase: keys destroyed: alias/tenant-riverside; how: Scheduled deletion, confirmed in CloudTrail.',
    );
    expect(text).toContain("Disaster recovery copies Never held the district's data.");
    expect(text).toContain('Validated by Sam Oduya, Security Engineer <sam@acme-learning.example>');
    const legacy = popplerText(
      await renderStatementPdf(gatherStatement(state(certification(input)), 'stmt-0078', at, config)),
    ).replace(/\s+/g, ' ');
    expect(legacy).not.toContain('Sanitization by place (NIST');
    expect(legacy).toContain('not recorded: this certification did not list each place the data lived');
  });
});

describe('places through the API', () => {
  const started = harnessForTests();

  it('refuses a certification missing a place by field and keeps the case waiting; takes it whole; marks the old shape deprecated', async () => {
    const { h, ada } = started;
    const { caseId, token } = await h.caseAtCertify(ada, {
      ...input,
      contract: { ...input.contract, id: 'CT-PLACES-1' },
    });
    const refused = await h.as(
      undefined,
      'POST',
      `/api/vendor/${token}/certify`,
      withSystems(everyPlace().slice(0, 6)),
    );
    expect(refused).toMatchObject({
      status: 400,
      json: {
        error: { details: [{ field: 'destruction.systems', message: expect.stringContaining('missing logs, other') }] },
      },
    });
    expect((await h.cases.records.getCase(caseId))?.state.certification).toBeUndefined();

    expect(await h.certifyByLink(token, withSystems(everyPlace()))).toMatchObject({ status: 200 });
    const record = await h.cases.waitForStatus(caseId, 'completed');
    expect(record.state.certification?.destruction.systems).toHaveLength(8);
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.certification.destruction.systems[0]).toMatchObject({
      place: 'production',
      cryptoErase: { keys: 'alias/tenant-riverside' },
    });
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('Where the data lived');
    expect(page).toContain('never held the data');

    const doc = (await h.as(undefined, 'GET', '/api/openapi.json')).json;
    const body = doc.paths['/api/vendor/{token}/certify'].post.requestBody.content['application/json'].schema;
    const shapes = body.anyOf ?? body.oneOf;
    expect(shapes).toHaveLength(2);
    expect(shapes[1]).toMatchObject({ deprecated: true });
    expect(shapes[0].properties.destruction.required).toContain('systems');
  });
});
