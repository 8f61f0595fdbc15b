import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Room on each page for the next version of its rows (`fillfactor`), on the tables whose rows are
 * rewritten version after version without their indexed columns changing: a shipment and its
 * lines with every despatch-advice update (every line of every version), an order header with
 * every order event. With full pages (the default) each new row version goes to another page and
 * adds an entry to every index of the table; with room on the page it stays there as a
 * heap-only tuple (HOT): no index entry, and the old version is pruned from the page when no
 * transaction needs it any more.
 *
 * Not on `order_lines`: its indexes cover the statuses and the open value (prices, quantities),
 * which most line versions change, so few of its updates could be heap-only. Only pages written
 * from now on leave the room; stored ones fill up as they are rewritten.
 */
export class UpdateSpace1765000025000 implements MigrationInterface {
  name = 'UpdateSpace1765000025000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    for (const table of UPDATED_TABLES) await queryRunner.query(`ALTER TABLE ${s}.${table} SET (fillfactor = ${FILLFACTOR})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    for (const table of UPDATED_TABLES) await queryRunner.query(`ALTER TABLE ${s}.${table} RESET (fillfactor)`);
  }
}

/** Percent of a page filled by inserts: the rest is kept for updated versions of its rows. */
const FILLFACTOR = 70;
const UPDATED_TABLES = ['shipments', 'shipment_lines', 'orders'];
