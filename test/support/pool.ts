import {
  CancelOrderDocument,
  CreatePartnerDocument,
  IssueApiKeyDocument,
  MarketDocument,
  MarketQuery,
  OrderDocument,
  OrderFieldsFragment,
  PlaceOrderDocument,
  PlaceOrderInput,
  ReceiveInventoryDocument,
  SetAskPriceDocument,
  SetSellableShareDocument,
} from './graphql/generated/graphql';
import { dataOf, GraphQLResponse, Operation, postGraphQL } from './graphql-client';

/** An api to drive: its base URL and an ADMIN key. */
export interface ApiTarget {
  url: string;
  adminKey: string;
}

export type Order = OrderFieldsFragment;
export type Market = MarketQuery['markets'][number];

/** Drives a test pool through the public API, as operators and partners would. */
export class Pool {
  constructor(readonly api: ApiTarget) {}

  gql<T = Record<string, any>, V = Record<string, unknown>>(key: string | undefined, operation: Operation<T, V>, variables?: V) {
    return postGraphQL(this.api.url, key, operation, variables);
  }

  /** The data of an operation that must succeed. */
  async ok<T = Record<string, any>, V = Record<string, unknown>>(key: string, operation: Operation<T, V>, variables?: V): Promise<T> {
    return dataOf(await this.gql(key, operation, variables), operation);
  }

  /** A partner firm with a PARTNER key. */
  async partner(name: string, countryCode = 'SG', creditLimit = '100000000000.00'): Promise<{ id: string; key: string }> {
    const { createPartner } = await this.ok(this.api.adminKey, CreatePartnerDocument, { input: { name, countryCode, creditLimit } });
    const key = await this.key('PARTNER', `${name} desk`, createPartner.id);
    return { id: createPartner.id, key: key.key };
  }

  /** A new API key of `role` (for a partner's desk: `partnerId`). */
  async key(role: 'ADMIN' | 'OPERATOR' | 'FINANCE' | 'PARTNER', label: string, partnerId?: string): Promise<{ id: string; key: string }> {
    const { issueApiKey } = await this.ok(this.api.adminKey, IssueApiKeyDocument, { input: { role, label, partnerId } });
    return issueApiKey;
  }

  async receive(skuCode: string, regionCode: string, quantity: number, unitCost = '90000.00', reference?: string): Promise<void> {
    await this.ok(this.api.adminKey, ReceiveInventoryDocument, { input: { skuCode, regionCode, quantity, unitCost, reference } });
  }

  async share(percent: string, skuCode?: string, reason = 'test'): Promise<void> {
    await this.ok(this.api.adminKey, SetSellableShareDocument, { input: { percent, skuCode, reason } });
  }

  async ask(skuCode: string, regionCode: string, price: string | null): Promise<void> {
    await this.ok(this.api.adminKey, SetAskPriceDocument, { input: { skuCode, regionCode, price } });
  }

  place(key: string, input: PlaceOrderInput): Promise<GraphQLResponse<{ placeOrder: Order }>> {
    return this.gql(key, PlaceOrderDocument, { input });
  }

  cancel(key: string, id: string) {
    return this.gql(key, CancelOrderDocument, { id });
  }

  async order(key: string, id: string): Promise<Order> {
    const { order } = await this.ok(key, OrderDocument, { id });
    if (!order) throw new Error(`order ${id} not found`);
    return order;
  }

  async market(skuCode: string, regionCode: string): Promise<Market> {
    const { markets } = await this.ok(this.api.adminKey, MarketDocument, { skuCode, regionCode });
    return markets[0]!;
  }

  /** The id of a market. */
  async marketId(skuCode: string, regionCode: string): Promise<string> {
    return (await this.market(skuCode, regionCode)).id;
  }

  /** Polls an order until `done` holds (the worker matches asynchronously). */
  async until(key: string, id: string, done: (order: Order) => boolean, timeoutMs = 15_000): Promise<Order> {
    return eventually(() => this.order(key, id), done, timeoutMs);
  }
}

/** Whether an order is done with matching for now: ended, or resting with a reason. */
export const settled = (o: Order) => !['OPEN', 'PARTIALLY_FILLED'].includes(o.status) || o.statusReason !== null;

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
