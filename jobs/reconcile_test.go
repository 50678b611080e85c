package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// TestReconcileFindsALineThatAloneDiffers: the database's column-by-column
// check (store.ReconcileChecks) lets through no pair that differs in one
// line's amount alone, with the order's own block equal, on either
// database: the line is reported with its product.
func TestReconcileFindsALineThatAloneDiffers(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			h.importFiles(t, filepath.Join("..", "testdata", "pipeline", "orders.jsonl"))
			h.emu.Tamper(func(paymentID string, tr *transfer.Transfer) {
				if paymentID == "pay-2" && tr.Type == "ORDER" && len(tr.OrderLines) > 1 {
					tr.OrderLines[1].Amount.PlatformFee += 3
				}
			})
			d := settlement.MustDate("2025-09-29")
			if _, err := h.nightlyAt(t, d); !errors.Is(err, ErrMismatches) {
				t.Fatalf("nightly: %v, want ErrMismatches", err)
			}
			var got []store.Mismatch
			if err := h.st.Mismatches(context.Background(), store.Query{From: d, To: d}, func(m *store.Mismatch) error {
				got = append(got, *m)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].PaymentID != "pay-2" || got[0].ProductID != "B" || got[0].Field != "platformFee" || got[0].Diff != 3 {
				t.Errorf("mismatches %+v, want pay-2's line B platformFee off by 3 alone", got)
			}
		})
	}
}
