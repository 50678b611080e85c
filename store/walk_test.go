package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

// TestUnsettledWalks: a settle run of date d takes the unsettled records
// of d and of every earlier date, a cancellation only once its order is
// settled; the settled flag follows the settlements stored.
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
		d0, d1, d2 := settlement.MustDate("2025-09-30"), settlement.MustDate("2025-10-01"), settlement.MustDate("2025-10-02")
		rec := sampleSettlement("partner-1", "pay-2", 1)
		cancel := sampleCancelSettlement("cx-2")
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{rec, cancel}); err != nil {
			t.Fatal(err)
		}
		orders := func(d settlement.Date) string {
			var got []string
			// The callback writes to the store while the walk is under way.
			if err := s.UnsettledOrders(ctx, d, func(o *OrderRecord) error {
				got = append(got, string(o.Order.PaymentID))
				return s.SetOrderContractVersion(ctx, o.ID, "c1", 3)
			}); err != nil {
				t.Fatal(err)
			}
			return strings.Join(got, ",")
		}
		cancels := func(d settlement.Date) string {
			var got []string
			if err := s.UnsettledCancellations(ctx, d, func(c *CancellationRecord) error {
				got = append(got, string(c.Cancellation.CancellationID))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return strings.Join(got, ",")
		}
		if got := orders(d0); got != "" {
			t.Errorf("unsettled orders due by %s = %q, want none (they are of %s)", d0, got, d1)
		}
		if got := orders(d2); got != "pay-1,pay-3" {
			t.Errorf("unsettled orders due by %s = %q, want pay-1,pay-3 (an earlier date is due too)", d2, got)
		}
		if got := cancels(d2); got != "" {
			t.Errorf("unsettled cancellations due by %s = %q, want none: cx-1's order is not settled", d2, got)
		}
		if _, err := s.SaveSettlement(ctx, sampleSettlement("partner-1", "pay-1", 2)); err != nil {
			t.Fatal(err)
		}
		if got := cancels(d2); got != "cx-1" {
			t.Errorf("unsettled cancellations due by %s = %q, want cx-1 once its order is settled", d2, got)
		}
		if got := cancels(d1); got != "" {
			t.Errorf("unsettled cancellations due by %s = %q, want none (cx-1 is of %s)", d1, got, d2)
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

// TestWaitingRecords: every accepted record without a settlement is listed
// with why it waits; a settle-time rejection stops the nightly retries of a
// record of an earlier date but not its own date's (forced) rerun.
func TestWaitingRecords(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		order := func(pay, date string) {
			o := sampleOrder("partner-1", pay, 1)
			o.BusinessDate = settlement.MustDate(date)
			if _, err := s.SaveOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		order("pay-old", "2025-08-17")    // 45 days before the run
		order("pay-late", "2025-09-30")   // arrived after its date's run
		order("pay-future", "2025-10-05") // its date's run has not come
		order("pay-bad", "2025-09-29")    // refused at settle time
		order("pay-done", "2025-09-30")
		if _, err := s.SaveSettlement(ctx, sampleSettlement("partner-1", "pay-done", 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveRejected(ctx, Rejected{Source: SourcePipeline, PartnerID: "partner-1", RecordKey: "pay-bad", Reason: "partner unknown"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ id, pay string }{{"cx-orphan", "pay-none"}, {"cx-done-order", "pay-done"}} {
			cx := sampleCancel("partner-1", c.pay, c.id, 1)
			cx.BusinessDate = settlement.MustDate("2025-09-30")
			if _, err := s.SaveCancellation(ctx, cx); err != nil {
				t.Fatal(err)
			}
		}
		lastRun := settlement.MustDate("2025-10-01")
		var got []string
		if err := s.WaitingRecords(ctx, lastRun, func(w *Waiting) error {
			key := string(w.PaymentID)
			if w.CancellationID != "" {
				key = string(w.CancellationID)
			}
			got = append(got, key+" "+string(w.Reason)+" "+w.Detail)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"pay-old next_run ", "pay-bad rejected partner unknown", "pay-late next_run ", "pay-future date_not_run ",
			"cx-orphan order_not_settled ", "cx-done-order next_run ",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("WaitingRecords (-want +got):\n%s", diff)
		}
		counts, err := s.CountWaiting(ctx, lastRun)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := WaitCounts{
			settlement.KindOrder:       {WaitNextRun: 2, WaitRejected: 1, WaitDateNotRun: 1},
			settlement.KindOrderCancel: {WaitOrder: 1, WaitNextRun: 1},
		}
		if diff := cmp.Diff(wantCounts, counts); diff != "" {
			t.Errorf("CountWaiting (-want +got):\n%s", diff)
		}
		// The run of 10-01 takes the old and the late order, not the one it
		// refused before (of an earlier date), not the future one.
		if got := unsettledPayments(t, s, lastRun); got != "pay-old,pay-late" {
			t.Errorf("UnsettledOrders of %s = %q, want pay-old,pay-late", lastRun, got)
		}
		// A (forced) rerun of its own date retries the refused one.
		if got := unsettledPayments(t, s, settlement.MustDate("2025-09-29")); got != "pay-old,pay-bad" {
			t.Errorf("UnsettledOrders of 2025-09-29 = %q, want pay-old,pay-bad", got)
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
			o, err := stores[0].Order(context.Background(), "partner-1", "pay-race")
			if created != 1 || count(t, stores[0], "orders") != 1 || err != nil || len(o.Order.Lines) != 2 {
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
