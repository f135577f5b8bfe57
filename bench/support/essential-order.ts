import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Pool } from 'pg';
import { ceilFen, Decimal } from '@gpupool/platform';

/**
 * The essential-order baseline of the intake benchmark: a bare Apollo Server on PORT whose
 * resolver does only what placing an order must: lock the partner's credit row, check and raise
 * the hold, insert the order unique on its client key, commit (node-postgres, a pool of 10). It
 * writes to `essential_orders`, a copy of `orders` (same columns, checks and indexes, no foreign
 * keys), so the worker never sees its rows.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

interface Args {
  partnerId: string;
  clientOrderId: string;
  marketId: string;
  quantity: number;
  limitPrice: string;
}

async function placeOrder(args: Args): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ available: string; tax_rate_percent: string }>(
      'SELECT credit_limit - credit_held - receivable AS available, tax_rate_percent FROM partner WHERE id = $1 FOR UPDATE',
      [args.partnerId],
    );
    const hold = ceilFen(new Decimal(args.limitPrice).times(args.quantity).times(new Decimal(rows[0]!.tax_rate_percent).div(100).plus(1)));
    if (hold.gt(rows[0]!.available)) throw new Error('insufficient credit');
    await client.query('UPDATE partner SET credit_held = credit_held + $2 WHERE id = $1', [args.partnerId, hold.toFixed(2)]);
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO essential_orders (partner_id, client_order_id, market_id, sku_code, region_code, quantity, limit_price, time_in_force,
                                     tax_rate_percent, hold_amount)
       VALUES ($1, $2, $3, 'BENCH', 'bench', $4, $5, 'GTC', $6, $7)
       ON CONFLICT (partner_id, client_order_id) DO NOTHING RETURNING id`,
      [args.partnerId, args.clientOrderId, args.marketId, args.quantity, args.limitPrice, rows[0]!.tax_rate_percent, hold.toFixed(2)],
    );
    await client.query('COMMIT');
    return inserted.rows[0]?.id ?? 'replayed';
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  const server = new ApolloServer({
    typeDefs: `type Query { ok: Boolean }
      type Mutation { placeOrder(partnerId: ID!, clientOrderId: String!, marketId: ID!, quantity: Int!, limitPrice: String!): ID! }`,
    resolvers: { Query: { ok: () => true }, Mutation: { placeOrder: (_: unknown, args: Args) => placeOrder(args) } },
  });
  await startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: '127.0.0.1' } });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
