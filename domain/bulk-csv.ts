// A bulk start file: one termination case per row (the end of a school year retires dozens of tools at once).
// The header names the columns (any order, each once); every row becomes a case input, checked by the same
// schema as a case started by hand, and every refusal names its line and column.
import { BUILT_IN_AGREEMENTS, unknownAgreement, withAgreement, type AgreementRegistry } from './agreements';
import { caseInputSchema, type CaseInput } from './case-input';
import { TRACKING_KINDS } from './case-terms';
import { csvRecords, CsvUnclosedQuoteError } from './csv';

export { utf8Text as bulkFileText } from './csv';

export const BULK_COLUMNS = [
  'contract_id',
  'contract_title',
  'termination_date',
  'agreement',
  'vendor_name',
  'vendor_contact_email',
  'vendor_contact_name',
  'service_name',
  'service_url',
  'option',
  'categories',
  'tracking_mechanisms',
] as const;
export type BulkColumn = (typeof BULK_COLUMNS)[number];

/** At most this many rows a file; a district retiring more sends several files. */
export const BULK_MAX_ROWS = 5_000;

export interface BulkProblem {
  /** The file's line (1 is the header) where the row starts. */
  line: number;
  /** The column, or `file` for the file as a whole. */
  field: BulkColumn | 'file';
  message: string;
  /** The row's contract, when it names one. */
  contractId?: string;
}

export interface BulkRow {
  line: number;
  contractId: string;
  input: CaseInput;
}

export interface BulkFile {
  rows: BulkRow[];
  /** The refused rows' problems, several a row when several columns are wrong. */
  problems: BulkProblem[];
  /** Rows in the file (good and refused). */
  total: number;
}

export class BulkFileError extends Error {
  override name = 'BulkFileError';
  constructor(readonly problem: BulkProblem) {
    super(`line ${problem.line}, ${problem.field}: ${problem.message}`);
  }
}

const FIELD_OF_PATH: [string, BulkColumn][] = [
  ['contract.id', 'contract_id'],
  ['contract.title', 'contract_title'],
  ['contract.terminationDate', 'termination_date'],
  ['contract.agreement', 'agreement'],
  ['vendor.name', 'vendor_name'],
  ['vendor.contactEmail', 'vendor_contact_email'],
  ['vendor.contactName', 'vendor_contact_name'],
  ['service.name', 'service_name'],
  ['service.url', 'service_url'],
  ['disposition.option', 'option'],
  ['disposition.categories', 'categories'],
  ['trackingMechanisms', 'tracking_mechanisms'],
];

function columnOf(path: PropertyKey[]): BulkColumn | 'file' {
  const dotted = path.map(String).join('.');
  return FIELD_OF_PATH.find(([prefix]) => dotted === prefix || dotted.startsWith(`${prefix}.`))?.[1] ?? 'file';
}

/** `permanent;electronic=1200`: category keys, each with the records expected back. */
function categoriesOf(cell: string, problem: (message: string) => void): { key: string; expectedRecords?: number }[] {
  return splitList(cell).map((item) => {
    const [key, count, ...rest] = item.split('=').map((s) => s.trim());
    if (rest.length || count === '' || (count !== undefined && !/^\d{1,12}$/.test(count))) {
      problem(`"${item}": write a category key, or key=number of records expected`);
    }
    return count !== undefined && /^\d{1,12}$/.test(count)
      ? { key: key!, expectedRecords: Number(count) }
      : { key: key! };
  });
}

/** `Google Analytics:cookie;Vendor SDK:sdk`: the name, then its kind after the last colon. */
function trackingOf(cell: string, problem: (message: string) => void): { name: string; kind: string }[] {
  return splitList(cell).map((item) => {
    const at = item.lastIndexOf(':');
    if (at <= 0) problem(`"${item}": write name:kind, the kind one of ${TRACKING_KINDS.join(', ')}`);
    return at <= 0 ? { name: item, kind: '' } : { name: item.slice(0, at).trim(), kind: item.slice(at + 1).trim() };
  });
}

const splitList = (cell: string): string[] =>
  cell
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
const optional = (cell: string): string | undefined => (cell.trim() === '' ? undefined : cell.trim());

/** Reads a bulk file: the header checked first (a wrong header refuses the whole file), then each row. */
export function readBulkFile(text: string, agreements: AgreementRegistry = BUILT_IN_AGREEMENTS): BulkFile {
  let records: ReturnType<typeof csvRecords>;
  try {
    records = csvRecords(text);
  } catch (err) {
    if (err instanceof CsvUnclosedQuoteError)
      throw new BulkFileError({ line: err.line, field: 'file', message: 'a quoted cell is not closed' });
    throw err;
  }
  const header = records.shift();
  if (!header)
    throw new BulkFileError({
      line: 1,
      field: 'file',
      message: `the file is empty; its first line names the columns: ${BULK_COLUMNS.join(',')}`,
    });
  const names = header.cells.map((c) => c.trim());
  const unknown = names.filter((n) => !(BULK_COLUMNS as readonly string[]).includes(n));
  if (unknown.length)
    throw new BulkFileError({
      line: 1,
      field: 'file',
      message: `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the columns are ${BULK_COLUMNS.join(',')}`,
    });
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length)
    throw new BulkFileError({ line: 1, field: 'file', message: `column "${repeated[0]}" appears twice` });
  const missing = BULK_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length)
    throw new BulkFileError({
      line: 1,
      field: 'file',
      message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    });
  if (records.length > BULK_MAX_ROWS)
    throw new BulkFileError({
      line: 1,
      field: 'file',
      message: `${records.length} rows; at most ${BULK_MAX_ROWS} a file`,
    });

  const rows: BulkRow[] = [];
  const problems: BulkProblem[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of records) {
    const found: BulkProblem[] = [];
    const problemIn =
      (field: BulkColumn) =>
      (message: string): void => {
        found.push({ line: record.line, field, message });
      };
    if (record.cells.length !== names.length) {
      const contractId = record.cells[names.indexOf('contract_id')]?.trim();
      problems.push({
        line: record.line,
        field: 'file',
        message: `${record.cells.length} cells; the header has ${names.length}`,
        ...(contractId ? { contractId } : {}),
      });
      continue;
    }
    const cell = (column: BulkColumn): string => record.cells[names.indexOf(column)]!;
    const title = optional(cell('contract_title'));
    const agreement = optional(cell('agreement'));
    const contactName = optional(cell('vendor_contact_name'));
    const url = optional(cell('service_url'));
    const tracking = trackingOf(cell('tracking_mechanisms'), problemIn('tracking_mechanisms'));
    const candidate = {
      contract: {
        id: cell('contract_id').trim(),
        ...(title ? { title } : {}),
        terminationDate: cell('termination_date').trim(),
        ...(agreement ? { agreement } : {}),
      },
      vendor: {
        name: cell('vendor_name').trim(),
        contactEmail: cell('vendor_contact_email').trim(),
        ...(contactName ? { contactName } : {}),
      },
      service: { name: cell('service_name').trim(), ...(url ? { url } : {}) },
      // A contract's end covers all of the vendor's data of the district (extent "complete").
      disposition: {
        option: cell('option').trim(),
        extent: 'complete',
        categories: categoriesOf(cell('categories'), problemIn('categories')),
      },
      ...(tracking.length ? { trackingMechanisms: tracking } : {}),
    };
    const parsed = caseInputSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        found.push({ line: record.line, field: columnOf(issue.path), message: issue.message });
    } else {
      const unknown = unknownAgreement(parsed.data, agreements);
      if (unknown) found.push({ line: record.line, field: 'agreement', message: unknown });
    }
    const contractId = candidate.contract.id;
    const earlier = firstLineOf.get(contractId.toLowerCase());
    if (contractId && earlier !== undefined)
      found.push({
        line: record.line,
        field: 'contract_id',
        message: `contract ${contractId} is already on line ${earlier}`,
      });
    else if (contractId) firstLineOf.set(contractId.toLowerCase(), record.line);
    if (found.length || !parsed.success)
      problems.push(...dedupe(found).map((p) => (contractId ? { ...p, contractId } : p)));
    else rows.push({ line: record.line, contractId, input: withAgreement(parsed.data, agreements) });
  }
  return { rows, problems, total: records.length };
}

function dedupe(problems: BulkProblem[]): BulkProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
