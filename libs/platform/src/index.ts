export { CONFIG_VARIABLES, loadConfig } from './config/app-config';
export type { AppConfig } from './config/app-config';
export { APP_CONFIG } from './config/config.module';
export { dataSourceOptions, migrate } from './database/data-source-options';
export { ApiStatementTimeoutModule } from './database/database.module';
export { isUniqueViolation, retryOnConflict, ServiceBusyError, transactionWithRetry } from './database/transaction-retry';
export { SentStatements } from './database/sent-statements';
export { BatchCollector } from './batching/batch-collector';
export { databaseRefusal } from './database/database-refusal';
export { runPrepared, runPreparedRaw } from './database/prepared-statement';
export type { PreparedStatement, RawRows } from './database/prepared-statement';
export { ErrorCode } from './errors/error-code';
export { BadInputError, DomainError, ForbiddenError, NotFoundError, UnauthenticatedError } from './errors/domain-error';
export { formatGraphQLError } from './errors/format-error';
export { isUnavailableError } from './errors/unavailable';
export { DecimalScalar } from './graphql/decimal.scalar';
export { DateTimeScalar } from './graphql/date-time.scalar';
export { connectionTypes, encodeCursor, keysetPage, mapPage, pageSize, toConnection } from './graphql/pagination';
export type { Connection, Page } from './graphql/pagination';
export {
  bigintCountTransformer,
  ceilFen,
  Decimal,
  DECIMAL_PATTERN,
  decimalTransformer,
  formatDecimal,
  roundFen,
  ZERO,
} from './money/decimal';
export { QueueName } from './queues/queue-names';
export { Role, STAFF_ROLES, partnerScope } from './auth/principal';
export type { AuthPrincipal } from './auth/principal';
export { loaderFor } from './auth/request-context';
export type { RequestContext } from './auth/request-context';
export { allowRoles, CurrentPrincipal, Roles, ROLES_KEY, RolesGuard } from './auth/roles';
export { AuditEvent } from './audit/audit-event.entity';
export { AuditService } from './audit/audit.service';
export { HealthModule } from './health/health.module';
export { HealthService } from './health/health.service';
export { countOrderEvents, transactionRetries } from './metrics/metrics';
export { BusinessMetricsModule, MetricsModule } from './metrics/metrics.module';
export { scrapedGauge } from './metrics/business-metrics';
export type { GaugeSample } from './metrics/business-metrics';
export { graphqlMetricsPlugin } from './metrics/graphql-metrics.plugin';
export { IsCleanText, IsDecimalInRange } from './validation/decimal.validators';
export { admitOperation, limitRules, operationCost, pagedComplexity, parseOptionsOf } from './graphql/operation-limits';
export type { OperationLimits, OperationRequest } from './graphql/operation-limits';
export { limitsPlugin, rateLimitedGraphQLError, ratePointsOf } from './graphql/limits.plugin';
export { InputValidationPipe } from './validation/input-validation.pipe';
export { RateLimitedError, RequestLimiter } from './auth/request-limiter';
export { EventBus } from './events/pubsub.module';
export { DomainEvents } from './events/domain-events';
export { QueueWorker } from './queues/queue-worker';
export { isUuid } from './validation/uuid';
export { PlatformModule } from './platform.module';
export { QUEUE_RESOLVERS } from './queues/queue-counts.resolver';
