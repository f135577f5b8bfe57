import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  DocumentNode,
  FragmentDefinitionNode,
  getNullableType,
  getOperationAST,
  GraphQLError,
  GraphQLSchema,
  isListType,
  Kind,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  specifiedRules,
  validate,
  ValidationContext,
  ValidationRule,
  getVariableValues,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { ComplexityEstimator, fieldExtensionsEstimator, getComplexity } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/error-code';
import { MAX_PAGE_SIZE } from './pagination';

/** What one GraphQL request may ask for; the same on HTTP and graphql-ws. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
  maxCost: number;
  /** The most rows each list field without `first` can return, by schema coordinate (`Type.field`). */
  listBounds: Readonly<Record<string, number>>;
}

/** A request over one of the limits: refused before it runs, HTTP 400. */
export function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } } });
}

/** Options for graphql-js `parse`: the token cap. */
export const parseOptionsOf = (limits: OperationLimits) => ({ maxTokens: limits.maxTokens });

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Root fields an operation selects (each alias and each fragment's field counted), cycle-safe. */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = fragmentsOf(document);
  const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
    selectionSet.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FIELD) return sum + 1;
      if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return sum;
      return sum + count(fragment.selectionSet, new Set(seen).add(name));
    }, 0);
  return count(operation.selectionSet, new Set());
}

/** Refuses an operation selecting more than `max` root fields. */
function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const n = rootFieldCount(context.getDocument(), operation);
      if (n > max) context.reportError(limitError(`Too many root fields: ${n}, the limit is ${max}; send fewer in one request`));
    },
  });
}

/**
 * Validation rules for the document limits (graphql-armor; both cycle-safe, so a fragment cycle
 * reaches graphql-js's own NoFragmentCyclesRule instead of overflowing the stack).
 */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  const report = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(limitError(error.message.replace(/^Syntax Error: /, '')));
  const armor = { propagateOnRejection: false, onReject: [report], exposeLimits: true };
  return [
    maxDepthRule({ ...armor, n: limits.maxDepth, flattenFragments: true }) as ValidationRule,
    maxAliasesRule({ ...armor, n: limits.maxAliases }) as ValidationRule,
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

/**
 * Prices a list field by the rows it may return: `first` when it takes one, else its declared
 * bound (`listBounds`), else the largest page. The edges of a connection are priced by the
 * connection's `first`, so they count once.
 */
export function listEstimator(listBounds: OperationLimits['listBounds']): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const children = Math.max(childComplexity, 1);
    if (typeof args.first === 'number') return 1 + Math.max(args.first, 1) * children;
    if (!isListType(getNullableType(field.type))) return 1 + childComplexity;
    if (type.name.endsWith('Connection') && field.name === 'edges') return 1 + childComplexity;
    const bound = listBounds[`${type.name}.${field.name}`] ?? MAX_PAGE_SIZE;
    return 1 + bound * children;
  };
}

/** The estimated cost of an operation whose variables are valid. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  limits: OperationLimits,
): number {
  return getComplexity({
    schema,
    query: document,
    operationName: operationName ?? undefined,
    variables: variables ?? {},
    estimators: [fieldExtensionsEstimator(), listEstimator(limits.listBounds)],
  });
}

/**
 * Whether an operation's cost can depend on its variables: through the arguments of fields the
 * estimators read arguments of (a `first`, or a complexity function of their own), or through a
 * directive's (`@include(if: $x)`).
 */
function costReadsVariables(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let reads = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        const priced = field && (field.extensions?.complexity !== undefined || field.args.some((arg) => arg.name === 'first'));
        if (!priced || !node.arguments?.length) return;
        for (const argument of node.arguments) visit(argument, { Variable: () => void (reads = true) });
      },
      Directive(node) {
        for (const argument of node.arguments ?? []) visit(argument, { Variable: () => void (reads = true) });
      },
    }),
  );
  return reads;
}

/**
 * Costs by document (Apollo keeps one per query text) and operation name, for documents whose
 * cost reads no variables; null for a document whose cost does (priced at every request).
 */
const fixedCosts = new WeakMap<DocumentNode, Map<string, number> | null>();

/** Throws QUERY_TOO_COMPLEX for an operation over `maxCost` (its variables must be valid). */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  limits: OperationLimits,
): void {
  let known = fixedCosts.get(document);
  if (known === undefined) fixedCosts.set(document, (known = costReadsVariables(schema, document) ? null : new Map()));
  let cost = known?.get(operationName ?? '');
  if (cost === undefined) {
    try {
      cost = operationCost(schema, document, variables, operationName, limits);
    } catch (error) {
      throw limitError(`Query is too complex to price: ${(error as Error).message}`);
    }
    known?.set(operationName ?? '', cost);
  }
  if (cost > limits.maxCost) {
    throw limitError(`Query is too complex: ${cost} exceeds the limit of ${limits.maxCost}; ask for fewer items or fields`);
  }
}

/** A field complexity that multiplies the child cost by the page size (`first`). */
export const pagedComplexity = ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) =>
  1 + (args.first ?? 50) * Math.max(childComplexity, 1);

/** A GraphQL request as a transport received it. */
export interface OperationRequest {
  query: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** A request that passed every check: what graphql-js needs to run it. */
export interface AdmittedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown>;
}

const withCode = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/**
 * The checks Apollo runs on an HTTP request (parse with the token cap, validation with the limit
 * rules, variables, cost), for transports Apollo does not see (graphql-ws). Answers the errors
 * with the codes Apollo gives, so both transports refuse a request alike.
 */
export function admitOperation(
  schema: GraphQLSchema,
  request: OperationRequest,
  limits: OperationLimits,
): AdmittedOperation | readonly GraphQLError[] {
  const { query, variables, operationName } = request;
  if (typeof query !== 'string') return [withCode('The request has no query string', 'BAD_REQUEST')];
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return [withCode('`variables` should be an object', 'BAD_REQUEST')];
  }
  if (operationName != null && typeof operationName !== 'string') return [withCode('`operationName` should be a string', 'BAD_REQUEST')];
  let document: DocumentNode;
  try {
    document = parse(query, parseOptionsOf(limits));
  } catch (error) {
    return [withCode((error as Error).message, ErrorCode.GRAPHQL_PARSE_FAILED)];
  }
  const invalid = validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
  if (invalid.length > 0) {
    return invalid.map((e) => (e.extensions.code ? e : withCode(e.message, ErrorCode.GRAPHQL_VALIDATION_FAILED)));
  }
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [withCode('Could not identify the operation to run; name it with operationName', 'OPERATION_RESOLUTION_FAILURE')];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (variables ?? {}) as Record<string, unknown>, {
    maxErrors: 10,
  });
  if (coerced.errors) return coerced.errors.map((e) => withCode(e.message, ErrorCode.BAD_USER_INPUT));
  try {
    checkCost(schema, document, variables as Record<string, unknown> | undefined, operationName, limits);
  } catch (error) {
    return [error as GraphQLError];
  }
  return { document, operation, operationName: operationName ?? undefined, variableValues: coerced.coerced };
}
