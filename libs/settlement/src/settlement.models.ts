import { Field, ID, ObjectType } from '@nestjs/graphql';
import { allowRoles, connectionTypes, Decimal, STAFF_ROLES } from '@gpupool/platform';

@ObjectType('Settlement', { description: 'the accounting of one fill' })
export class SettlementModel {
  @Field(() => ID) id: string;
  @Field(() => ID) fillId: string;
  @Field(() => Decimal, { description: 'quantity × price, before tax' }) netAmount: Decimal;
  @Field(() => Decimal, { description: 'net × the tax rate of the order, rounded half-up to the fen' }) taxAmount: Decimal;
  @Field(() => Decimal, { description: 'net + tax: what the partner owes' }) grossAmount: Decimal;
  @Field(() => Decimal, {
    nullable: true,
    description: 'FIFO cost of the units; ADMIN, OPERATOR, FINANCE only',
    middleware: [allowRoles(...STAFF_ROLES)],
  })
  costAmount: Decimal;
  @Field(() => ID) journalEntryId: string;
  @Field(() => Date) settledAt: Date;
}

export const SettlementConnection = connectionTypes(SettlementModel, 'Settlement');
