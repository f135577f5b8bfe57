import { Decimal } from '@gpupool/platform';
import { TestStack } from './stack';

/** The trial balance summed again from every posting, as the API shows it (ordered by account code, then currency). */
export async function resummed(
  stack: TestStack,
): Promise<{ account: string; currency: string; debit: string; credit: string; balance: string }[]> {
  const rows: { account: string; currency: string; debit: string; credit: string }[] = await stack.dataSource.query(
    `SELECT a.code AS account, p.currency, COALESCE(sum(p.amount) FILTER (WHERE p.amount > 0), 0)::text AS debit,
            COALESCE(-sum(p.amount) FILTER (WHERE p.amount < 0), 0)::text AS credit
       FROM posting p JOIN ledger_account a ON a.id = p.account_id
      GROUP BY a.code, p.currency ORDER BY a.code, p.currency`,
  );
  const fen = (value: string | Decimal) => new Decimal(value).toFixed(2);
  return rows.map((r) => ({
    account: r.account,
    currency: r.currency,
    debit: fen(r.debit),
    credit: fen(r.credit),
    balance: fen(new Decimal(r.debit).minus(r.credit)),
  }));
}
