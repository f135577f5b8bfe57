export { ComplianceError, ComplianceErrorCode, exportRefusal } from './compliance.errors';
export { COMPLIANCE_ENTITIES, COMPLIANCE_RESOLVERS, ComplianceApiModule, ComplianceModule } from './compliance.module';
export { ComplianceService } from './compliance.service';
export type { ExportDestination, UsageRelease } from './compliance.service';
export { ExportLicenseService } from './export-license.service';
export { ExportRule } from './export-rule.enum';
