import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager, EntityTarget, FindOptionsWhere, QueryDeepPartialEntity } from 'typeorm';
import { AuditService, AuthPrincipal, transactionWithRetry } from '@gpupool/platform';
import { UpsertRegionInput, UpsertSkuInput } from './inventory.models';
import { Region } from './region.entity';
import { Sku } from './sku.entity';

const skuSnapshot = (s: Sku) => ({ code: s.code, vendor: s.vendor, name: s.name, memoryGb: s.memoryGb });
const regionSnapshot = (r: Region) => ({ code: r.code, name: r.name, countryCode: r.countryCode });

/** The catalog of SKUs and regions, kept by operators. */
@Injectable()
export class CatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  skus(): Promise<Sku[]> {
    return this.dataSource.getRepository(Sku).find({ order: { code: 'ASC' } });
  }

  regions(): Promise<Region[]> {
    return this.dataSource.getRepository(Region).find({ order: { code: 'ASC' } });
  }

  upsertSku(actor: AuthPrincipal, input: UpsertSkuInput): Promise<Sku> {
    const values = { code: input.code, vendor: input.vendor, name: input.name, memoryGb: input.memoryGb };
    return this.upsert(actor, Sku, 'Sku', values, skuSnapshot);
  }

  upsertRegion(actor: AuthPrincipal, input: UpsertRegionInput): Promise<Region> {
    const values = { code: input.code, name: input.name, countryCode: input.countryCode };
    return this.upsert(actor, Region, 'Region', values, regionSnapshot);
  }

  /** Adds the entry with this code, or updates it in place under a row lock; audited either way. */
  private upsert<T extends Sku | Region>(
    actor: AuthPrincipal,
    target: EntityTarget<T>,
    entity: string,
    values: DeepPartial<T> & QueryDeepPartialEntity<T> & { code: string },
    snapshot: (row: T) => object,
  ): Promise<T> {
    return transactionWithRetry(this.dataSource, async (em: EntityManager) => {
      const inserted = await em.createQueryBuilder().insert().into(target).values(values).orIgnore().returning('id').execute();
      const created = inserted.raw.length > 0;
      const row = await em.findOneOrFail(target, {
        where: { code: values.code } as FindOptionsWhere<T>,
        lock: { mode: 'pessimistic_write' },
      });
      const before = created ? null : snapshot(row);
      if (!created) {
        em.merge(target, row, values);
        await em.save(target, row);
      }
      await this.audit.record(em, actor, {
        action: `${entity.toLowerCase()}.${created ? 'create' : 'update'}`,
        entity,
        entityId: row.code,
        before,
        after: snapshot(row),
      });
      return row;
    });
  }
}
