/** The currency the books are kept in. */
export const BOOK_CURRENCY = 'CNY';

/** The well-known accounts, seeded by the Ledger migration. */
export const Account = {
  CASH: 'CASH',
  INVENTORY: 'INVENTORY',
  SALES_REVENUE: 'SALES_REVENUE',
  VAT_PAYABLE: 'VAT_PAYABLE',
  COGS: 'COGS',
  /** The other side of inventory received into the fleet. */
  FLEET_CAPITAL: 'FLEET_CAPITAL',
} as const;

const RECEIVABLE_PREFIX = 'RECEIVABLE:';

/** The code of a partner's receivable account, created on first use. */
export function receivableCode(partnerId: string): string {
  return `${RECEIVABLE_PREFIX}${partnerId}`;
}
