// Stripe gives a related object as its id, or as the object itself when the request expanded it.

/** The id of a related object, whichever way Stripe gave it. */
export function idOf(value: string | { id?: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : (value.id ?? null);
}
