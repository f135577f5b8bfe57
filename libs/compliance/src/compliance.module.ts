import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@gpupool/identity';
import { InventoryModule } from '@gpupool/inventory';
import { ExportLicenseResolver, ExportRuleResolver } from './compliance.resolver';
import { ComplianceService } from './compliance.service';
import { ExportLicense } from './export-license.entity';
import { ExportLicenseService } from './export-license.service';
import { ExportRuleEntry } from './export-rule-entry.entity';
import { ExportRuleService } from './export-rule.service';
import { ExportUsage } from './export-usage.entity';

export const COMPLIANCE_ENTITIES = [ExportRuleEntry, ExportLicense, ExportUsage];
export const COMPLIANCE_RESOLVERS = [ExportRuleResolver, ExportLicenseResolver];

/** Export rules, licenses and usage; ComplianceService checks orders inside trading's transactions. */
@Module({
  imports: [TypeOrmModule.forFeature(COMPLIANCE_ENTITIES), IdentityModule, InventoryModule],
  providers: [ComplianceService, ExportRuleService, ExportLicenseService],
  exports: [ComplianceService, ExportRuleService, ExportLicenseService],
})
export class ComplianceModule {}

/** GraphQL for export control: only the api imports it. */
@Module({
  imports: [ComplianceModule],
  providers: COMPLIANCE_RESOLVERS,
})
export class ComplianceApiModule {}
