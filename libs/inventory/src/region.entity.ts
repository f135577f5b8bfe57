import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A data-center region and the country it is in, such as cn-beijing in CN. */
@Entity()
@Check('region_code', `code ~ '^[a-z0-9-]{2,32}$'`)
@Check('region_country_code', `country_code ~ '^[A-Z]{2}$'`)
export class Region {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) code: string;
  @Column('text') name: string;
  @Column('char', { length: 2 }) countryCode: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;
}
