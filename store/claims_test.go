package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/store/storetest"
)

// TestClaimsReadAnIndexOfThePending: the SELECT of a claim, dated or not,
// reads the partial index of the pending intents in claim order, with no
// sort: a claim costs the rows it takes, not the night's pending intents.
// Before, SQLite read every pending intent through (status, not_before_ms)
// and sorted them in a temporary B-tree for ORDER BY id, 0.12–0.19 s per
// claim of 32 at 95k pending. Reconciliation's read of the unfinished
// intents likewise reads its own index.
func TestClaimsReadAnIndexOfThePending(t *testing.T) {
	s := openT(t, storetest.SQLiteDSN(t))
	plans := []struct {
		name, query, index string
		args               []any
	}{
		{"dated claim", s.claimable(true), "transfer_intents_pending", []any{1, 1, "2025-10-01", 32}},
		{"claim", s.claimable(false), "transfer_intents_pending_any", []any{1, 1, 32}},
		{"unfinished", "SELECT * FROM transfer_intents WHERE status NOT IN ('posted', 'adopted') AND business_date = ? AND id > ? ORDER BY id LIMIT 500",
			"transfer_intents_unfinished", []any{"2025-10-01", 0}},
	}
	for _, p := range plans {
		plan := explainPlan(t, s.w(context.Background()), p.query, p.args...)
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, "USING INDEX "+p.index) || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want %s read in order, without a sort", p.name, text, p.index)
		}
	}
}

// TestClaimReturnsTheStoredIntent: a claim's rows, scanned by hand, are
// the intents as the store reads them otherwise (every column, the NULLs
// and times included), with the claim's lease and attempt.
func TestClaimReturnsTheStoredIntent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.SaveSettlements(ctx, []SettlementRecord{sampleSettlement("partner-1", "pay-1", 2), sampleSettlement("partner-1", "pay-2", 1)}); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimIntents(ctx, "a", 10, time.Minute)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d intents, %v", len(claimed), err)
		}
		for _, in := range claimed {
			stored, err := s.IntentByID(ctx, in.IntentID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(stored, in); diff != "" {
				t.Errorf("claimed %s (-stored +claimed):\n%s", in.IntentID, diff)
			}
			if in.ClaimOwner != "a" || in.Attempts != 1 || in.LeaseExpires.IsZero() || len(in.Request) == 0 || in.SettlementID == 0 {
				t.Errorf("claimed %+v: want owner a, attempt 1, a lease, the request and its settlement", in)
			}
		}
	})
}
