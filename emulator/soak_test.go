package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/transfer"
)

func newClient(tb testing.TB, base string, maxAttempts int) *transfer.Client {
	tb.Helper()
	c, err := transfer.New(transfer.Config{
		BaseURL: base, APISecret: secret,
		HTTPClient:  &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}},
		MaxAttempts: maxAttempts, AttemptTimeout: 10 * time.Second,
		MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestFaultSoak posts 500 orders and a partial cancel of each (1,000
// transfers) through the real transfer.Client while the emulator fails 20 %
// of all requests with 5xx, commits then drops 10 % and answers 5 % with
// 429. Every intent must end as exactly one transfer: none lost, none
// doubled.
func TestFaultSoak(t *testing.T) {
	const orders, workers = 500, 16
	srv, a, _ := seeded(t, emulator.Options{Seed: 20261123})
	c := newClient(t, a.base, 15)
	srv.SetFaults(emulator.FaultConfig{Rate5xx: 0.20, RateDrop: 0.10, Rate429: 0.05, RetryAfter: 0})

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()
	var (
		next    atomic.Int64
		adopted atomic.Int64
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= orders {
					return
				}
				partner := []string{"p1", "p2"}[i%2]
				amount := 10000 + i
				ob := transfer.CreateOrderTransferBody{
					ID: fmt.Sprintf("ord-%03d", i), PartnerID: partner, PaymentID: fmt.Sprintf("pay-%03d", i),
					OrderDetail: transfer.OrderDetailInput{OrderAmount: &amount},
					Discounts:   []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
				}
				res, err := c.CreateOrderTransfer(ctx, ob)
				if err != nil {
					fail(err)
					continue
				}
				if res.Transfer.ID != ob.ID || res.Transfer.Amount == nil || res.Transfer.Amount.Order != amount {
					fail(fmt.Errorf("order %s: got %s %+v", ob.ID, res.Transfer.ID, res.Transfer.Amount))
				}
				if res.Adopted {
					adopted.Add(1)
				}
				part := int64(4000)
				cb := transfer.CreateOrderCancelTransferBody{
					ID: fmt.Sprintf("cxl-%03d", i), TransferID: ob.ID, CancellationID: fmt.Sprintf("can-%03d", i),
					OrderDetail: &transfer.CancelOrderDetailInput{OrderAmount: &part}, Discounts: []transfer.DiscountInput{},
				}
				res, err = c.CreateOrderCancelTransfer(ctx, cb)
				if err != nil {
					fail(err)
					continue
				}
				if res.Transfer.ID != cb.ID || res.Transfer.Type != "ORDER_CANCEL" {
					fail(fmt.Errorf("cancel %s: got %s %s", cb.ID, res.Transfer.ID, res.Transfer.Type))
				}
				if res.Adopted {
					adopted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i, err := range errs {
		if i == 10 {
			t.Errorf("... and %d more", len(errs)-10)
			break
		}
		t.Error(err)
	}

	// Exactly one transfer per intent.
	got := map[string]int{}
	for _, tr := range srv.Transfers(false) {
		got[tr.ID]++
	}
	if len(got) != 2*orders {
		t.Errorf("%d transfers stored, want %d", len(got), 2*orders)
	}
	for i := range orders {
		for _, id := range []string{fmt.Sprintf("ord-%03d", i), fmt.Sprintf("cxl-%03d", i)} {
			if got[id] != 1 {
				t.Errorf("%s stored %d times", id, got[id])
			}
		}
		if rem, ok := srv.Remaining(false, fmt.Sprintf("ord-%03d", i)); !ok || int64(rem.Order) != 10000+int64(i)-4000 {
			t.Errorf("ord-%03d: remaining order %d, want %d (one cancel)", i, rem.Order, 10000+i-4000)
		}
	}

	faults := map[string]int{}
	reqs := srv.Requests()
	for _, r := range reqs {
		faults[r.Fault]++
	}
	t.Logf("%d transfers in %s: %d requests (5xx %d, drop %d, 429 %d), %d adopted after a drop",
		2*orders, elapsed.Round(time.Millisecond), len(reqs), faults["5xx"], faults["drop"], faults["429"], adopted.Load())
	if faults["drop"] == 0 || adopted.Load() == 0 {
		t.Error("the soak never exercised commit-then-drop adoption")
	}
}

// BenchmarkPostThroughput posts order transfers through transfer.Client to
// an emulator that delays every request by 50 ms, with 1, 8 and 32
// concurrent posters. Ideal throughput is concurrency ÷ latency; the
// benchmark reports transfers/s and the fraction of ideal achieved.
func BenchmarkPostThroughput(b *testing.B) {
	const latency = 50 * time.Millisecond
	for _, conc := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			srv, a, _ := seeded(b, emulator.Options{})
			srv.SetFaults(emulator.FaultConfig{Latency: latency})
			c := newClient(b, a.base, 3)
			var next atomic.Int64
			var failed atomic.Int64
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range conc {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						amount := int64(10000)
						id := fmt.Sprintf("bench-%d", i)
						_, err := c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
							ID: id, PartnerID: "p1", PaymentID: id,
							OrderDetail: transfer.OrderDetailInput{OrderAmount: &amount},
							Discounts:   []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
						})
						if err != nil {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d posts failed", n)
			}
			tps := float64(b.N) / elapsed.Seconds()
			ideal := float64(conc) / latency.Seconds()
			b.ReportMetric(tps, "transfers/s")
			b.ReportMetric(tps/ideal, "ideal-frac")
		})
	}
}
