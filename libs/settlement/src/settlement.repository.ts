import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Decimal, keysetPage, Page, PreparedStatement, runPrepared } from '@gpupool/platform';
import { Settlement } from './settlement.entity';

/** A settlement to insert: a fill's amounts, its cost and its journal entry. */
export interface NewSettlement {
  fillId: string;
  partnerId: string;
  marketId: string;
  quantity: number;
  unitPrice: Decimal;
  netAmount: Decimal;
  taxRatePercent: Decimal;
  taxAmount: Decimal;
  grossAmount: Decimal;
  costAmount: Decimal;
  currency: string;
  journalEntryId: string;
}

/** Sums of settlements per (UTC bucket, market or partner id). */
export interface SettledBucketRow {
  bucket: Date;
  key: string;
  units: string;
  revenue: string;
}

/** A settlement batch's statements, prepared: they run at every batch. */
const SETTLED_FILL_IDS: PreparedStatement = {
  name: 'settlements-of-fills',
  text: 'SELECT fill_id FROM settlement WHERE fill_id = ANY($1::uuid[])',
};
const INSERT_SETTLEMENTS: PreparedStatement = {
  name: 'settlements-insert',
  text: `INSERT INTO settlement (fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent,
                                 tax_amount, gross_amount, cost_amount, currency, journal_entry_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::numeric[], $6::numeric[], $7::numeric[],
                              $8::numeric[], $9::numeric[], $10::numeric[], $11::char(3)[], $12::uuid[])`,
};

/** The SQL of `settlement`: append-only, one row per settled fill. */
@Injectable()
export class SettlementRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Which of `fillIds` have a settlement (read without locks). */
  async settledFillIds(em: EntityManager, fillIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await runPrepared<{ fill_id: string }>(em, SETTLED_FILL_IDS, [fillIds]);
    return new Set(rows.map((s) => s.fill_id));
  }

  /** Inserts settlements in one `INSERT … SELECT FROM unnest`. */
  async insertMany(em: EntityManager, rows: readonly NewSettlement[]): Promise<void> {
    await runPrepared(em, INSERT_SETTLEMENTS, [
      rows.map((r) => r.fillId),
      rows.map((r) => r.partnerId),
      rows.map((r) => r.marketId),
      rows.map((r) => r.quantity),
      rows.map((r) => r.unitPrice.toFixed()),
      rows.map((r) => r.netAmount.toFixed()),
      rows.map((r) => r.taxRatePercent.toFixed()),
      rows.map((r) => r.taxAmount.toFixed()),
      rows.map((r) => r.grossAmount.toFixed()),
      rows.map((r) => r.costAmount.toFixed()),
      rows.map((r) => r.currency),
      rows.map((r) => r.journalEntryId),
    ]);
  }

  byFillIds(fillIds: readonly string[]): Promise<Settlement[]> {
    return this.dataSource.getRepository(Settlement).findBy({ fillId: In([...fillIds]) });
  }

  /** Newest first, `from ≤ settledAt < to`, of one partner or all. */
  page(
    filter: { partnerId?: string | null; from?: Date | null; to?: Date | null },
    first: number,
    after?: string | null,
  ): Promise<Page<Settlement>> {
    const query = this.dataSource.getRepository(Settlement).createQueryBuilder('s').where('TRUE');
    if (filter.partnerId) query.andWhere('s.partner_id = :partnerId', { partnerId: filter.partnerId });
    if (filter.from) query.andWhere('s.settled_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('s.settled_at < :to', { to: filter.to });
    return keysetPage(query, 's.settled_at', (row) => row.settledAt, first, after);
  }

  /** Units and net revenue per (UTC `unit` bucket, market or partner) of `from ≤ settledAt < to`; the settled_at index bounds the scan. */
  bucketSums(by: 'market' | 'partner', unit: string, from: Date, to: Date): Promise<SettledBucketRow[]> {
    const keyColumn = by === 'partner' ? 's.partner_id' : 's.market_id';
    return this.dataSource
      .getRepository(Settlement)
      .createQueryBuilder('s')
      .select(`date_trunc(:unit, s.settled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`, 'bucket')
      .addSelect(`${keyColumn}::text`, 'key')
      .addSelect('SUM(s.quantity)::text', 'units')
      .addSelect('SUM(s.net_amount)::text', 'revenue')
      .where('s.settled_at >= :from AND s.settled_at < :to', { from, to })
      .setParameter('unit', unit)
      .groupBy('1')
      .addGroupBy('2')
      .getRawMany<SettledBucketRow>();
  }
}
