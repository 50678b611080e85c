package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// orderRowDump is every column of order row (partner, payment) as text,
// or "" when there is none.
func orderRowDump(t *testing.T, s *Store, partner, payment string) string {
	t.Helper()
	rows, err := s.db.Raw("SELECT * FROM orders WHERE partner_id = ? AND payment_id = ?", partner, payment).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return ""
	}
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, c := range cols {
		if v, ok := vals[i].([]byte); ok {
			vals[i] = string(v)
		}
		fmt.Fprintf(&b, "%s=%v;", c, vals[i])
	}
	return b.String()
}

// TestSettleLeavesTheOrderRowAlone: storing an order's settlement does not
// write the order's row (a settle run used to UPDATE every order it
// settled, rewriting every page of the orders table), and the order is no
// longer due, waiting, or in the report's unsettled view. Seen failing on
// the code before migration 16: the row's settled column went 0 → 1.
func TestSettleLeavesTheOrderRowAlone(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		for _, p := range []string{"pay-1", "pay-2"} {
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", p, 2)); err != nil {
				t.Fatal(err)
			}
		}
		before := orderRowDump(t, s, "partner-1", "pay-1")
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{sampleSettlement("partner-1", "pay-1", 2)}); err != nil {
			t.Fatal(err)
		}
		if after := orderRowDump(t, s, "partner-1", "pay-1"); after != before {
			t.Errorf("settling the order wrote its row:\nbefore %s\nafter  %s", before, after)
		}
		if got := unsettledPayments(t, s, settlement.MustDate("2025-10-02")); got != "pay-2" {
			t.Errorf("unsettled orders after settling pay-1 = %q, want pay-2", got)
		}
		var waiting []string
		if err := s.WaitingRecords(ctx, settlement.MustDate("2025-10-01"), func(w *Waiting) error {
			waiting = append(waiting, string(w.PaymentID)+" "+string(w.Reason))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(waiting, ","); got != "pay-2 next_run" {
			t.Errorf("waiting after settling pay-1 = %q, want pay-2 next_run", got)
		}
		var groups []string
		if err := s.UnsettledRecords(ctx, Query{From: settlement.MustDate("2025-09-01"), To: settlement.MustDate("2025-11-01")}, func(g *UnsettledGroup) error {
			groups = append(groups, g.FirstKey)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(groups, ","); got != "pay-2" {
			t.Errorf("report's unsettled orders = %q, want pay-2", got)
		}
	})
}

// TestUnsettledOrdersFollowInsertsAndDeletes: every order inserted is
// unsettled until settled, whatever inserted it, and a deleted order
// (voided) leaves no entry behind.
func TestUnsettledOrdersFollowInsertsAndDeletes(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.SaveOrders(ctx, []OrderRecord{sampleOrder("partner-1", "pay-1", 2), sampleOrder("partner-1", "pay-2", 2)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-3", 2)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "unsettled_orders"); n != 3 {
			t.Errorf("unsettled_orders after 3 inserts = %d, want 3", n)
		}
		if _, err := s.VoidRecord(ctx, VoidRequest{Kind: settlement.KindOrder, PartnerID: "partner-1", PaymentID: "pay-2", By: "test", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := s.db.Raw("SELECT COUNT(*) FROM unsettled_orders u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = u.id)").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 || count(t, s, "unsettled_orders") != 2 {
			t.Errorf("after voiding pay-2: %d entries without an order, %d in all; want 0 and 2", n, count(t, s, "unsettled_orders"))
		}
	})
}

// TestMigration16CarriesUnsettledOrders: a database of version 15 with a
// settled and an unsettled order upgrades with the unsettled one (only)
// in unsettled_orders, on both databases.
func TestMigration16CarriesUnsettledOrders(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			old := openT(t, db.dsn, withMaxVersion(15))
			// This version's orders insert writes order_name (migration
			// 18): the column is there while it does, then gone again.
			if err := old.db.Exec("ALTER TABLE orders ADD COLUMN order_name TEXT NOT NULL DEFAULT ''").Error; err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"pay-1", "pay-2", "pay-3"} {
				if _, err := old.SaveOrder(ctx, sampleOrder("partner-1", p, 2)); err != nil {
					t.Fatal(err)
				}
			}
			if err := old.db.Exec("ALTER TABLE orders DROP COLUMN order_name").Error; err != nil {
				t.Fatal(err)
			}
			// Version 15 marks a settled order in its row.
			if err := old.db.Exec("UPDATE orders SET settled = 1 WHERE payment_id = 'pay-2'").Error; err != nil {
				t.Fatal(err)
			}
			old.Close()
			s := openT(t, db.dsn)
			if got := unsettledPayments(t, s, settlement.MustDate("2025-10-01")); got != "pay-1,pay-3" {
				t.Errorf("unsettled orders after migration 16 = %q, want pay-1,pay-3", got)
			}
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-4", 2)); err != nil {
				t.Fatal(err)
			}
			if n := count(t, s, "unsettled_orders"); n != 3 {
				t.Errorf("unsettled_orders after an insert past migration 16 = %d, want 3", n)
			}
		})
	}
}

// unsettledPayments is the payment ids of the orders UnsettledOrders
// walks for d, in its order, joined by commas.
func unsettledPayments(t *testing.T, s *Store, d settlement.Date) string {
	t.Helper()
	var due []string
	if err := s.UnsettledOrders(context.Background(), d, func(o *OrderRecord) error {
		due = append(due, string(o.Order.PaymentID))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(due, ",")
}
