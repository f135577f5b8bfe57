/** node-postgres's own conversion of a query value to the text it sends (exported, not typed by @types/pg). */
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): string | Buffer | null;
}
