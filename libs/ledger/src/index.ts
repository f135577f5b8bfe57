export type { JournalLine } from './journal-lines';
export { Account } from './ledger-accounts';
export { DuplicateJournalEntryError, InvalidJournalEntryError } from './ledger.errors';
export { LEDGER_ENTITIES, LEDGER_RESOLVERS, LedgerApiModule, LedgerModule } from './ledger.module';
export { LedgerService } from './ledger.service';
export type { JournalEntryAddition, JournalEntryDraft } from './ledger.service';
