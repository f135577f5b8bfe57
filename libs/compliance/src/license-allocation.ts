/** A license as the allocation sees it; `active` is false once it has expired. */
export interface AllocatedLicense {
  quantity: number;
  active: boolean;
}

/**
 * How much of a partner's used units of a SKU each of its licenses for that SKU covers. The
 * licenses come in validUntil order, earliest first; each unexpired one takes at most its quantity
 * of what is left, and an expired one covers nothing, since headroom counts only unexpired licenses.
 */
export function allocateUsage(licenses: readonly AllocatedLicense[], usedUnits: number): number[] {
  let left = usedUnits;
  return licenses.map((license) => {
    if (!license.active) return 0;
    const covered = Math.min(license.quantity, left);
    left -= covered;
    return covered;
  });
}
