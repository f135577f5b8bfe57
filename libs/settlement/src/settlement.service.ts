import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PartnerCreditService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { DuplicateJournalEntryError, LedgerService } from '@gpupool/ledger';
import { Decimal, formatDecimal, isUniqueViolation, isUuid, NotFoundError, transactionWithRetry } from '@gpupool/platform';
import { FillRepository, FillToSettle } from '@gpupool/trading';
import { costLines, saleLines, settlementAmounts } from './settlement-amounts';
import { Settlement } from './settlement.entity';
import { SettlementRepository } from './settlement.repository';

/** The source type of a fill's journal entry. */
export const FILL_SOURCE = 'fill';

const ATTEMPTS = 3;

/** Another transaction settled one of the fills first: the next attempt finds its settlement. */
function alreadySettled(error: unknown): boolean {
  return error instanceof DuplicateJournalEntryError || isUniqueViolation(error, 'settlement_fill');
}

/**
 * Turns fills into money in the ledger, each exactly once, a batch of fills in one transaction
 * of about a dozen statements whatever its size. Locks in the global order (libs/trading/README.md):
 * the entries' sources and new receivable accounts, the lots of each market (FIFO relief), the
 * fills' partners (sorted by id), and at the commit the ledger's balances.
 * It skips fills already settled, then writes the journal entries with their sale postings, the
 * cost postings, the settlement rows and the credit changes each in one set-based statement. The
 * unique fill of a settlement and the unique source of a journal entry make a second settlement of
 * a fill impossible, whatever runs at the same time.
 */
@Injectable()
export class SettlementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fills: FillRepository,
    private readonly settlements: SettlementRepository,
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
    await this.settleAll(fillIds);
    const settlements = await this.settlements.byFillIds([...new Set(fillIds)]);
    const byFill = new Map(settlements.map((s) => [s.fillId, s]));
    return fillIds.map((id) => byFill.get(id)!);
  }

  /**
   * Settles fills in one transaction (those already settled are left as they are); returns how
   * many it settled. An unknown or malformed fill id is NOT_FOUND and nothing is written.
   */
  async settleAll(fillIds: readonly string[]): Promise<number> {
    const ids = [...new Set(fillIds)];
    if (ids.length === 0) return 0;
    const malformed = ids.find((id) => !isUuid(id));
    if (malformed !== undefined) throw new NotFoundError('Fill', malformed);
    const fills = await this.fills.toSettle(ids);
    if (fills.length < ids.length) {
      const found = new Set(fills.map((f) => f.id));
      throw new NotFoundError(
        'Fill',
        ids.find((id) => !found.has(id.toLowerCase()))!,
      );
    }
    const currencyOf = await this.inventory.currencies([...new Set(fills.map((f) => f.marketId))]);
    for (let attempt = 1; ; attempt++) {
      try {
        return await transactionWithRetry(this.dataSource, (em) => this.settleIn(em, fills, currencyOf));
      } catch (error) {
        if (attempt < ATTEMPTS && alreadySettled(error)) continue;
        throw error;
      }
    }
  }

  private async settleIn(em: EntityManager, fills: FillToSettle[], currencyOf: Map<string, string>): Promise<number> {
    // Fills settled by a batch that committed are skipped; one settling them now makes this one fail on the
    // unique fill of a settlement (or source of a journal entry) and run again, which then skips them.
    const done = await this.settlements.settledFillIds(
      em,
      fills.map((f) => f.id),
    );
    // By market, then in execution order: FIFO relief locks each market's lots in turn.
    const todo = fills
      .filter((f) => !done.has(f.id))
      .sort((a, b) => a.marketId.localeCompare(b.marketId) || a.executedAt.getTime() - b.executedAt.getTime() || a.id.localeCompare(b.id));
    if (todo.length > 0) await this.book(em, todo, currencyOf);
    return todo.length;
  }

  private async book(em: EntityManager, todo: FillToSettle[], currencyOf: Map<string, string>): Promise<void> {
    // What does not depend on cost is written before the lots are locked, so batches of one market
    // write their entries side by side and follow each other only from the lots on.
    const receivables = await this.ledger.openReceivableAccounts(
      em,
      todo.map((f) => f.partnerId),
    );
    const rows = todo.map((fill) => ({
      fill,
      currency: currencyOf.get(fill.marketId)!,
      amounts: settlementAmounts(fill.amount, fill.taxRatePercent),
    }));
    const entryIds = await this.ledger.postMany(
      em,
      rows.map(({ fill, currency, amounts }, i) => ({
        description: `Fill ${fill.id}: ${fill.quantity} × ${fill.skuCode} in ${fill.regionCode} at ${formatDecimal(fill.price)}`,
        sourceType: FILL_SOURCE,
        sourceId: fill.id,
        currency,
        lines: saleLines(receivables[i]!, amounts),
      })),
    );

    const costs = new Map<string, Decimal>();
    for (const marketId of [...new Set(todo.map((f) => f.marketId))]) {
      const ofMarket = todo.filter((f) => f.marketId === marketId);
      const relieved = await this.inventory.relieveFifoMany(
        em,
        marketId,
        ofMarket.map((f) => f.quantity),
      );
      ofMarket.forEach((f, i) => costs.set(f.id, relieved[i]!));
    }
    await this.ledger.addLines(
      em,
      rows
        .map(({ fill, currency }, i) => ({ entryId: entryIds[i]!, currency, lines: costLines(costs.get(fill.id)!) }))
        .filter((addition) => addition.lines.length > 0),
    );
    await this.settlements.insertMany(
      em,
      rows.map(({ fill, currency, amounts }, i) => ({
        fillId: fill.id,
        partnerId: fill.partnerId,
        marketId: fill.marketId,
        quantity: fill.quantity,
        unitPrice: fill.price,
        netAmount: amounts.net,
        taxRatePercent: fill.taxRatePercent,
        taxAmount: amounts.tax,
        grossAmount: amounts.gross,
        costAmount: costs.get(fill.id)!,
        currency,
        journalEntryId: entryIds[i]!,
      })),
    );
    // The partners' rows last, just before the commit: placeOrder's credit hold waits only for this statement.
    await this.credit.holdsToReceivables(
      em,
      rows.map(({ fill, amounts }) => ({ partnerId: fill.partnerId, holdAmount: fill.holdAmount, grossAmount: amounts.gross })),
    );
  }
}
