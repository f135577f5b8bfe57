import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, Role, Roles, STAFF_ROLES } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { ExportLicenseModel, ExportRuleEntryModel, GrantExportLicenseInput, SetExportRuleInput } from './compliance.models';
import { ExportLicenseService } from './export-license.service';
import { ExportRuleEntry } from './export-rule-entry.entity';
import { ExportRule } from './export-rule.enum';
import { ExportRuleService } from './export-rule.service';

@Resolver()
export class ExportRuleResolver {
  constructor(private readonly rules: ExportRuleService) {}

  @Query(() => [ExportRuleEntryModel], {
    description: 'every rule set; a (SKU, country) without one is ALLOWED',
  })
  @Roles(...STAFF_ROLES)
  exportRules(): Promise<ExportRuleEntry[]> {
    return this.rules.rules();
  }

  @Mutation(() => ExportRule, {
    description: 'adds or replaces the rule of a (SKU, destination country)',
  })
  @Roles(Role.ADMIN, Role.OPERATOR)
  setExportRule(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: SetExportRuleInput): Promise<ExportRule> {
    return this.rules.setRule(actor, input);
  }
}

@Resolver(() => ExportLicenseModel)
export class ExportLicenseResolver {
  constructor(private readonly licenses: ExportLicenseService) {}

  @Query(() => [ExportLicenseModel], { description: 'partner: its own' })
  @Roles(Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.PARTNER)
  exportLicenses(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('partnerId', { type: () => ID, nullable: true })
    partnerId: string | null,
  ): Promise<ExportLicenseModel[]> {
    return this.licenses.licenses(principal, partnerId);
  }

  @Mutation(() => ExportLicenseModel, {
    description: 'validUntil in the future',
  })
  @Roles(Role.ADMIN, Role.OPERATOR)
  grantExportLicense(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: GrantExportLicenseInput): Promise<ExportLicenseModel> {
    return this.licenses.grant(actor, input);
  }
}
