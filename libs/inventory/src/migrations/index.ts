import { Inventory1795921570352 } from './1795921570352-Inventory';

/** The inventory tables' migrations, oldest first. */
export const INVENTORY_MIGRATIONS = [Inventory1795921570352];
