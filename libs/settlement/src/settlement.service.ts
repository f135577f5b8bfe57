import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, QueryFailedError } from 'typeorm';
import { PartnerCreditService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { DuplicateJournalEntryError, JournalEntryDraft, LedgerService } from '@gpupool/ledger';
import { Decimal, formatDecimal, isUuid, NotFoundError, transactionWithRetry } from '@gpupool/platform';
import { Fill, OrderQueryService } from '@gpupool/trading';
import { settlementAmounts, settlementLines } from './settlement-amounts';
import { Settlement } from './settlement.entity';

/** The source type of a fill's journal entry. */
export const FILL_SOURCE = 'fill';

const ATTEMPTS = 3;

/** A fill with what its settlement needs from its order and market. */
interface FillToSettle {
  fill: Fill;
  taxRatePercent: Decimal;
  currency: string;
}

/** Another transaction settled one of the fills first: the next attempt finds its settlement. */
function alreadySettled(error: unknown): boolean {
  if (error instanceof DuplicateJournalEntryError) return true;
  const driver = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string }) : undefined;
  return driver?.code === '23505' && driver.constraint === 'settlement_fill';
}

/**
 * Turns fills into money in the ledger, each exactly once. A settlement skips fills already
 * settled, relieves inventory FIFO (lots locked market by market), posts one journal entry per
 * fill, turns the fills' credit holds into receivables (partners locked last, in id order: the
 * lock order of libs/trading/README.md) and writes the settlements, all in one transaction. The unique fill of a settlement and the unique
 * source of a journal entry make a second settlement of a fill impossible.
 */
@Injectable()
export class SettlementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrderQueryService,
    private readonly inventory: InventoryService,
    private readonly ledger: LedgerService,
    private readonly credit: PartnerCreditService,
  ) {}

  /** Settles a fill, or returns its settlement if it has one. */
  async settle(fillId: string): Promise<Settlement> {
    const [settlement] = await this.settleMany([fillId]);
    return settlement!;
  }

  /** Settles fills in one transaction; returns their settlements in the order asked, new or not. */
  async settleMany(fillIds: readonly string[]): Promise<Settlement[]> {
    if (fillIds.length === 0) return [];
    const fills = await this.load([...new Set(fillIds)]);
    for (let attempt = 1; ; attempt++) {
      try {
        const settlements = await transactionWithRetry(this.dataSource, (em) => this.settleIn(em, fills));
        const byFill = new Map(settlements.map((s) => [s.fillId, s]));
        return fillIds.map((id) => byFill.get(id)!);
      } catch (error) {
        if (attempt < ATTEMPTS && alreadySettled(error)) continue;
        throw error;
      }
    }
  }

  /** The fills with their orders' tax rates (fixed at placement) and their markets' currencies; fills never change. */
  private async load(ids: string[]): Promise<FillToSettle[]> {
    const malformed = ids.find((id) => !isUuid(id));
    if (malformed !== undefined) throw new NotFoundError('Fill', malformed);
    const fills = await this.orders.fillsByIds(ids);
    const found = new Set(fills.map((f) => f.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw new NotFoundError('Fill', missing);
    const [orders, markets] = await Promise.all([
      this.orders.ordersByIds([...new Set(fills.map((f) => f.orderId))]),
      this.inventory.marketsByIds([...new Set(fills.map((f) => f.marketId))]),
    ]);
    const taxRateOf = new Map(orders.map((o) => [o.id, o.taxRatePercent]));
    const currencyOf = new Map(markets.map((m) => [m.id, m.currency]));
    return fills.map((fill) => ({ fill, taxRatePercent: taxRateOf.get(fill.orderId)!, currency: currencyOf.get(fill.marketId)! }));
  }

  private async settleIn(em: EntityManager, fills: FillToSettle[]): Promise<Settlement[]> {
    const ids = fills.map(({ fill }) => fill.id);
    // No partner lock up front: the partners' rows are locked last (holdsToReceivables, in id order), after
    // the lots, so placeOrder's credit hold waits for a batch only as long as that one statement. A fill
    // settled by a concurrent batch is caught by the unique keys (journal source, settlement fill) and retried.
    const settled = new Set((await em.find(Settlement, { select: { fillId: true }, where: { fillId: In(ids) } })).map((s) => s.fillId));
    // Markets in one order too: FIFO relief locks their lots.
    const todo = fills
      .filter(({ fill }) => !settled.has(fill.id))
      .sort(
        (a, b) =>
          a.fill.marketId.localeCompare(b.fill.marketId) ||
          a.fill.executedAt.getTime() - b.fill.executedAt.getTime() ||
          a.fill.id.localeCompare(b.fill.id),
      );
    if (todo.length > 0) await this.book(em, todo);
    return em.find(Settlement, { where: { fillId: In(ids) } });
  }

  private async book(em: EntityManager, todo: FillToSettle[]): Promise<void> {
    const receivables = await this.ledger.openReceivableAccounts(
      em,
      todo.map(({ fill }) => fill.partnerId),
    );

    const costs = new Map<string, Decimal>();
    for (const marketId of [...new Set(todo.map(({ fill }) => fill.marketId))]) {
      const ofMarket = todo.filter(({ fill }) => fill.marketId === marketId);
      const relieved = await this.inventory.relieveFifoMany(
        em,
        marketId,
        ofMarket.map(({ fill }) => fill.quantity),
      );
      ofMarket.forEach(({ fill }, i) => costs.set(fill.id, relieved[i]!));
    }

    const rows = todo.map(({ fill, taxRatePercent, currency }) => ({
      fill,
      taxRatePercent,
      currency,
      amounts: settlementAmounts(fill.amount, taxRatePercent),
      cost: costs.get(fill.id)!,
    }));
    const drafts: JournalEntryDraft[] = rows.map(({ fill, currency, amounts, cost }, i) => ({
      description: `Fill ${fill.id}: ${fill.quantity} × ${fill.skuCode} in ${fill.regionCode} at ${formatDecimal(fill.price)}`,
      sourceType: FILL_SOURCE,
      sourceId: fill.id,
      currency,
      lines: settlementLines(receivables[i]!, amounts, cost),
    }));
    const entryIds = await this.ledger.postMany(em, drafts);
    await this.credit.holdsToReceivables(
      em,
      rows.map(({ fill, amounts }) => ({ partnerId: fill.partnerId, holdAmount: fill.holdAmount, grossAmount: amounts.gross })),
    );

    await em.query(
      `INSERT INTO settlement (fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent,
                               tax_amount, gross_amount, cost_amount, currency, journal_entry_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::numeric[], $6::numeric[], $7::numeric[],
                            $8::numeric[], $9::numeric[], $10::numeric[], $11::char(3)[], $12::uuid[])`,
      [
        rows.map(({ fill }) => fill.id),
        rows.map(({ fill }) => fill.partnerId),
        rows.map(({ fill }) => fill.marketId),
        rows.map(({ fill }) => fill.quantity),
        rows.map(({ fill }) => fill.price.toFixed()),
        rows.map(({ amounts }) => amounts.net.toFixed()),
        rows.map(({ taxRatePercent }) => taxRatePercent.toFixed()),
        rows.map(({ amounts }) => amounts.tax.toFixed()),
        rows.map(({ amounts }) => amounts.gross.toFixed()),
        rows.map(({ cost }) => cost.toFixed()),
        rows.map(({ currency }) => currency),
        entryIds,
      ],
    );
  }
}
