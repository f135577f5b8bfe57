/** node-postgres's own conversion of a query value to the text it sends (exported, not typed by @types/pg). */
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): string | Buffer | null;
}

/** node-postgres's own result builder: how a row of Postgres's text becomes a row of values (not typed by @types/pg). */
declare module 'pg/lib/result' {
  import type { FieldDef } from 'pg';

  export default class Result {
    addFields(fields: FieldDef[]): void;
    parseRow(values: (string | null)[]): Record<string, unknown>;
  }
}
