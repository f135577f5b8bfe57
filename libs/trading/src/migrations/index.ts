import { Trading1795921920116 } from './1795921920116-Trading';
import { OpenOrderIndexes1795930000000 } from './1795930000000-OpenOrderIndexes';
import { PlaceOrder1796200000002 } from './1796200000002-PlaceOrder';
import { OrderBook1796400000000 } from './1796400000000-OrderBook';
import { BookHoldsBids1796500000000 } from './1796500000000-BookHoldsBids';
import { OrderHold1796600000000 } from './1796600000000-OrderHold';

/** The trading tables' migrations, oldest first. */
export const TRADING_MIGRATIONS = [
  Trading1795921920116,
  OpenOrderIndexes1795930000000,
  PlaceOrder1796200000002,
  OrderBook1796400000000,
  BookHoldsBids1796500000000,
  OrderHold1796600000000,
];
