package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// failIntents stores n intents of date d for partner and fails them.
func failIntents(t *testing.T, s *Store, d settlement.Date, partner string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		pay := fmt.Sprintf("pay-%s-%03d", partner, n-i) // stored in reverse payment order
		_, _, err := s.CreateIntent(ctx, IntentSpec{PartnerID: settlement.PartnerID(partner), PaymentID: settlement.PaymentID(pay),
			Kind: settlement.KindOrder, BusinessDate: d, Request: []byte(`{"paymentId":"` + pay + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for {
		got, err := s.ClaimIntentsOn(ctx, d, "poster", 50, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return
		}
		for _, in := range got {
			if err := s.FailIntent(ctx, in.IntentID, "poster", "PLATFORM_PARTNER_NOT_FOUND (404)"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestResetIntentsConcurrently: several instances re-queue the same failed
// intents at once; each is re-queued exactly once, with its attempts and
// lease cleared, and the intents list in date, partner, payment order.
func TestResetIntentsConcurrently(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, db testDB) {
		ctx := context.Background()
		d1, d2 := settlement.MustDate("2025-09-30"), settlement.MustDate("2025-09-29")
		failIntents(t, s, d1, "pa", 60)
		failIntents(t, s, d2, "pb", 5)
		var prev *IntentLine
		n := 0
		err := s.ListIntents(ctx, IntentFilter{}, func(l *IntentLine) error {
			if prev != nil && (prev.BusinessDate.After(l.BusinessDate) || (prev.BusinessDate == l.BusinessDate && prev.PaymentID >= l.PaymentID)) {
				t.Errorf("%s %s listed after %s %s", l.BusinessDate, l.PaymentID, prev.BusinessDate, prev.PaymentID)
			}
			cp := *l
			prev = &cp
			n++
			return nil
		})
		if err != nil || n != 65 {
			t.Fatalf("listed %d, %v", n, err)
		}
		const instances = 4
		stores := []*Store{s}
		for range instances - 1 {
			stores = append(stores, openT(t, db.dsn, WithClock(c.Now)))
		}
		got := make([][]Requeued, instances)
		errs := make([]error, instances)
		var wg sync.WaitGroup
		for i := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = stores[i].ResetIntents(ctx, IntentFilter{Date: d1})
			}()
		}
		wg.Wait()
		seen := map[settlement.TransferID]int{}
		for i := range instances {
			if errs[i] != nil {
				t.Fatalf("instance %d: %v", i, errs[i])
			}
			for _, r := range got[i] {
				seen[r.IntentID]++
				if r.Was != IntentFailed || r.BusinessDate != d1 {
					t.Errorf("requeued %+v", r)
				}
			}
		}
		if len(seen) != 60 {
			t.Errorf("%d intents re-queued, want 60", len(seen))
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("intent %s re-queued %d times", id, k)
			}
		}
		counts, _ := s.CountIntents(ctx, d1)
		if counts[IntentPending] != 60 || counts[IntentFailed] != 0 {
			t.Errorf("counts of %s: %v", d1, counts)
		}
		if counts, _ := s.CountIntents(ctx, d2); counts[IntentFailed] != 5 {
			t.Errorf("the other date was touched: %v", counts)
		}
		for id := range seen {
			if in, _ := s.IntentByID(ctx, id); in.Attempts != 0 || in.ClaimOwner != "" || !in.LeaseExpires.IsZero() {
				t.Errorf("re-queued intent: %+v", in)
			}
		}
		// Re-queued intents are claimable at once.
		if cl, err := s.ClaimIntentsOn(ctx, d1, "poster-2", 100, time.Minute); err != nil || len(cl) != 60 {
			t.Errorf("claim after reset: %d, %v", len(cl), err)
		}
		totals, err := s.IntentTotals(ctx, settlement.Date{}, settlement.Date{})
		if err != nil || len(totals) != 2 || totals[0].BusinessDate != d2 || totals[0].Count != 5 || totals[1].Count != 60 {
			t.Errorf("totals: %+v, %v", totals, err)
		}
		// Only failed or conflicting intents are re-queued.
		if r, err := s.ResetIntents(ctx, IntentFilter{Statuses: []IntentStatus{IntentPosted}}); err != nil || len(r) != 0 {
			t.Errorf("reset of posted: %+v, %v", r, err)
		}
	})
}
