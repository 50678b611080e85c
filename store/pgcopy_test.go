package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// TestCopyStoresWhatInsertStores: on PostgreSQL the orders, cancellations,
// settlements, their lines and intents a transaction of the store writes
// with COPY (pgTx) are the rows the multi-row INSERTs of a transaction
// that cannot copy write, column for column, timestamps included, and the
// ids the saves report are those of the rows.
func TestCopyStoresWhatInsertStores(t *testing.T) {
	for _, db := range databases(t) {
		if db.name != "postgres" {
			continue
		}
		ctx := context.Background()
		dump := func(s *Store, table, order string) []string {
			t.Helper()
			var rows []string
			if err := s.db.Raw("SELECT (to_jsonb(x) - 'id' - 'order_ref' - 'settlement_ref')::text FROM " + table + " x ORDER BY " + order).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			return rows
		}
		write := func(copying bool) ([]string, *Store) {
			c := newClock()
			s := openT(t, db.dsn, WithClock(c.Now))
			for _, tbl := range []string{"transfer_intents", "settlement_lines", "settlements", "cancellations", "orders"} {
				if err := s.db.Exec("DELETE FROM " + tbl).Error; err != nil {
					t.Fatal(err)
				}
			}
			var orders []OrderRecord
			var cancels []CancellationRecord
			var sets []SettlementRecord
			for i := range 300 { // more than a bulkRows statement
				p := fmt.Sprintf("pay-%03d", i)
				orders = append(orders, sampleOrder("partner-1", p, 2))
				sets = append(sets, sampleSettlement("partner-1", p, 2))
				if i%10 == 0 {
					cancels = append(cancels, sampleCancel("partner-1", p, "c-"+p, 1))
				}
			}
			tx := s.tx
			if !copying {
				tx = func(ctx context.Context, fn func(*gorm.DB) error) error { return s.w(ctx).Transaction(fn) }
			}
			err := tx(ctx, func(tx *gorm.DB) error {
				oo := make([]Outcome, len(orders))
				os := s.orders()
				opays, err := checkAll(os, orders)
				if err != nil {
					return err
				}
				if err := writeIdempotent(tx, os, orders, opays, oo); err != nil {
					return err
				}
				co := make([]Outcome, len(cancels))
				cs := s.cancellations()
				cpays, err := checkAll(cs, cancels)
				if err != nil {
					return err
				}
				if err := writeIdempotent(tx, cs, cancels, cpays, co); err != nil {
					return err
				}
				p, err := s.PrepareSettlements(sets)
				if err != nil {
					return err
				}
				so := make([]Outcome, len(sets))
				if err := writeIdempotent(tx, s.settlements(p.ipays), p.recs, p.pays, so); err != nil {
					return err
				}
				if copying && s.copier(tx, "settlements") == nil {
					t.Error("the store's transaction on PostgreSQL cannot copy")
				}
				for i, o := range so {
					got, err := loadSettlementByID(tx, s, o.ID)
					if err != nil || got != sets[i].Key() {
						t.Errorf("settlement %d reported as id %d: row is %q (%v)", i, o.ID, got, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tbl := range [][2]string{{"orders", "payment_id"}, {"cancellations", "cancellation_id"},
				{"settlements", "payment_id"}, {"settlement_lines", "product_id, settlement_ref, line_no"}, {"transfer_intents", "intent_id"}} {
				out = append(out, dump(s, tbl[0], tbl[1])...)
			}
			return out, s
		}
		inserted, _ := write(false)
		copied, _ := write(true)
		if len(inserted) != len(copied) {
			t.Fatalf("%d rows copied, %d inserted", len(copied), len(inserted))
		}
		for i := range inserted {
			if inserted[i] != copied[i] {
				t.Fatalf("row %d:\ncopied   %s\ninserted %s", i, copied[i], inserted[i])
			}
		}
	}
}

// loadSettlementByID is the key of settlement row id.
func loadSettlementByID(tx *gorm.DB, s *Store, id int64) (string, error) {
	recs, err := s.loadSettlements(tx, tx.Session(&gorm.Session{NewDB: true}).Where("id = ?", id))
	if err != nil || len(recs) == 0 {
		return "", err
	}
	return recs[0].Key(), nil
}

// TestAnalyzeStale: on PostgreSQL a table changed by more than a tenth
// since it was analyzed is analyzed; one analyzed since is not again.
func TestAnalyzeStale(t *testing.T) {
	for _, db := range databases(t) {
		if db.name != "postgres" {
			continue
		}
		ctx := context.Background()
		s := openT(t, db.dsn)
		var recs []OrderRecord
		for i := range 500 {
			recs = append(recs, sampleOrder("partner-1", fmt.Sprintf("pay-%03d", i), 1))
		}
		if _, err := s.SaveOrders(ctx, recs); err != nil {
			t.Fatal(err)
		}
		analyzed := func() (n int64) {
			t.Helper()
			if err := s.db.Raw("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'orders'").Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The server publishes a transaction's counts within a second or so.
		for deadline := time.Now().Add(10 * time.Second); ; {
			var mods int64
			if err := s.db.Raw("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'orders'").Scan(&mods).Error; err != nil {
				t.Fatal(err)
			}
			if mods >= 500 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("orders shows %d changes, want 500", mods)
			}
			time.Sleep(100 * time.Millisecond)
		}
		before := analyzed()
		if err := s.analyzeStale(ctx, "orders"); err != nil {
			t.Fatal(err)
		}
		if got := analyzed(); got != before+1 {
			t.Fatalf("orders analyzed %d times, want %d", got, before+1)
		}
		if err := s.analyzeStale(ctx, "orders"); err != nil {
			t.Fatal(err)
		}
		if got := analyzed(); got != before+1 {
			t.Errorf("orders analyzed again (%d times) with nothing changed", got)
		}
	}
}

// TestCopyStoresWhatInsertStoresForAnswers: the answers posting records
// (portone_transfers, their lines, their first statuses) are the same rows
// whether copied (pgTx) or inserted, with the ids the answers report.
func TestCopyStoresWhatInsertStoresForAnswers(t *testing.T) {
	for _, db := range databases(t) {
		if db.name != "postgres" {
			continue
		}
		ctx := context.Background()
		write := func(copying bool) []string {
			t.Helper()
			c := newClock()
			s := openT(t, db.dsn, WithClock(c.Now))
			for _, tbl := range []string{"transfer_status_history", "portone_transfer_lines", "portone_transfers"} {
				if err := s.db.Exec("DELETE FROM " + tbl).Error; err != nil {
					t.Fatal(err)
				}
			}
			var ts []*PortOneTransfer
			var refs []int64
			var sources []string
			for i := range 300 { // more than a bulkRows statement
				rec := sampleSettlement("partner-1", fmt.Sprintf("pay-%03d", i), 2)
				ts = append(ts, &PortOneTransfer{TransferID: settlement.TransferID(fmt.Sprintf("tr-%03d", i)), Status: settlement.StatusScheduled,
					Raw: []byte(`{"id":"x"}`), Transfer: rec.Transfer, ObservedAt: c.Now().Add(time.Duration(i) * time.Second)})
				refs, sources = append(refs, 0), append(sources, "posted")
			}
			tx := s.tx
			if !copying {
				tx = func(ctx context.Context, fn func(*gorm.DB) error) error { return s.w(ctx).Transaction(fn) }
			}
			if err := tx(ctx, func(tx *gorm.DB) error {
				if copying && s.copier(tx, portOneTransfers.table) == nil {
					t.Error("the store's transaction on PostgreSQL cannot copy")
				}
				return s.recordTransfersTx(tx, ts, refs, sources)
			}); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, q := range []string{
				"SELECT (to_jsonb(x) - 'id')::text FROM portone_transfers x ORDER BY transfer_id",
				"SELECT (to_jsonb(l) - 'id' - 'portone_transfer_ref')::text || p.transfer_id FROM portone_transfer_lines l JOIN portone_transfers p ON p.id = l.portone_transfer_ref ORDER BY p.transfer_id, l.line_no",
				"SELECT (to_jsonb(x) - 'id')::text FROM transfer_status_history x ORDER BY transfer_id",
			} {
				var rows []string
				if err := s.db.Raw(q).Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				out = append(out, rows...)
			}
			got, err := s.PortOneTransferByID(ctx, "tr-007")
			if err != nil || got.TransferID != "tr-007" || got.Transfer.PaymentID != "pay-007" {
				t.Errorf("answer tr-007 reads back as %+v (%v)", got.Transfer, err)
			}
			return out
		}
		inserted := write(false)
		copied := write(true)
		if len(inserted) != len(copied) || len(copied) != 300*(1+2+1) {
			t.Fatalf("%d rows copied, %d inserted, want %d", len(copied), len(inserted), 300*4)
		}
		for i := range inserted {
			if inserted[i] != copied[i] {
				t.Fatalf("row %d:\ncopied   %s\ninserted %s", i, copied[i], inserted[i])
			}
		}
	}
}
