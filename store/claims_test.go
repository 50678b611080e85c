package store

import (
	"context"
	"strings"
	"testing"

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
