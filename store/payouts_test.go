package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestPayoutStatesIdempotent: the same state saved twice is one history
// entry (Duplicate); a new status is a new entry and the latest; a state
// that comes back is the latest again without a new entry. On SQLite and
// PostgreSQL.
func TestPayoutStatesIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := t.Context()
		d := settlement.Date{Year: 2025, Month: time.October, Day: 2}
		ps := func(status settlement.PartnerSettlementStatus) SeenSettlement {
			p := settlement.PartnerSettlement{ID: "ps1", Status: status,
				Key:     settlement.SettlementKey{PartnerID: "p1", ContractID: "c1", Kind: settlement.KindOrder, SettlementDate: d, Currency: settlement.KRW},
				Amounts: settlement.Amounts{Settlement: 9000, SettlementTaxFree: 100}}
			return SeenSettlement{Settlement: p, Raw: fmt.Appendf(nil, `{"id":"ps1","status":%q}`, status)}
		}
		po := func(status settlement.PayoutStatus, reason string) SeenPayout {
			p := settlement.PayoutRecord{ID: "po1", BulkPayoutID: "b1", Key: settlement.PayoutKey{PartnerID: "p1", Currency: settlement.KRW},
				Status: status, FailReason: reason, Amounts: settlement.PayoutAmounts{Settlement: 9000, Amount: 8703, IncomeTax: 270, LocalIncomeTax: 27}}
			return SeenPayout{Payout: p, PayoutDate: d, Raw: fmt.Appendf(nil, `{"id":"po1","status":%q}`, status)}
		}
		kinds := func(outs []Outcome, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			k := ""
			for _, o := range outs {
				k += string(o.Kind) + " "
			}
			return k
		}
		if got := kinds(s.SavePartnerSettlements(ctx, []SeenSettlement{ps("PAYOUT_PREPARED"), ps("PAYOUT_PREPARED")})); got != "created duplicate " {
			t.Errorf("first save: %s", got)
		}
		c.Advance(time.Hour)
		if got := kinds(s.SavePartnerSettlements(ctx, []SeenSettlement{ps("PAYOUT_SCHEDULED")})); got != "created " {
			t.Errorf("new status: %s", got)
		}
		c.Advance(time.Hour)
		if got := kinds(s.SavePartnerSettlements(ctx, []SeenSettlement{ps("PAYOUT_PREPARED")})); got != "duplicate " {
			t.Errorf("state come back: %s", got)
		}
		h, err := s.PartnerSettlementHistory(ctx, "ps1")
		if err != nil || len(h) != 2 || h[0].Status != "PAYOUT_PREPARED" || h[1].Status != "PAYOUT_SCHEDULED" || h[0].Amount != 9000 {
			t.Errorf("history %+v, %v", h, err)
		}
		cur, err := s.PartnerSettlementsOn(ctx, d, d)
		if err != nil || len(cur) != 1 || cur[0].Settlement.Status != "PAYOUT_PREPARED" || cur[0].Settlement.Amounts.SettlementTaxFree != 100 || cur[0].Settlement.Key.ContractID != "c1" {
			t.Errorf("latest %+v, %v", cur, err)
		}

		kinds(s.SavePayouts(ctx, []SeenPayout{po("SCHEDULED", "")}))
		kinds(s.SavePayouts(ctx, []SeenPayout{po("FAILED", "account closed"), po("FAILED", "account closed")}))
		ph, err := s.PayoutHistory(ctx, "po1")
		if err != nil || len(ph) != 2 || ph[1].Status != "FAILED" || ph[1].Detail != "account closed" || ph[1].Amount != 8703 {
			t.Errorf("payout history %+v, %v", ph, err)
		}

		ours := &settlement.PayoutAmounts{Settlement: 9000, Amount: 8703, IncomeTax: 270, LocalIncomeTax: 27}
		theirs := &settlement.PayoutAmounts{Settlement: 9000, Amount: 8713, IncomeTax: 260, LocalIncomeTax: 27}
		check := PayoutCheck{PayoutDate: d, PartnerID: "p1", Currency: settlement.KRW, PayoutID: "po1", Status: "FAILED", FailReason: "account closed",
			Treatment: settlement.Treatment{Withhold: true}, Ours: ours, Theirs: theirs,
			Reasons: []settlement.MismatchReason{settlement.PayoutAmountDiffers, settlement.PayoutFailedReason}}
		m := PayoutMismatch{PayoutDate: d, Subject: "payout", Key: "po1", PartnerID: "p1",
			Mismatch: settlement.Mismatch{Reason: settlement.PayoutAmountDiffers, Field: "incomeTaxAmount", Local: 270, PortOne: 260, Diff: -10}}
		for range 2 { // replaced, not added to
			if err := s.ReplacePayoutChecks(ctx, d, d, []PayoutCheck{check}, []PayoutMismatch{m}); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := s.PayoutChecks(ctx, d, d)
		if err != nil || len(cs) != 1 || *cs[0].Theirs != *theirs || *cs[0].Ours != *ours || len(cs[0].Reasons) != 2 || !cs[0].Treatment.Withhold {
			t.Errorf("checks %+v, %v", cs, err)
		}
		ms, err := s.PayoutMismatches(ctx, d, d)
		if err != nil || len(ms) != 1 || ms[0].Mismatch != m.Mismatch {
			t.Errorf("mismatches %+v, %v", ms, err)
		}
	})
}
