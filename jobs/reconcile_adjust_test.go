package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// adjustOn posts adjustment sp as `settle adjust` does, failing the test on
// an error.
func adjustOn(t *testing.T, h *harness, sp store.AdjustmentSpec) store.Adjustment {
	t.Helper()
	a, err := Adjust(context.Background(), h.st, h.client, sp, false)
	if err != nil {
		t.Fatalf("adjust %s: %v", sp.Reference, err)
	}
	return a
}

// correctionsHarness is the small marketplace's harness with its records
// imported, whose store reads the harness's clock, so that what the store
// stamps (an adjustment made, a record voided) falls on the harness's
// business dates.
func correctionsHarness(t *testing.T, dsn string) *harness {
	t.Helper()
	h := newHarness(t, dsn, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	st, err := store.Open(context.Background(), dsn, store.WithClock(h.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	h.p = NewPipeline(st, h.client, h.p.opts)
	h.importFiles(t, filepath.Join("..", "testdata", "pipeline", "orders.jsonl"))
	return h
}

// TestNightlyReconcilesAdjustments: the adjustments made on a business date
// are read back by that date's nightly reconcile. As posted they
// reconcile; once PortOne's copy is changed (amount), moved (settlement
// date) or deleted, and for one PortOne refused, the reconcile reports
// mismatches in settlement's vocabulary, counted where mismatches are
// counted (the run's counts, status, ErrMismatches), and PortOne's status
// is recorded on the adjustment.
func TestNightlyReconcilesAdjustments(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := correctionsHarness(t, db.DSN)
			d := settlement.MustDate("2025-09-29")
			spec := func(partner settlement.PartnerID, ref string, amount, taxFree settlement.Won, date string) store.AdjustmentSpec {
				return store.AdjustmentSpec{PartnerID: partner, Reference: ref, SettlementDate: settlement.MustDate(date), Amount: amount,
					TaxFree: taxFree, Memo: ref + " 정정", Reason: "test " + ref, By: "kim"}
			}
			// Made on d (the clock is 2025-09-29 09:00).
			adjustOn(t, h, spec("p1", "OPS-1", 500, 100, "2025-10-10"))
			adjustOn(t, h, spec("p1", "OPS-2", -300, 0, "2025-10-17"))
			adjustOn(t, h, spec("p2", "OPS-3", 700, 0, "2025-10-10"))
			if a := adjustOn(t, h, spec("p-nobody", "OPS-4", 900, 0, "2025-10-10")); a.Status != store.IntentFailed {
				t.Fatalf("OPS-4: %+v", a)
			}
			res, err := h.nightlyAt(t, d)
			if !errors.Is(err, ErrMismatches) {
				t.Fatalf("nightly with a failed adjustment: %v, want ErrMismatches", err)
			}
			if c := res[4].Counts; res[4].Job != JobReconcile || c["adjustments"] != 3 || c["mismatches"] != 1 {
				t.Fatalf("reconcile counts %+v, want 3 adjustments compared and the failed one", res[4])
			}
			// PortOne changes one, moves another's date, deletes a third.
			h.emu.Tamper(func(_ string, tr *transfer.Transfer) {
				switch tr.ID {
				case string(store.AdjustmentID("p1", "OPS-1")):
					v := int64(400)
					tr.SettlementAmount = &v
				case string(store.AdjustmentID("p2", "OPS-3")):
					tr.SettlementDate = "2025-11-03"
				}
			})
			if err := h.client.DeleteTransfer(ctx, string(store.AdjustmentID("p1", "OPS-2"))); err != nil {
				t.Fatal(err)
			}
			h.emu.ResetRequests()
			r, err := h.p.RunJob(ctx, JobReconcile, d, RunOptions{Force: true})
			if !errors.Is(err, ErrMismatches) || r.Counts["mismatches"] != 4 || r.Counts["adjustments"] != 3 {
				t.Fatalf("reconcile after PortOne's changes: %+v, %v", r.Counts, err)
			}
			// Set-based: one listing of MANUAL transfers over the
			// adjustments' settlement dates; a GET only for the two it does
			// not show (moved, deleted).
			var manualLists, gets int
			for _, q := range h.emu.Requests() {
				switch {
				case q.Path == "/platform/transfer-summaries" && strings.Contains(q.Query, "MANUAL"):
					if strings.Contains(q.Query, "%22number%22%3A0%2C") { // a listing's first page
						manualLists++
					}
				case q.Method == "GET" && strings.HasPrefix(q.Path, "/platform/transfers/"):
					gets++
				}
			}
			if manualLists != 1 || gets != 2 {
				t.Errorf("reconcile asked PortOne %d listings of MANUAL transfers and %d GETs, want 1 and 2", manualLists, gets)
			}
			type key struct {
				ref    settlement.PaymentID
				reason settlement.MismatchReason
				field  string
			}
			got := map[key]store.Mismatch{}
			if err := h.st.Mismatches(ctx, store.Query{From: d, To: d}, func(m *store.Mismatch) error {
				got[key{m.PaymentID, m.Reason, m.Field}] = *m
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			want := []struct {
				k                      key
				local, portOne, diff   settlement.Won
				localText, portOneText string
			}{
				{key{"OPS-1", settlement.AmountDiffers, "settlementAmount"}, 500, 400, -100, "", ""},
				{key{"OPS-2", settlement.MissingAtPortOne, "transfer"}, -300, 0, 300, "posted", "gone at PortOne"},
				{key{"OPS-3", settlement.DateDiffers, "settlementDate"}, 0, 0, 0, "2025-10-10", "2025-11-03"},
				{key{"OPS-4", settlement.MissingAtPortOne, "transfer"}, 900, 0, -900, "failed", ""},
			}
			if len(got) != len(want) {
				t.Errorf("mismatches %+v, want %d", got, len(want))
			}
			for _, w := range want {
				m, ok := got[w.k]
				if !ok {
					t.Errorf("no mismatch %+v", w.k)
					continue
				}
				if m.Local != w.local || m.PortOne != w.portOne || m.Diff != w.diff || m.LocalText != w.localText ||
					(w.portOneText != "" && m.PortOneText != w.portOneText) || m.BusinessDate != d {
					t.Errorf("mismatch %+v: %+v", w.k, m)
				}
			}
			if m := got[want[3].k]; !strings.Contains(m.PortOneText, "PLATFORM_PARTNER_NOT_FOUND") {
				t.Errorf("the failed adjustment's mismatch says %q, want PortOne's error", m.PortOneText)
			}
			// PortOne's status, as read back, is kept on the adjustment.
			adjs, err := h.st.Adjustments(ctx, "p1")
			if err != nil || len(adjs) != 2 || adjs[0].PortOneStatus == "" || adjs[0].PortOneAmount == nil || *adjs[0].PortOneAmount != 400 {
				t.Errorf("adjustments after reconcile: %+v, %v", adjs, err)
			}
			st, err := ReadStatus(ctx, h.st, StatusOptions{Loc: h.loc, Now: h.clock.Now()})
			if err != nil || !strings.Contains(strings.Join(st.Attention, "\n"), "2025-09-29: 4 reconciliation mismatches") {
				t.Errorf("status attention %q, %v", st.Attention, err)
			}
			// The next date's reconcile does not see d's adjustments again.
			// (Its payouts job does: PortOne's partner settlements hold the
			// manual transfers, which our book does not.)
			res, _ = h.nightlyAt(t, d.AddDays(1))
			if c := res[4].Counts; res[4].Job != JobReconcile || c["adjustments"] != 0 || c["mismatches"] != 0 {
				t.Errorf("reconcile of the next date: %+v", res[4])
			}
		})
	}
}
