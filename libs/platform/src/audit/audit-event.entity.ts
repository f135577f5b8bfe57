import { Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/** One change by an operator, finance or admin. Append-only: a trigger refuses UPDATE and DELETE. */
@Entity()
@Index(['at', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** The API key (principal) that made the change; named by string to keep platform free of identity. */
  @ManyToOne('ApiKey', { onDelete: 'RESTRICT' }) actor: unknown;
  @Column('uuid') actorId: string;
  @Column('text') action: string;
  @Column('text') entity: string;
  @Column('text', { nullable: true }) entityId: string | null;
  @Column('jsonb', { nullable: true }) before: object | null;
  @Column('jsonb', { nullable: true }) after: object | null;
  @Column('text', { nullable: true }) reason: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) at: Date;
}
