import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { ApiKeyService, IdentityModule } from '@gpupool/identity';
import { importLots, importPrincipal, InventoryCommandService, InventoryModule, LotImportReport } from '@gpupool/inventory';
import { PlatformModule } from '@gpupool/platform';
import { TradingModule } from '@gpupool/trading';
import { MIGRATIONS } from '../apps/migrations';

/** What the import needs: the database, the audit log, API keys, inventory, and trading to ask for the match runs of the markets the import supplied. */
@Module({ imports: [PlatformModule.forRoot(MIGRATIONS), IdentityModule, InventoryModule, TradingModule] })
export class LotImportModule {}

function printReport(file: string, report: LotImportReport): void {
  console.log(
    `${file}: ${report.lines} lines read, ${report.imported} lots imported (${report.importedUnits} GPUs), ${report.rejected.length} rejected`,
  );
  for (const { line, reason } of report.rejected) console.log(`  line ${line}: ${reason}`);
}

/** `npm run import:lots -- <file.csv>` with DATABASE_URL, REDIS_URL and GPUPOOL_API_KEY set. */
async function main(): Promise<void> {
  const [file, ...rest] = process.argv.slice(2);
  if (!file || rest.length > 0) throw new Error('usage: npm run import:lots -- <file.csv>');
  const size = statSync(file).size;
  const app = await NestFactory.createApplicationContext(LotImportModule, { logger: ['error', 'warn'] });
  try {
    const keys = app.get(ApiKeyService);
    const actor = await importPrincipal((key) => keys.authenticate(key), process.env.GPUPOOL_API_KEY);
    const bar = new SingleBar({ format: 'lots {bar} {percentage}% | {imported} imported, {rejected} rejected' }, Presets.shades_classic);
    bar.start(size, 0, { imported: 0, rejected: 0 });
    const report = await importLots(app.get(InventoryCommandService), actor, createReadStream(file), (progress) =>
      bar.update(Math.min(progress.bytes, size), progress),
    ).finally(() => bar.stop());
    printReport(file, report);
    process.exitCode = report.rejected.length > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  void main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
