import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ComplianceModule, ExportLicenseService } from '@gpupool/compliance';
import { ApiKeyService, IdentityModule, PartnerService } from '@gpupool/identity';
import { InventoryModule, InventoryService, loadDemoFleet } from '@gpupool/inventory';
import { AuthPrincipal, Decimal, PlatformModule, Role } from '@gpupool/platform';
import { OrderService, TimeInForce, TradingModule } from '@gpupool/trading';
import { MIGRATIONS } from '../apps/migrations';

export interface DemoData {
  /** Lines for the start banner: the demo partners and their keys. */
  lines: string[];
}

interface DemoKey {
  partner: string;
  countryCode: string;
  key: string;
}

const DEMO_PARTNERS = [
  { name: 'Shanghai AI Lab', countryCode: 'CN', creditLimit: '2000000000.00' },
  { name: 'Sea AI Compute', countryCode: 'SG', creditLimit: '1500000000.00' },
  { name: 'Hangzhou Render Farm', countryCode: 'CN', creditLimit: '500000000.00' },
];

/** A living market: fills at the ask, resting bids below it, a bid that takes the rest of a cap. */
const DEMO_ORDERS: {
  partner: number;
  skuCode: string;
  regionCode: string;
  quantity: number;
  limitPrice: string;
  timeInForce?: TimeInForce;
}[] = [
  { partner: 0, skuCode: 'ASCEND-910B', regionCode: 'cn-beijing', quantity: 1200, limitPrice: '139000.00' },
  { partner: 0, skuCode: 'H20', regionCode: 'cn-beijing', quantity: 800, limitPrice: '112000.00' },
  { partner: 0, skuCode: 'ASCEND-910B', regionCode: 'cn-wulanchabu', quantity: 500, limitPrice: '132000.00' },
  { partner: 1, skuCode: 'H100', regionCode: 'ap-singapore', quantity: 2000, limitPrice: '289000.00' },
  { partner: 1, skuCode: 'H100', regionCode: 'ap-singapore', quantity: 600, limitPrice: '280000.00' },
  { partner: 1, skuCode: 'A100', regionCode: 'ap-singapore', quantity: 1600, limitPrice: '108000.00', timeInForce: TimeInForce.IOC },
  { partner: 2, skuCode: 'MLU370', regionCode: 'cn-shanghai', quantity: 3300, limitPrice: '65000.00' },
  { partner: 2, skuCode: 'ASCEND-910C', regionCode: 'cn-wulanchabu', quantity: 400, limitPrice: '170000.00' },
];

const KEYS_FILE = '.data/demo-keys.json';

@Module({ imports: [PlatformModule.forRoot(MIGRATIONS), IdentityModule, InventoryModule, ComplianceModule, TradingModule] })
class DemoModule {}

const banner = (keys: DemoKey[]) => keys.map((k) => `partner key ${k.key}  (${k.partner}, ${k.countryCode})`);

/**
 * On an empty database: the fleet (about a million GPUs, share 8 %, ask prices), three partners
 * with PARTNER keys, an H20 export license for a Chinese partner, and some orders that the worker
 * matches once it starts. The keys are shown once, so they are kept in .data/demo-keys.json.
 */
export async function loadDemoData(env: Record<string, string | undefined>): Promise<DemoData> {
  Object.assign(process.env, env);
  const app = await NestFactory.createApplicationContext(DemoModule, { logger: ['error', 'warn'] });
  try {
    const keys = app.get(ApiKeyService);
    await keys.ensureBootstrapAdmin(env.BOOTSTRAP_ADMIN_KEY!);
    const dataSource = app.get(DataSource);
    const [{ lots }] = await dataSource.query('SELECT count(*)::int AS lots FROM inventory_lot');
    if (lots > 0) return { lines: existsSync(KEYS_FILE) ? banner(JSON.parse(readFileSync(KEYS_FILE, 'utf8')) as DemoKey[]) : [] };

    const admin = (await keys.authenticate(env.BOOTSTRAP_ADMIN_KEY))!;
    await dataSource.transaction((em) => loadDemoFleet(em, admin, app.get(InventoryService)));
    const demoKeys: DemoKey[] = [];
    const principals: AuthPrincipal[] = [];
    for (const p of DEMO_PARTNERS) {
      const partner = await app.get(PartnerService).create(admin, { ...p, creditLimit: new Decimal(p.creditLimit) });
      const issued = await keys.issue(admin, { role: Role.PARTNER, partnerId: partner.id, label: `${p.name} trading desk` });
      demoKeys.push({ partner: p.name, countryCode: p.countryCode, key: issued.key });
      principals.push((await keys.authenticate(issued.key))!);
    }
    await app.get(ExportLicenseService).grant(admin, {
      partnerId: principals[0].partnerId!,
      skuCode: 'H20',
      quantity: 5000,
      validUntil: new Date(Date.now() + 365 * 24 * 3600 * 1000),
      reference: 'BIS license D-2025-0412 (demo)',
    });
    const orders = app.get(OrderService);
    for (const [i, o] of DEMO_ORDERS.entries()) {
      await orders.place(principals[o.partner], {
        clientOrderId: `demo-${i + 1}`,
        skuCode: o.skuCode,
        regionCode: o.regionCode,
        quantity: o.quantity,
        limitPrice: new Decimal(o.limitPrice),
        timeInForce: o.timeInForce ?? TimeInForce.GTC,
      });
    }
    writeFileSync(KEYS_FILE, JSON.stringify(demoKeys, null, 2), { mode: 0o600 });
    return { lines: banner(demoKeys) };
  } finally {
    await app.close();
  }
}
