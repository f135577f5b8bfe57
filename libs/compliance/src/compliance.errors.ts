import { databaseRefusal, DomainError } from '@gpupool/platform';
import { ExportRule } from './export-rule.enum';

/** Compliance's own codes: an order's export refused. */
export enum ComplianceErrorCode {
  EXPORT_LICENSE_REQUIRED = 'EXPORT_LICENSE_REQUIRED',
  EXPORT_PROHIBITED = 'EXPORT_PROHIBITED',
}

export class ComplianceError extends DomainError<ComplianceErrorCode> {}

/** Why no order of the SKU may go to the country. */
export const prohibitedReason = (skuCode: string, countryCode: string) => `${skuCode} exports to ${countryCode} are prohibited`;

/** Why the partner's licenses do not cover its usage of the SKU. */
export const licenseShortReason = (skuCode: string, countryCode: string, licensed: number, used: number) =>
  `${skuCode} exports to ${countryCode} need an export license: ${licensed} units are licensed and unexpired, ` +
  `${used} are in open orders and fills`;

export const exportProhibited = (skuCode: string, countryCode: string) =>
  new ComplianceError(
    ComplianceErrorCode.EXPORT_PROHIBITED,
    `${prohibitedReason(skuCode, countryCode)}, so partners in ${countryCode} cannot order ${skuCode}`,
    { skuCode, countryCode },
  );

export const exportLicenseRequired = (skuCode: string, countryCode: string, licensed: number, used: number, asked: number) => {
  const headroom = Math.max(0, licensed - used);
  return new ComplianceError(
    ComplianceErrorCode.EXPORT_LICENSE_REQUIRED,
    `${licenseShortReason(skuCode, countryCode, licensed, used)}; this order asks for ${asked} more, and ` +
      `${headroom === 0 ? 'none' : `only ${headroom}`} can be ordered until an operator grants a further license`,
    { skuCode, countryCode, licensed, used, asked },
  );
};

/**
 * The error for export units that `reserve_export_units` refused (SQLSTATE GPE01), from the facts
 * it refused on; undefined for any other error.
 */
export function exportRefusal(error: unknown): ComplianceError | undefined {
  const refused = databaseRefusal<{
    skuCode: string;
    countryCode: string;
    rule: ExportRule;
    licensed: number;
    used: number;
    asked: number;
  }>(error, 'GPE01');
  if (!refused) return undefined;
  const { skuCode, countryCode, licensed, used, asked } = refused;
  return refused.rule === ExportRule.PROHIBITED
    ? exportProhibited(skuCode, countryCode)
    : exportLicenseRequired(skuCode, countryCode, licensed, used, asked);
}
