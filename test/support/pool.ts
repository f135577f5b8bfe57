import { InventoryService } from '@gpupool/inventory';
import { GraphQLResponse } from './graphql-client';
import { TestStack } from './stack';

/** Drives a test pool through the public API, as operators and partners would. */
export class Pool {
  constructor(readonly stack: TestStack) {}

  async ok<T = Record<string, any>>(key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.stack.gql<T>(key, query, variables);
    if (res.errors) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data!;
  }

  /** A partner firm with a PARTNER key. */
  async partner(name: string, countryCode = 'SG', creditLimit = '100000000000.00'): Promise<{ id: string; key: string }> {
    const { createPartner } = await this.ok(this.stack.adminKey, 'mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }', {
      i: { name, countryCode, creditLimit },
    });
    const { issueApiKey } = await this.ok(this.stack.adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', {
      i: { role: 'PARTNER', partnerId: createPartner.id, label: `${name} desk` },
    });
    return { id: createPartner.id, key: issueApiKey.key };
  }

  async receive(skuCode: string, regionCode: string, quantity: number, unitCost = '90000.00'): Promise<void> {
    await this.ok(this.stack.adminKey, 'mutation($i: ReceiveInventoryInput!) { receiveInventory(input: $i) { id } }', {
      i: { skuCode, regionCode, quantity, unitCost },
    });
  }

  async share(percent: string, skuCode?: string): Promise<void> {
    await this.ok(this.stack.adminKey, 'mutation($i: SetSellableShareInput!) { setSellableShare(input: $i) { globalPercent } }', {
      i: { percent, skuCode, reason: 'test' },
    });
  }

  async ask(skuCode: string, regionCode: string, price: string | null): Promise<void> {
    await this.ok(this.stack.adminKey, 'mutation($i: SetAskPriceInput!) { setAskPrice(input: $i) { askPrice } }', {
      i: { skuCode, regionCode, price },
    });
  }

  place(key: string, input: Record<string, unknown>): Promise<GraphQLResponse> {
    return this.stack.gql(key, `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { ${ORDER_FIELDS} } }`, { i: input });
  }

  async order(key: string, id: string): Promise<Record<string, any>> {
    return (await this.ok(key, `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id })).order;
  }

  async market(skuCode: string, regionCode: string): Promise<Record<string, any>> {
    const { markets } = await this.ok(
      this.stack.adminKey,
      'query($s: String, $r: String) { markets(skuCode: $s, regionCode: $r) { askPrice totalUnits capUnits committedUnits availableUnits } }',
      { s: skuCode, r: regionCode },
    );
    return markets[0];
  }

  /** The id of a market, as the inventory service finds it. */
  async marketId(skuCode: string, regionCode: string): Promise<string> {
    return (await this.stack.get(InventoryService).findMarket(skuCode, regionCode))!.id;
  }

  /** Polls an order until `done` holds (the worker matches asynchronously). */
  async until(key: string, id: string, done: (order: Record<string, any>) => boolean, timeoutMs = 15_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await this.order(key, id);
      if (done(order)) return order;
      if (Date.now() > deadline) throw new Error(`order ${id} never reached the expected state: ${JSON.stringify(order)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const ORDER_FIELDS =
  'id clientOrderId skuCode regionCode quantity filledQuantity remainingQuantity limitPrice averageFillPrice timeInForce status statusReason fills { quantity price amount }';

export const settled = (o: Record<string, any>) => !['OPEN', 'PARTIALLY_FILLED'].includes(o.status) || o.statusReason !== null;

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
