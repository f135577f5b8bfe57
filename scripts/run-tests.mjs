// `npm test`: builds, provisions Postgres and Redis the way `npm start` does (or takes
// DATABASE_URL / REDIS_URL), runs Jest, and ends with the line "N passed, M failed".
import { execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The service as `npm start` builds it, then the suites' support code (typed documents, processes).
execSync('npm run build && npm run build:tools', { stdio: 'inherit' });
const { provisionPostgres, provisionRedis } = require('../dist/scripts/provision.js');

const dataDir = '.data/test';
mkdirSync(dataDir, { recursive: true });
// A throwaway cluster: durability off makes the many CREATE DATABASEs of the suite cheap.
const fast = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
// Ports of the suite's own services; set TEST_PG_PORT / TEST_REDIS_PORT to run two checkouts at once.
const postgres = await provisionPostgres(dataDir, Number(process.env.TEST_PG_PORT ?? 54321), 'postgres', fast);
const redis = await provisionRedis(dataDir, Number(process.env.TEST_REDIS_PORT ?? 6381), { ownOnly: true });
console.log(`tests use ${postgres.description} and ${redis.description}`);

const results = `${dataDir}/jest-results.json`;
rmSync(results, { force: true });
const jest = spawn(process.execPath, ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: postgres.url, TEST_REDIS_URL: redis.url },
});
const code = await new Promise((done) => jest.on('exit', (c) => done(c ?? 1)));
await redis.stop();
await postgres.stop();

if (!existsSync(results)) {
  console.log('0 passed, 1 failed');
  process.exit(code || 1);
}
const summary = JSON.parse(readFileSync(results, 'utf8'));
// A test file that failed to run (a syntax error, a crash in its set-up) counts as one failure.
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests + summary.numRuntimeErrorTestSuites} failed`);
process.exit(summary.success ? 0 : 1);
