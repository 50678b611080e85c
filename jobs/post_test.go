package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

// TestOneSlowPostHoldsOneWorker: posting keeps Concurrency requests in
// flight without a batch barrier. While PortOne takes two seconds over one
// order, the other workers post the rest of the night; before, the claim
// of 4×Concurrency waited for its slowest request, so at most a claim's
// worth was posted meanwhile.
func TestOneSlowPostHoldsOneWorker(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	h.p.opts.Concurrency = 2
	const n = 60
	d := h.settledOrders(t, "slow", n)
	ctx := context.Background()
	h.emu.Script(emulator.Match{Method: "POST", Path: "/platform/transfers/order"}, 1,
		emulator.Fault{Kind: emulator.FaultLatency, Latency: 2 * time.Second})
	done := make(chan error, 1)
	go func() {
		_, err := h.p.RunJob(ctx, JobPost, d, RunOptions{})
		done <- err
	}()
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) && len(h.emu.Transfers(false)) < n-1 {
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(h.emu.Transfers(false)); got < n-1 {
		t.Errorf("%d of %d transfers posted while one request was slow, want all but that one", got, n)
	}
	if err := <-done; err != nil {
		t.Fatalf("post: %v", err)
	}
	checkOnePerIntent(t, h, d)
}

// TestShareHelpsARunningPost: a post whose run another instance holds is
// skipped, or, with Share, helped: this instance claims and posts the
// pending intents too (each once), and says whose run it helped.
func TestShareHelpsARunningPost(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	const n = 20
	d := h.settledOrders(t, "share", n)
	ctx := context.Background()
	if _, ok, err := h.st.AcquireRun(ctx, string(JobPost), d, "other-instance", time.Hour); err != nil || !ok {
		t.Fatalf("another instance's post run: acquired %t, %v", ok, err)
	}
	r, err := h.p.RunJob(ctx, JobPost, d, RunOptions{})
	if err != nil || !strings.HasPrefix(r.Skipped, skippedElsewhere) || len(h.emu.Transfers(false)) != 0 {
		t.Fatalf("post without Share = %+v, %v, %d transfers; want skipped, nothing posted", r, err, len(h.emu.Transfers(false)))
	}
	r, err = h.p.RunJob(ctx, JobPost, d, RunOptions{Share: true})
	if err != nil || r.Skipped != "" || r.Shared != "other-instance" || r.Counts["posted"] != n {
		t.Fatalf("post with Share = %+v, %v; want %d posted, helping other-instance", r, err, n)
	}
	checkOnePerIntent(t, h, d)
}

// settledOrders imports n one-amount orders of partner p1 paid on
// 2025-09-29 (payment ids prefix-000 …), refreshes and settles that day
// at 02:00 the next, and returns it.
func (h *harness) settledOrders(t *testing.T, prefix string, n int) settlement.Date {
	t.Helper()
	var recs strings.Builder
	for i := range n {
		fmt.Fprintf(&recs, `{"partnerId":"p1","paymentId":"%s-%03d","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":%d}}`+"\n", prefix, i, 10000+i)
	}
	file := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := os.WriteFile(file, []byte(recs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep := h.importFiles(t, file); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	d := settlement.MustDate("2025-09-29")
	h.clock.Set(time.Date(2025, 9, 30, 2, 0, 0, 0, h.loc))
	ctx := context.Background()
	if _, err := h.p.RunJob(ctx, JobRefresh, d, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if r, err := h.p.RunJob(ctx, JobSettle, d, RunOptions{}); err != nil || r.Counts["orders"] != int64(n) {
		t.Fatalf("settle: %v, %v; want %d orders", r.Counts, err, n)
	}
	return d
}
