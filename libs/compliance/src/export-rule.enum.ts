import { registerEnumType } from '@nestjs/graphql';

/** What may be exported of one SKU to one destination country; no rule means ALLOWED. */
export enum ExportRule {
  ALLOWED = 'ALLOWED',
  LICENSE_REQUIRED = 'LICENSE_REQUIRED',
  PROHIBITED = 'PROHIBITED',
}
registerEnumType(ExportRule, {
  name: 'ExportRule',
  description: "per (SKU, partner's country); no rule: ALLOWED",
});
