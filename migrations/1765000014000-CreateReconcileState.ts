import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Backfill and reconciliation through Tradecloud's polling API.
 *
 * - `reconcile_state`: one row per kind (`orders`, `shipments`). `cursor` is the newest
 *   `lastUpdatedAt` Tradecloud returned for entities that were applied, kept verbatim (never a
 *   local clock); the next pass polls from it minus the overlap. `resume_from` is where an
 *   interrupted `sync --all`/`--since` stopped (NULL once a sweep completed). The `last_*`
 *   columns describe the last pass (for `tradecloud status`).
 * - `api_request_budget`: one row holding the next free request slot to Tradecloud. Every
 *   process (all instances and the CLI) takes its slot with one UPDATE, so together they stay
 *   within Tradecloud's requests per second.
 */
export class CreateReconcileState1765000014000 implements MigrationInterface {
  name = 'CreateReconcileState1765000014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.reconcile_state (
        kind                  text        NOT NULL,
        cursor                text,
        resume_from           text,
        last_pass_started_at  timestamptz,
        last_pass_finished_at timestamptz,
        last_pass_duration_ms integer,
        last_outcome          text,
        last_error            text,
        last_fetched          integer,
        last_applied          integer,
        last_missed           integer,
        last_counts           jsonb,
        last_success_at       timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reconcile_state_pkey PRIMARY KEY (kind),
        CONSTRAINT reconcile_state_kind_check CHECK (kind IN ('orders', 'shipments')),
        CONSTRAINT reconcile_state_last_outcome_check CHECK (last_outcome IN ('success', 'failed', 'interrupted'))
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.api_request_budget (
        id        smallint    NOT NULL DEFAULT 1,
        next_slot timestamptz NOT NULL,
        CONSTRAINT api_request_budget_pkey PRIMARY KEY (id),
        CONSTRAINT api_request_budget_single_row_check CHECK (id = 1)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.api_request_budget`);
    await queryRunner.query(`DROP TABLE ${s}.reconcile_state`);
  }
}
