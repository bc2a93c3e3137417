// Stripe's request encoding: application/x-www-form-urlencoded with brackets for nesting,
// `line_items[0][price_data][unit_amount]=2500`, `metadata[purchase_id]=…`, `lookup_keys[0]=…`.
// Objects whose keys are all indices become arrays. Values stay strings, as Stripe receives them.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export function parseStripeForm(body: string | URLSearchParams): Record<string, FormValue> {
  const params = typeof body === 'string' ? new URLSearchParams(body) : body;
  const root: Record<string, FormValue> = {};
  for (const [name, value] of params) {
    const path = keyPath(name);
    let node: Record<string, FormValue> = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next !== 'object' || next === null) node[segment] = {};
      node = node[segment] as Record<string, FormValue>;
    });
  }
  return arraysFromIndices(root) as Record<string, FormValue>;
}

function keyPath(name: string): string[] {
  const first = name.indexOf('[');
  if (first === -1) return [name];
  const segments = [name.slice(0, first)];
  for (const match of name.slice(first).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1]!);
  return segments;
}

function arraysFromIndices(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(arraysFromIndices);
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((key) => [key, arraysFromIndices(value[key]!)]));
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((key) => converted[key]!);
  }
  return converted;
}
