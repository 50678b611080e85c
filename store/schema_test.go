package store

import (
	"context"
	"database/sql"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gorm.io/gorm/schema"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files: here testdata/store/v1.db, a database at schema version 1")

// columns returns table → column → declared type.
func columns(t *testing.T, s *Store) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	var rows []struct{ Table, Column, Type string }
	var err error
	switch s.dialect {
	case SQLite:
		err = s.db.Raw(`SELECT m.name AS "table", p.name AS "column", p.type AS "type"
			FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`).Scan(&rows).Error
	case Postgres:
		err = s.db.Raw(`SELECT table_name AS "table", column_name AS "column", data_type AS "type"
			FROM information_schema.columns WHERE table_schema = current_schema()`).Scan(&rows).Error
	}
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	for _, r := range rows {
		if out[r.Table] == nil {
			out[r.Table] = map[string]string{}
		}
		out[r.Table][r.Column] = strings.ToLower(r.Type)
	}
	return out
}

// TestNoFloatColumns fails on any column that could hold a float: money is
// INTEGER/BIGINT, rates INTEGER milli-percent, instants TEXT (SQLite) or
// timestamptz. On SQLite a declared type outside INTEGER and TEXT would get
// REAL or NUMERIC affinity, so only those two are allowed.
func TestNoFloatColumns(t *testing.T) {
	allowed := map[Dialect]map[string]bool{
		SQLite:   {"integer": true, "text": true, "blob": true},
		Postgres: {"bigint": true, "integer": true, "text": true, "timestamp with time zone": true, "bytea": true},
	}
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		cols := columns(t, s)
		if len(cols) < 18 {
			t.Fatalf("schema has %d tables, want the full schema", len(cols))
		}
		for table, cs := range cols {
			for col, typ := range cs {
				if !allowed[s.dialect][typ] || strings.Contains(typ, "real") || strings.Contains(typ, "float") ||
					strings.Contains(typ, "double") || strings.Contains(typ, "numeric") || strings.Contains(typ, "decimal") {
					t.Errorf("%s.%s has type %q: only %v allowed (no float, real or numeric)", table, col, typ, allowed[s.dialect])
				}
			}
		}
	})
}

// TestSchemaHasEveryAmountField fails when settlement.Amounts gains a field
// that no migration has given a column in every amount-block table.
func TestSchemaHasEveryAmountField(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		cols := columns(t, s)
		for _, table := range []string{"settlements", "settlement_lines", "portone_transfers", "portone_transfer_lines"} {
			for _, f := range settlement.AmountFields {
				c := "a_" + snake(f.Name)
				if typ, ok := cols[table][c]; !ok || !strings.Contains(typ, "int") {
					t.Errorf("%s has no integer column %s for settlement.Amounts field %q: add a migration", table, c, f.Name)
				}
			}
		}
	})
}

// TestModelsMatchSchema checks that every column of every GORM model exists
// in the migrated schema (the migrations, not AutoMigrate, make it).
func TestModelsMatchSchema(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		cols := columns(t, s)
		for _, m := range allModels {
			sch, err := schema.Parse(m, &sync.Map{}, s.db.NamingStrategy)
			if err != nil {
				t.Fatalf("parse %T: %v", m, err)
			}
			table := cols[sch.Table]
			if table == nil {
				t.Errorf("model %T: table %s missing", m, sch.Table)
				continue
			}
			for _, f := range sch.Fields {
				if f.DBName != "" && table[f.DBName] == "" {
					t.Errorf("model %T: column %s.%s missing", m, sch.Table, f.DBName)
				}
			}
			if s.dialect == SQLite && len(sch.DBNames) != len(table) {
				t.Errorf("model %T maps %d columns, table %s has %d", m, len(sch.DBNames), sch.Table, len(table))
			}
		}
	})
}

// TestUpgradeFromV1 opens a database written at schema version 1 (a
// committed fixture), migrates it in place, and checks that its data
// survived and is usable through the current API.
func TestUpgradeFromV1(t *testing.T) {
	fixture := filepath.Join("..", "testdata", "store", "v1.db")
	if *update {
		writeV1Fixture(t, fixture)
	}
	path := filepath.Join(t.TempDir(), "settle.db")
	copyFile(t, fixture, path)
	ctx := context.Background()
	old := openT(t, path, WithoutMigrate())
	if v, err := old.SchemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("fixture schema version = %d, %v; want 1", v, err)
	}
	old.Close()

	s := openT(t, path)
	if v, _ := s.SchemaVersion(ctx); v != LatestVersion() {
		t.Fatalf("schema version after upgrade = %d, want %d", v, LatestVersion())
	}
	o, err := s.Order(ctx, "partner-1", "pay-1")
	if err != nil {
		t.Fatalf("order from v1: %v", err)
	}
	if len(o.Order.Lines) != 2 || o.Order.Lines[0].Quantity != 2 || o.BusinessDate != settlement.MustDate("2025-10-01") {
		t.Errorf("order from v1 = %+v", o.Order)
	}
	// Migration 7 moved the lines, discounts and fees into the order's row.
	if diff := cmp.Diff(sampleOrder("partner-1", "pay-1", 2).Order, o.Order); diff != "" {
		t.Errorf("order from v1 after migration 7 (-want +got):\n%s", diff)
	}
	if c, err := s.Cancellation(ctx, "partner-1", "cx-1"); err != nil || c.Cancellation.Form != settlement.CancelByLines ||
		!cmp.Equal(c.Cancellation.Lines, []settlement.CancelLine{{ProductID: "p1", Quantity: 1}}) {
		t.Errorf("cancellation from v1 after migration 7 = %+v, %v; want line p1 × 1", c.Cancellation, err)
	}
	if out, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2)); err != nil || out.Kind != Duplicate {
		t.Errorf("SaveOrder of the v1 order = %+v, %v; want Duplicate", out, err)
	}
	st, err := s.Settlement(ctx, "partner-1", "pay-1", settlement.KindOrder, "")
	if err != nil || st.Transfer.Amounts != sampleSettlement("partner-1", "pay-1", 2).Transfer.Amounts {
		t.Errorf("settlement from v1 = %+v, %v", st.Transfer.Amounts, err)
	}
	again := sampleSettlement("partner-1", "pay-1", 2)
	again.IntentRequest = nil
	if out, err := s.SaveSettlement(ctx, again); err != nil || out.Kind != Duplicate {
		t.Errorf("SaveSettlement of the v1 settlement = %+v, %v; want Duplicate (hashes are stable across versions)", out, err)
	}
	in, err := s.IntentByKey(ctx, "partner-1", "pay-1", settlement.KindOrder, "")
	if err != nil || in.Status != IntentPending || !in.NotBefore.IsZero() {
		t.Fatalf("intent from v1 = %+v, %v; want pending with no retry time (migration 2 default)", in, err)
	}
	if got, err := s.ClaimIntents(ctx, "w", 10, 60e9); err != nil || len(got) != 1 {
		t.Errorf("claim the v1 intent = %d, %v", len(got), err)
	}
	if r, err := s.RunOf(ctx, "settle", settlement.MustDate("2025-10-01")); err != nil || r.Status != RunDone {
		t.Errorf("run from v1 = %+v, %v", r, err)
	}
	checkUpgradedAnswers(t, s)
	// Migration 5 marked what version 1 had settled: nothing waits.
	if c, err := s.CountWaiting(ctx, settlement.MustDate("2025-10-02")); err != nil || len(c) != 0 {
		t.Errorf("records waiting after the upgrade = %v, %v; want none (all settled)", c, err)
	}
	// Reopening an upgraded database is a no-op.
	s.Close()
	s2 := openT(t, path)
	if v, _ := s2.SchemaVersion(ctx); v != LatestVersion() {
		t.Errorf("schema version after reopen = %d", v)
	}
}

// checkUpgradedAnswers: PortOne's answers stored before version 4 read in
// today's shape, and the cancel PortOne answered with negated amounts (cx-1)
// reads positive everywhere, like the one it answered positive (cx-2):
// through the store's loaders, the SQL read models and reconciliation's
// items. Before migration 4, PartnerDayTotals summed cx-1 with the wrong
// sign: PortOne's settlement 0 instead of -17800, a difference of -17800
// instead of 0.
func checkUpgradedAnswers(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	want := sampleCancelSettlement("cx-1").Transfer
	for _, c := range []struct {
		id      settlement.TransferID
		negated bool
	}{{"tr-cx-1", true}, {"tr-cx-2", false}} {
		got, err := s.PortOneTransferByID(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != settlement.KindOrderCancel || got.Amounts != want.Amounts || len(got.Lines) != 1 ||
			got.Lines[0].Amounts != want.Lines[0].Amounts || got.Negated != c.negated || got.IntentID == "" {
			t.Errorf("PortOne's answer %s after the upgrade = %+v; want amounts %+v positive, negated %v", c.id, got, want.Amounts, c.negated)
		}
	}
	var totals []PartnerDayTotal
	if err := s.PartnerDayTotals(ctx, Query{}, func(r *PartnerDayTotal) error { totals = append(totals, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 {
		t.Fatalf("PartnerDayTotals = %+v, want one partner and day", totals)
	}
	if tt := totals[0]; tt.Cancellations != 2 || tt.Settlement != 26700-2*8900 || tt.PortOneSettlement != -2*8900 || tt.Difference != 0 || tt.Unanswered != 1 {
		t.Errorf("PartnerDayTotals = %+v; want settlement 8900, PortOne's -17800 (the two cancels), difference 0", tt)
	}
	var rows []SettlementRow
	if err := s.SettlementRows(ctx, Query{}, func(r *SettlementRow) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Kind == settlement.KindOrderCancel && (!r.HasPortOne || r.PortOne != r.Amounts) {
			t.Errorf("SettlementRow of %s: PortOne %+v, want %+v", r.CancellationID, r.PortOne, r.Amounts)
		}
	}
	n := 0
	err := s.ReconcileItems(ctx, settlement.MustDate("2025-10-01"), func(it *ReconcileItem) error {
		n++
		if ms := settlement.Compare(&it.Settlement.Transfer, &it.PortOne.Transfer); len(ms) != 0 {
			t.Errorf("reconcile %s after the upgrade: %+v", it.Intent.IntentID, ms)
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Errorf("ReconcileItems = %d items, %v; want the two cancels", n, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentOpen: instances starting together on a new database
// migrate it once, without errors.
func TestConcurrentOpen(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			const n = 5
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := Open(context.Background(), db.dsn)
					if err == nil {
						s.Close()
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Open %d: %v", i, err)
				}
			}
			s := openT(t, db.dsn)
			if n := count(t, s, "schema_migrations"); n != int64(len(migrations)) {
				t.Errorf("schema_migrations rows = %d, want %d", n, len(migrations))
			}
		})
	}
}

// TestConcurrentOpenLoop: many instances opening a new SQLite file at the
// same instant, again and again. Switching a new file to WAL from two
// connections at once makes SQLite answer one of them SQLITE_BUSY without
// waiting in the busy handler; before setWAL retried it, about one open in
// a hundred failed with "database is locked" (5 failed iterations in 100
// here). Goroutines with their own Store are separate SQLite connections,
// which lock each other as separate processes do.
func TestConcurrentOpenLoop(t *testing.T) {
	iterations, openers := 100, 16
	if testing.Short() {
		iterations = 20
	}
	ctx := context.Background()
	for it := range iterations {
		dsn := filepath.Join(t.TempDir(), "settle.db")
		start := make(chan struct{})
		errs := make([]error, openers)
		var wg sync.WaitGroup
		for i := range openers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s, err := Open(ctx, dsn, WithReadConns(1))
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("iteration %d: Open %d of %d at once: %v", it, i, openers, err)
			}
		}
	}
}

// TestSQLiteDurable reads synchronous back from the writer and from every
// reader connection: FULL (2) on each, so an acknowledged commit survives
// power loss (WAL with NORMAL syncs only at checkpoints).
func TestSQLiteDurable(t *testing.T) {
	ctx := context.Background()
	const readers = 3
	s := openT(t, storetest.SQLiteDSN(t), WithReadConns(readers))
	pragmas := func(db *sql.DB, n int) []int {
		// Hold n connections at once so that each answer is a different one.
		var out []int
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range n {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var sync int
			var mode string
			if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" {
				t.Errorf("journal_mode = %q, want wal", mode)
			}
			out = append(out, sync)
		}
		return out
	}
	w, _ := s.db.DB()
	r, _ := s.rdb.DB()
	if got := pragmas(w, 1); got[0] != 2 {
		t.Errorf("writer: synchronous = %d, want 2 (FULL)", got[0])
	}
	for i, v := range pragmas(r, readers) {
		if v != 2 {
			t.Errorf("reader %d: synchronous = %d, want 2 (FULL)", i, v)
		}
	}
}

// TestMigrationFlipsNegatedCancels runs migration 4 on both databases over
// answers stored before it: a cancel PortOne answered negated is flipped,
// lines included, and marked; a positive cancel and an order (never a
// negation) are left as they were.
func TestMigrationFlipsNegatedCancels(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			old := openT(t, db.dsn, withMaxVersion(3))
			w := old.db.WithContext(ctx)
			block := sampleCancelSettlement("cx").Transfer
			neg, err := block.Amounts.Neg()
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []struct {
				id, kind string
				amounts  settlement.Amounts
			}{{"tr-neg", "ORDER_CANCEL", neg}, {"tr-pos", "ORDER_CANCEL", block.Amounts}, {"tr-order", "ORDER", neg}} {
				row := map[string]any{"transfer_id": a.id, "partner_id": "p", "payment_id": "pay", "kind": a.kind, "status": "SCHEDULED",
					"recorded_at": "2025-10-02T17:00:00.000000Z", "updated_at": "2025-10-02T17:00:00.000000Z"}
				id := insertV1(t, w, "portone_transfers", amountsV1(row, &a.amounts))
				insertV1(t, w, "portone_transfer_lines", amountsV1(map[string]any{"portone_transfer_ref": id, "line_no": 1, "product_id": "p1", "quantity": 1}, &a.amounts))
			}
			old.Close()
			s := openT(t, db.dsn)
			for _, c := range []struct {
				id      settlement.TransferID
				want    settlement.Amounts
				negated bool
			}{{"tr-neg", block.Amounts, true}, {"tr-pos", block.Amounts, false}, {"tr-order", neg, false}} {
				got, err := s.PortOneTransferByID(ctx, c.id)
				if err != nil {
					t.Fatal(err)
				}
				if got.Amounts != c.want || len(got.Lines) != 1 || got.Lines[0].Amounts != c.want || got.Negated != c.negated {
					t.Errorf("%s after migration 4: amounts %+v, lines %+v, negated %v; want %+v, negated %v", c.id, got.Amounts, got.Lines, got.Negated, c.want, c.negated)
				}
			}
		})
	}
}

// TestMigrationsAreContiguous: versions run 1, 2, …, N in order. The
// migrator applies only versions above the highest one recorded, so a gap
// filled later (two branches numbering their migrations apart) would be
// skipped on every database already past it.
func TestMigrationsAreContiguous(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Fatalf("migration %d (%s) is at position %d: versions must be 1..%d in order", m.version, m.name, i+1, len(migrations))
		}
	}
}
