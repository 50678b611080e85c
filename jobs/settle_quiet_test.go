package jobs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/metrics"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// ordersOnly writes the orders of a JSONL file (no cancellations) to a
// file in dir.
func ordersOnly(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !bytes.Contains(sc.Bytes(), []byte(`"cancellationId"`)) {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
		}
	}
	path := filepath.Join(dir, "orders-only.jsonl")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSettleDoesNotStartAGoroutinePerRow: settling the demo week's 2,002
// orders under a context that can be cancelled (as every run's is) starts
// a bounded number of goroutines (116 here), not one per row. go-sqlite3 steps a statement
// whose context can be cancelled on a goroutine of its own, per row; the
// settle run read its pages of orders and the rows its inserts returned
// that way, a goroutine and two thread hand-offs per row (a third of a
// 100k settle's time). Seen failing with store.quiet returning ctx itself:
// 6,243 goroutines for these 2,002 orders.
func TestSettleDoesNotStartAGoroutinePerRow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	h := newHarness(t, filepath.Join(dir, "settle.db"), "../demo/data/marketplace.json")
	last := settlement.MustDate("2025-10-05")
	if _, err := h.p.Refresh(ctx, last, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	rep := h.importFiles(t, ordersOnly(t, "../demo/data/orders.jsonl", dir))
	records := int64(rep.Read)
	if rep.Created != rep.Read || records < 2000 {
		t.Fatalf("import = %+v, want every order created", rep.Counts)
	}
	before := goroutinesCreated()
	c, err := h.p.Settle(ctx, last, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := int64(goroutinesCreated() - before)
	if c["created"] != records {
		t.Fatalf("settle counts = %v, want %d created", c, records)
	}
	t.Logf("settle of %d orders started %d goroutines", records, started)
	if started > records/10 {
		t.Errorf("settle of %d orders started %d goroutines, want at most %d (not one per row)", records, started, records/10)
	}
}

// TestSettleSaveCancelledCommitsNothing: a save whose context is cancelled
// commits nothing, although its statements run on a context the driver
// does not watch: the context is checked before the commit.
func TestSettleSaveCancelledCommitsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h := newHarness(t, filepath.Join(dir, "settle.db"), "../demo/data/marketplace.json")
	last := settlement.MustDate("2025-10-05")
	if _, err := h.p.Refresh(ctx, last, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	h.importFiles(t, ordersOnly(t, "../demo/data/orders.jsonl", dir))
	cctx, cancel := context.WithCancel(ctx)
	var pages int
	err := h.st.UnsettledOrderPages(ctx, last, 100, func(recs []store.OrderRecord) error {
		pages++
		batch := make([]store.SettlementRecord, 0, len(recs))
		tc, err := h.p.newTermsCache(ctx)
		if err != nil {
			return err
		}
		for i := range recs {
			sr, err := h.p.settleOrder(ctx, tc, last, &recs[i])
			if err != nil {
				return err
			}
			batch = append(batch, sr)
		}
		prep, err := h.st.PrepareSettlements(batch)
		if err != nil {
			return err
		}
		cancel()
		_, err = h.st.SavePreparedSettlements(cctx, prep)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("save under a cancelled context: err = %v, want context.Canceled", err)
	}
	n, err := h.st.CountIntents(ctx, settlement.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 1 || len(n) != 0 {
		t.Errorf("after a cancelled save: %d pages, intents %v; want 1 page and none stored", pages, n)
	}
}
