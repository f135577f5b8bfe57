import { Check, Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';

/** A trade: `quantity` GPUs at `price` from the pool to one order. Never updated. */
@Entity()
@Check('fill_quantity', `quantity > 0`)
@Check('fill_price', `price > 0`)
@Check('fill_amount', `amount = quantity * price`)
@Check('fill_hold', `hold_amount >= 0`)
@Index('fill_order', ['orderId'])
@Index('fill_partner_executed', ['partnerId', 'executedAt', 'id'])
@Index('fill_executed', ['executedAt', 'id'])
export class Fill {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne('Order', { onDelete: 'RESTRICT' }) order: unknown;
  @Column('uuid') orderId: string;
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid') partnerId: string;
  @ManyToOne('Market', { onDelete: 'RESTRICT' }) market: unknown;
  @Column('uuid') marketId: string;
  @Column('text') skuCode: string;
  @Column('text') regionCode: string;
  @Column('int') quantity: number;
  @Column('numeric', { precision: 12, scale: 2, transformer: decimalTransformer }) price: Decimal;
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) amount: Decimal;
  /** The part of the order's credit hold this fill took; settlement turns it into a receivable. */
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) holdAmount: Decimal;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) executedAt: Date;
}
