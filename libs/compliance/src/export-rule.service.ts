import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InventoryService, MarketsChanged } from '@gpupool/inventory';
import { AuditService, AuthPrincipal, DomainEvents, transactionWithRetry } from '@gpupool/platform';
import { SetExportRuleInput } from './compliance.models';
import { ExportRuleEntry } from './export-rule-entry.entity';
import { ExportRule } from './export-rule.enum';

/**
 * Export rules, kept by operators. A change of a rule announces every market of its SKU after commit
 * (MarketsChanged, for a match run), so resting orders it now forbids are cancelled there.
 */
@Injectable()
export class ExportRuleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
  ) {}

  rules(): Promise<ExportRuleEntry[]> {
    return this.dataSource.getRepository(ExportRuleEntry).find({ order: { skuCode: 'ASC', countryCode: 'ASC' } });
  }

  /** Sets the rule of a (SKU, country), adding it or replacing the one there; audited with before and after. */
  async setRule(actor: AuthPrincipal, input: SetExportRuleInput): Promise<ExportRule> {
    const { skuCode, countryCode, rule } = input;
    const marketIds = await transactionWithRetry(this.dataSource, async (em) => {
      const skuMarketIds = await this.inventory.marketIdsOfSku(em, skuCode);
      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(ExportRuleEntry)
        .values({ skuCode, countryCode, rule })
        .orIgnore()
        .returning('sku_code')
        .execute();
      let before: ExportRule | null = null;
      if (inserted.raw.length === 0) {
        const row = await em.findOneOrFail(ExportRuleEntry, {
          where: { skuCode, countryCode },
          lock: { mode: 'pessimistic_write' },
        });
        before = row.rule;
        await em.update(ExportRuleEntry, { skuCode, countryCode }, { rule });
      }
      await this.audit.record(em, actor, {
        action: 'export-rule.set',
        entity: 'ExportRule',
        entityId: `${skuCode}/${countryCode}`,
        before: before && { skuCode, countryCode, rule: before },
        after: { skuCode, countryCode, rule },
      });
      return (before ?? ExportRule.ALLOWED) === rule ? [] : skuMarketIds;
    });
    await this.events.publish(new MarketsChanged(marketIds));
    return rule;
  }
}
