package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

// tableDump is every row of query q, each column as name=value.
func tableDump(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.db.Raw(q).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, c := range cols {
			if v, ok := vals[i].([]byte); ok {
				vals[i] = string(v)
			}
			fmt.Fprintf(&b, "%s=%v;", c, vals[i])
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPreparedSettlementsWriteTheSameRows: a batch prepared beside the
// writer (PrepareSettlements, the rows and lines encoded in advance) stores
// exactly the rows that saving the settlements one at a time stores, lines,
// details and intents included, also when some of the batch is stored
// already.
func TestPreparedSettlementsWriteTheSameRows(t *testing.T) {
	ctx := context.Background()
	recs := func() []SettlementRecord {
		a, b := sampleSettlement("partner-1", "pay-1", 3), sampleSettlement("partner-1", "pay-2", 1)
		b.Transfer.Lines[0].Discounts = []settlement.DiscountResult{{SharePolicyID: "d2", Amount: 100, ShareAmount: 50}}
		b.Transfer.Lines[0].AdditionalFees = []settlement.FeeResult{{PolicyID: "f2", Amount: 10, VAT: 1}}
		b.RulesVersion = "r1"
		return []SettlementRecord{a, b, sampleCancelSettlement("cx-1")}
	}
	dump := func(s *Store) []string {
		var out []string
		for _, q := range []string{
			"SELECT * FROM settlements ORDER BY id",
			"SELECT * FROM settlement_lines ORDER BY id",
			"SELECT * FROM transfer_intents ORDER BY id",
		} {
			out = append(out, tableDump(t, s, q)...)
		}
		return out
	}
	clock := func() func() time.Time { c := newClock(); return c.Now }
	one := openT(t, filepath.Join(t.TempDir(), "one.db"), WithClock(clock()))
	for _, r := range recs() {
		if _, err := one.SaveSettlement(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	batch := openT(t, filepath.Join(t.TempDir(), "batch.db"), WithClock(clock()))
	// The first is stored already: the batch writes the others, and each
	// must get its own encoded row (recs[i]'s, not the i-th new one's).
	if _, err := batch.SaveSettlement(ctx, recs()[0]); err != nil {
		t.Fatal(err)
	}
	p, err := batch.PrepareSettlements(recs())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := batch.SavePreparedSettlements(ctx, p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dump(one), dump(batch)); diff != "" {
		t.Errorf("prepared batch vs one at a time (-one +batch):\n%s", diff)
	}
}
