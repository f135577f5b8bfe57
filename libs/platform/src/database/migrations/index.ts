import { Foundation1795919690609 } from './1795919690609-Foundation';

/** Every migration, in order. */
export const MIGRATIONS = [Foundation1795919690609];
