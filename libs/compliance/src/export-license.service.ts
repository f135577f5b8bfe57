import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PartnerService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { AuditService, AuthPrincipal, bigintCountTransformer, NotFoundError, partnerScope, transactionWithRetry } from '@gpupool/platform';
import { ExportLicenseModel, GrantExportLicenseInput } from './compliance.models';
import { ExportLicense } from './export-license.entity';
import { allocateUsage } from './license-allocation';

interface LicenseRow {
  id: string;
  partner_id: string;
  sku_code: string;
  quantity: number;
  valid_until: Date;
  reference: string;
  active: boolean;
  used_units: string;
}

/** Export licenses: granted by operators, shown with the usage each one covers. */
@Injectable()
export class ExportLicenseService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partners: PartnerService,
    private readonly inventory: InventoryService,
    private readonly audit: AuditService,
  ) {}

  grant(actor: AuthPrincipal, input: GrantExportLicenseInput): Promise<ExportLicenseModel> {
    return transactionWithRetry(this.dataSource, async (em) => {
      const [partner] = await this.partners.findByIds([input.partnerId], em);
      if (!partner) throw new NotFoundError('Partner', input.partnerId);
      await this.inventory.skuByCode(em, input.skuCode);
      const inserted = await em.insert(ExportLicense, {
        partnerId: partner.id,
        skuCode: input.skuCode,
        quantity: input.quantity,
        validUntil: input.validUntil,
        reference: input.reference,
        grantedBy: actor.id,
      });
      const id = inserted.identifiers[0]!.id as string;
      const license = (await this.read(em, { partnerId: partner.id, skuCode: input.skuCode })).find((l) => l.id === id)!;
      await this.audit.record(em, actor, {
        action: 'export-license.grant',
        entity: 'ExportLicense',
        entityId: id,
        after: {
          partnerId: license.partnerId,
          skuCode: license.skuCode,
          quantity: license.quantity,
          validUntil: license.validUntil,
          reference: license.reference,
        },
      });
      return license;
    });
  }

  /**
   * Licenses by partner, SKU and validUntil: every partner's (or one's) for staff; a partner sees
   * only its own, and naming another partner answers like an id that does not exist.
   */
  async licenses(principal: AuthPrincipal, partnerId: string | null): Promise<ExportLicenseModel[]> {
    const scope = partnerScope(principal, partnerId);
    if (scope === null) return [];
    return this.read(this.dataSource.manager, { partnerId: scope ?? null });
  }

  private async read(em: EntityManager, filter: { partnerId: string | null; skuCode?: string }): Promise<ExportLicenseModel[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.partnerId != null) where.push(`l.partner_id = ${param(filter.partnerId)}`);
    if (filter.skuCode != null) where.push(`l.sku_code = ${param(filter.skuCode)}`);
    const rows: LicenseRow[] = await em.query(
      `SELECT l.id, l.partner_id, l.sku_code, l.quantity, l.valid_until, l.reference,
              l.valid_until > now() AS active, COALESCE(u.used_units, 0) AS used_units
         FROM export_license l
         LEFT JOIN export_usage u ON u.partner_id = l.partner_id AND u.sku_code = l.sku_code
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY l.partner_id, l.sku_code, l.valid_until, l.id`,
      params,
    );
    const groups = new Map<string, LicenseRow[]>();
    for (const row of rows) {
      const key = `${row.partner_id}/${row.sku_code}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return [...groups.values()].flatMap((group) => {
      const covered = allocateUsage(group, bigintCountTransformer.from(group[0]!.used_units) as number);
      return group.map((row, index) => ({
        id: row.id,
        partnerId: row.partner_id,
        skuCode: row.sku_code,
        quantity: row.quantity,
        usedQuantity: covered[index]!,
        validUntil: row.valid_until,
        reference: row.reference,
      }));
    });
  }
}
