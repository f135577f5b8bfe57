import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { ANY_STATUS_SQL, OrderStatusValue } from './order-status';

export type TimeInForceValue = 'GTC' | 'IOC' | 'FOK';

/**
 * A partner's bid for GPUs of one market; its status moves as `order-status.ts` says. `resting`
 * turns true once a match run has seen it (an ended order is written with it true as well);
 * `seq` is its arrival order. Its credit hold is fixed at placement from its limit and the
 * partner's tax rate at that time. While it is open, `order_book` holds it too (kept by triggers,
 * migrations/1796400000000-OrderBook.ts, 1796500000000-BookHoldsBids.ts): runs, cancels and
 * expiry find open orders there, and no index of `orders` covers what a fill changes, so a fill
 * rewrites the row in place.
 */
@Entity('orders')
@Unique('orders_partner_client_order_id', ['partnerId', 'clientOrderId'])
@Check('orders_quantity', `quantity BETWEEN 1 AND 1000000`)
@Check('orders_filled', `filled_quantity >= 0 AND filled_quantity <= quantity`)
@Check('orders_limit_price', `limit_price > 0 AND limit_price <= 100000000`)
@Check('orders_time_in_force', `time_in_force IN ('GTC', 'IOC', 'FOK')`)
@Check('orders_status', ANY_STATUS_SQL)
@Check('orders_filled_status', `(status = 'FILLED') = (filled_quantity = quantity)`)
@Check('orders_hold', `hold_amount > 0 AND hold_released >= 0 AND hold_released <= hold_amount`)
@Index('orders_partner_created', ['partnerId', 'createdAt', 'id'])
@Index('orders_created', ['createdAt', 'id'])
export class Order {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Arrival order. */
  @Column('bigint')
  @Generated('increment')
  seq: string;
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid') partnerId: string;
  @Column('text') clientOrderId: string;
  @ManyToOne('Market', { onDelete: 'RESTRICT' }) market: unknown;
  @Column('uuid') marketId: string;
  @Column('text') skuCode: string;
  @Column('text') regionCode: string;
  @Column('int') quantity: number;
  @Column('int', { default: 0 }) filledQuantity: number;
  @Column('numeric', { precision: 12, scale: 2, transformer: decimalTransformer }) limitPrice: Decimal;
  /** Sum of the fills' amounts (quantity × price). */
  @Column('numeric', { precision: 24, scale: 2, default: 0, transformer: decimalTransformer }) filledAmount: Decimal;
  @Column('text') timeInForce: TimeInForceValue;
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) expiresAt: Date | null;
  @Column('text', { default: 'OPEN' }) status: OrderStatusValue;
  @Column('text', { nullable: true }) statusReason: string | null;
  @Column('boolean', { default: false }) resting: boolean;
  @Column('numeric', { precision: 5, scale: 2, transformer: decimalTransformer }) taxRatePercent: Decimal;
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) holdAmount: Decimal;
  /** The part of the hold given back when the order ended with a remainder. */
  @Column('numeric', { precision: 24, scale: 2, default: 0, transformer: decimalTransformer }) holdReleased: Decimal;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;

  get remainingQuantity(): number {
    return this.quantity - this.filledQuantity;
  }
}
