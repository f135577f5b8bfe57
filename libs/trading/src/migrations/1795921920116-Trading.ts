import { MigrationInterface, QueryRunner } from 'typeorm';

export class Trading1795921920116 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "fill" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "order_id" uuid NOT NULL, "partner_id" uuid NOT NULL, "market_id" uuid NOT NULL, "sku_code" text NOT NULL, "region_code" text NOT NULL, "quantity" integer NOT NULL, "price" numeric(12,2) NOT NULL, "amount" numeric(24,2) NOT NULL, "hold_amount" numeric(24,2) NOT NULL, "executed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "fill_hold" CHECK (hold_amount >= 0), CONSTRAINT "fill_amount" CHECK (amount = quantity * price), CONSTRAINT "fill_price" CHECK (price > 0), CONSTRAINT "fill_quantity" CHECK (quantity > 0), CONSTRAINT "PK_27c68239b5271f170cfe8946cc1" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "fill_executed" ON "fill"  ("executed_at", "id") `);
    await q.query(`CREATE INDEX "fill_partner_executed" ON "fill"  ("partner_id", "executed_at", "id") `);
    await q.query(`CREATE INDEX "fill_order" ON "fill"  ("order_id") `);
    await q.query(
      `CREATE TABLE "orders" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "partner_id" uuid NOT NULL, "client_order_id" text NOT NULL, "market_id" uuid NOT NULL, "sku_code" text NOT NULL, "region_code" text NOT NULL, "quantity" integer NOT NULL, "filled_quantity" integer NOT NULL DEFAULT '0', "limit_price" numeric(12,2) NOT NULL, "filled_amount" numeric(24,2) NOT NULL DEFAULT '0', "time_in_force" text NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE, "status" text NOT NULL DEFAULT 'OPEN', "status_reason" text, "resting" boolean NOT NULL DEFAULT false, "tax_rate_percent" numeric(5,2) NOT NULL, "hold_amount" numeric(24,2) NOT NULL, "hold_released" numeric(24,2) NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "orders_partner_client_order_id" UNIQUE ("partner_id", "client_order_id"), CONSTRAINT "orders_hold" CHECK (hold_amount > 0 AND hold_released >= 0 AND hold_released <= hold_amount), CONSTRAINT "orders_filled_status" CHECK ((status = 'FILLED') = (filled_quantity = quantity)), CONSTRAINT "orders_status" CHECK (status IN ('OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED')), CONSTRAINT "orders_time_in_force" CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')), CONSTRAINT "orders_limit_price" CHECK (limit_price > 0 AND limit_price <= 100000000), CONSTRAINT "orders_filled" CHECK (filled_quantity >= 0 AND filled_quantity <= quantity), CONSTRAINT "orders_quantity" CHECK (quantity BETWEEN 1 AND 1000000), CONSTRAINT "PK_710e2d4957aa5878dfe94e4ac2f" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "orders_created" ON "orders"  ("created_at", "id") `);
    await q.query(`CREATE INDEX "orders_partner_created" ON "orders"  ("partner_id", "created_at", "id") `);
    await q.query(
      `CREATE INDEX "orders_book" ON "orders"  ("market_id", "resting", "limit_price", "seq") WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
    await q.query(
      `ALTER TABLE "fill" ADD CONSTRAINT "FK_cc0bda99220e5cae55252403e1c" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "fill" ADD CONSTRAINT "FK_9c9729848b04f9b6d313a57fb44" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "fill" ADD CONSTRAINT "FK_de01bbc188783fae2fdf5848f3f" FOREIGN KEY ("market_id") REFERENCES "market"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "orders" ADD CONSTRAINT "FK_2a638f6716c29482cd3aa5a6587" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "orders" ADD CONSTRAINT "FK_b0effe864c8b0ffd638d38a48e8" FOREIGN KEY ("market_id") REFERENCES "market"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(`CREATE TRIGGER fill_append_only BEFORE UPDATE OR DELETE ON fill FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER fill_append_only ON fill`);
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT "FK_b0effe864c8b0ffd638d38a48e8"`);
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT "FK_2a638f6716c29482cd3aa5a6587"`);
    await q.query(`ALTER TABLE "fill" DROP CONSTRAINT "FK_de01bbc188783fae2fdf5848f3f"`);
    await q.query(`ALTER TABLE "fill" DROP CONSTRAINT "FK_9c9729848b04f9b6d313a57fb44"`);
    await q.query(`ALTER TABLE "fill" DROP CONSTRAINT "FK_cc0bda99220e5cae55252403e1c"`);
    await q.query(`DROP INDEX "public"."orders_book"`);
    await q.query(`DROP INDEX "public"."orders_partner_created"`);
    await q.query(`DROP INDEX "public"."orders_created"`);
    await q.query(`DROP TABLE "orders"`);
    await q.query(`DROP INDEX "public"."fill_order"`);
    await q.query(`DROP INDEX "public"."fill_partner_executed"`);
    await q.query(`DROP INDEX "public"."fill_executed"`);
    await q.query(`DROP TABLE "fill"`);
  }
}
