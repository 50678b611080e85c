package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

func TestUnsettledWalks(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		for _, p := range []string{"pay-1", "pay-2", "pay-3"} {
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", p, 2)); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []string{"cx-1", "cx-2"} {
			if _, err := s.SaveCancellation(ctx, sampleCancel("partner-1", "pay-1", c, 1)); err != nil {
				t.Fatal(err)
			}
		}
		d1, d2 := settlement.MustDate("2025-10-01"), settlement.MustDate("2025-10-02")
		rec := sampleSettlement("partner-1", "pay-2", 1)
		cancel := sampleSettlement("partner-1", "pay-1", 1)
		cancel.Transfer.Kind, cancel.Transfer.CancellationID, cancel.IntentRequest = settlement.KindOrderCancel, "cx-2", nil
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{rec, cancel}); err != nil {
			t.Fatal(err)
		}
		var orders, cancels []string
		// The callbacks write to the store while the walk is under way.
		if err := s.UnsettledOrders(ctx, d1, func(o *OrderRecord) error {
			orders = append(orders, string(o.Order.PaymentID))
			return s.SetOrderContractVersion(ctx, o.ID, "c1", 3)
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.UnsettledCancellations(ctx, d2, func(c *CancellationRecord) error {
			cancels = append(cancels, string(c.Cancellation.CancellationID))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(orders, ",") != "pay-1,pay-3" || strings.Join(cancels, ",") != "cx-1" {
			t.Errorf("unsettled orders %v, cancellations %v; want [pay-1 pay-3] and [cx-1]", orders, cancels)
		}
		o, _ := s.Order(ctx, "partner-1", "pay-3")
		if o.ContractVersion != 3 {
			t.Errorf("contract version = %d, want 3", o.ContractVersion)
		}
		n := 0
		if err := s.CancellationsByBusinessDate(ctx, d2, func(*CancellationRecord) error { n++; return nil }); err != nil || n != 2 {
			t.Errorf("CancellationsByBusinessDate = %d, %v; want 2", n, err)
		}
	})
}

// TestWriteInsideStream: a read model's callback may write (SQLite reads
// come from the reader pool, so the single writer is free).
func TestWriteInsideStream(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		var recs []SettlementRecord
		for _, p := range []string{"pay-1", "pay-2", "pay-3"} {
			r := sampleSettlement("partner-1", p, 2)
			r.IntentRequest = nil
			recs = append(recs, r)
		}
		if _, err := s.SaveSettlements(ctx, recs); err != nil {
			t.Fatal(err)
		}
		n := 0
		err := s.OrderLineRows(ctx, Query{}, func(r *OrderLineRow) error {
			n++
			_, err := s.SaveRejected(ctx, Rejected{Source: SourcePipeline, RecordKey: string(r.PaymentID), Reason: "test " + r.ProductID})
			return err
		})
		if err != nil || n != 6 {
			t.Fatalf("OrderLineRows with writes = %d rows, %v", n, err)
		}
		if c := count(t, s, "rejected_records"); c != 6 {
			t.Errorf("rejected records = %d, want 6", c)
		}
	})
}

func TestIntentsOn(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		makeIntents(t, s, 3)
		n := 0
		if err := s.IntentsOn(context.Background(), settlement.MustDate("2025-10-01"), func(in *Intent) error { n++; return nil }); err != nil || n != 3 {
			t.Errorf("IntentsOn = %d, %v; want 3", n, err)
		}
	})
}

// TestConcurrentSameOrder: instances racing to save the same order end with
// one Created and the rest Duplicate (the loser of the unique-key race
// reruns its transaction and sees the winner's row).
func TestConcurrentSameOrder(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			const n = 6
			stores := make([]*Store, n)
			for i := range stores {
				stores[i] = openT(t, db.dsn)
			}
			kinds := make([]OutcomeKind, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var o Outcome
					o, errs[i] = s.SaveOrder(context.Background(), sampleOrder("partner-1", "pay-race", 1))
					kinds[i] = o.Kind
				}()
			}
			wg.Wait()
			created := 0
			for i := range kinds {
				if errs[i] != nil {
					t.Errorf("instance %d: %v", i, errs[i])
				}
				if kinds[i] == Created {
					created++
				}
			}
			if created != 1 || count(t, stores[0], "orders") != 1 || count(t, stores[0], "order_lines") != 2 {
				t.Errorf("outcomes %v: want exactly one Created and one order with 2 lines", kinds)
			}
		})
	}
}

// TestWalksPage: walks cross page boundaries without skipping or repeating.
func TestWalksPage(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		const n = 2*pageSize + 7
		var cs []CancellationRecord
		for i := range n {
			c := sampleCancel("partner-1", "pay-1", "cx-"+strconv.Itoa(i), 1)
			c.CancelledAt = c.CancelledAt.Add(time.Duration(i%3) * time.Microsecond) // ties in cancelledAt
			cs = append(cs, c)
		}
		if _, err := s.SaveCancellations(ctx, cs); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		if err := s.CancellationsByBusinessDate(ctx, settlement.MustDate("2025-10-02"), func(c *CancellationRecord) error {
			seen[string(c.Cancellation.CancellationID)]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != n {
			t.Errorf("walked %d distinct cancellations, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s walked %d times", id, k)
			}
		}
	})
}

// TestIDWalksPage: the walks in id order cross page boundaries without
// skipping or repeating (their query is reused page after page), and a
// context cancelled between pages stops them with its error.
func TestIDWalksPage(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		const n = 2*pageSize + 7
		var os []OrderRecord
		var ss []SettlementRecord
		for i := range n {
			os = append(os, sampleOrder("partner-1", "pay-"+strconv.Itoa(i), 1))
			ss = append(ss, sampleSettlement("partner-2", "pay-"+strconv.Itoa(i), 1))
		}
		if _, err := s.SaveOrders(ctx, os); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveSettlements(ctx, ss); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		if err := s.UnsettledOrders(ctx, settlement.MustDate("2025-10-01"), func(o *OrderRecord) error {
			seen[string(o.Order.PaymentID)]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		intents := map[string]int{}
		if err := s.IntentsOn(ctx, ss[0].BusinessDate, func(in *Intent) error {
			intents[string(in.IntentID)]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for what, m := range map[string]map[string]int{"orders": seen, "intents": intents} {
			if len(m) != n {
				t.Errorf("walked %d distinct %s, want %d", len(m), what, n)
			}
			for id, k := range m {
				if k != 1 {
					t.Errorf("%s %s walked %d times", what, id, k)
				}
			}
		}

		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		calls := 0
		err := s.IntentsOn(cctx, ss[0].BusinessDate, func(*Intent) error {
			if calls++; calls == pageSize {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != pageSize {
			t.Errorf("cancelled walk: %d calls, %v; want %d calls and context.Canceled", calls, err, pageSize)
		}
	})
}
