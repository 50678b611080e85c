package jobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

// TestPayoutsCountAdjustments: PortOne puts a manual transfer (settle
// adjust) into the partner's settlements and payout like any other
// transfer. Our expected payouts left adjustments out, so every payout of
// a partner with an adjustment was reported as differing by it.
func TestPayoutsCountAdjustments(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			recs := recordFiles(t)
			if rep := h.importFiles(t, recs("o.jsonl", `{"partnerId":"p1","paymentId":"pay-a","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":50000}}
`)); !rep.OK() {
				t.Fatalf("import: %+v", rep)
			}
			d := settlement.MustDate("2025-09-29")
			if _, err := h.nightlyAt(t, d); err != nil {
				t.Fatal(err)
			}
			sd, err := h.st.Settlement(ctx, "p1", "pay-a", settlement.KindOrder, "")
			if err != nil {
				t.Fatal(err)
			}
			on := sd.Transfer.SettlementDate
			for _, a := range []store.AdjustmentSpec{
				{PartnerID: "p1", Reference: "OPS-1", SettlementDate: on, Amount: -1200, Reason: "overpaid", By: "kim"},
				{PartnerID: "p1", Reference: "OPS-2", SettlementDate: on, Amount: 3000, TaxFree: 1000, Reason: "shipping refund", By: "kim"},
				{PartnerID: "p1", Reference: "OPS-3", SettlementDate: on.AddDays(1), Amount: 500, Reason: "goodwill", By: "kim"},
			} {
				if adj, err := Adjust(ctx, h.st, h.client, a, false); err != nil || adj.Status != store.IntentPosted {
					t.Fatalf("adjust %s: %+v, %v", a.Reference, adj, err)
				}
			}
			last := on.AddDays(1)
			h.clock.Set(time.Date(last.Year, last.Month, last.Day+1, 2, 0, 0, 0, h.loc))
			res, err := h.p.RunJob(ctx, JobPayouts, last, RunOptions{Force: true})
			if err != nil {
				ms, _ := h.st.PayoutMismatches(ctx, last.AddDays(-PayoutLookback), last.AddDays(PayoutHorizon))
				t.Fatalf("payouts with adjustments: %v (%+v)\nmismatches: %+v", err, res, ms)
			}
		})
	}
}
