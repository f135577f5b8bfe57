import { DomainError, ErrorCode } from '@gpupool/platform';

/** A failure the caller of a ledger operation can act on. */
export class LedgerError extends DomainError<ErrorCode> {}

/** A journal entry the books cannot take: a bug in the code that built it, never user input. */
export class InvalidJournalEntryError extends Error {
  constructor(message: string) {
    super(`Journal entry refused: ${message}`);
    this.name = 'InvalidJournalEntryError';
  }
}

/** The source event already has its journal entry: each event is posted once. */
export class DuplicateJournalEntryError extends Error {
  constructor(
    readonly sourceType: string,
    readonly sourceId: string,
  ) {
    super(`A journal entry for ${sourceType} ${sourceId} is already posted`);
    this.name = 'DuplicateJournalEntryError';
  }
}

export const paymentReferenceTaken = (reference: string) =>
  new LedgerError(
    ErrorCode.BAD_USER_INPUT,
    `A payment with reference "${reference}" is already recorded for this partner; a bank reference is recorded once`,
  );
