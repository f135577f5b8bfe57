import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An accelerator model in the catalog, such as NVIDIA H20 96 GB. */
@Entity()
@Check('sku_code', `code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'`)
@Check('sku_memory_gb', `memory_gb BETWEEN 1 AND 4096`)
export class Sku {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) code: string;
  @Column('text') vendor: string;
  @Column('text') name: string;
  @Column('integer') memoryGb: number;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;
}
