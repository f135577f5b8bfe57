import { QueryFailedError } from 'typeorm';

/**
 * What a database function said when it refused: its `RAISE … USING ERRCODE = sqlState, DETAIL =
 * <JSON>` parsed, or undefined when `error` is anything else. Domains turn these facts into their
 * own errors (a refusal raised in a statement undoes all of that statement's writes).
 */
export function databaseRefusal<T>(error: unknown, sqlState: string): T | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: unknown; detail?: unknown };
  return driver.code === sqlState && typeof driver.detail === 'string' ? (JSON.parse(driver.detail) as T) : undefined;
}
