import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PartnerCreditService } from '@gpupool/identity';
import { AuditService, AuthPrincipal, isUniqueViolation, partnerScope, transactionWithRetry } from '@gpupool/platform';
import { Account, BOOK_CURRENCY } from './ledger-accounts';
import { paymentReferenceTaken } from './ledger.errors';
import { RecordPaymentInput } from './ledger.models';
import { LedgerService } from './ledger.service';
import { Payment } from './payment.entity';

export const PAYMENT_SOURCE = 'payment';

@Injectable()
export class PaymentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly credit: PartnerCreditService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records money received from a partner, in one transaction: Dr CASH / Cr the partner's
   * receivable is posted, the payment row written, the receivable goes down (never below zero)
   * and the change is audited. Locks in the global order: the entry and receivable account, the
   * partner's row, and at the commit the ledger's balances.
   */
  async record(actor: AuthPrincipal, input: RecordPaymentInput): Promise<Payment> {
    const receivedAt = input.receivedAt ?? new Date();
    return transactionWithRetry(this.dataSource, async (em) => {
      const partner = await this.credit.partner(em, input.partnerId);
      if (await em.existsBy(Payment, { partnerId: partner.id, reference: input.reference })) {
        throw paymentReferenceTaken(input.reference);
      }
      const receivable = await this.ledger.receivableAccount(em, partner.id);
      const id = randomUUID();
      const entry = await this.ledger.post(em, {
        description: `Payment ${input.reference} from ${partner.name}`,
        sourceType: PAYMENT_SOURCE,
        sourceId: id,
        currency: BOOK_CURRENCY,
        lines: [
          { account: Account.CASH, amount: input.amount },
          { account: receivable.code, amount: input.amount.neg() },
        ],
      });
      await em
        .insert(Payment, {
          id,
          partnerId: partner.id,
          amount: input.amount,
          reference: input.reference,
          receivedAt,
          journalEntryId: entry.id,
          recordedBy: actor.id,
        })
        .catch((error: unknown) => {
          // The same reference recorded at the same moment: the unique key decides.
          throw isUniqueViolation(error, 'payment_partner_reference') ? paymentReferenceTaken(input.reference) : error;
        });
      const after = await this.credit.applyPayment(em, partner.id, input.amount);
      await this.audit.record(em, actor, {
        action: 'payment.record',
        entity: 'Payment',
        entityId: id,
        before: { receivable: after.plus(input.amount) },
        after: {
          partnerId: partner.id,
          amount: input.amount,
          reference: input.reference,
          receivedAt,
          journalEntryId: entry.id,
          receivable: after,
        },
      });
      return em.findOneByOrFail(Payment, { id });
    });
  }

  /** Newest first. Staff see every partner's payments (or one partner's); a partner only its own. */
  list(principal: AuthPrincipal, partnerId: string | null, first: number): Promise<Payment[]> {
    const only = partnerScope(principal, partnerId);
    if (only === null) return Promise.resolve([]);
    return this.dataSource.getRepository(Payment).find({
      where: only ? { partnerId: only } : {},
      order: { receivedAt: 'DESC', id: 'DESC' },
      take: first,
    });
  }
}
