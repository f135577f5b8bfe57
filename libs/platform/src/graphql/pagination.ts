import { Type } from '@nestjs/common';
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { SelectQueryBuilder } from 'typeorm';
import { BadInputError } from '../errors/domain-error';
import { isUuid } from '../validation/uuid';

export const MAX_PAGE_SIZE = 500;

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  totalCount: number;
  cursorOf: (node: T) => string;
}

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function connectionTypes<T>(node: Type<T>, name: string): Type<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => node) node: T;
    @Field() cursor: string;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge]) edges: Edge[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    @Field(() => Int) totalCount: number;
  }
  return ConnectionType;
}

/** The page with each node mapped (say, an entity to its GraphQL model), each keeping its cursor. */
export function mapPage<T, U>(page: Page<T>, map: (node: T) => U): Page<U> {
  const cursors = new Map<U, string>();
  const nodes = page.nodes.map((node) => {
    const mapped = map(node);
    cursors.set(mapped, page.cursorOf(node));
    return mapped;
  });
  return { ...page, nodes, cursorOf: (node) => cursors.get(node)! };
}

export function toConnection<T>(page: Page<T>): Connection<T> {
  const edges = page.nodes.map((node) => ({ node, cursor: page.cursorOf(node) }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: page.totalCount,
  };
}

/** Checks a page size: 1 ≤ first ≤ 500. */
export function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE} (got ${first})`);
  }
  return first;
}

/** A keyset cursor: the sort position (time, id) of the last row seen, opaque to clients. */
export interface KeysetCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(value: string | null | undefined): KeysetCursor | undefined {
  if (value == null) return undefined;
  const [at, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (rest.length > 0 || Number.isNaN(date.getTime()) || !isUuid(id)) {
    throw new BadInputError('after is not a cursor this API gave out');
  }
  return { at: date, id: id! };
}

/**
 * One page of a query, newest first, keyset-paginated on (`timeColumn`, id): `first` rows after
 * the cursor, whether more follow, and the total the query matches.
 */
export async function keysetPage<T extends { id: string }>(
  query: SelectQueryBuilder<T>,
  timeColumn: string,
  timeOf: (row: T) => Date,
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  const cursor = decodeCursor(after);
  const totalCount = await query.clone().getCount();
  if (cursor) query.andWhere(`(${timeColumn}, ${query.alias}.id) < (:cursorAt, :cursorId)`, { cursorAt: cursor.at, cursorId: cursor.id });
  const rows = await query
    .orderBy(timeColumn, 'DESC')
    .addOrderBy(`${query.alias}.id`, 'DESC')
    .take(first + 1)
    .getMany();
  return {
    nodes: rows.slice(0, first),
    hasNextPage: rows.length > first,
    totalCount,
    cursorOf: (row) => encodeCursor({ at: timeOf(row), id: row.id }),
  };
}
