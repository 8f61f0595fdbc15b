import { QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../src/database/sql';

/**
 * The quoted schema our tables live in: the `schema` option of the DataSource that runs the
 * migration (`DATABASE_SCHEMA`, default `tradecloud`). Migrations are written against it so the
 * schema name stays configurable.
 */
export function tradecloudSchema(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? 'tradecloud';
  return quoteIdentifier(schema);
}
