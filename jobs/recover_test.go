package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// missingPartnerOrders writes n orders of partner "p-new" (named with its
// contract, so settle needs nothing of the partner) and two of p1.
func missingPartnerOrders(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"partnerId":"p-new","contractId":"c-daily","paymentId":"pay-new-%02d","paidAt":"2025-09-29T10:%02d:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":%d}}`+"\n",
			i, i, 10000+i*1111)
	}
	b.WriteString(`{"partnerId":"p1","paymentId":"pay-ok-1","paidAt":"2025-09-29T11:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":5000}}` + "\n")
	b.WriteString(`{"partnerId":"p1","paymentId":"pay-ok-2","paidAt":"2025-09-29T11:30:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":7000}}` + "\n")
	f := filepath.Join(t.TempDir(), "orders.jsonl")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// addPartner is the fix at PortOne: the missing partner is registered.
func addPartner(t *testing.T, c *transfer.Client, id string) {
	t.Helper()
	var body transfer.CreatePartnerBody
	raw := `{"id":"` + id + `","name":"새파트너","contact":{"name":"박새","email":"new@example.com"},
		"account":{"bank":"KOOKMIN","currency":"KRW","number":"99988877766655","holder":"새파트너"},
		"defaultContractId":"c-daily","tags":[],"type":{"nonWhtPayer":{"birthdate":"1990-01-01"}}}`
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePartner(context.Background(), body); err != nil {
		t.Fatalf("add partner %s at the emulator: %v", id, err)
	}
}

// failForMissingPartner runs the nightly of d with 40 orders of a partner
// PortOne does not know: their intents fail with PLATFORM_PARTNER_NOT_FOUND.
func failForMissingPartner(t *testing.T, h *harness, d settlement.Date) {
	t.Helper()
	if rep := h.importFiles(t, missingPartnerOrders(t, 40)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); err != nil && !errors.Is(err, ErrMismatches) {
		t.Fatalf("nightly %s: %v", d, err)
	}
	failed := 0
	err := h.st.ListIntents(context.Background(), store.IntentFilter{Statuses: []store.IntentStatus{store.IntentFailed}}, func(l *store.IntentLine) error {
		failed++
		if l.PartnerID != "p-new" || !strings.Contains(l.LastError, "PLATFORM_PARTNER_NOT_FOUND") || l.Settlement <= 0 {
			t.Errorf("failed intent %s of %s: error %q, settlement %d", l.IntentID, l.PartnerID, l.LastError, l.Settlement)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if failed != 40 {
		t.Fatalf("%d failed intents after the nightly, want 40", failed)
	}
}

// TestRetryAfterFix is issue #13's story: 40 intents fail because PortOne
// does not know the partner; the partner is added; `settle retry` and
// `settle run post` (no --force) post each exactly once, and the date
// reconciles. Before retry existed nothing but SQL could post them: a
// forced post or nightly left them failed (checked first).
func TestRetryAfterFix(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, db.DSN, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
			d := settlement.MustDate("2025-09-29")
			failForMissingPartner(t, h, d)

			st, err := ReadStatus(ctx, h.st, StatusOptions{Cron: "0 2 * * *", Loc: h.loc, Now: h.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Attention) == 0 || !strings.Contains(st.Attention[0], "40 transfer intents failed") || !strings.Contains(st.Attention[0], "settle retry --date 2025-09-29") {
				t.Errorf("status attention: %q", st.Attention)
			}
			if st.NextRun.IsZero() || st.NextRun.Hour() != 2 || st.LastRun == nil {
				t.Errorf("next run %v, last run %+v", st.NextRun, st.LastRun)
			}

			addPartner(t, h.client, "p-new")
			// Without retry, a forced post posts nothing: the intents stay failed.
			if r, err := h.p.RunJob(ctx, JobPost, d, RunOptions{Force: true}); err != nil || r.Counts["posted"] != 0 {
				t.Fatalf("forced post before retry: %+v, %v", r.Counts, err)
			}
			res, err := Retry(ctx, h.st, store.IntentFilter{Date: d})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Requeued) != 40 || len(res.Dates) != 1 || !containsJob(res.Rerun[d], JobPost) || !containsJob(res.Rerun[d], JobReconcile) {
				t.Fatalf("retry: %d requeued, dates %v, rerun %v", len(res.Requeued), res.Dates, res.Rerun)
			}
			for i := 1; i < len(res.Requeued); i++ {
				if res.Requeued[i-1].PaymentID >= res.Requeued[i].PaymentID {
					t.Errorf("requeued not in payment order: %s then %s", res.Requeued[i-1].PaymentID, res.Requeued[i].PaymentID)
				}
			}
			// Nothing left to retry: a second retry changes nothing.
			if again, err := Retry(ctx, h.st, store.IntentFilter{Date: d}); err != nil || len(again.Requeued) != 0 {
				t.Fatalf("second retry: %+v, %v", again, err)
			}
			r, err := h.p.RunJob(ctx, JobPost, d, RunOptions{})
			if err != nil || r.Skipped != "" || r.Counts["posted"] != 40 {
				t.Fatalf("post after retry: skipped %q, counts %+v, %v", r.Skipped, r.Counts, err)
			}
			for _, job := range []Job{JobSync, JobReconcile} {
				if r, err := h.p.RunJob(ctx, job, d, RunOptions{}); err != nil || r.Skipped != "" {
					t.Fatalf("%s after retry: %+v, %v", job, r, err)
				} else if job == JobReconcile && r.Counts["mismatches"] != 0 {
					t.Errorf("reconcile after retry: %+v", r.Counts)
				}
			}
			if n := checkOnePerIntent(t, h, d); n != 42 {
				t.Errorf("%d intents, want 42", n)
			}
			st, err = ReadStatus(ctx, h.st, StatusOptions{Loc: h.loc, Now: h.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Attention) != 0 {
				t.Errorf("attention after the retry: %q", st.Attention)
			}
		})
	}
}

// TestRetryTwoInstances: on PostgreSQL two instances retry and post the
// same failed intents at once; each intent is re-queued once and posted
// once.
func TestRetryTwoInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	h := newHarness(t, dsn, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	d := settlement.MustDate("2025-09-29")
	failForMissingPartner(t, h, d)
	addPartner(t, h.client, "p-new")

	st2, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	p2 := NewPipeline(st2, h.client, Options{Loc: h.loc, Now: h.clock.Now, OutDir: t.TempDir(), Owner: "second", Concurrency: 8})
	pipes := []*Pipeline{h.p, p2}
	stores := []*store.Store{h.st, st2}
	var wg sync.WaitGroup
	requeued := make([]int, 2)
	posted := make([]int64, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Retry(ctx, stores[i], store.IntentFilter{Date: d, Statuses: []store.IntentStatus{store.IntentFailed}})
			if err != nil {
				errs[i] = err
				return
			}
			requeued[i] = len(res.Requeued)
			c, err := pipes[i].Post(ctx, d, RunOptions{})
			posted[i], errs[i] = c["posted"]+c["adopted"], err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	if requeued[0]+requeued[1] != 40 {
		t.Errorf("re-queued %v, want 40 in all", requeued)
	}
	if posted[0]+posted[1] != 40 {
		t.Errorf("posted %v, want 40 in all", posted)
	}
	if _, err := h.p.RunJob(ctx, JobSync, d, RunOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if r, err := h.p.RunJob(ctx, JobReconcile, d, RunOptions{Force: true}); err != nil || r.Counts["mismatches"] != 0 {
		t.Fatalf("reconcile: %+v, %v", r.Counts, err)
	}
	if n := checkOnePerIntent(t, h, d); n != 42 {
		t.Errorf("%d intents, want 42", n)
	}
}

// TestRetryByID: named ids are retried alone; an id that is not failed is
// explained, not silently ignored.
func TestRetryByID(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	d := settlement.MustDate("2025-09-29")
	failForMissingPartner(t, h, d)
	var failed, posted []settlement.TransferID
	_ = h.st.ListIntents(ctx, store.IntentFilter{Date: d}, func(l *store.IntentLine) error {
		if l.Status == store.IntentFailed {
			failed = append(failed, l.IntentID)
		} else {
			posted = append(posted, l.IntentID)
		}
		return nil
	})
	res, err := Retry(ctx, h.st, store.IntentFilter{IntentIDs: []settlement.TransferID{failed[3], posted[0], "stl-o-nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requeued) != 1 || res.Requeued[0].IntentID != failed[3] || res.Requeued[0].Was != store.IntentFailed {
		t.Errorf("requeued %+v", res.Requeued)
	}
	if len(res.NotRetried) != 2 || !strings.Contains(res.NotRetried[0], "is posted") || !strings.Contains(res.NotRetried[1], "no such intent") {
		t.Errorf("not retried: %q", res.NotRetried)
	}
	counts, _ := h.st.CountIntents(ctx, d)
	if counts[store.IntentFailed] != 39 || counts[store.IntentPending] != 1 {
		t.Errorf("counts %v", counts)
	}
}

func containsJob(js []Job, j Job) bool {
	for _, x := range js {
		if x == j {
			return true
		}
	}
	return false
}

// TestRetryOrderTakesItsCancels: a cancel fails because its order's
// transfer failed; retrying the order by id re-queues the cancel too, and
// both are posted in order.
func TestRetryOrderTakesItsCancels(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	d := settlement.MustDate("2025-09-29")
	f := filepath.Join(t.TempDir(), "recs.jsonl")
	recs := `{"partnerId":"p-new","contractId":"c-daily","paymentId":"pay-n","paidAt":"2025-09-29T10:00:00+09:00","discounts":[],"additionalFees":[],"orderDetail":{"orderAmount":10000}}
{"partnerId":"p-new","paymentId":"pay-n","cancellationId":"cx-n","cancelledAt":"2025-09-29T12:00:00+09:00","orderDetail":{"orderAmount":3000},"discounts":[]}
`
	if err := os.WriteFile(f, []byte(recs), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep := h.importFiles(t, f); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); err != nil && !errors.Is(err, ErrMismatches) {
		t.Fatal(err)
	}
	order, err := h.st.IntentByKey(ctx, "p-new", "pay-n", settlement.KindOrder, "")
	if err != nil || order.Status != store.IntentFailed {
		t.Fatalf("order intent: %+v, %v", order, err)
	}
	cancel, err := h.st.IntentByKey(ctx, "p-new", "pay-n", settlement.KindOrderCancel, "cx-n")
	if err != nil || cancel.Status != store.IntentFailed {
		t.Fatalf("cancel intent: %+v, %v", cancel, err)
	}
	addPartner(t, h.client, "p-new")
	res, err := Retry(ctx, h.st, store.IntentFilter{IntentIDs: []settlement.TransferID{order.IntentID}})
	if err != nil || len(res.Requeued) != 2 {
		t.Fatalf("retry of the order: %+v, %v", res.Requeued, err)
	}
	if _, err := h.p.RunJob(ctx, JobPost, d, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := checkOnePerIntent(t, h, d); n != 2 {
		t.Errorf("%d intents, want 2", n)
	}
}
