import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsEnum, IsISO31661Alpha2, IsOptional, IsUUID, Matches } from 'class-validator';
import { Decimal, IsCleanText, IsDecimalInRange, Role } from '@gpupool/platform';

@ObjectType('Partner')
export class PartnerModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() countryCode: string;
  @Field(() => Decimal) creditLimit: Decimal;
  @Field(() => Decimal, { description: 'open-order holds + unpaid receivables' }) creditUsed: Decimal;
  @Field(() => Decimal) creditAvailable: Decimal;
  @Field(() => Decimal) taxRatePercent: Decimal;
}

@ObjectType('Principal')
export class PrincipalModel {
  @Field(() => ID) id: string;
  @Field(() => Role) role: Role;
  @Field() name: string;
  partnerId: string | null;
}

@ObjectType('IssuedApiKey', { description: 'key is shown once and stored hashed' })
export class IssuedApiKeyModel {
  @Field(() => ID) id: string;
  @Field() key: string;
  @Field(() => Role) role: Role;
  @Field(() => ID, { nullable: true }) partnerId: string | null;
}

@ObjectType('ApiKeyInfo', { description: 'An issued API key without its secret' })
export class ApiKeyInfoModel {
  @Field(() => ID) id: string;
  @Field(() => Role) role: Role;
  @Field(() => ID, { nullable: true }) partnerId: string | null;
  @Field() label: string;
  @Field(() => Date) createdAt: Date;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
}

@InputType()
export class CreatePartnerInput {
  @Field() @IsCleanText(200) name: string;
  @Field({ description: 'ISO 3166-1 alpha-2, upper case' })
  @Matches(/^[A-Z]{2}$/, { message: 'countryCode must be two upper-case letters (ISO 3166-1 alpha-2)' })
  @IsISO31661Alpha2()
  countryCode: string;
  @Field(() => Decimal) @IsDecimalInRange({ min: '0', max: '1000000000000000', maxDecimals: 2 }) creditLimit: Decimal;
  @Field(() => Decimal, { nullable: true, description: 'default 13 for CN partners (VAT), else 0' })
  @IsOptional()
  @IsDecimalInRange({ min: '0', max: '100', maxDecimals: 2 })
  taxRatePercent?: Decimal;
}

@InputType()
export class IssueApiKeyInput {
  @Field(() => Role) @IsEnum(Role) role: Role;
  @Field(() => ID, { nullable: true, description: 'required for PARTNER keys, refused for others' })
  @IsOptional()
  @IsUUID()
  partnerId?: string;
  @Field({ description: 'free text naming the holder' }) @IsCleanText(200) label: string;
}
