package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// migration is one numbered schema step. Steps run in order, each in its own
// transaction together with the insert of its row in schema_migrations, so a
// step is applied entirely or not at all. A released step is never edited:
// a change to the schema is a new step.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB, d Dialect) error
}

var migrations = []migration{
	{1, "initial schema", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV1) }},
	{2, "intent retry backoff: transfer_intents.not_before_ms", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV2) }},
	{3, "platform setting from PortOne: platform_settings", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV3) }},
	{4, "PortOne's answers in the settlement shape, cancels positive", migrateV4},
	{5, "nothing stranded: orders and cancellations settled, partial indexes of the unsettled", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV5) }},
	{6, "the merchant's rules: settlements.rules_version", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaRulesVersion) }},
	{7, "scale: a record's lines in its row (detail), an index of the cancellations without their order", migrateV7},
	{8, "claims from a partial index of the pending intents; open transfers by status and dates", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV8) }},
	{9, "partner settlements and payouts with their history and checks (issue #15)", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaPayouts) }},
	{10, "the merchant's rules by version: rules_files", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaRulesFiles) }},
	{11, "operations: voided_records (records withdrawn before they were posted), adjustments (manual transfers)", migrateV11},
	{12, "reports sorted by partner and settlement date: settlements_report", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaReport) }},
	{13, "corrections at PortOne: record generations, the deleted transfer of a voided record", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV13) }},
	{14, "reconcile by fingerprint: settlements and portone_transfers compare_digest", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaDigest) }},
	{15, "the workbook's joins served by covering indexes of intents, PortOne's transfers and lines", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaReportIndexes) }},
	{16, "settle without rewriting orders: unsettled_orders, kept by triggers, replaces orders.settled", migrateV16},
	{17, "posting appends to its indexes: the report finds answers through portone_transfers_intent, which covers it", func(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV17) }},
	{18, "the workbook reads an order's name from orders.order_name, kept at import, not from its request", migrateV18},
}

// LatestVersion is the schema version this program migrates to.
func LatestVersion() int { return migrations[len(migrations)-1].version }

// pgMigrationLock is the advisory lock key that serialises migrations of
// several instances starting at once on PostgreSQL.
const pgMigrationLock = 0x5e771e

func (s *Store) migrate(ctx context.Context, upTo int) error {
	if upTo == 0 {
		upTo = LatestVersion()
	}
	db := s.w(ctx)
	// Several instances may start at once on a new database: PostgreSQL's
	// CREATE TABLE IF NOT EXISTS is not safe against itself, so it runs
	// under the migration lock too.
	err := db.Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", pgMigrationLock).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL)`).Error
	})
	if err != nil {
		return &MigrationError{Name: "schema_migrations", Err: err}
	}
	cur, err := currentVersion(ctx, db)
	if err != nil {
		return err
	}
	if cur > LatestVersion() {
		return fmt.Errorf("database at schema version %d, this program knows %d: %w", cur, LatestVersion(), ErrSchemaTooNew)
	}
	// Every migration not yet recorded is applied, also one numbered below
	// the newest applied: branches own their numbers and land in any order
	// (each branch's migrations touch only its own tables and columns), so a
	// database migrated by a build with 13 still gets 11 when it arrives.
	applied, err := appliedVersions(ctx, db)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if m.version > upTo || applied[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if s.dialect == Postgres {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", pgMigrationLock).Error; err != nil {
					return err
				}
			}
			var done int64
			if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&done).Error; err != nil {
				return err
			}
			if done > 0 { // another instance applied it meanwhile
				return nil
			}
			if err := m.up(tx, s.dialect); err != nil {
				return err
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, s.nowUTC().Format(time.RFC3339Nano)).Error
		})
		if err != nil {
			return &MigrationError{Version: m.version, Name: m.name, Err: err}
		}
	}
	return nil
}

func appliedVersions(ctx context.Context, db *gorm.DB) (map[int]bool, error) {
	var vs []int
	if err := db.WithContext(ctx).Raw("SELECT version FROM schema_migrations").Scan(&vs).Error; err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	out := make(map[int]bool, len(vs))
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

func currentVersion(ctx context.Context, db *gorm.DB) (int, error) {
	var v *int
	if err := db.WithContext(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// amountNamesV1 are the amount columns of schema version 1, without their
// a_ prefix.
func amountNamesV1() []string {
	return []string{
		"settlement", "settlement_tax_free", "payment", "payment_vat", "payment_vat_burden",
		"payment_tax_free", "payment_supply", "order", "order_tax_free", "platform_fee",
		"platform_fee_vat", "additional_fee", "additional_fee_vat", "discount", "discount_tax_free",
		"discount_share", "discount_share_tax_free",
	}
}

// execScript runs a DDL script statement by statement after expanding the
// dialect placeholders:
//
//	{{pk}}       the integer surrogate primary key
//	{{int}}      a 64-bit integer (money, counts, milli-percent rates, unix ms)
//	{{ts}}       an instant (TEXT in fixed-width UTC RFC 3339 on SQLite)
//	{{blob}}     bytes, NOT NULL, empty by default
//	{{amounts}}  the 17 amount columns a_* of PortOne's settlement amount block
func execScript(tx *gorm.DB, d Dialect, script string) error {
	r := strings.NewReplacer(
		"{{pk}}", map[Dialect]string{SQLite: "INTEGER PRIMARY KEY", Postgres: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"}[d],
		"{{int}}", map[Dialect]string{SQLite: "INTEGER", Postgres: "BIGINT"}[d],
		"{{ts}}", map[Dialect]string{SQLite: "TEXT", Postgres: "TIMESTAMPTZ"}[d],
		"{{blob}}", map[Dialect]string{SQLite: "BLOB NOT NULL DEFAULT x''", Postgres: "BYTEA NOT NULL DEFAULT ''::bytea"}[d],
		"{{amounts}}", amountColumnsV1(d),
	)
	for _, stmt := range strings.Split(r.Replace(script), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, strings.TrimSpace(stmt))
		}
	}
	return nil
}

// amountColumnsV1 is the amount block as released in schema version 1. It is
// frozen: a field added to settlement.Amounts later needs a migration that
// adds its column (TestSchemaHasEveryAmountField fails until one does).
func amountColumnsV1(d Dialect) string {
	names := amountNamesV1()
	typ := map[Dialect]string{SQLite: "INTEGER", Postgres: "BIGINT"}[d]
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(",\n\t")
		}
		fmt.Fprintf(&b, "a_%s %s NOT NULL DEFAULT 0", n, typ)
	}
	return b.String()
}

const schemaV1 = `
CREATE TABLE partners (
	id {{pk}},
	partner_id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	default_contract_id TEXT NOT NULL DEFAULT '',
	raw_json TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE TABLE contracts (
	id {{pk}},
	contract_id TEXT NOT NULL,
	version {{int}} NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	fee_kind TEXT NOT NULL,
	fee_rate {{int}} NOT NULL DEFAULT 0,
	fee_amount {{int}} NOT NULL DEFAULT 0,
	fee_vat_payer TEXT NOT NULL DEFAULT '',
	subtract_payment_vat {{int}} NOT NULL DEFAULT 0,
	cycle_json TEXT NOT NULL DEFAULT '',
	applied_at TEXT NOT NULL DEFAULT '',
	raw_json TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL,
	recorded_at {{ts}} NOT NULL,
	UNIQUE (contract_id, version)
);
CREATE TABLE discount_share_policies (
	id {{pk}},
	policy_id TEXT NOT NULL,
	version {{int}} NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	partner_share_rate {{int}} NOT NULL,
	applied_at TEXT NOT NULL DEFAULT '',
	raw_json TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL,
	recorded_at {{ts}} NOT NULL,
	UNIQUE (policy_id, version)
);
CREATE TABLE additional_fee_policies (
	id {{pk}},
	policy_id TEXT NOT NULL,
	version {{int}} NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	fee_kind TEXT NOT NULL,
	fee_rate {{int}} NOT NULL DEFAULT 0,
	fee_amount {{int}} NOT NULL DEFAULT 0,
	vat_payer TEXT NOT NULL DEFAULT '',
	applied_at TEXT NOT NULL DEFAULT '',
	raw_json TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL,
	recorded_at {{ts}} NOT NULL,
	UNIQUE (policy_id, version)
);
CREATE TABLE orders (
	id {{pk}},
	partner_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	contract_id TEXT NOT NULL DEFAULT '',
	contract_version {{int}} NOT NULL DEFAULT 0,
	has_lines {{int}} NOT NULL DEFAULT 0,
	order_amount {{int}} NOT NULL DEFAULT 0,
	tax_free {{int}},
	settlement_start_date TEXT NOT NULL DEFAULT '',
	settlement_date TEXT NOT NULL DEFAULT '',
	paid_at {{ts}} NOT NULL,
	business_date TEXT NOT NULL,
	request_json TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	UNIQUE (partner_id, payment_id)
);
CREATE INDEX orders_business_date ON orders (business_date);
CREATE INDEX orders_payment ON orders (payment_id);
CREATE TABLE order_lines (
	id {{pk}},
	order_ref {{int}} NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	product_id TEXT NOT NULL,
	product_name TEXT NOT NULL DEFAULT '',
	product_amount {{int}} NOT NULL,
	product_tax_free {{int}} NOT NULL DEFAULT 0,
	product_tag TEXT NOT NULL DEFAULT '',
	quantity {{int}} NOT NULL,
	UNIQUE (order_ref, line_no)
);
CREATE TABLE order_discounts (
	id {{pk}},
	order_ref {{int}} NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	seq {{int}} NOT NULL,
	share_policy_id TEXT NOT NULL,
	amount {{int}} NOT NULL,
	tax_free {{int}} NOT NULL DEFAULT 0,
	UNIQUE (order_ref, line_no, seq)
);
CREATE TABLE order_additional_fees (
	id {{pk}},
	order_ref {{int}} NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	seq {{int}} NOT NULL,
	policy_id TEXT NOT NULL,
	UNIQUE (order_ref, line_no, seq)
);
CREATE TABLE cancellations (
	id {{pk}},
	partner_id TEXT NOT NULL,
	cancellation_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	transfer_id TEXT NOT NULL DEFAULT '',
	order_ref {{int}} REFERENCES orders (id),
	form TEXT NOT NULL,
	order_amount {{int}} NOT NULL DEFAULT 0,
	tax_free {{int}},
	settlement_start_date TEXT NOT NULL DEFAULT '',
	settlement_date TEXT NOT NULL DEFAULT '',
	cancelled_at {{ts}} NOT NULL,
	business_date TEXT NOT NULL,
	request_json TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	webhook_id TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	UNIQUE (partner_id, cancellation_id)
);
CREATE INDEX cancellations_payment ON cancellations (partner_id, payment_id);
CREATE INDEX cancellations_business_date ON cancellations (business_date);
CREATE TABLE cancellation_lines (
	id {{pk}},
	cancellation_ref {{int}} NOT NULL REFERENCES cancellations (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	product_id TEXT NOT NULL,
	quantity {{int}} NOT NULL,
	UNIQUE (cancellation_ref, line_no)
);
CREATE TABLE cancellation_discounts (
	id {{pk}},
	cancellation_ref {{int}} NOT NULL REFERENCES cancellations (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	seq {{int}} NOT NULL,
	share_policy_id TEXT NOT NULL,
	amount {{int}} NOT NULL,
	tax_free {{int}} NOT NULL DEFAULT 0,
	UNIQUE (cancellation_ref, line_no, seq)
);
CREATE TABLE settlements (
	id {{pk}},
	partner_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	cancellation_id TEXT NOT NULL DEFAULT '',
	order_ref {{int}} REFERENCES orders (id),
	cancellation_ref {{int}} REFERENCES cancellations (id),
	contract_id TEXT NOT NULL DEFAULT '',
	contract_version {{int}} NOT NULL DEFAULT 0,
	policy_versions TEXT NOT NULL DEFAULT '',
	business_date TEXT NOT NULL,
	settlement_start_date TEXT NOT NULL,
	settlement_date TEXT NOT NULL,
	{{amounts}},
	detail_json TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL,
	computed_at {{ts}} NOT NULL,
	UNIQUE (partner_id, payment_id, kind, cancellation_id)
);
CREATE INDEX settlements_business_date ON settlements (business_date);
CREATE INDEX settlements_partner_date ON settlements (partner_id, settlement_date);
CREATE TABLE settlement_lines (
	id {{pk}},
	settlement_ref {{int}} NOT NULL REFERENCES settlements (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	product_id TEXT NOT NULL,
	product_name TEXT NOT NULL DEFAULT '',
	quantity {{int}} NOT NULL,
	settlement_start_date TEXT NOT NULL,
	settlement_date TEXT NOT NULL,
	{{amounts}},
	detail_json TEXT NOT NULL DEFAULT '',
	UNIQUE (settlement_ref, line_no)
);
CREATE TABLE transfer_intents (
	id {{pk}},
	intent_id TEXT NOT NULL UNIQUE,
	partner_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	cancellation_id TEXT NOT NULL DEFAULT '',
	settlement_ref {{int}} REFERENCES settlements (id),
	business_date TEXT NOT NULL,
	request_json TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts {{int}} NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	claim_owner TEXT NOT NULL DEFAULT '',
	lease_expires_ms {{int}} NOT NULL DEFAULT 0,
	portone_transfer_id TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (partner_id, payment_id, kind, cancellation_id)
);
CREATE INDEX transfer_intents_claim ON transfer_intents (status, lease_expires_ms);
CREATE INDEX transfer_intents_business_date ON transfer_intents (business_date);
CREATE TABLE portone_transfers (
	id {{pk}},
	transfer_id TEXT NOT NULL UNIQUE,
	intent_ref {{int}} REFERENCES transfer_intents (id),
	partner_id TEXT NOT NULL DEFAULT '',
	payment_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	cancellation_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	settlement_start_date TEXT NOT NULL DEFAULT '',
	settlement_date TEXT NOT NULL DEFAULT '',
	{{amounts}},
	raw_json TEXT NOT NULL DEFAULT '',
	recorded_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX portone_transfers_intent ON portone_transfers (intent_ref);
CREATE INDEX portone_transfers_status ON portone_transfers (status);
CREATE TABLE portone_transfer_lines (
	id {{pk}},
	portone_transfer_ref {{int}} NOT NULL REFERENCES portone_transfers (id) ON DELETE CASCADE,
	line_no {{int}} NOT NULL,
	product_id TEXT NOT NULL,
	quantity {{int}} NOT NULL,
	{{amounts}},
	UNIQUE (portone_transfer_ref, line_no)
);
CREATE TABLE transfer_status_history (
	id {{pk}},
	transfer_id TEXT NOT NULL,
	intent_id TEXT NOT NULL DEFAULT '',
	partner_id TEXT NOT NULL DEFAULT '',
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	observed_at {{ts}} NOT NULL
);
CREATE INDEX transfer_status_history_transfer ON transfer_status_history (transfer_id);
CREATE TABLE mismatches (
	id {{pk}},
	business_date TEXT NOT NULL,
	partner_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	intent_id TEXT NOT NULL DEFAULT '',
	transfer_id TEXT NOT NULL DEFAULT '',
	product_id TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	local_value {{int}} NOT NULL DEFAULT 0,
	portone_value {{int}} NOT NULL DEFAULT 0,
	diff {{int}} NOT NULL DEFAULT 0,
	local_text TEXT NOT NULL DEFAULT '',
	portone_text TEXT NOT NULL DEFAULT '',
	recorded_at {{ts}} NOT NULL
);
CREATE INDEX mismatches_business_date ON mismatches (business_date, partner_id);
CREATE TABLE rejected_records (
	id {{pk}},
	source TEXT NOT NULL,
	file TEXT NOT NULL DEFAULT '',
	line {{int}} NOT NULL DEFAULT 0,
	partner_id TEXT NOT NULL DEFAULT '',
	record_key TEXT NOT NULL DEFAULT '',
	payload TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	error_type TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	dedup_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX rejected_records_received ON rejected_records (received_at);
CREATE TABLE webhook_events (
	id {{pk}},
	webhook_id TEXT NOT NULL UNIQUE,
	event_type TEXT NOT NULL DEFAULT '',
	payment_id TEXT NOT NULL DEFAULT '',
	cancellation_id TEXT NOT NULL DEFAULT '',
	sent_at {{ts}},
	raw_json TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	processed_at {{ts}},
	process_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE job_runs (
	id {{pk}},
	job TEXT NOT NULL,
	business_date TEXT NOT NULL,
	status TEXT NOT NULL,
	counts_json TEXT NOT NULL DEFAULT '',
	checkpoint TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	started_at {{ts}} NOT NULL,
	finished_at {{ts}},
	owner TEXT NOT NULL DEFAULT '',
	lease_expires_ms {{int}} NOT NULL DEFAULT 0,
	attempts {{int}} NOT NULL DEFAULT 0,
	UNIQUE (job, business_date)
);
`

// schemaV2 adds a not-before time to intents so a retryable failure can
// back off before the intent is claimable again.
const schemaV2 = `
ALTER TABLE transfer_intents ADD COLUMN not_before_ms {{int}} NOT NULL DEFAULT 0;
CREATE INDEX transfer_intents_ready ON transfer_intents (status, not_before_ms);
`

const schemaV3 = `
CREATE TABLE platform_settings (
	id {{pk}},
	environment TEXT NOT NULL UNIQUE,
	adjust_earlier_to_next_day {{int}} NOT NULL DEFAULT 0,
	multiple_order_transfers {{int}} NOT NULL DEFAULT 0,
	raw_json TEXT NOT NULL DEFAULT '',
	updated_at {{ts}} NOT NULL
);
`

// schemaV4 gives PortOne's answers the columns of our own transfers
// (settlements, settlement_lines), so that one loader reads both: the
// contract, the order-level and per-line discounts and fees, product
// names and the dates on each line. negated records that PortOne sent a
// cancel's amounts negated (they are stored positive).
const schemaV4 = `
ALTER TABLE portone_transfers ADD COLUMN contract_id TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfers ADD COLUMN detail_json TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfers ADD COLUMN negated {{int}} NOT NULL DEFAULT 0;
ALTER TABLE portone_transfer_lines ADD COLUMN product_name TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfer_lines ADD COLUMN settlement_start_date TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfer_lines ADD COLUMN settlement_date TEXT NOT NULL DEFAULT '';
ALTER TABLE portone_transfer_lines ADD COLUMN detail_json TEXT NOT NULL DEFAULT '';
`

// migrateV4 adds schemaV4 and makes the cancels that earlier versions
// stored as PortOne sent them, amounts negated, positive like every other
// stored cancel: the readers that flipped them late (reconcile, export) no
// longer do, and the SQL read models never did. Which answers were negated
// is decided by the rule transfer.Observe applies to new answers
// (settlement.NormalizeCancel), on the amount columns of version 1.
func migrateV4(tx *gorm.DB, d Dialect) error {
	if err := execScript(tx, d, schemaV4); err != nil {
		return err
	}
	names := amountNamesV1()
	rows, err := tx.Raw("SELECT id, a_"+strings.Join(names, ", a_")+" FROM portone_transfers WHERE kind = ?", string(settlement.KindOrderCancel)).Rows()
	if err != nil {
		return err
	}
	var negated []int64
	for rows.Next() {
		var id int64
		vals := make([]int64, len(names))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		t := settlement.Transfer{Kind: settlement.KindOrderCancel}
		for _, f := range settlement.AmountFields {
			for i, n := range names {
				if n == snake(f.Name) {
					*f.Get(&t.Amounts) = settlement.Won(vals[i])
				}
			}
		}
		if settlement.NormalizeCancel(&t) {
			negated = append(negated, id)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	flip := make([]string, len(names))
	for i, n := range names {
		flip[i] = fmt.Sprintf("a_%[1]s = -a_%[1]s", n)
	}
	set := strings.Join(flip, ", ")
	for i := 0; i < len(negated); i += 500 {
		ids := negated[i:min(i+500, len(negated))]
		if err := tx.Exec("UPDATE portone_transfers SET "+set+", negated = 1 WHERE id IN ?", ids).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE portone_transfer_lines SET "+set+" WHERE portone_transfer_ref IN ?", ids).Error; err != nil {
			return err
		}
	}
	return nil
}

// schemaV5 marks the orders and cancellations that have a settlement
// (settled, kept by the transaction that stores the settlement) so that a
// settle run finds the unsettled ones of any date through a partial index
// holding only them, instead of an anti-join over every record ever
// received; and indexes pipeline rejections by record for the check that
// a record was refused at settle time.
const schemaV5 = `
ALTER TABLE orders ADD COLUMN settled {{int}} NOT NULL DEFAULT 0;
ALTER TABLE cancellations ADD COLUMN settled {{int}} NOT NULL DEFAULT 0;
UPDATE orders SET settled = 1 WHERE EXISTS (SELECT 1 FROM settlements st
	WHERE st.partner_id = orders.partner_id AND st.payment_id = orders.payment_id AND st.kind = 'ORDER');
UPDATE cancellations SET settled = 1 WHERE EXISTS (SELECT 1 FROM settlements st
	WHERE st.partner_id = cancellations.partner_id AND st.payment_id = cancellations.payment_id
	AND st.kind = 'ORDER_CANCEL' AND st.cancellation_id = cancellations.cancellation_id);
CREATE INDEX orders_unsettled ON orders (business_date, id) WHERE settled = 0;
CREATE INDEX cancellations_unsettled ON cancellations (business_date, cancelled_at, id) WHERE settled = 0;
CREATE INDEX rejected_records_record ON rejected_records (partner_id, record_key, source);
`

// schemaRulesVersion records which merchant's rules (settlement.Rules
// version: name@hash) computed each settlement (issue #16).
const schemaRulesVersion = `
ALTER TABLE settlements ADD COLUMN rules_version TEXT NOT NULL DEFAULT '';
`

// schemaV8 serves a claim of intents from an index of the pending ones
// alone, in the order claims take them (id), instead of the two indexes on
// (status, …) over every intent ever posted, which left each claim to read
// and sort every pending intent of the night: the claim's cost no longer
// grows with the night, and completing an intent takes it out of the index.
// Reconciliation reads the intents PortOne never confirmed from a like
// index of the unfinished ones.
// It indexes PortOne's transfers by status and settlement date, so that
// sync reads only the transfers whose status can change (the ones whose
// date has come, and the ones waiting for a payout) without reading the
// others.
const schemaV8 = `
DROP INDEX transfer_intents_claim;
DROP INDEX transfer_intents_ready;
CREATE INDEX transfer_intents_pending ON transfer_intents (business_date, id) WHERE status = 'pending';
CREATE INDEX transfer_intents_pending_any ON transfer_intents (id) WHERE status = 'pending';
CREATE INDEX transfer_intents_unfinished ON transfer_intents (business_date, id) WHERE status NOT IN ('posted', 'adopted');
DROP INDEX portone_transfers_status;
CREATE INDEX portone_transfers_status ON portone_transfers (status, settlement_date);
`

// schemaRulesFiles keeps the rules file of every rules version that
// computed a settlement, so that a cancel is settled with the rules its
// order was settled with even after SETTLE_RULES changed (issue #16). The
// version is a hash of the text: one version, one file.
const schemaRulesFiles = `
CREATE TABLE rules_files (
	version TEXT PRIMARY KEY,
	file TEXT NOT NULL,
	created_at TEXT NOT NULL
);
`

// schemaReport replaces the index of settlements by business date with one by
// business date, partner and settlement date, which also serves every
// query the old one did: the workbook and the partner statement read a
// night's settlements sorted by partner and settlement date from it,
// without sorting a million rows (store.ReportTransfers).
const schemaReport = `
CREATE INDEX settlements_report ON settlements (business_date, partner_id, settlement_date);
DROP INDEX settlements_business_date;
`
