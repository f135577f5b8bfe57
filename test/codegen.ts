import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the suites and benchmarks, from the api's committed schema and the operations in
// test/support/graphql (the console's set-up): an operation the schema no longer answers fails the build.
const config: CodegenConfig = {
  schema: 'apps/api/schema.gql',
  documents: ['test/support/graphql/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/support/graphql/generated/': {
      preset: 'client',
      config: { scalars: { Decimal: 'string', DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
      presetConfig: { fragmentMasking: false },
    },
  },
};
export default config;
