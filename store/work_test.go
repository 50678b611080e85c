package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

func TestIntentID(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[a-z0-9-]+$`)
	seen := map[string]string{}
	cases := [][4]string{
		{"p", "pay", "ORDER", ""}, {"p", "pay", "ORDER_CANCEL", "c1"}, {"p", "pay", "ORDER_CANCEL", "c2"},
		{"p", "payc", "ORDER", ""}, {"pp", "ay", "ORDER", ""}, {"한글 파트너", "pay/../x?y", "ORDER", ""},
	}
	for _, c := range cases {
		id := IntentID(settlement.PartnerID(c[0]), settlement.PaymentID(c[1]), settlement.Kind(c[2]), settlement.CancellationID(c[3]), 0)
		if len(id) > 64 || !urlSafe.MatchString(string(id)) {
			t.Errorf("IntentID%v = %q: want ≤ 64 URL-safe characters", c, id)
		}
		if again := IntentID(settlement.PartnerID(c[0]), settlement.PaymentID(c[1]), settlement.Kind(c[2]), settlement.CancellationID(c[3]), 0); again != id {
			t.Errorf("IntentID%v not deterministic: %q then %q", c, id, again)
		}
		if prev, ok := seen[string(id)]; ok {
			t.Errorf("IntentID%v = %q collides with %s", c, id, prev)
		}
		seen[string(id)] = fmt.Sprint(c)
	}
}

func TestSaveSettlementWithIntent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2)); err != nil {
			t.Fatal(err)
		}
		rec := sampleSettlement("partner-1", "pay-1", 3)
		out, err := s.SaveSettlement(ctx, rec)
		if err != nil || out.Kind != Created {
			t.Fatalf("SaveSettlement = %+v, %v", out, err)
		}
		got, err := s.Settlement(ctx, "partner-1", "pay-1", settlement.KindOrder, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rec.Transfer, got.Transfer); diff != "" {
			t.Errorf("settlement round trip (-saved +loaded):\n%s", diff)
		}
		if diff := cmp.Diff(rec.PolicyVersions, got.PolicyVersions); diff != "" || got.ContractVersion != 1 {
			t.Errorf("versions: contract %d, policies diff %s", got.ContractVersion, diff)
		}
		in, err := s.IntentByKey(ctx, "partner-1", "pay-1", settlement.KindOrder, "")
		if err != nil || in.Status != IntentPending || in.SettlementID != out.ID || in.IntentID != IntentID("partner-1", "pay-1", settlement.KindOrder, "", 0) {
			t.Fatalf("intent = %+v, %v", in, err)
		}
		if out, err := s.SaveSettlement(ctx, rec); err != nil || out.Kind != Duplicate {
			t.Errorf("SaveSettlement again = %+v, %v; want Duplicate", out, err)
		}
		changed := sampleSettlement("partner-1", "pay-1", 3)
		changed.Transfer.Lines[1].Amounts.PlatformFeeVat++
		changed.Transfer.Amounts.PlatformFeeVat++
		_, err = s.SaveSettlement(ctx, changed)
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("SaveSettlement changed: %v, want *ConflictError", err)
		}
		var paths []string
		for _, d := range ce.Diffs {
			paths = append(paths, d.Path)
		}
		if diff := cmp.Diff([]string{"amount.platformFeeVat", "orderLines[1].amount.platformFeeVat"}, paths); diff != "" {
			t.Errorf("conflict paths (-want +got):\n%s", diff)
		}
		if n := count(t, s, "settlement_lines"); n != 3 {
			t.Errorf("settlement lines = %d, want 3", n)
		}
		// The intent with a different request body is a conflict too.
		_, _, err = s.CreateIntent(ctx, IntentSpec{PartnerID: "partner-1", PaymentID: "pay-1", Kind: settlement.KindOrder, Request: []byte(`{"other":1}`)})
		if !errors.Is(err, ErrConflict) {
			t.Errorf("CreateIntent with another request: %v, want ErrConflict", err)
		}
	})
}

// makeIntents creates n pending intents.
func makeIntents(t *testing.T, s *Store, n int) []settlement.TransferID {
	t.Helper()
	ctx := context.Background()
	var ids []settlement.TransferID
	for i := range n {
		pay := fmt.Sprintf("pay-%04d", i)
		in, _, err := s.CreateIntent(ctx, IntentSpec{PartnerID: "partner-1", PaymentID: settlement.PaymentID(pay), Kind: settlement.KindOrder,
			BusinessDate: settlement.MustDate("2025-10-01"), Request: []byte(`{"paymentId":"` + pay + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.IntentID)
	}
	return ids
}

func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			const total, workers = 300, 4
			ids := makeIntents(t, openT(t, db.dsn), total)
			var mu sync.Mutex
			claimedBy := map[settlement.TransferID][]string{}
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				// Each worker is its own Store: on PostgreSQL that is what
				// several `settle serve` processes are.
				s := openT(t, db.dsn)
				owner := fmt.Sprintf("worker-%d", w)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						got, err := s.ClaimIntents(ctx, owner, 7, time.Hour)
						if err != nil {
							errs <- err
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, in := range got {
							claimedBy[in.IntentID] = append(claimedBy[in.IntentID], owner)
						}
						mu.Unlock()
						for _, in := range got {
							ans := PortOneTransfer{TransferID: in.IntentID, Status: settlement.StatusScheduled}
							if err := s.CompleteIntent(ctx, in.IntentID, owner, IntentPosted, ans); err != nil {
								errs <- err
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("worker: %v", err)
			}
			owners := map[string]int{}
			for _, id := range ids {
				if len(claimedBy[id]) != 1 {
					t.Errorf("intent %s claimed by %v, want exactly one claimer", id, claimedBy[id])
				}
				if len(claimedBy[id]) > 0 {
					owners[claimedBy[id][0]]++
				}
			}
			t.Logf("claims per worker: %v", owners)
			counts, err := openT(t, db.dsn).CountIntents(ctx, settlement.Date{})
			if err != nil || counts[IntentPosted] != total {
				t.Errorf("CountIntents = %v, %v; want %d posted", counts, err, total)
			}
		})
	}
}

func TestLeaseExpiryReclaim(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		makeIntents(t, s, 3)
		a, err := s.ClaimIntents(ctx, "a", 10, time.Minute)
		if err != nil || len(a) != 3 {
			t.Fatalf("claim a = %d, %v; want 3", len(a), err)
		}
		if b, _ := s.ClaimIntents(ctx, "b", 10, time.Minute); len(b) != 0 {
			t.Fatalf("claim b under a's lease = %d, want 0", len(b))
		}
		if err := s.RenewIntent(ctx, a[0].IntentID, "a", 5*time.Minute); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Minute) // a's lease ran out on two of them
		b, err := s.ClaimIntents(ctx, "b", 10, time.Minute)
		if err != nil || len(b) != 2 {
			t.Fatalf("claim b after expiry = %d, %v; want 2", len(b), err)
		}
		if b[0].Attempts != 2 || b[0].ClaimOwner != "b" {
			t.Errorf("reclaimed intent = %+v; want attempts 2, owner b", b[0])
		}
		if err := s.ReleaseIntent(ctx, b[0].IntentID, "a"); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("ReleaseIntent by the old owner: %v, want ErrLeaseLost", err)
		}
		// b retries one later, fails the other for good.
		if err := s.RetryIntent(ctx, b[0].IntentID, "b", "503", c.Now().Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.FailIntent(ctx, b[1].IntentID, "b", "400 INVALID_REQUEST"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimIntents(ctx, "c", 10, time.Minute); len(got) != 0 {
			t.Errorf("claim before the retry time = %d, want 0", len(got))
		}
		c.Advance(10 * time.Minute)
		got, _ := s.ClaimIntents(ctx, "c", 10, time.Minute)
		if len(got) != 2 { // the retried one and a[0], whose renewed lease ran out too
			t.Errorf("claim after the retry time = %d, want 2", len(got))
		}
		if err := s.ResetIntent(ctx, b[1].IntentID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimIntents(ctx, "d", 10, time.Minute); len(got) != 1 || got[0].IntentID != b[1].IntentID {
			t.Errorf("claim after reset = %v, want the reset intent", got)
		}
	})
}

func TestCompleteIntentIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		id := makeIntents(t, s, 1)[0]
		ans := PortOneTransfer{TransferID: "tr-1", Status: settlement.StatusScheduled, Raw: []byte(`{"id":"tr-1"}`), Transfer: settlement.Transfer{
			Amounts: amounts(1), SettlementDate: settlement.MustDate("2025-10-03"),
			Lines: []settlement.LineResult{{Product: settlement.Product{ID: "p1"}, Quantity: 1, Amounts: amounts(1)}}}}
		if err := s.CompleteIntent(ctx, id, "a", IntentAdopted, ans); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteIntent(ctx, id, "b", IntentPosted, ans); err != nil {
			t.Errorf("CompleteIntent again with the same transfer: %v, want nil", err)
		}
		other := ans
		other.TransferID = "tr-2"
		if err := s.CompleteIntent(ctx, id, "b", IntentPosted, other); !errors.Is(err, ErrConflict) {
			t.Errorf("CompleteIntent with another transfer: %v, want ErrConflict", err)
		}
		in, _ := s.IntentByID(ctx, id)
		if in.Status != IntentAdopted || in.PortOneTransferID != "tr-1" {
			t.Errorf("intent = %+v", in)
		}
		// Sync sees the status move on.
		c.Advance(time.Hour)
		ans.Status = settlement.StatusInProcess
		if err := s.RecordTransfer(ctx, ans, "sync"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordTransfer(ctx, ans, "sync"); err != nil { // no change: no history entry
			t.Fatal(err)
		}
		got, err := s.PortOneTransferByID(ctx, "tr-1")
		if err != nil || got.Status != settlement.StatusInProcess || got.IntentID != id || len(got.Lines) != 1 || got.Amounts != amounts(1) {
			t.Errorf("PortOneTransferByID = %+v, %v", got, err)
		}
		if n := count(t, s, "transfer_status_history"); n != 2 {
			t.Errorf("status history entries = %d, want 2", n)
		}
		open := 0
		_ = s.OpenTransfers(ctx, func(*PortOneTransfer) error { open++; return nil })
		if open != 1 {
			t.Errorf("open transfers = %d, want 1", open)
		}
	})
}

func TestAcquireRunOnce(t *testing.T) {
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			c := newClock()
			d := settlement.MustDate("2025-10-01")
			const instances = 6
			var wg sync.WaitGroup
			var mu sync.Mutex
			var winners []string
			stores := make([]*Store, instances)
			for i := range stores {
				stores[i] = openT(t, db.dsn, WithClock(c.Now))
			}
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					owner := fmt.Sprintf("instance-%d", i)
					_, ok, err := s.AcquireRun(ctx, "settle", d, owner, time.Minute)
					if err != nil {
						t.Errorf("AcquireRun(%s): %v", owner, err)
						return
					}
					if ok {
						mu.Lock()
						winners = append(winners, owner)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(winners) != 1 {
				t.Fatalf("winners = %v, want exactly one", winners)
			}
			s := stores[0]
			run, err := s.RunOf(ctx, "settle", d)
			if err != nil || run.Owner != winners[0] || run.Status != RunRunning {
				t.Fatalf("RunOf = %+v, %v", run, err)
			}
			if err := s.Checkpoint(ctx, run, "order:42", map[string]int64{"orders": 42}, time.Minute); err != nil {
				t.Fatal(err)
			}
			// The owner dies; after its lease another instance resumes from the checkpoint.
			c.Advance(2 * time.Minute)
			resumed, ok, err := s.AcquireRun(ctx, "settle", d, "instance-new", time.Minute)
			if err != nil || !ok || resumed.Checkpoint != "order:42" || resumed.Attempts != 2 || resumed.Counts["orders"] != 42 {
				t.Fatalf("AcquireRun after expiry = %+v, %v, %v; want resumed at order:42", resumed, ok, err)
			}
			if err := s.Checkpoint(ctx, run, "order:43", nil, time.Minute); !errors.Is(err, ErrLeaseLost) {
				t.Errorf("Checkpoint by the dead owner: %v, want ErrLeaseLost", err)
			}
			if err := s.FinishRun(ctx, resumed, map[string]int64{"orders": 100}, nil); err != nil {
				t.Fatal(err)
			}
			done, ok, err := s.AcquireRun(ctx, "settle", d, "instance-late", time.Minute)
			if err != nil || ok || done.Status != RunDone || done.Counts["orders"] != 100 || done.FinishedAt.IsZero() {
				t.Errorf("AcquireRun of a done run = %+v, %v, %v; want not acquired, done", done, ok, err)
			}
			if err := s.ResetRun(ctx, "settle", d); err != nil {
				t.Fatal(err)
			}
			redo, ok, err := s.AcquireRun(ctx, "settle", d, "instance-redo", time.Minute)
			if err != nil || !ok || redo.Checkpoint != "" {
				t.Errorf("AcquireRun after ResetRun = %+v, %v, %v; want acquired from scratch", redo, ok, err)
			}
			if err := s.FinishRun(ctx, redo, nil, errors.New("portone down")); err != nil {
				t.Fatal(err)
			}
			runs, err := s.Runs(ctx, RunQuery{Job: "settle"})
			if err != nil || len(runs) != 1 || runs[0].Status != RunFailed || runs[0].Error != "portone down" {
				t.Errorf("Runs = %+v, %v", runs, err)
			}
			if _, ok, _ := s.AcquireRun(ctx, "settle", d, "instance-retry", time.Minute); !ok {
				t.Errorf("AcquireRun of a failed run: not acquired")
			}
		})
	}
}

func TestReadModels(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveCancellation(ctx, sampleCancel("partner-1", "pay-1", "cx-1", 1)); err != nil {
			t.Fatal(err)
		}
		order := sampleSettlement("partner-1", "pay-1", 2) // settlement 8900 + 17800
		cancel := sampleSettlement("partner-1", "pay-1", 1)
		cancel.Transfer.Kind, cancel.Transfer.CancellationID = settlement.KindOrderCancel, "cx-1"
		cancel.IntentRequest = []byte(`{"cancellationId":"cx-1"}`)
		other := sampleSettlement("partner-2", "pay-2", 1)
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{order, cancel, other}); err != nil {
			t.Fatal(err)
		}
		// PortOne answers the order with 10 won more settlement; the cancel is unanswered.
		ans := PortOneTransfer{TransferID: "tr-1", Status: settlement.StatusScheduled, Transfer: settlement.Transfer{Amounts: order.Transfer.Amounts,
			Lines: []settlement.LineResult{{Product: settlement.Product{ID: "p1"}, Quantity: 1, Amounts: order.Transfer.Lines[0].Amounts}}}}
		ans.Amounts.Settlement += 10
		oid := IntentID("partner-1", "pay-1", settlement.KindOrder, "", 0)
		if err := s.CompleteIntent(ctx, oid, "w", IntentPosted, ans); err != nil {
			t.Fatal(err)
		}
		var totals []PartnerDayTotal
		if err := s.PartnerDayTotals(ctx, Query{}, func(r *PartnerDayTotal) error { totals = append(totals, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		d3 := settlement.MustDate("2025-10-03")
		want := []PartnerDayTotal{
			{PartnerID: "partner-1", SettlementDate: d3, Orders: 1, Cancellations: 1, Order: 30000 - 10000, PlatformFee: 3000 - 1000,
				PlatformFeeVat: 300 - 100, Settlement: 26700 - 8900, PortOneSettlement: 26710, Difference: -10, Unanswered: 1},
			{PartnerID: "partner-2", SettlementDate: d3, Orders: 1, Order: 10000, PlatformFee: 1000, PlatformFeeVat: 100, Settlement: 8900, Unanswered: 1},
		}
		if diff := cmp.Diff(want, totals); diff != "" {
			t.Errorf("PartnerDayTotals (-want +got):\n%s", diff)
		}
		var lines []OrderLineRow
		if err := s.OrderLineRows(ctx, Query{PartnerID: "partner-1"}, func(r *OrderLineRow) error { lines = append(lines, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(lines) != 3 || !lines[0].HasPortOne || lines[0].PortOne != lines[0].Amounts || lines[1].HasPortOne || lines[0].TransferID != "tr-1" {
			t.Errorf("OrderLineRows = %+v", lines)
		}
		var srows []SettlementRow
		if err := s.SettlementRows(ctx, Query{From: settlement.MustDate("2025-10-01"), To: settlement.MustDate("2025-10-01")}, func(r *SettlementRow) error { srows = append(srows, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(srows) != 3 || srows[0].Lines != 2 || srows[0].IntentStatus != IntentPosted || srows[0].PortOne.Settlement != 26710 || srows[1].IntentStatus != IntentPending {
			t.Errorf("SettlementRows = %+v", srows)
		}
		ms := []Mismatch{{PartnerID: "partner-1", PaymentID: "pay-1", IntentID: oid, TransferID: "tr-1", Reason: "amount differs", Field: "settlement", Local: 26700, PortOne: 26710}}
		d1 := settlement.MustDate("2025-10-01")
		for range 2 { // a rerun replaces, not adds
			if err := s.ReplaceMismatches(ctx, d1, ms); err != nil {
				t.Fatal(err)
			}
		}
		var gotMs []Mismatch
		if err := s.Mismatches(ctx, Query{From: d1, To: d1}, func(m *Mismatch) error { gotMs = append(gotMs, *m); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(gotMs) != 1 || gotMs[0].Diff != 10 || gotMs[0].BusinessDate != d1 {
			t.Errorf("Mismatches = %+v", gotMs)
		}
		var hist []StatusChange
		if err := s.StatusHistory(ctx, Query{}, func(c *StatusChange) error { hist = append(hist, *c); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].To != settlement.StatusScheduled || hist[0].Source != "posted" {
			t.Errorf("StatusHistory = %+v", hist)
		}
		v, err := s.OrderView(ctx, "partner-1", "pay-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Cancellations) != 1 || len(v.Settlements) != 2 || len(v.Intents) != 2 || len(v.Transfers) != 1 || len(v.History) != 1 || len(v.Order.Order.Lines) != 2 {
			t.Errorf("OrderView = %d cancels, %d settlements, %d intents, %d transfers, %d history", len(v.Cancellations), len(v.Settlements), len(v.Intents), len(v.Transfers), len(v.History))
		}
		vs, err := s.OrderViewsByPayment(ctx, "pay-1")
		if err != nil || len(vs) != 1 {
			t.Errorf("OrderViewsByPayment = %d, %v", len(vs), err)
		}
		var items []string
		if err := s.ReconcileItems(ctx, d1, func(it *ReconcileItem) error {
			items = append(items, string(it.Intent.IntentID))
			if it.PortOne == nil || it.Settlement.Transfer.Amounts != order.Transfer.Amounts {
				t.Errorf("ReconcileItem %s: PortOne %v, settlement %+v", it.Intent.IntentID, it.PortOne, it.Settlement.Transfer.Amounts)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(items)
		if diff := cmp.Diff([]string{string(oid)}, items); diff != "" {
			t.Errorf("ReconcileItems (-want +got):\n%s", diff)
		}
		stop := errors.New("stop")
		if err := s.OrderLineRows(ctx, Query{}, func(*OrderLineRow) error { return stop }); err != stop {
			t.Errorf("OrderLineRows callback error = %v, want it returned as is", err)
		}
	})
}

// TestPreparedSettlementsAlreadyStored: a settle run's batch is saved
// without looking its keys up first; a key stored after all (another
// instance settled the record) still ends as a Duplicate or a Conflict,
// never an error or a second row.
func TestPreparedSettlementsAlreadyStored(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		for _, pay := range []string{"pay-1", "pay-2", "pay-3"} {
			if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", pay, 2)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SaveSettlement(ctx, sampleSettlement("partner-1", "pay-1", 2)); err != nil {
			t.Fatal(err)
		}
		changed := sampleSettlement("partner-1", "pay-2", 2)
		if _, err := s.SaveSettlement(ctx, changed); err != nil {
			t.Fatal(err)
		}
		changed.Transfer.Amounts.PlatformFee++
		batch := []SettlementRecord{sampleSettlement("partner-1", "pay-1", 2), changed, sampleSettlement("partner-1", "pay-3", 2)}
		p, err := s.PrepareSettlements(batch)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := s.SavePreparedSettlements(ctx, p)
		if err != nil {
			t.Fatalf("a batch with stored keys: %v", err)
		}
		if outs[0].Kind != Duplicate || outs[1].Kind != Conflict || outs[2].Kind != Created {
			t.Errorf("outcomes %v %v %v, want Duplicate, Conflict, Created", outs[0].Kind, outs[1].Kind, outs[2].Kind)
		}
		if n := count(t, s, "settlements"); n != 3 {
			t.Errorf("%d settlements, want 3", n)
		}
		if n := count(t, s, "transfer_intents"); n != 3 {
			t.Errorf("%d intents, want 3", n)
		}
	})
}
