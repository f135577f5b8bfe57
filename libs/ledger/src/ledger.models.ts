import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional, IsUUID, MaxDate } from 'class-validator';
import { Decimal, IsCleanText, IsDecimalInRange } from '@gpupool/platform';
import { LedgerAccountKind } from './ledger-account.entity';

registerEnumType(LedgerAccountKind, { name: 'LedgerAccountKind' });

@ObjectType('LedgerBalance', { description: 'debits and credits of one account in one currency' })
export class LedgerBalanceModel {
  @Field({ description: 'the account code, e.g. CASH or RECEIVABLE:<partnerId>' }) account: string;
  @Field() name: string;
  @Field(() => LedgerAccountKind) kind: LedgerAccountKind;
  @Field() currency: string;
  @Field(() => Decimal, { description: 'sum of debits' }) debit: Decimal;
  @Field(() => Decimal, { description: 'sum of credits, as a positive number' }) credit: Decimal;
  @Field(() => Decimal, { description: 'debit − credit' }) balance: Decimal;
}

@ObjectType('Payment')
export class PaymentModel {
  @Field(() => ID) id: string;
  @Field(() => ID) partnerId: string;
  @Field(() => Decimal) amount: Decimal;
  @Field() reference: string;
  @Field(() => Date) receivedAt: Date;
  @Field(() => ID) journalEntryId: string;
}

@InputType()
export class RecordPaymentInput {
  @Field(() => ID) @IsUUID(undefined, { message: 'partnerId must be a partner id (a UUID)' }) partnerId: string;
  @Field(() => Decimal, { description: '> 0 and ≤ 10^15, at most 2 decimals' })
  @IsDecimalInRange({ min: '0', minExclusive: true, max: '1000000000000000', maxDecimals: 2 })
  amount: Decimal;
  @Field({ description: "the bank's reference; recorded once per partner" }) @IsCleanText(200) reference: string;
  @Field(() => Date, { nullable: true, description: 'not in the future; default now' })
  @IsOptional()
  @MaxDate(() => new Date(), { message: 'receivedAt must not be in the future' })
  receivedAt?: Date;
}
