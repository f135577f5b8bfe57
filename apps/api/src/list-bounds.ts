/**
 * The most rows each list field without `first` may return, by schema coordinate, for the cost
 * model (lists with `first` are priced by it; a list missing here is priced as a full page of
 * 500). A test fails when the schema has a list field that is neither paged nor listed here.
 */
export const LIST_BOUNDS: Readonly<Record<string, number>> = {
  // The catalog and the markets: SKUs × regions, a few dozen in practice.
  'Query.skus': 200,
  'Query.regions': 200,
  'Query.markets': 500,
  'Query.exportRules': 500,
  'SharePolicy.overrides': 200,
  // Partners and their keys, licenses and ledger accounts: 100+ partners.
  'Query.partners': 500,
  'Query.apiKeys': 500,
  'Query.exportLicenses': 500,
  'Query.trialBalance': 500,
  'Query.inventoryLots': 500,
  // One order's fills (most orders fill in a few) and one market's price levels.
  'Order.fills': 50,
  'OrderBook.bids': 100,
  // The job queues.
  'Query.queueCounts': 10,
  // The sales chart: at most 50 series and OTHER; salesOverTime's own estimator prices series ×
  // buckets × what each point asks for, so a series' points count once here.
  'Query.salesOverTime': 51,
  'SalesSeries.points': 1,
};
