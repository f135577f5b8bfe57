import { Foundation1795919690609 } from './1795919690609-Foundation';

/**
 * The foundation every domain's migrations build on (`refuse_change`, `audit_event`, and the
 * `partner` and `api_key` tables): the first migration of every database.
 */
export const PLATFORM_MIGRATIONS = [Foundation1795919690609];
