import { Decimal } from '@gpupool/platform';
import { Order, TimeInForceValue } from './order.entity';
import { OrderStatusValue } from './order-status';

/** Every column of `orders`, as plain SQL returns them. */
export interface OrderRow {
  id: string;
  seq: string;
  partner_id: string;
  client_order_id: string;
  market_id: string;
  sku_code: string;
  region_code: string;
  quantity: number;
  filled_quantity: number;
  limit_price: string;
  filled_amount: string;
  time_in_force: TimeInForceValue;
  expires_at: Date | null;
  status: OrderStatusValue;
  status_reason: string | null;
  resting: boolean;
  tax_rate_percent: string;
  hold_amount: string;
  hold_released: string;
  created_at: Date;
  updated_at: Date;
}

/** The columns of `orders` aliased `o`, in the shape of OrderRow. */
export const ORDER_COLUMNS = `o.id, o.seq, o.partner_id, o.client_order_id, o.market_id, o.sku_code, o.region_code, o.quantity,
  o.filled_quantity, o.limit_price, o.filled_amount, o.time_in_force, o.expires_at, o.status, o.status_reason, o.resting,
  o.tax_rate_percent, o.hold_amount, o.hold_released, o.created_at, o.updated_at`;

/** An order read with plain SQL, as the entity TypeORM would have built. */
export const orderFromRow = (row: OrderRow): Order =>
  Object.assign(new Order(), {
    id: row.id,
    seq: row.seq,
    partnerId: row.partner_id,
    clientOrderId: row.client_order_id,
    marketId: row.market_id,
    skuCode: row.sku_code,
    regionCode: row.region_code,
    quantity: row.quantity,
    filledQuantity: row.filled_quantity,
    limitPrice: new Decimal(row.limit_price),
    filledAmount: new Decimal(row.filled_amount),
    timeInForce: row.time_in_force,
    expiresAt: row.expires_at,
    status: row.status,
    statusReason: row.status_reason,
    resting: row.resting,
    taxRatePercent: new Decimal(row.tax_rate_percent),
    holdAmount: new Decimal(row.hold_amount),
    holdReleased: new Decimal(row.hold_released),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
