import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '@gpupool/platform';
import { ALL_ENTITIES } from './entities';
import { MIGRATIONS } from '../apps/migrations';

export interface SchemaDiff {
  up: string[];
  down: string[];
}

/** The SQL that would bring a migrated database in line with the entities; empty when they agree. */
export async function schemaDiff(url: string): Promise<SchemaDiff> {
  const dataSource = await new DataSource(dataSourceOptions(url, MIGRATIONS, ALL_ENTITIES, 2)).initialize();
  try {
    await migrate(dataSource);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return { up: sql.upQueries.map((q) => q.query), down: sql.downQueries.map((q) => q.query).reverse() };
  } finally {
    await dataSource.destroy();
  }
}

const quote = (sql: string) => '`' + sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';

/**
 * `node dist/scripts/schema-diff.js <lib> <Name>` writes a migration with the diff into
 * libs/<lib>/src/migrations/ (DATABASE_URL: a scratch database); list it in that folder's index.ts.
 */
async function main(): Promise<void> {
  const [lib, name] = process.argv.slice(2);
  const url = process.env.DATABASE_URL;
  if (!url || !lib || !/^[a-z]+$/.test(lib) || !name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    throw new Error('usage: DATABASE_URL=… schema-diff <lib> <PascalCaseName>');
  }
  const diff = await schemaDiff(url);
  const stamp = Date.now();
  const body = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${stamp} implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
${diff.up.map((s) => `    await q.query(${quote(s)});`).join('\n')}
  }

  async down(q: QueryRunner): Promise<void> {
${diff.down.map((s) => `    await q.query(${quote(s)});`).join('\n')}
  }
}
`;
  const file = join('libs', lib, 'src/migrations', `${stamp}-${name}.ts`);
  writeFileSync(file, body);
  console.log(`wrote ${file} (${diff.up.length} statements); add it to libs/${lib}/src/migrations/index.ts`);
}

if (require.main === module) void main();
