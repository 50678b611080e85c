package jobs

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// TestDeleteAndRepost: posted records are corrected through PortOne's own
// means. An order posted with a wrong amount has its transfer deleted at
// PortOne and is voided (the run cut between PortOne's delete and the
// void finishes when run again); the corrected order posts under a new
// client id and the date reconciles; corrected a second time it gets yet
// another. A cancel and then its order are corrected the same way, the
// corrected cancel naming the corrected order's transfer. Refused before
// anything changes: an order whose cancels are stored, and a transfer
// PortOne no longer deletes (PAYOUT_CONFIRMED).
func TestDeleteAndRepost(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			d := settlement.MustDate("2025-09-29")
			dir := t.TempDir()
			write := func(name, body string) string { return writeRecords(t, dir, name, body) }
			importOK := func(f string) {
				t.Helper()
				if rep := h.importFiles(t, f); !rep.OK() {
					t.Fatalf("import %s: %+v", filepath.Base(f), rep)
				}
			}
			nightly := func() {
				t.Helper()
				if _, err := h.p.Nightly(ctx, d, RunOptions{Force: true}); err != nil {
					t.Fatalf("nightly: %v", err)
				}
				if r, err := h.st.RunOf(ctx, string(JobReconcile), d); err != nil || r.Counts["mismatches"] != 0 {
					t.Errorf("reconcile: %+v, %v", r.Counts, err)
				}
			}
			intentOf := func(kind settlement.Kind, payment settlement.PaymentID, cancellation settlement.CancellationID) store.Intent {
				t.Helper()
				in, err := h.st.IntentByKey(ctx, "p1", payment, kind, cancellation)
				if err != nil {
					t.Fatal(err)
				}
				return in
			}
			live := func(id settlement.TransferID) *transfer.Transfer {
				for _, tr := range h.emu.Transfers(false) {
					if tr.ID == string(id) {
						return &tr
					}
				}
				return nil
			}
			importOK(write("first.jsonl", `{"partnerId":"p1","paymentId":"pay-d","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":10000}}
{"partnerId":"p1","paymentId":"pay-e","paidAt":"2025-09-29T10:05:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":8000}}
{"partnerId":"p1","paymentId":"pay-e","cancellationId":"cx-e","cancelledAt":"2025-09-29T11:00:00+09:00","orderDetail":{"orderAmount":1000},"discounts":[]}
`))
			h.clock.Set(d.Time(h.loc).AddDate(0, 0, 1).Add(2 * 3600e9))
			nightly()
			orderD := intentOf(settlement.KindOrder, "pay-d", "")
			void := func(kind settlement.Kind, payment settlement.PaymentID, cancellation settlement.CancellationID, why string) (store.Voided, error) {
				return VoidDeletingTransfer(ctx, h.st, h.client, store.VoidRequest{Kind: kind, PartnerID: "p1", PaymentID: payment,
					CancellationID: cancellation, By: "kim", Reason: why})
			}

			// Refused before PortOne is touched: the order's cancel is stored.
			if _, err := void(settlement.KindOrder, "pay-e", "", "wrong"); !errors.Is(err, store.ErrVoidBlocked) {
				t.Errorf("correcting an order with a cancel: %v, want refused", err)
			}
			if live(intentOf(settlement.KindOrder, "pay-e", "").IntentID) == nil {
				t.Error("the refused correction deleted pay-e's transfer at PortOne")
			}
			// Refused by status: PortOne does not delete a transfer in a payout.
			if !h.emu.ForceStatus(false, string(orderD.IntentID), settlement.TransferStatus("PAYOUT_CONFIRMED")) {
				t.Fatal("no transfer to force")
			}
			_, err := void(settlement.KindOrder, "pay-d", "", "wrong amount")
			var nd *NotDeletableError
			if !errors.As(err, &nd) || !errors.Is(err, ErrNotDeletable) || nd.Status != "PAYOUT_CONFIRMED" {
				t.Errorf("correcting a PAYOUT_CONFIRMED transfer: %v", err)
			}
			if in := intentOf(settlement.KindOrder, "pay-d", ""); in.Status != store.IntentPosted || live(in.IntentID) == nil {
				t.Errorf("after the refusal: intent %s, at PortOne %v", in.Status, live(in.IntentID) != nil)
			}
			h.emu.ForceStatus(false, string(orderD.IntentID), settlement.StatusScheduled)

			// Cut in half: PortOne deletes, the answer never arrives.
			h.emu.Script(emulator.Match{Method: http.MethodDelete, Path: "/platform/transfers/*"}, 100, emulator.Fault{Kind: emulator.FaultDrop})
			if _, err := void(settlement.KindOrder, "pay-d", "", "wrong amount typed by the marketplace"); err == nil {
				t.Fatal("the delete's answer was dropped, yet the correction succeeded")
			}
			h.emu.ClearScript()
			if live(orderD.IntentID) != nil {
				t.Fatal("the scripted drop did not delete at PortOne")
			}
			if in := intentOf(settlement.KindOrder, "pay-d", ""); in.Status != store.IntentPosted {
				t.Errorf("after a delete without answer the intent is %s, want still posted", in.Status)
			}
			v, err := void(settlement.KindOrder, "pay-d", "", "wrong amount typed by the marketplace")
			if err != nil {
				t.Fatalf("running the correction again: %v", err)
			}
			if v.Deleted == nil || v.Deleted.TransferID != orderD.IntentID || v.Deleted.Amount == nil || *v.Deleted.Amount <= 0 || v.Deleted.Status == "" || v.Deleted.SettlementDate == "" {
				t.Errorf("voided: %+v, deleted %+v: want transfer %s with our last copy of it", v, v.Deleted, orderD.IntentID)
			}
			importOK(write("fixed.jsonl", `{"partnerId":"p1","paymentId":"pay-d","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":12000}}`+"\n"))
			nightly()
			gen1 := intentOf(settlement.KindOrder, "pay-d", "")
			if gen1.IntentID == orderD.IntentID || gen1.IntentID != store.IntentID("p1", "pay-d", settlement.KindOrder, "", 1) {
				t.Errorf("the corrected order posted as %s, want a new id of generation 1", gen1.IntentID)
			}
			if tr := live(gen1.IntentID); tr == nil || tr.Amount == nil || tr.Amount.Order != 12000 {
				t.Errorf("the corrected order at PortOne: %+v", tr)
			}

			// Again: a second correction is a second generation.
			if _, err := void(settlement.KindOrder, "pay-d", "", "still wrong"); err != nil {
				t.Fatal(err)
			}
			importOK(write("fixed2.jsonl", `{"partnerId":"p1","paymentId":"pay-d","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":11000}}`+"\n"))
			nightly()
			if gen2 := intentOf(settlement.KindOrder, "pay-d", ""); gen2.IntentID != store.IntentID("p1", "pay-d", settlement.KindOrder, "", 2) {
				t.Errorf("the second correction posted as %s, want generation 2", gen2.IntentID)
			}

			// A cancel, then its order; both imported again corrected.
			oldCancel := intentOf(settlement.KindOrderCancel, "pay-e", "cx-e")
			if _, err := void(settlement.KindOrderCancel, "", "cx-e", "cancelled the wrong amount"); err != nil {
				t.Fatal(err)
			}
			if _, err := void(settlement.KindOrder, "pay-e", "", "the order was 9000"); err != nil {
				t.Fatal(err)
			}
			importOK(write("fixed-e.jsonl", `{"partnerId":"p1","paymentId":"pay-e","paidAt":"2025-09-29T10:05:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":9000}}
{"partnerId":"p1","paymentId":"pay-e","cancellationId":"cx-e","cancelledAt":"2025-09-29T11:00:00+09:00","orderDetail":{"orderAmount":2000},"discounts":[]}
`))
			nightly()
			newOrder, newCancel := intentOf(settlement.KindOrder, "pay-e", ""), intentOf(settlement.KindOrderCancel, "pay-e", "cx-e")
			if newCancel.IntentID == oldCancel.IntentID || newCancel.IntentID != store.IntentID("p1", "pay-e", settlement.KindOrderCancel, "cx-e", 1) {
				t.Errorf("the corrected cancel posted as %s, want generation 1", newCancel.IntentID)
			}
			if rem, ok := h.emu.Remaining(false, string(newOrder.IntentID)); !ok || rem.Order != 7000 {
				t.Errorf("what remains of the corrected order %s at PortOne: %+v (%v), want 9000 - 2000: the corrected cancel names it", newOrder.IntentID, rem, ok)
			}
			if n := checkOnePerIntent(t, h, d); n != 3 {
				t.Errorf("%d intents, want 3 (pay-d, pay-e, cx-e)", n)
			}
			hist, err := h.st.VoidedRecords(ctx, "p1")
			if err != nil || len(hist) != 4 {
				t.Fatalf("history: %d records, %v; want 4", len(hist), err)
			}
			for _, v := range hist {
				if v.Deleted == nil || v.By != "kim" || v.Reason == "" {
					t.Errorf("history: %+v (deleted %+v)", v, v.Deleted)
				}
			}
		})
	}
}

// TestDeleteAndRepostTwoInstances: two instances correct the same posted
// order at the same moment. PortOne deletes it once, the record is voided
// once, both report the same void, and the corrected order posts once.
func TestDeleteAndRepostTwoInstances(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			d := settlement.MustDate("2025-09-29")
			f := filepath.Join(t.TempDir(), "o.jsonl")
			body := func(amount string) {
				if err := os.WriteFile(f, []byte(`{"partnerId":"p1","paymentId":"pay-t","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":`+amount+`}}`+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if rep := h.importFiles(t, f); !rep.OK() {
					t.Fatalf("import: %+v", rep)
				}
			}
			body("10000")
			h.clock.Set(d.Time(h.loc).AddDate(0, 0, 1).Add(2 * 3600e9))
			if _, err := h.p.Nightly(ctx, d, RunOptions{}); err != nil {
				t.Fatal(err)
			}
			other, err := store.Open(ctx, db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			req := store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-t", By: "kim", Reason: "wrong amount"}
			type result struct {
				v   store.Voided
				err error
			}
			done := make(chan result, 2)
			for _, st := range []*store.Store{h.st, other} {
				go func() {
					v, err := VoidDeletingTransfer(ctx, st, h.client, req)
					done <- result{v, err}
				}()
			}
			// Each voids it or, when the other was first, says so and
			// names the void; PortOne deleted it once.
			a, b := <-done, <-done
			if b.err == nil {
				a, b = b, a
			}
			var av *AlreadyVoidedError
			if a.err != nil || a.v.Deleted == nil || (b.err != nil && (!errors.As(b.err, &av) || av.Voided.ID != a.v.ID)) || (b.err == nil && b.v.ID != a.v.ID) {
				t.Fatalf("two corrections at once: %+v %v / %+v %v", a.v, a.err, b.v, b.err)
			}
			if hist, err := h.st.VoidedRecords(ctx, "p1"); err != nil || len(hist) != 1 {
				t.Errorf("history: %d records, %v; want one void", len(hist), err)
			}
			body("12000")
			if _, err := h.p.Nightly(ctx, d, RunOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			if n := checkOnePerIntent(t, h, d); n != 1 {
				t.Errorf("%d intents, want 1", n)
			}
		})
	}
}

// TestDeleteRefusedByPortOne: a cancel made at PortOne outside settle (in
// the console, say) is not stored here, so the local checks pass; PortOne
// refuses to delete an order transfer with cancel transfers, and the
// correction is refused naming PortOne's reason, with nothing changed.
func TestDeleteRefusedByPortOne(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, filepath.Join(t.TempDir(), "s.db"), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	d := settlement.MustDate("2025-09-29")
	if rep := h.importFiles(t, writeRecords(t, t.TempDir(), "o.jsonl", `{"partnerId":"p1","paymentId":"pay-c","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":10000}}`+"\n")); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); err != nil {
		t.Fatal(err)
	}
	order, err := h.st.IntentByKey(ctx, "p1", "pay-c", settlement.KindOrder, "")
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(1000)
	if _, err := h.client.CreateOrderCancelTransfer(ctx, transfer.CreateOrderCancelTransferBody{ID: "console-cancel-1", TransferID: string(order.IntentID),
		CancellationID: "console-1", OrderDetail: &transfer.CancelOrderDetailInput{OrderAmount: &amount}, Discounts: []transfer.DiscountInput{}}); err != nil {
		t.Fatal(err)
	}
	_, err = VoidDeletingTransfer(ctx, h.st, h.client, store.VoidRequest{Kind: settlement.KindOrder, PartnerID: "p1", PaymentID: "pay-c", By: "kim", Reason: "wrong"})
	var nd *NotDeletableError
	if !errors.As(err, &nd) || nd.Type != settlement.ErrCancelOrderTransfersExists || !strings.Contains(err.Error(), "cancel transfers") {
		t.Fatalf("correcting an order PortOne holds cancels of: %v", err)
	}
	if in, err := h.st.IntentByKey(ctx, "p1", "pay-c", settlement.KindOrder, ""); err != nil || in.Status != store.IntentPosted {
		t.Errorf("after the refusal the intent is %+v, %v; want it posted, untouched", in, err)
	}
	found := false
	for _, tr := range h.emu.Transfers(false) {
		found = found || tr.ID == string(order.IntentID)
	}
	if !found {
		t.Error("the refused correction deleted the order transfer at PortOne")
	}
}
