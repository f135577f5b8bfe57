import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { bigintCountTransformer, PreparedStatement, runPrepared } from '@gpupool/platform';
import { exportRefusal, licenseShortReason, prohibitedReason } from './compliance.errors';
import { ExportRule } from './export-rule.enum';

/** The partner an order is for: its id and its country, the export destination. */
export interface ExportDestination {
  id: string;
  countryCode: string;
}

/** Units of one SKU that a partner's ended orders give back. */
export interface UsageRelease {
  partnerId: string;
  skuCode: string;
  units: number;
}

function positiveUnits(units: number): number {
  if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`units must be a positive whole number (got ${units})`);
  return units;
}

const count = (value: string) => bigintCountTransformer.from(value) as number;

/** The rule for (SKU $2, country $3), ALLOWED where none is set, and partner $1's unexpired licensed units of the SKU. */
const EXPORT_FACTS = 'SELECT rule, licensed FROM export_facts($1, $2, $3)';

/** Counts units ($4) against the usage row: compliance's `reserve_export_units` (migrations/), which raises when it refuses. */
const RESERVE_EXPORT_UNITS: PreparedStatement = { name: 'reserve-export-units', text: 'SELECT reserve_export_units($1, $2, $3, $4)' };

/**
 * Export control for orders. Every method runs inside the caller's transaction. A partner's usage
 * row of a SKU is changed only by a statement that checks and changes it at once, under the row
 * lock the statement takes; several rows are locked in (partner, SKU) order.
 */
@Injectable()
export class ComplianceService {
  /**
   * Counts `units` of a new order against the partner's export usage of the SKU, in one
   * conditional statement. Refuses with EXPORT_PROHIBITED when the rule prohibits the export, and
   * with EXPORT_LICENSE_REQUIRED when a license is required and the partner's unexpired licenses
   * do not cover its usage plus `units`; then nothing is written.
   */
  async reserve(em: EntityManager, partner: ExportDestination, skuCode: string, units: number): Promise<void> {
    positiveUnits(units);
    try {
      await runPrepared(em, RESERVE_EXPORT_UNITS, [partner.id, skuCode, partner.countryCode, units]);
    } catch (error) {
      throw exportRefusal(error) ?? error;
    }
  }

  /** Takes back the units an order will not use: the unfilled remainder of an order that ended. */
  async release(em: EntityManager, partnerId: string, skuCode: string, units: number): Promise<void> {
    await this.releaseMany(em, [{ partnerId, skuCode, units }]);
  }

  /** Takes back units of several (partner, SKU) usages in one statement, their rows locked in (partner, SKU) order. */
  async releaseMany(em: EntityManager, releases: readonly UsageRelease[]): Promise<void> {
    const byKey = new Map<string, UsageRelease>();
    for (const { partnerId, skuCode, units } of releases) {
      const key = `${partnerId}|${skuCode}`;
      byKey.set(key, { partnerId, skuCode, units: (byKey.get(key)?.units ?? 0) + positiveUnits(units) });
    }
    if (byKey.size === 0) return;
    const rows = [...byKey.values()];
    // TypeORM answers an UPDATE with [rows, count].
    const [released]: [{ partner_id: string; sku_code: string }[], number] = await em.query(
      `UPDATE export_usage e SET used_units = e.used_units - r.units
         FROM (SELECT partner_id, sku_code FROM export_usage
                WHERE (partner_id, sku_code) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
                ORDER BY partner_id, sku_code FOR NO KEY UPDATE) l,
              unnest($1::uuid[], $2::text[], $3::bigint[]) AS r(partner_id, sku_code, units)
        WHERE e.partner_id = l.partner_id AND e.sku_code = l.sku_code
          AND e.partner_id = r.partner_id AND e.sku_code = r.sku_code AND e.used_units >= r.units
        RETURNING e.partner_id, e.sku_code`,
      [rows.map((r) => r.partnerId), rows.map((r) => r.skuCode), rows.map((r) => r.units)],
    );
    if (released.length === rows.length) return;
    const done = new Set(released.map((r) => `${r.partner_id}|${r.sku_code}`));
    const short = rows.find((r) => !done.has(`${r.partnerId}|${r.skuCode}`))!;
    const used = await this.usedUnits(em, short.partnerId, short.skuCode);
    throw new RangeError(`cannot release ${short.units} units of ${short.skuCode} for partner ${short.partnerId}: only ${used} are in use`);
  }

  /**
   * Whether a resting order may still trade: null when it may, else the reason, for a person to
   * read, why it may not (the export is now prohibited, or the partner's unexpired licenses no
   * longer cover its usage because one expired or the rule changed). Reads without locks: usage
   * only grows through `reserve`, which checks the same licenses.
   */
  async recheck(em: EntityManager, partner: ExportDestination, skuCode: string): Promise<string | null> {
    const [facts]: { rule: ExportRule; licensed: string }[] = await em.query(EXPORT_FACTS, [partner.id, skuCode, partner.countryCode]);
    if (facts!.rule === ExportRule.PROHIBITED) return prohibitedReason(skuCode, partner.countryCode);
    if (facts!.rule === ExportRule.ALLOWED) return null;
    const licensed = count(facts!.licensed);
    const used = await this.usedUnits(em, partner.id, skuCode);
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

  /** The countries to which exports of the SKU are not simply allowed (a rule other than ALLOWED). */
  async restrictedCountries(em: EntityManager, skuCode: string): Promise<string[]> {
    const rows: { country_code: string }[] = await em.query(
      `SELECT country_code FROM export_rule WHERE sku_code = $1 AND rule <> 'ALLOWED' ORDER BY country_code`,
      [skuCode],
    );
    return rows.map((r) => r.country_code);
  }

  /** The partner's units of the SKU in open orders and fills. */
  private async usedUnits(em: EntityManager, partnerId: string, skuCode: string): Promise<number> {
    const [row]: { used_units: string }[] = await em.query('SELECT used_units FROM export_usage WHERE partner_id = $1 AND sku_code = $2', [
      partnerId,
      skuCode,
    ]);
    return row ? count(row.used_units) : 0;
  }
}
