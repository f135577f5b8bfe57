import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import {
  AuthPrincipal,
  BadInputError,
  Decimal,
  DECIMAL_PATTERN,
  DomainError,
  ForbiddenError,
  InputValidationPipe,
  Role,
  UnauthenticatedError,
} from '@gpupool/platform';
import { InventoryCommandService } from './inventory-command.service';
import { ReceiveInventoryInput } from './inventory.models';

/** The columns of a lots file, named in its header line; reference may be left out. */
export const LOT_FILE_COLUMNS = ['skuCode', 'regionCode', 'quantity', 'unitCost', 'reference'] as const;
type Column = (typeof LOT_FILE_COLUMNS)[number];
const REQUIRED_COLUMNS: Column[] = ['skuCode', 'regionCode', 'quantity', 'unitCost'];
const IMPORT_ROLES = [Role.ADMIN, Role.OPERATOR];

export interface RejectedLine {
  /** The line in the file, counting the header as line 1. */
  line: number;
  reason: string;
}

export interface LotImportReport {
  /** Data lines read (blank lines not counted). */
  lines: number;
  imported: number;
  importedUnits: number;
  rejected: RejectedLine[];
}

export interface LotImportProgress {
  bytes: number;
  imported: number;
  rejected: number;
}

/** The principal an import acts as: an ADMIN or OPERATOR API key, so the audit log names it. */
export async function importPrincipal(
  authenticate: (key: string) => Promise<AuthPrincipal | null>,
  key: string | undefined,
): Promise<AuthPrincipal> {
  if (!key) throw new UnauthenticatedError('Set GPUPOOL_API_KEY to an ADMIN or OPERATOR API key: the import acts as that key');
  const principal = await authenticate(key);
  if (!principal) throw new UnauthenticatedError('GPUPOOL_API_KEY is not a valid API key (unknown or revoked)');
  if (!IMPORT_ROLES.includes(principal.role)) {
    throw new ForbiddenError(`Importing lots is for ADMIN or OPERATOR keys; GPUPOOL_API_KEY has role ${principal.role}`);
  }
  return principal;
}

/** The fields of one line; a lots file has no quoted line breaks (references are single-line text). */
function splitCsvLine(text: string): string[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, trim: true }) as string[][];
  } catch (error) {
    throw new BadInputError(`not a CSV line: ${(error as Error).message.replace(/ at line \d+/, '')}`);
  }
  if (records.length !== 1) throw new BadInputError('a line must hold exactly one CSV record');
  return records[0]!;
}

function columnsOf(header: string[]): Column[] {
  const known = new Set<string>(LOT_FILE_COLUMNS);
  const unknown = header.filter((name) => !known.has(name));
  const missing = REQUIRED_COLUMNS.filter((name) => !header.includes(name));
  if (unknown.length > 0 || missing.length > 0 || new Set(header).size !== header.length) {
    throw new BadInputError(
      `The header line must name the columns ${LOT_FILE_COLUMNS.join(',')} (reference may be left out), each once; got ${header.join(',')}`,
    );
  }
  return header as Column[];
}

async function toInput(columns: Column[], fields: string[]): Promise<ReceiveInventoryInput> {
  if (fields.length !== columns.length) throw new BadInputError(`expected ${columns.length} fields, got ${fields.length}`);
  const value = (column: Column) => fields[columns.indexOf(column)] ?? '';
  const quantity = value('quantity');
  const unitCost = value('unitCost');
  if (!/^\d{1,9}$/.test(quantity)) throw new BadInputError(`quantity must be a whole number of GPUs, such as 120 (got "${quantity}")`);
  if (!DECIMAL_PATTERN.test(unitCost)) throw new BadInputError(`unitCost must be a decimal number, such as 95000.00 (got "${unitCost}")`);
  const plain = {
    skuCode: value('skuCode'),
    regionCode: value('regionCode'),
    quantity: Number(quantity),
    unitCost: new Decimal(unitCost),
    reference: value('reference') === '' ? undefined : value('reference'),
  };
  return (await new InputValidationPipe().transform(plain, { type: 'body', metatype: ReceiveInventoryInput })) as ReceiveInventoryInput;
}

/**
 * Receives the lots of a CSV file, one line at a time. Each good line is received in a transaction
 * of its own, with its audit row; a bad line is reported with its line number and reason and
 * rejects nothing else. A bad header imports nothing. Errors other than bad input stop the import.
 */
export async function importLots(
  commands: InventoryCommandService,
  actor: AuthPrincipal,
  input: Readable,
  onProgress: (progress: LotImportProgress) => void = () => undefined,
): Promise<LotImportReport> {
  const report: LotImportReport = { lines: 0, imported: 0, importedUnits: 0, rejected: [] };
  let columns: Column[] | undefined;
  let line = 0;
  let bytes = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    bytes += Buffer.byteLength(raw) + 1;
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    if (!columns) {
      columns = columnsOf(splitCsvLine(text));
      continue;
    }
    report.lines++;
    try {
      const lot = await commands.receiveInventory(actor, await toInput(columns, splitCsvLine(text)));
      report.imported++;
      report.importedUnits += lot.quantity;
    } catch (error) {
      if (!(error instanceof DomainError)) {
        throw new Error(`The import stopped at line ${line}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      report.rejected.push({ line, reason: error.message });
    }
    onProgress({ bytes, imported: report.imported, rejected: report.rejected.length });
  }
  if (!columns) throw new BadInputError(`The file is empty: its first line must name the columns ${LOT_FILE_COLUMNS.join(',')}`);
  return report;
}
