import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@gpupool/identity';
import { JournalEntry } from './journal-entry.entity';
import { LedgerAccount } from './ledger-account.entity';
import { LedgerBalance } from './ledger-balance.entity';
import { LedgerResolver, PaymentResolver } from './ledger.resolver';
import { LedgerService } from './ledger.service';
import { Payment } from './payment.entity';
import { PaymentService } from './payment.service';
import { Posting } from './posting.entity';

export const LEDGER_ENTITIES = [LedgerAccount, LedgerBalance, JournalEntry, Posting, Payment];
export const LEDGER_RESOLVERS = [LedgerResolver, PaymentResolver];

@Module({
  imports: [TypeOrmModule.forFeature(LEDGER_ENTITIES), IdentityModule],
  providers: [LedgerService, PaymentService],
  exports: [LedgerService, PaymentService],
})
export class LedgerModule {}

/** GraphQL for the ledger and payments: only the api imports it. */
@Module({
  imports: [LedgerModule],
  providers: LEDGER_RESOLVERS,
})
export class LedgerApiModule {}
