import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { Market } from './market.entity';

/**
 * Units of one SKU received into one region at a unit cost. The received quantity and cost never
 * change (a trigger refuses it); `remainingQuantity` is what FIFO cost relief has not taken yet.
 */
@Entity()
@Index('inventory_lot_fifo', ['market', 'receivedAt', 'id'])
@Check('inventory_lot_quantity', `quantity BETWEEN 1 AND 10000000`)
@Check('inventory_lot_remaining', `remaining_quantity >= 0 AND remaining_quantity <= quantity`)
@Check('inventory_lot_unit_cost', `unit_cost > 0 AND unit_cost <= 100000000`)
@Check('inventory_lot_reference', `reference IS NULL OR char_length(reference) BETWEEN 1 AND 200`)
export class InventoryLot {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne(() => Market, { onDelete: 'RESTRICT' }) market: Market;
  @Column('uuid') marketId: string;
  @Column('integer') quantity: number;
  @Column('integer') remainingQuantity: number;
  @Column('numeric', { precision: 12, scale: 2, transformer: decimalTransformer }) unitCost: Decimal;
  @Column('text', { nullable: true }) reference: string | null;
  /** The wall-clock time of the insert, so lots received in one transaction keep their order. */
  @Column({ type: 'timestamptz', precision: 3, default: () => 'clock_timestamp()' }) receivedAt: Date;
}
