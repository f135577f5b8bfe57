import { Check, Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from '@gpupool/platform';
import { Partner } from './partner.entity';

/** An API key and the principal it stands for. Only the SHA-256 of the key is stored. */
@Entity()
@Check('api_key_role', `role IN ('ADMIN', 'OPERATOR', 'FINANCE', 'PARTNER')`)
@Check('api_key_partner_role', `(role = 'PARTNER') = (partner_id IS NOT NULL)`)
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') role: Role;
  @ManyToOne(() => Partner, { nullable: true, onDelete: 'RESTRICT' }) partner: Partner | null;
  @Column('uuid', { nullable: true }) partnerId: string | null;
  @Column('text') label: string;
  @Column('char', { length: 64, unique: true }) keyHash: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
  @Column('timestamptz', { nullable: true }) revokedAt: Date | null;
}
