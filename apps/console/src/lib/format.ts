/** Display helpers. Money stays a decimal string end to end; only charts turn it into numbers. */

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "123456789.5" → "123,456,789.50" (exact: string arithmetic only). */
export function money(value: string | null | undefined, currency = ''): string {
  if (value == null) return '—';
  const negative = value.startsWith('-');
  const [int, frac = ''] = value.replace(/^-/, '').split('.');
  const text = `${negative ? '−' : ''}${group(int)}.${frac.padEnd(2, '0').slice(0, Math.max(2, frac.length))}`;
  return currency ? `${currency} ${text}` : text;
}

export const units = (n: number | null | undefined) => (n == null ? '—' : group(String(n)));

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** "12-02 01:58:08" (UTC), for dense tables. */
export const shortDateTime = (iso: string) => new Date(iso).toISOString().slice(5, 19).replace('T', ' ');

export const time = (iso: string) => new Date(iso).toISOString().slice(11, 19);

export const percent = (value: string | null | undefined) => (value == null ? '—' : `${value} %`);

/** A chart value: decimals become floats here only, for drawing. */
export const plot = (value: string) => Number(value);

export const marketName = (sku: string, region: string) => `${sku} · ${region}`;

/** A partner's name from a list of partners, or the start of its id when the list lacks it. */
export const partnerName = (partners: { id: string; name: string }[], id: string) =>
  partners.find((p) => p.id === id)?.name ?? id.slice(0, 8);
