import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';

/** A partner firm. Its credit counters change only through PartnerCreditService, under a row lock. */
@Entity()
@Check('partner_country_code', `country_code ~ '^[A-Z]{2}$'`)
@Check('partner_credit_limit', `credit_limit >= 0`)
@Check('partner_tax_rate', `tax_rate_percent >= 0 AND tax_rate_percent <= 100`)
@Check('partner_credit_held', `credit_held >= 0`)
@Check('partner_receivable', `receivable >= 0`)
export class Partner {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) name: string;
  @Column('char', { length: 2 }) countryCode: string;
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) creditLimit: Decimal;
  @Column('numeric', { precision: 5, scale: 2, transformer: decimalTransformer }) taxRatePercent: Decimal;
  /** Credit held by open orders and by fills not yet settled. */
  @Column('numeric', { precision: 24, scale: 2, default: 0, transformer: decimalTransformer }) creditHeld: Decimal;
  /** Settled, unpaid gross amounts. */
  @Column('numeric', { precision: 24, scale: 2, default: 0, transformer: decimalTransformer }) receivable: Decimal;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;

  get creditUsed(): Decimal {
    return this.creditHeld.plus(this.receivable);
  }

  get creditAvailable(): Decimal {
    return this.creditLimit.minus(this.creditUsed);
  }
}
