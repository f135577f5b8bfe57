import { CreditHold1796200000000 } from './1796200000000-CreditHold';

/** Identity's migrations, oldest first (its tables, `partner` and `api_key`, are the foundation's). */
export const IDENTITY_MIGRATIONS = [CreditHold1796200000000];
