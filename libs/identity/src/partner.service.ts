import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditService, AuthPrincipal, Decimal, partnerScope, transactionWithRetry } from '@gpupool/platform';
import { partnerNameTaken } from './identity.errors';
import { CreatePartnerInput } from './identity.models';
import { Partner } from './partner.entity';

const CN_VAT_PERCENT = new Decimal(13);

/** The public face of a partner, as the audit log records it. */
export function partnerSnapshot(p: Partner) {
  return { name: p.name, countryCode: p.countryCode, creditLimit: p.creditLimit, taxRatePercent: p.taxRatePercent };
}

@Injectable()
export class PartnerService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: AuthPrincipal, input: CreatePartnerInput): Promise<Partner> {
    const taxRatePercent = input.taxRatePercent ?? (input.countryCode === 'CN' ? CN_VAT_PERCENT : new Decimal(0));
    return transactionWithRetry(this.dataSource, async (em) => {
      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(Partner)
        .values({ name: input.name, countryCode: input.countryCode, creditLimit: input.creditLimit, taxRatePercent })
        .orIgnore()
        .returning('id')
        .execute();
      const id = inserted.raw[0]?.id as string | undefined;
      if (!id) throw partnerNameTaken(input.name);
      const partner = await em.findOneByOrFail(Partner, { id });
      await this.audit.record(em, actor, {
        action: 'partner.create',
        entity: 'Partner',
        entityId: id,
        after: partnerSnapshot(partner),
      });
      return partner;
    });
  }

  /** Every partner for staff; a partner sees only itself. */
  list(principal: AuthPrincipal): Promise<Partner[]> {
    const only = partnerScope(principal);
    return this.dataSource.getRepository(Partner).find({
      where: only ? { id: only } : {},
      order: { name: 'ASC' },
    });
  }

  findByIds(ids: readonly string[], em: EntityManager = this.dataSource.manager): Promise<Partner[]> {
    return em.findBy(Partner, { id: In([...ids]) });
  }

  /** The partners of these countries, in id order. */
  findByCountries(countryCodes: readonly string[], em: EntityManager = this.dataSource.manager): Promise<Partner[]> {
    return em.find(Partner, { where: { countryCode: In([...countryCodes]) }, order: { id: 'ASC' } });
  }
}
