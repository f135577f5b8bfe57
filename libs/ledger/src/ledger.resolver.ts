import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, pagedComplexity, pageSize, Role, Roles } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { LedgerBalanceModel, PaymentModel, RecordPaymentInput } from './ledger.models';
import { AccountBalance, LedgerService } from './ledger.service';
import { Payment } from './payment.entity';
import { PaymentService } from './payment.service';

@Resolver(() => LedgerBalanceModel)
export class LedgerResolver {
  constructor(private readonly ledger: LedgerService) {}

  @Query(() => [LedgerBalanceModel], { description: 'per account and currency' })
  @Roles(Role.ADMIN, Role.FINANCE)
  trialBalance(): Promise<AccountBalance[]> {
    return this.ledger.trialBalance();
  }
}

@Resolver(() => PaymentModel)
export class PaymentResolver {
  constructor(private readonly paymentService: PaymentService) {}

  @Mutation(() => PaymentModel)
  @Roles(Role.ADMIN, Role.FINANCE)
  recordPayment(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: RecordPaymentInput): Promise<Payment> {
    return this.paymentService.record(actor, input);
  }

  @Query(() => [PaymentModel], { description: 'newest first; a partner sees its own', complexity: pagedComplexity })
  @Roles(Role.ADMIN, Role.FINANCE, Role.PARTNER)
  payments(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('partnerId', { type: () => ID, nullable: true }) partnerId: string | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
  ): Promise<Payment[]> {
    return this.paymentService.list(principal, partnerId, pageSize(first));
  }
}
