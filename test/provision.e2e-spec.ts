import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
