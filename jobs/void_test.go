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
)

// TestVoidThenReimport: an order stored with a wrong amount and settled
// but not posted is voided (kept in history with who and why); the
// corrected order, refused as a conflict before, is then imported, posted
// once with the corrected amount, and the date reconciles. A posted order
// is refused with the way forward; an order with a stored cancellation
// and a later-settled cancel are refused until what depends on them goes.
func TestVoidThenReimport(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			d := settlement.MustDate("2025-09-29")
			dir := t.TempDir()
			write := func(name, body string) string { return writeRecords(t, dir, name, body) }
			wrong := write("wrong.jsonl", `{"partnerId":"p1","paymentId":"pay-v","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":10000}}
{"partnerId":"p1","paymentId":"pay-w","paidAt":"2025-09-29T10:05:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":8000}}
{"partnerId":"p1","paymentId":"pay-w","cancellationId":"cx-1","cancelledAt":"2025-09-29T11:00:00+09:00","orderDetail":{"orderAmount":1000},"discounts":[]}
{"partnerId":"p1","paymentId":"pay-w","cancellationId":"cx-2","cancelledAt":"2025-09-29T12:00:00+09:00","orderDetail":{"orderAmount":1000},"discounts":[]}
`)
			fixed := write("fixed.jsonl", `{"partnerId":"p1","paymentId":"pay-v","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":12000}}`+"\n")
			if rep := h.importFiles(t, wrong); !rep.OK() {
				t.Fatalf("import: %+v", rep)
			}
			h.clock.Set(d.Time(h.loc).AddDate(0, 0, 1).Add(2 * 3600e9))
			for _, job := range []Job{JobRefresh, JobSettle} {
				if _, err := h.p.RunJob(ctx, job, d, RunOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if rep := h.importFiles(t, fixed); rep.OK() || rep.Counts.Conflict != 1 {
				t.Fatalf("the corrected order before void: %+v, want a conflict", rep.Counts)
			}
			// Refusals: an order with cancellations; a cancel computed before a later one.
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-w", By: "kim", Reason: "test"}); !errors.Is(err, store.ErrVoidBlocked) || !strings.Contains(err.Error(), "cx-1, cx-2") {
				t.Errorf("void of an order with cancellations: %v", err)
			}
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrderCancel, PartnerID: "p1", CancellationID: "cx-1", By: "kim", Reason: "test"}); !errors.Is(err, store.ErrVoidBlocked) || !strings.Contains(err.Error(), "cx-2") {
				t.Errorf("void of a cancel a later one was computed on: %v", err)
			}
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-v", By: "kim"}); err == nil || !strings.Contains(err.Error(), "reason") {
				t.Errorf("void without a reason: %v", err)
			}
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-nope", By: "kim", Reason: "x"}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("void of an unknown order: %v", err)
			}
			// The last cancel first, then the wrong order.
			if _, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrderCancel, PartnerID: "p1", CancellationID: "cx-2", By: "kim", Reason: "sent twice"}); err != nil {
				t.Fatal(err)
			}
			v, err := h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-v", By: "kim", Reason: "wrong amount typed by the marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			if v.IntentStatus != store.IntentPending || v.IntentID == "" || v.BusinessDate != d || !strings.Contains(string(v.Request), "10000") {
				t.Errorf("voided: %+v", v)
			}
			hist, err := h.st.VoidedRecords(ctx, "p1")
			if err != nil || len(hist) != 2 || hist[1].By != "kim" || hist[1].Reason != "wrong amount typed by the marketplace" || hist[0].CancellationID != "cx-2" {
				t.Fatalf("history: %+v, %v", hist, err)
			}
			if rep := h.importFiles(t, fixed); !rep.OK() || rep.Counts.Created != 1 {
				t.Fatalf("the corrected order after void: %+v", rep.Counts)
			}
			if _, err := h.p.Nightly(ctx, d, RunOptions{Force: true}); err != nil {
				t.Fatalf("nightly after void: %v", err)
			}
			if n := checkOnePerIntent(t, h, d); n != 3 {
				t.Errorf("%d intents, want 3 (pay-v, pay-w, cx-1)", n)
			}
			found := false
			for _, tr := range h.emu.Transfers(false) {
				if tr.Payment != nil && tr.Payment.ID == "pay-v" {
					found = true
					if tr.Amount == nil || tr.Amount.Order != 12000 {
						t.Errorf("pay-v posted with %+v, want the corrected order amount 12000", tr.Amount)
					}
				}
			}
			if !found {
				t.Error("pay-v never reached the emulator")
			}
			if r, err := h.st.RunOf(ctx, string(JobReconcile), d); err != nil || r.Counts["mismatches"] != 0 {
				t.Errorf("reconcile after void: %+v, %v", r.Counts, err)
			}
			_, err = h.st.VoidRecord(ctx, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-v", By: "kim", Reason: "again"})
			var pe *store.PostedError
			if !errors.As(err, &pe) || pe.TransferID == "" || !errors.Is(err, store.ErrPosted) {
				t.Errorf("void of a posted order: %v", err)
			}
		})
	}
}
