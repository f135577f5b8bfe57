import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsEnum, IsOptional, IsUUID } from 'class-validator';
import { Decimal } from '@gpupool/platform';
import { ReportFormat, ReportStatus } from './settlement-report.entity';

registerEnumType(ReportFormat, { name: 'ReportFormat' });
registerEnumType(ReportStatus, { name: 'ReportStatus' });

@ObjectType('ReportTotals', { description: 'sums over the rows of a report, exact to the fen' })
export class ReportTotalsModel {
  @Field(() => Int) quantity: number;
  @Field(() => Decimal) netAmount: Decimal;
  @Field(() => Decimal) taxAmount: Decimal;
  @Field(() => Decimal) grossAmount: Decimal;
  @Field(() => Decimal) costAmount: Decimal;
  @Field(() => Decimal, { description: 'netAmount − costAmount' }) marginAmount: Decimal;
}

@ObjectType('SettlementReport', { description: 'an export of the settlements of a period, built by a job' })
export class SettlementReportModel {
  @Field(() => ID) id: string;
  @Field(() => ReportStatus) status: ReportStatus;
  @Field(() => ReportFormat) format: ReportFormat;
  @Field(() => Date, { description: 'settlements with from <= settledAt < to' }) from: Date;
  @Field(() => Date) to: Date;
  @Field(() => ID, { nullable: true, description: 'null: every partner' }) partnerId: string | null;
  @Field(() => Int, { description: '0-100; 100 once SUCCEEDED' }) progressPercent: number;
  @Field(() => Int, { nullable: true }) rowCount: number | null;
  @Field(() => ReportTotalsModel, { nullable: true }) totals: ReportTotalsModel | null;
  @Field(() => String, { nullable: true, description: 'hex SHA-256 of the file' }) sha256: string | null;
  @Field(() => String, { nullable: true, description: 'GET with the same Authorization header; null until SUCCEEDED' })
  downloadUrl: string | null;
  @Field(() => String, { nullable: true, description: 'why the last attempt failed' }) error: string | null;
  @Field(() => Int, { description: 'attempts started so far' }) attempts: number;
  @Field(() => Date) createdAt: Date;
  @Field(() => Date, { nullable: true }) startedAt: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
  @Field(() => Date, {
    nullable: true,
    description:
      'when the file was removed (REPORTS_RETENTION_DAYS after it finished); the totals and checksum stay, downloadUrl becomes null',
  })
  fileDeletedAt: Date | null;
}

@InputType()
export class RequestSettlementReportInput {
  @Field(() => Date, { description: 'settlements with from <= settledAt < to; at most 366 days' }) @IsDate() from: Date;
  @Field(() => Date) @IsDate() to: Date;
  @Field(() => ReportFormat) @IsEnum(ReportFormat, { message: 'format must be CSV or XLSX' }) format: ReportFormat;
  @Field(() => ID, { nullable: true, description: 'one partner; all partners when absent' })
  @IsOptional()
  @IsUUID(undefined, { message: 'partnerId must be a partner id (a UUID)' })
  partnerId?: string | null;
}
