import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { bigintCountTransformer } from '@gpupool/platform';
import { exportLicenseRequired, exportProhibited, licenseShortReason, prohibitedReason } from './compliance.errors';
import { ExportRule } from './export-rule.enum';

/** The partner an order is for: its id and its country, the export destination. */
export interface ExportDestination {
  id: string;
  countryCode: string;
}

function positiveUnits(units: number): number {
  if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`units must be a positive whole number (got ${units})`);
  return units;
}

const count = (value: string) => bigintCountTransformer.from(value) as number;

/**
 * Export control for orders. Every method runs inside the caller's transaction and locks the
 * partner's usage row of the SKU first, so concurrent orders of one partner see each other's units
 * and cannot together take more than its licenses allow.
 */
@Injectable()
export class ComplianceService {
  /**
   * Counts `units` of a new order against the partner's export usage of the SKU. Refuses with
   * EXPORT_PROHIBITED when the rule prohibits the export, and with EXPORT_LICENSE_REQUIRED when a
   * license is required and the partner's unexpired licenses do not cover its usage plus `units`.
   */
  async reserve(em: EntityManager, partner: ExportDestination, skuCode: string, units: number): Promise<void> {
    positiveUnits(units);
    const rule = await this.ruleFor(em, skuCode, partner.countryCode);
    if (rule === ExportRule.PROHIBITED) throw exportProhibited(skuCode, partner.countryCode);
    await em.query(`INSERT INTO export_usage (partner_id, sku_code) VALUES ($1, $2) ON CONFLICT (partner_id, sku_code) DO NOTHING`, [
      partner.id,
      skuCode,
    ]);
    const used = (await this.lockUsage(em, partner.id, skuCode))!;
    if (rule === ExportRule.LICENSE_REQUIRED) {
      const licensed = await this.licensedUnits(em, partner.id, skuCode);
      if (licensed - used < units) throw exportLicenseRequired(skuCode, partner.countryCode, licensed, used, units);
    }
    await em.query('UPDATE export_usage SET used_units = used_units + $3 WHERE partner_id = $1 AND sku_code = $2', [
      partner.id,
      skuCode,
      units,
    ]);
  }

  /** Takes back the units an order will not use: the unfilled remainder of an order that ended. */
  async release(em: EntityManager, partnerId: string, skuCode: string, units: number): Promise<void> {
    positiveUnits(units);
    const used = await this.lockUsage(em, partnerId, skuCode);
    if (used === null || used < units) {
      throw new RangeError(`cannot release ${units} units of ${skuCode} for partner ${partnerId}: only ${used ?? 0} are in use`);
    }
    await em.query('UPDATE export_usage SET used_units = used_units - $3 WHERE partner_id = $1 AND sku_code = $2', [
      partnerId,
      skuCode,
      units,
    ]);
  }

  /**
   * Whether a resting order may still trade: null when it may, else the reason, for a person to
   * read, why it may not (the export is now prohibited, or the partner's unexpired licenses no
   * longer cover its usage because one expired or the rule changed).
   */
  async recheck(em: EntityManager, partner: ExportDestination, skuCode: string): Promise<string | null> {
    const rule = await this.ruleFor(em, skuCode, partner.countryCode);
    if (rule === ExportRule.PROHIBITED) return prohibitedReason(skuCode, partner.countryCode);
    const used = (await this.lockUsage(em, partner.id, skuCode)) ?? 0;
    if (rule === ExportRule.ALLOWED) return null;
    const licensed = await this.licensedUnits(em, partner.id, skuCode);
    return licensed < used ? licenseShortReason(skuCode, partner.countryCode, licensed, used) : null;
  }

  /** The rule for exports of a SKU to a country: ALLOWED where none is set. */
  async ruleFor(em: EntityManager, skuCode: string, countryCode: string): Promise<ExportRule> {
    const [row]: { rule: ExportRule }[] = await em.query('SELECT rule FROM export_rule WHERE sku_code = $1 AND country_code = $2', [
      skuCode,
      countryCode,
    ]);
    return row?.rule ?? ExportRule.ALLOWED;
  }

  /** The partner's used units of the SKU, its usage row locked FOR UPDATE; null when it has none. */
  private async lockUsage(em: EntityManager, partnerId: string, skuCode: string): Promise<number | null> {
    const [row]: { used_units: string }[] = await em.query(
      'SELECT used_units FROM export_usage WHERE partner_id = $1 AND sku_code = $2 FOR UPDATE',
      [partnerId, skuCode],
    );
    return row ? count(row.used_units) : null;
  }

  /** The sum of the partner's licenses for the SKU that have not expired. */
  private async licensedUnits(em: EntityManager, partnerId: string, skuCode: string): Promise<number> {
    const [row]: { licensed: string }[] = await em.query(
      `SELECT COALESCE(sum(quantity), 0) AS licensed FROM export_license
        WHERE partner_id = $1 AND sku_code = $2 AND valid_until > now()`,
      [partnerId, skuCode],
    );
    return count(row!.licensed);
  }
}
