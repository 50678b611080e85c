package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestBatchLookupsAreOneStatement: saving a batch of records asks the
// store for its stored keys with one statement per table, however many
// records the batch holds, and each such statement is answered through the
// unique index (SQLite's plan: no scan of orders or cancellations). Before,
// it was one statement per 200 keys, each an OR of IN lists that SQLite
// spends milliseconds planning: a third of an import's time.
func TestBatchLookupsAreOneStatement(t *testing.T) {
	ctx := context.Background()
	rec := &sqlRecorder{}
	s := openT(t, filepath.Join(t.TempDir(), "settle.db"), WithGormLogger(rec))
	const n = 2000
	var b RecordBatch
	for i := range n {
		b.Orders = append(b.Orders, sampleOrder(fmt.Sprintf("partner-%d", i%7), fmt.Sprintf("pay-%d", i), 1))
		if i%10 == 0 {
			b.Cancellations = append(b.Cancellations, sampleCancel(fmt.Sprintf("partner-%d", i%7), fmt.Sprintf("pay-%d", i), fmt.Sprintf("cx-%d", i), 1))
		}
	}
	if _, err := s.SaveRecords(ctx, b); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the batch again, twice: every key found
		rec.mu.Lock()
		rec.sql = nil
		rec.mu.Unlock()
		outs, err := s.SaveRecords(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range append(outs.Orders, outs.Cancellations...) {
			if o.Kind != Duplicate {
				t.Fatalf("saved again: %s, want duplicate", o.Kind)
			}
		}
		rec.mu.Lock()
		queries := rec.sql
		rec.mu.Unlock()
		lookups := 0
		for _, q := range queries {
			if !strings.HasPrefix(strings.TrimSpace(q), "SELECT") || !(strings.Contains(q, "orders") || strings.Contains(q, "cancellations")) {
				continue
			}
			lookups++
			for _, detail := range explainPlan(t, s.rdb, q) {
				if strings.HasPrefix(detail, "SCAN t") || strings.HasPrefix(detail, "SCAN orders") || strings.HasPrefix(detail, "SCAN cancellations") {
					t.Errorf("lookup scans (%s): %.300s", detail, q)
				}
			}
		}
		// orders' keys, cancellations' keys: one statement each (a third
		// may find whether a cancellation waits for its order).
		if lookups > 3 || lookups < 2 {
			t.Errorf("a batch of %d orders and %d cancellations made %d lookups, want 2 or 3:\n%s", n, len(b.Cancellations), lookups, strings.Join(queries, "\n"))
		}
	}
}

// TestOrdersOfAndCancellationsOf: the batch lookups an import checks
// cancellations with find exactly the stored records among the keys
// (asked twice, or not stored), each payment's cancellations in the order
// they happened, on both databases.
func TestOrdersOfAndCancellationsOf(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		var b RecordBatch
		for i := range 5 {
			b.Orders = append(b.Orders, sampleOrder("partner-1", fmt.Sprintf("pay-%d", i), 1))
		}
		late := sampleCancel("partner-1", "pay-1", "cx-late", 1)
		early := sampleCancel("partner-1", "pay-1", "cx-early", 1)
		early.CancelledAt = late.CancelledAt.Add(-time.Hour)
		b.Cancellations = []CancellationRecord{late, early, sampleCancel("partner-1", "pay-3", "cx-3", 1)}
		if _, err := s.SaveRecords(ctx, b); err != nil {
			t.Fatal(err)
		}
		keys := []PaymentKey{{"partner-1", "pay-1"}, {"partner-1", "pay-1"}, {"partner-1", "pay-3"}, {"partner-1", "pay-9"}, {"partner-2", "pay-0"}}
		orders, err := s.OrdersOf(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(orders) != 2 || orders[PaymentKey{"partner-1", "pay-1"}] == nil || orders[PaymentKey{"partner-1", "pay-3"}] == nil {
			t.Fatalf("OrdersOf = %v, want pay-1 and pay-3", orders)
		}
		if o := orders[PaymentKey{"partner-1", "pay-3"}]; o.Order.PaymentID != "pay-3" || len(o.Order.Lines) != 2 || o.ID == 0 {
			t.Errorf("OrdersOf pay-3 = %+v", o.Order)
		}
		cs, err := s.CancellationsOf(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		var got []settlement.CancellationID
		for _, c := range cs[PaymentKey{"partner-1", "pay-1"}] {
			got = append(got, c.Cancellation.CancellationID)
		}
		if len(cs) != 2 || fmt.Sprint(got) != "[cx-early cx-late]" || len(cs[PaymentKey{"partner-1", "pay-3"}]) != 1 {
			t.Errorf("CancellationsOf = %d payments, pay-1 %v; want pay-1 [cx-early cx-late] and pay-3", len(cs), got)
		}
	})
}

// TestShaBytes: the hash of a canonical form handed over by intake is the
// hash the store makes of a request it canonicalises itself.
func TestShaBytes(t *testing.T) {
	for _, s := range []string{"", "{}", `{"a":"상품"}`} {
		if got, want := shaBytes([]byte(s)), sha(s); got != want {
			t.Errorf("shaBytes(%q) = %s, want %s", s, got, want)
		}
	}
}
