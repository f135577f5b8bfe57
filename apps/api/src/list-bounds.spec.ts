import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, getNullableType, isListType, isObjectType, parse } from 'graphql';
import { operationCost, OperationLimits } from '@gpupool/platform';
import { LIST_BOUNDS } from './list-bounds';

const schema = buildSchema(readFileSync(resolve(__dirname, '../schema.gql'), 'utf8'));
const limits: OperationLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 30,
  maxTokens: 3000,
  maxCost: 20_000,
  listBounds: LIST_BOUNDS,
};
const cost = (query: string) => operationCost(schema, parse(query), {}, undefined, limits);

describe('the cost model sees every list', () => {
  it('has a bound for every list field that takes no first (connection edges are priced by their page)', () => {
    const unbounded = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => !type.name.startsWith('__'))
      .flatMap((type) =>
        Object.values(type.getFields())
          .filter((field) => isListType(getNullableType(field.type)) && !field.args.some((a) => a.name === 'first'))
          .filter((field) => !(type.name.endsWith('Connection') && field.name === 'edges'))
          .map((field) => `${type.name}.${field.name}`),
      );
    expect(unbounded.filter((coordinate) => !(coordinate in LIST_BOUNDS))).toEqual([]);
    expect(Object.keys(LIST_BOUNDS).filter((coordinate) => !unbounded.includes(coordinate))).toEqual([]);
  });

  it('prices a list by its bound, aliases one by one, and a page by first', () => {
    expect(cost('{ markets { id } }')).toBe(1 + LIST_BOUNDS['Query.markets']);
    expect(cost('{ a: markets { id } b: markets { id } }')).toBe(2 * (1 + LIST_BOUNDS['Query.markets']));
    expect(cost('{ markets { id sku { code } } }')).toBe(1 + LIST_BOUNDS['Query.markets'] * 3);
    expect(cost('{ orders(first: 10) { edges { node { id fills { id } } } } }')).toBe(
      1 + 10 * (1 + 1 + 1 + (1 + LIST_BOUNDS['Order.fills'])),
    );
    expect(cost('{ me { id } }')).toBe(2);
  });
});
