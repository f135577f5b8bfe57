import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The SQL of `settlement_sweep_mark`: one row, the time before which every fill is settled. */
@Injectable()
export class SettlementSweepMarkRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every fill executed before this time is settled (the epoch before the first sweep). */
  async settledBefore(): Promise<Date> {
    const [mark] = await this.dataSource.query<{ settled_before: Date }[]>(`SELECT settled_before FROM settlement_sweep_mark`);
    return mark?.settled_before ?? new Date(0);
  }

  /** Moves the mark up to the first unsettled fill's time, at most to `marginMs` before now; never down. */
  async moveUp(firstUnsettled: Date | null, marginMs: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO settlement_sweep_mark (id, settled_before)
       VALUES (true, LEAST(COALESCE($1::timestamptz, 'infinity'), now() - make_interval(secs => $2::double precision / 1000)))
       ON CONFLICT (id) DO UPDATE SET settled_before = GREATEST(settlement_sweep_mark.settled_before, EXCLUDED.settled_before)`,
      [firstUnsettled, marginMs],
    );
  }
}
