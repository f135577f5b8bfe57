/**
 * Announced after a change that may let orders of these markets match, or that they may no longer
 * match (supply received, an ask price or share set, an export rule changed) has committed.
 * Trading listens and asks for a match run of each.
 */
export class MarketsChanged {
  constructor(readonly marketIds: Iterable<string>) {}
}
