/** Quotes a Postgres identifier (schema, table, column) so any configured name is safe in SQL text. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Postgres identifiers: what `DATABASE_SCHEMA` and the `schema` option accept. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_$]{0,62}$/;
