import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsEnum, IsInt, IsISO31661Alpha2, IsUUID, Matches, Max, Min, MinDate } from 'class-validator';
import { SKU_CODE } from '@gpupool/inventory';
import { IsCleanText } from '@gpupool/platform';
import { ExportRule } from './export-rule.enum';

export const MAX_LICENSE_QUANTITY = 1_000_000;

const skuCodeRule = () =>
  Matches(SKU_CODE, {
    message: `skuCode must be 1-32 upper-case letters, digits or '-', such as H20 or ASCEND-910B`,
  });

@ObjectType('ExportRuleEntry', {
  description: 'The export rule of one SKU to one destination country',
})
export class ExportRuleEntryModel {
  @Field() skuCode: string;
  @Field({
    description: 'ISO 3166-1 alpha-2 destination: the country of the partner',
  })
  countryCode: string;
  @Field(() => ExportRule) rule: ExportRule;
  @Field(() => Date) updatedAt: Date;
}

@ObjectType('ExportLicense')
export class ExportLicenseModel {
  @Field(() => ID) id: string;
  @Field(() => ID) partnerId: string;
  @Field() skuCode: string;
  @Field(() => Int) quantity: number;
  @Field(() => Int, {
    description:
      "the partner's units of the SKU in open orders and fills that this license covers: they are allocated across its " +
      'unexpired licenses for the SKU, earliest validUntil first, each up to its quantity; an expired license covers none',
  })
  usedQuantity: number;
  @Field(() => Date) validUntil: Date;
  @Field() reference: string;
}

@InputType()
export class SetExportRuleInput {
  @Field() @skuCodeRule() skuCode: string;
  @Field({ description: 'ISO 3166-1 alpha-2 destination country, upper case' })
  @Matches(/^[A-Z]{2}$/, {
    message: 'countryCode must be two upper-case letters (ISO 3166-1 alpha-2)',
  })
  @IsISO31661Alpha2({
    message: 'countryCode must be an ISO 3166-1 alpha-2 country code, such as CN or SG',
  })
  countryCode: string;
  @Field(() => ExportRule) @IsEnum(ExportRule) rule: ExportRule;
}

@InputType()
export class GrantExportLicenseInput {
  @Field(() => ID)
  @IsUUID(undefined, { message: 'partnerId must be a partner id (a UUID)' })
  partnerId: string;
  @Field() @skuCodeRule() skuCode: string;
  @Field(() => Int, { description: `1 ≤ quantity ≤ ${MAX_LICENSE_QUANTITY}` })
  @IsInt()
  @Min(1, { message: `quantity must be at least 1` })
  @Max(MAX_LICENSE_QUANTITY, {
    message: `quantity must be at most ${MAX_LICENSE_QUANTITY}`,
  })
  quantity: number;
  @Field(() => Date, { description: 'in the future' })
  @MinDate(() => new Date(), { message: 'validUntil must be in the future' })
  validUntil: Date;
  @Field({ description: "the license document's reference; 1-200 characters" })
  @IsCleanText(200)
  reference: string;
}
