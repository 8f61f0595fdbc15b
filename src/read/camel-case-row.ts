/** `{ order_id: … }` → `{ orderId: … }`: SQL rows in the read models' naming. */
export function camelCaseRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), value]));
}
