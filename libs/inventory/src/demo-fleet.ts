import { EntityManager } from 'typeorm';
import { AuthPrincipal, Decimal } from '@gpupool/platform';
import { InventoryService } from './inventory.service';

interface DemoMarket {
  skuCode: string;
  regionCode: string;
  /** [quantity, unit cost in CNY], oldest first. */
  lots: [number, string][];
  /** Null: kept off the offer. */
  askPrice: string | null;
}

/**
 * A fleet of 1,000,000 accelerators, about CNY 120 billion at cost: H20 and Ascend in the Chinese
 * regions, H100 only in Singapore, pre-2023 H800 and A100 stock, Cambricon in the east and south.
 */
export const DEMO_FLEET: DemoMarket[] = [
  {
    skuCode: 'H20',
    regionCode: 'cn-beijing',
    lots: [
      [50_000, '96500.00'],
      [40_000, '94200.00'],
    ],
    askPrice: '112000.00',
  },
  {
    skuCode: 'H20',
    regionCode: 'cn-shanghai',
    lots: [
      [40_000, '96800.00'],
      [30_000, '94500.00'],
    ],
    askPrice: '112500.00',
  },
  { skuCode: 'H20', regionCode: 'cn-guangzhou', lots: [[40_000, '95300.00']], askPrice: '111000.00' },
  {
    skuCode: 'H20',
    regionCode: 'cn-wulanchabu',
    lots: [
      [60_000, '95900.00'],
      [40_000, '93800.00'],
    ],
    askPrice: '109000.00',
  },
  {
    skuCode: 'H100',
    regionCode: 'ap-singapore',
    lots: [
      [35_000, '252000.00'],
      [25_000, '246500.00'],
    ],
    askPrice: '289000.00',
  },
  { skuCode: 'H800', regionCode: 'cn-beijing', lots: [[30_000, '206000.00']], askPrice: '238000.00' },
  { skuCode: 'H800', regionCode: 'cn-shanghai', lots: [[20_000, '204500.00']], askPrice: '237000.00' },
  { skuCode: 'H800', regionCode: 'cn-wulanchabu', lots: [[30_000, '203000.00']], askPrice: null },
  { skuCode: 'H800', regionCode: 'ap-singapore', lots: [[10_000, '208000.00']], askPrice: '242000.00' },
  { skuCode: 'A100', regionCode: 'cn-beijing', lots: [[30_000, '91000.00']], askPrice: '106000.00' },
  { skuCode: 'A100', regionCode: 'cn-shanghai', lots: [[25_000, '90500.00']], askPrice: '105500.00' },
  { skuCode: 'A100', regionCode: 'cn-wulanchabu', lots: [[25_000, '88800.00']], askPrice: '103000.00' },
  { skuCode: 'A100', regionCode: 'ap-singapore', lots: [[20_000, '92400.00']], askPrice: '108000.00' },
  {
    skuCode: 'ASCEND-910B',
    regionCode: 'cn-beijing',
    lots: [
      [35_000, '121500.00'],
      [25_000, '118900.00'],
    ],
    askPrice: '139000.00',
  },
  { skuCode: 'ASCEND-910B', regionCode: 'cn-shanghai', lots: [[40_000, '120800.00']], askPrice: '139500.00' },
  { skuCode: 'ASCEND-910B', regionCode: 'cn-guangzhou', lots: [[40_000, '120200.00']], askPrice: '138000.00' },
  {
    skuCode: 'ASCEND-910B',
    regionCode: 'cn-wulanchabu',
    lots: [
      [60_000, '119600.00'],
      [50_000, '117300.00'],
    ],
    askPrice: '135000.00',
  },
  { skuCode: 'ASCEND-910C', regionCode: 'cn-beijing', lots: [[30_000, '152000.00']], askPrice: null },
  {
    skuCode: 'ASCEND-910C',
    regionCode: 'cn-wulanchabu',
    lots: [
      [40_000, '151000.00'],
      [30_000, '147500.00'],
    ],
    askPrice: '176000.00',
  },
  { skuCode: 'MLU370', regionCode: 'cn-shanghai', lots: [[40_000, '55800.00']], askPrice: '65000.00' },
  { skuCode: 'MLU370', regionCode: 'cn-guangzhou', lots: [[30_000, '55200.00']], askPrice: '64500.00' },
  { skuCode: 'MLU370', regionCode: 'cn-wulanchabu', lots: [[30_000, '54100.00']], askPrice: null },
];

export const DEMO_GLOBAL_SHARE_PERCENT = '8';

/**
 * Loads the demo fleet into the caller's transaction: receives every lot of DEMO_FLEET, sets the
 * global share to 8 % and the ask prices, each audited as `actor`. For an empty database: with no
 * orders yet, there is nothing to match afterwards.
 */
export async function loadDemoFleet(em: EntityManager, actor: AuthPrincipal, inventory: InventoryService): Promise<void> {
  for (const market of DEMO_FLEET) {
    for (const [index, [quantity, unitCost]] of market.lots.entries()) {
      await inventory.receiveInventory(em, actor, {
        skuCode: market.skuCode,
        regionCode: market.regionCode,
        quantity,
        unitCost: new Decimal(unitCost),
        reference: `demo ${market.skuCode} ${market.regionCode} batch ${index + 1}`,
      });
    }
  }
  await inventory.setSellableShare(em, actor, {
    percent: new Decimal(DEMO_GLOBAL_SHARE_PERCENT),
    reason: 'Demo fleet: 8 % of every market on offer to partners',
  });
  for (const market of DEMO_FLEET) {
    if (market.askPrice === null) continue;
    await inventory.setAskPrice(em, actor, { skuCode: market.skuCode, regionCode: market.regionCode, price: new Decimal(market.askPrice) });
  }
}
