// `npm run soak -- --orders N --seed S`: the trading soak of the suite (test/trading-soak.e2e-spec.ts)
// with more orders and a chosen seed, on the suite's own Postgres and Redis.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '20000' }, seed: { type: 'string' } } });
if (!/^\d+$/.test(values.orders) || Number(values.orders) < 1)
  throw new Error(`--orders must be a positive whole number (got ${values.orders})`);
if (values.seed !== undefined && !/^\d+$/.test(values.seed)) throw new Error(`--seed must be a whole number (got ${values.seed})`);
const env = { ...process.env, SOAK_ORDERS: values.orders, ...(values.seed ? { SOAK_SEED: values.seed } : {}) };
const child = spawn(process.execPath, ['scripts/run-tests.mjs', 'test/trading-soak.e2e-spec.ts'], { stdio: 'inherit', env });
child.on('exit', (code) => process.exit(code ?? 1));
