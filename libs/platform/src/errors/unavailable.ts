/** Node socket errors and Postgres SQLSTATEs that mean a dependency is down or went away, not that the request was wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Stream isn't writeable|Connection is closed|Client has encountered a connection error|not queryable|the database system is (shutting down|starting up)/i;

/**
 * Whether an error (or one it wraps: originalError, driverError, cause, or the thrownValue of graphql's
 * NonErrorThrown) says Postgres or Redis is unreachable.
 */
export function isUnavailableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code, message, originalError, driverError, cause, thrownValue } = error as Record<string, unknown>;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  return [originalError, driverError, cause, thrownValue].some((inner) => isUnavailableError(inner, depth + 1));
}
