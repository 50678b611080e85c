package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// TestAdjust: a manual transfer corrects a posted order of p1 (500 won
// short): it is stored with its client id, posted once however often the
// command is run (a lost answer included), compared with PortOne's answer
// and reconciled by reading it back; the same reference with another
// amount is refused; an unknown partner is recorded as failed with
// PortOne's error; a transfer changed at PortOne is reported.
func TestAdjust(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			sp := store.AdjustmentSpec{PartnerID: "p1", Reference: "OPS-17", SettlementDate: settlement.MustDate("2025-10-10"),
				Amount: 500, Memo: "pay-1 주문 금액 정정", Reason: "pay-1 was posted 500 won short", By: "kim"}
			// The first answer is lost after PortOne committed it: the
			// client retries with the same id and adopts.
			h.emu.Script(emulator.Match{Method: "POST", Path: "/platform/transfers/manual"}, 1, emulator.Fault{Kind: emulator.FaultDrop})
			a, err := Adjust(ctx, h.st, h.client, sp, false)
			if err != nil {
				t.Fatal(err)
			}
			if (a.Status != store.IntentPosted && a.Status != store.IntentAdopted) || a.PortOneAmount == nil || *a.PortOneAmount != 500 || a.PortOneTransferID != store.AdjustmentID("p1", "OPS-17") {
				t.Fatalf("adjustment: %+v", a)
			}
			if a2, err := Adjust(ctx, h.st, h.client, sp, false); err != nil || a2.PortOneTransferID != a.PortOneTransferID {
				t.Fatalf("the same adjustment again: %+v, %v", a2, err)
			}
			manual := 0
			for _, tr := range h.emu.Transfers(false) {
				if tr.Type == "MANUAL" {
					manual++
				}
			}
			if manual != 1 {
				t.Errorf("the emulator holds %d manual transfers, want 1", manual)
			}
			other := sp
			other.Amount = 700
			var ce *store.ConflictError
			if _, err := Adjust(ctx, h.st, h.client, other, false); !errors.As(err, &ce) || !strings.Contains(err.Error(), "settlementAmount") {
				t.Errorf("another amount under the same reference: %v", err)
			}
			bad := sp
			bad.PartnerID, bad.Reference = "p-nobody", "OPS-18"
			if a, err := Adjust(ctx, h.st, h.client, bad, false); err != nil || a.Status != store.IntentFailed || !strings.Contains(a.LastError, "PLATFORM_PARTNER_NOT_FOUND") {
				t.Errorf("unknown partner: %+v, %v", a, err)
			}
			if st, err := ReadStatus(ctx, h.st, StatusOptions{Loc: h.loc, Now: h.clock.Now()}); err != nil ||
				len(st.Attention) != 1 || !strings.Contains(st.Attention[0], "adjustment OPS-18 of partner p-nobody") {
				t.Errorf("status attention: %q, %v", st.Attention, err)
			}
			ms, err := ReconcileAdjustments(ctx, h.st, h.client, "p1")
			if err != nil || len(ms) != 0 {
				t.Fatalf("reconcile: %+v, %v", ms, err)
			}
			// PortOne's transfer changed (tampered answer): reported.
			h.emu.Tamper(func(_ string, tr *transfer.Transfer) {
				if tr.Type == "MANUAL" {
					v := int64(400)
					tr.SettlementAmount = &v
				}
			})
			if ms, err := ReconcileAdjustments(ctx, h.st, h.client, ""); err != nil || len(ms) != 2 ||
				!strings.Contains(ms[0].Reason+ms[1].Reason, "settlementAmount") || !strings.Contains(ms[0].Reason+ms[1].Reason, "PLATFORM_PARTNER_NOT_FOUND") {
				t.Errorf("reconcile after a change at PortOne: %+v, %v", ms, err)
			}
		})
	}
}
