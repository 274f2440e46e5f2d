// `npm run docs:actions`: the table of every action's route in docs/api.md, written from the registry
// (actions/registry.ts) between its markers. tests/action-declarations.test.ts fails when the committed table is
// not the one the registry gives, so the document cannot drift from the code.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { STAFF_ACTIONS, VENDOR_ACTIONS, type StaffAction, type VendorAction } from '../actions/registry';

export const API_DOC = path.resolve(__dirname, '..', 'docs', 'api.md');
const BEGIN = '<!-- action table: written by npm run docs:actions from actions/registry.ts -->';
const END = '<!-- end of the action table -->';

/** `{task, until, reason}`: the body's fields, `?` after the optional ones. */
function fields(body: z.ZodType | undefined): string {
  if (!(body instanceof z.ZodObject)) return body ? ' (see the OpenAPI document)' : '';
  const names = Object.entries(body.shape as Record<string, z.ZodType>).map(
    ([name, schema]) => `${name}${schema.safeParse(undefined).success ? '?' : ''}`,
  );
  return ` \`{${names.join(', ')}}\``;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function actionTable(): string {
  const rows = [
    '| route | who | does |',
    '|---|---|---|',
    ...(Object.values(STAFF_ACTIONS) as StaffAction[]).map(
      (a) => `| \`POST /api/cases/:caseId/${a.path}\`${fields(a.body)} | ${a.roles.join(', ')} | ${cell(a.summary)} |`,
    ),
    ...(Object.values(VENDOR_ACTIONS) as VendorAction[]).map(
      (a) =>
        `| \`POST /api/vendor/:token/${a.path}\`${a.bodyDoc ? '' : fields(a.body)} | ${a.task === 'any' ? 'the link of any open task' : a.task === 'subprocessor_certify' ? "a subprocessor's link" : 'link holder'} | ${cell(a.summary)}${a.status === 202 ? ': 202' : ''} |`,
    ),
  ];
  return `${BEGIN}\n${rows.join('\n')}\n${END}`;
}

/** docs/api.md with its action table as the registry gives it. */
export function withActionTable(doc: string): string {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${API_DOC} has no action table markers (${BEGIN} … ${END})`);
  return `${doc.slice(0, from)}${actionTable()}${doc.slice(to + END.length)}`;
}

if (require.main === module) {
  fs.writeFileSync(API_DOC, withActionTable(fs.readFileSync(API_DOC, 'utf8')));
  console.log(
    `docs/api.md: the action table written (${Object.keys(STAFF_ACTIONS).length} staff actions, ${Object.keys(VENDOR_ACTIONS).length} vendor actions)`,
  );
}
