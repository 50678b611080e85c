package store

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Migration 16 moves "this order is not settled yet" out of the order's
// row into a narrow table of its own, unsettled_orders (the order's id and
// business date). Until now a settle run set orders.settled = 1 in every
// order it settled: an UPDATE of a ~800-byte row for a one-bit fact, so a
// settle run rewrote every page of the orders table (a fifth of the pages
// a 100k night writes to the WAL, and as many again at its checkpoints).
// Now the settle run deletes the order's entry from unsettled_orders,
// whose pages are a few bytes per order.
//
// The invariant of store/unsettled.go ("nothing accepted is stranded")
// holds by construction: the entry is made by a trigger on the insert of
// the order, whatever path inserts it (import, API, a re-import after a
// void), and removed by a trigger when the order row is deleted, so there
// is no insert path that can forget it. unsettled_orders is its key
// (business_date, id), one B-tree on SQLite (WITHOUT ROWID), walked in
// that order as the partial index orders_unsettled was, which it
// replaces; an order's entry is found by the order's business date and id.
//
// orders.settled stays (dropping a column rewrites the table) but is no
// longer maintained: from version 16 on it means nothing. Cancellations
// keep their settled flag: they are a tenth of the records and small.
const schemaV16 = `
CREATE TABLE unsettled_orders (
	business_date TEXT NOT NULL,
	id {{int}} NOT NULL,
	PRIMARY KEY (business_date, id)
){{without rowid}};
INSERT INTO unsettled_orders (business_date, id) SELECT business_date, id FROM orders WHERE settled = 0;
DROP INDEX orders_unsettled;
`

// triggersV16 keep unsettled_orders in step with the inserts and deletes
// of orders. On PostgreSQL they are statement triggers over the
// transition tables: one INSERT … SELECT per multi-row insert of orders,
// not one call per row.
var triggersV16 = map[Dialect][]string{
	SQLite: {
		`CREATE TRIGGER orders_unsettled_insert AFTER INSERT ON orders BEGIN
			INSERT INTO unsettled_orders (business_date, id) VALUES (NEW.business_date, NEW.id);
		END`,
		`CREATE TRIGGER orders_unsettled_delete AFTER DELETE ON orders BEGIN
			DELETE FROM unsettled_orders WHERE business_date = OLD.business_date AND id = OLD.id;
		END`,
	},
	Postgres: {
		`CREATE FUNCTION orders_unsettled_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO unsettled_orders (business_date, id) SELECT business_date, id FROM new_orders;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER orders_unsettled_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_orders
			FOR EACH STATEMENT EXECUTE FUNCTION orders_unsettled_insert()`,
		`CREATE FUNCTION orders_unsettled_delete() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			DELETE FROM unsettled_orders u USING old_orders o WHERE u.business_date = o.business_date AND u.id = o.id;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER orders_unsettled_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_orders
			FOR EACH STATEMENT EXECUTE FUNCTION orders_unsettled_delete()`,
	},
}

// migrateV16 creates unsettled_orders, fills it with the orders whose
// settled flag is still 0 (through the partial index it then drops), and
// creates the triggers that keep it.
func migrateV16(tx *gorm.DB, d Dialect) error {
	script := strings.ReplaceAll(schemaV16, "{{without rowid}}", map[Dialect]string{SQLite: " WITHOUT ROWID", Postgres: ""}[d])
	if err := execScript(tx, d, script); err != nil {
		return err
	}
	for _, stmt := range triggersV16[d] {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	return nil
}
