package store

import (
	"context"
	"testing"

	"github.com/settle-dev/settle/settlement"
)

// TestSettlementRulesVersion (issue #16): a settlement records which
// merchant's rules computed it; the same figures again from other rules are
// the same settlement (Duplicate), and the first version stays.
func TestSettlementRulesVersion(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.SaveOrder(ctx, sampleOrder("partner-1", "pay-1", 2)); err != nil {
			t.Fatal(err)
		}
		rec := sampleSettlement("partner-1", "pay-1", 2)
		rec.RulesVersion = "helpcenter-custom@0123456789ab"
		if out, err := s.SaveSettlement(ctx, rec); err != nil || out.Kind != Created {
			t.Fatalf("SaveSettlement = %+v, %v", out, err)
		}
		again := rec
		again.RulesVersion = "default@ba9876543210"
		if out, err := s.SaveSettlement(ctx, again); err != nil || out.Kind != Duplicate {
			t.Fatalf("SaveSettlement with other rules, same figures = %+v, %v; want Duplicate", out, err)
		}
		got, err := s.Settlement(ctx, "partner-1", "pay-1", settlement.KindOrder, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.RulesVersion != rec.RulesVersion {
			t.Errorf("rules version %q, want %q", got.RulesVersion, rec.RulesVersion)
		}
		recs, err := s.SettlementsOfPayment(ctx, "partner-1", "pay-1")
		if err != nil || len(recs) != 1 || recs[0].RulesVersion != rec.RulesVersion {
			t.Errorf("SettlementsOfPayment: %+v, %v", recs, err)
		}
	})
}
