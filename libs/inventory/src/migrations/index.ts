import { Inventory1795921570352 } from './1795921570352-Inventory';
import { MarketReceivedUnits1796100000000 } from './1796100000000-MarketReceivedUnits';

/** The inventory tables' migrations, oldest first. */
export const INVENTORY_MIGRATIONS = [Inventory1795921570352, MarketReceivedUnits1796100000000];
