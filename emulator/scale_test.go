package emulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/transfer"
)

var scaleSizes = flag.String("scale", "", "order counts for TestScale, e.g. 10000,100000,1000000 (skipped when empty)")

// scaleDay is the one business date of every order the scale rig posts.
const scaleDay = "2025-10-01"

// scaleRig drives an emulator through its http.Handler, without a network,
// so that what is timed is the emulator: JSON decoding, the rules, the
// indexes, rendering and encoding. Bodies are built outside the timing.
// Each request is timed in wall time and in CPU time of its thread (locked
// to it), which other work on a busy machine does not inflate.
type scaleRig struct {
	tb       testing.TB
	srv      *emulator.Server
	orders   int     // orders posted so far
	cancels  int     // cancels posted so far
	creating elapsed // spent in ServeHTTP for creates
}

// elapsed is wall and thread CPU time.
type elapsed struct{ wall, cpu time.Duration }

func (a elapsed) add(b elapsed) elapsed { return elapsed{a.wall + b.wall, a.cpu + b.cpu} }

func (a elapsed) per(n int) elapsed {
	if n == 0 {
		return elapsed{}
	}
	return elapsed{a.wall / time.Duration(n), a.cpu / time.Duration(n)}
}

// cost is CPU time where the platform tells it, else wall time.
func (a elapsed) cost() time.Duration {
	if a.cpu > 0 {
		return a.cpu
	}
	return a.wall
}

func (a elapsed) String() string {
	return fmt.Sprintf("%v (CPU %v)", a.wall.Round(time.Microsecond/10), a.cpu.Round(time.Microsecond/10))
}

func newScaleRig(tb testing.TB) *scaleRig {
	tb.Helper()
	now := time.Date(2025, 10, 1, 23, 0, 0, 0, kst)
	srv := emulator.New(emulator.Options{Now: func() time.Time { return now }, RequestLog: -1})
	var partners []json.RawMessage
	for p := range 20 {
		b, _ := json.Marshal(partnerJSON(fmt.Sprintf("p%02d", p), "contractA"))
		partners = append(partners, b)
	}
	err := srv.SeedWith(emulator.SeedData{
		Contracts:             []transfer.CreateContractBody{contractA()},
		DiscountSharePolicies: []transfer.CreateDiscountSharePolicyBody{{ID: "dsp50", Name: "half", PartnerShareRate: 50000}},
		AdditionalFeePolicies: []transfer.CreateAdditionalFeePolicyBody{{ID: "afp5", Name: "pg", Fee: transfer.FeeInput{FixedRate: i64(5000)}, VatPayer: "PARTNER"}},
		Partners:              partners,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &scaleRig{tb: tb, srv: srv}
}

// serve runs one request through the handler and returns its status, body
// and the time the handler took.
func (r *scaleRig) serve(method, target string, body []byte) (int, []byte, elapsed) {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu, start := threadCPU(), time.Now()
	r.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes(), elapsed{time.Since(start), threadCPU() - cpu}
}

// scaleOrder is order i: three lines, a line discount, an order-level
// fee, one of twenty partners, all on scaleDay.
func scaleOrder(i int) []byte {
	qty := int64(1 + i%3)
	b := transfer.CreateOrderTransferBody{
		ID: fmt.Sprintf("ord-%07d", i), PartnerID: fmt.Sprintf("p%02d", i%20), PaymentID: fmt.Sprintf("pay-%07d", i),
		SettlementStartDate: scaleDay,
		OrderDetail: transfer.OrderDetailInput{OrderLines: []transfer.OrderLineInput{
			{Product: transfer.ProductInput{ID: fmt.Sprintf("sku-%d", i%997), Name: "product one", Amount: 10000 + int64(i%50)*100}, Quantity: qty,
				Discounts: []transfer.DiscountInput{{SharePolicyID: "dsp50", Amount: 500}}},
			{Product: transfer.ProductInput{ID: fmt.Sprintf("sku-%d", 1000+i%991), Name: "product two", Amount: 4500}, Quantity: 1},
			{Product: transfer.ProductInput{ID: fmt.Sprintf("sku-%d", 2000+i%983), Name: "product three", Amount: 1200}, Quantity: 2},
		}},
		Discounts:      []transfer.DiscountInput{},
		AdditionalFees: []transfer.AdditionalFeeInput{{PolicyID: "afp5"}},
	}
	j, _ := json.Marshal(b)
	return j
}

// scaleCancel is the cancel of order i, for one order in ten: a partial
// cancel of one unit of the first line, or (every other time) all of it.
func scaleCancel(i int) []byte {
	if i%10 != 0 {
		return nil
	}
	b := transfer.CreateOrderCancelTransferBody{
		ID: fmt.Sprintf("cxl-%07d", i), TransferID: fmt.Sprintf("ord-%07d", i), CancellationID: fmt.Sprintf("can-%07d", i),
		SettlementStartDate: scaleDay, Discounts: []transfer.DiscountInput{},
		OrderDetail: &transfer.CancelOrderDetailInput{All: &struct{}{}},
	}
	if i%20 == 0 {
		b.OrderDetail = &transfer.CancelOrderDetailInput{OrderLines: []transfer.CancelOrderLineInput{
			{ProductID: fmt.Sprintf("sku-%d", i%997), Quantity: 1, Discounts: []transfer.DiscountInput{}},
		}}
	}
	j, _ := json.Marshal(b)
	return j
}

// grow posts orders (and their cancels) until there are n orders, and
// returns the mean handler time per create of this call.
func (r *scaleRig) grow(n int) elapsed {
	r.tb.Helper()
	var spent elapsed
	var creates int
	for ; r.orders < n; r.orders++ {
		i := r.orders
		ob, cb := scaleOrder(i), scaleCancel(i)
		st, body, d := r.serve(http.MethodPost, "/platform/transfers/order", ob)
		if st != http.StatusOK {
			r.tb.Fatalf("order %d: %d %s", i, st, body)
		}
		spent = spent.add(d)
		creates++
		if cb != nil {
			st, body, d := r.serve(http.MethodPost, "/platform/transfers/order-cancel", cb)
			if st != http.StatusOK {
				r.tb.Fatalf("cancel %d: %d %s", i, st, body)
			}
			spent = spent.add(d)
			creates++
			r.cancels++
		}
	}
	r.creating = r.creating.add(spent)
	return spent.per(creates)
}

// createCost is the least mean cost per create over rounds batches of
// batch orders (and their cancels): the least, because other work on the
// machine only ever adds to it.
func (r *scaleRig) createCost(rounds, batch int) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range rounds {
		best = min(best, r.grow(r.orders+batch).cost())
	}
	return best
}

type page struct {
	items int
	total int
	took  elapsed
}

// list fetches one page of transfer summaries.
func (r *scaleRig) list(filter map[string]any, number, size int) page {
	r.tb.Helper()
	q := listQuery(map[string]any{"filter": filter, "page": map[string]any{"number": number, "size": size}})
	st, body, d := r.serve(http.MethodGet, "/platform/transfer-summaries?"+q, nil)
	if st != http.StatusOK {
		r.tb.Fatalf("list %s: %d %s", q, st, body)
	}
	var out struct {
		TransferSummaries []json.RawMessage `json:"transferSummaries"`
		Page              transfer.PageInfo `json:"page"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		r.tb.Fatal(err)
	}
	return page{items: len(out.TransferSummaries), total: out.Page.TotalCount, took: d}
}

// pageCost is the least cost of rounds fetches of page number.
func (r *scaleRig) pageCost(filter map[string]any, number, size, rounds int) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range rounds {
		best = min(best, r.list(filter, number, size).took.cost())
	}
	return best
}

// pageTime is the least wall and CPU time of rounds fetches of page number.
func (r *scaleRig) pageTime(filter map[string]any, number, size, rounds int) elapsed {
	best := elapsed{1<<63 - 1, 1<<63 - 1}
	for range rounds {
		t := r.list(filter, number, size).took
		best = elapsed{min(best.wall, t.wall), min(best.cpu, t.cpu)}
	}
	return best
}

func dayFilter() map[string]any {
	return map[string]any{"settlementStartDateRange": map[string]any{"from": scaleDay, "until": scaleDay}}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestCostIsFlatInN is the regression test of issue #12's emulator
// findings: a create scanned every stored transfer, a list page rendered
// and filtered every transfer, and each transfer kept ~12.5 KB. Between 1k
// and 12k orders (and their cancels) a create and a page of 100 must cost
// about the same (CPU time of the handler's thread, the least of several
// tries: a busy machine does not make it fail), and a transfer less than
// 1.5 KB of live heap.
func TestCostIsFlatInN(t *testing.T) {
	if testing.Short() {
		t.Skip("posts 12,000 orders")
	}
	r := newScaleRig(t)
	r.grow(1000)
	heapSmall, small := liveHeap(), r.orders+r.cancels
	createSmall := r.createCost(10, 50)
	pageSmall := r.pageCost(dayFilter(), 5, 100, 10)

	r.grow(12000)
	heapLarge, large := liveHeap(), r.orders+r.cancels
	createLarge := r.createCost(10, 50)
	pageLarge := r.pageCost(dayFilter(), r.orders/200, 100, 10)

	perTransfer := float64(heapLarge-heapSmall) / float64(large-small)
	t.Logf("create %v at %d transfers, %v at %d; page of 100 %v and %v; %.0f bytes of live heap per transfer",
		createSmall, small, createLarge, large, pageSmall, pageLarge, perTransfer)
	if createLarge > 3*createSmall {
		t.Errorf("a create costs %v at %d transfers and %v at %d: it grows with the number of transfers", createSmall, small, createLarge, large)
	}
	if pageLarge > 3*pageSmall {
		t.Errorf("a page of 100 costs %v at %d transfers and %v at %d: it grows with the number of transfers", pageSmall, small, pageLarge, large)
	}
	if perTransfer > 1500 {
		t.Errorf("%.0f bytes of live heap per transfer, want at most 1,500", perTransfer)
	}
}

// TestScale is the emulator's scale measurement (issue #12): for each size
// of -scale it posts that many orders (3 lines, a discount, a fee; one in
// ten cancelled, half of those fully) through the handler on one business
// date, then lists pages of 100 of that date. It reports the mean handler
// time per create (overall and over the last 10,000), per page (first,
// middle, last, past the end, and with a status or partner filter), the
// live heap per transfer and the process's peak RSS (VmHWM; run one size
// per process to read it per size):
//
//	go test -c -o /tmp/emulator.test ./emulator
//	/usr/bin/time -v /tmp/emulator.test -test.run '^TestScale$' -test.v -scale 1000000
func TestScale(t *testing.T) {
	if *scaleSizes == "" {
		t.Skip("no -scale sizes")
	}
	for _, f := range strings.Split(*scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 10000 {
			t.Fatalf("-scale %q: want order counts of at least 10000", f)
		}
		t.Run(strconv.Itoa(n), func(t *testing.T) { scaleRun(t, n) })
	}
}

func scaleRun(t *testing.T, n int) {
	heap0 := liveHeap()
	r := newScaleRig(t)
	start, cpu0 := time.Now(), cpuSeconds()
	r.grow(n - 10000)
	last := r.grow(n)
	wall := time.Since(start)
	cpu := cpuSeconds()
	gcShare := (cpu.gc - cpu0.gc) / (cpu.used - cpu0.used)
	transfers := r.orders + r.cancels
	heap := liveHeap() - heap0
	perCreate := r.creating.per(transfers)

	day := dayFilter()
	pages := (transfers + 99) / 100
	first := r.list(day, 0, 100)
	if first.total != transfers || first.items != 100 {
		t.Fatalf("first page: %d items of %d, want 100 of %d", first.items, first.total, transfers)
	}
	if end := r.list(day, pages, 100); end.items != 0 {
		t.Fatalf("page %d past the end has %d items", pages, end.items)
	}
	// Sequential paging over 200 pages from the middle, as a sync would.
	var seq elapsed
	for p := pages / 2; p < pages/2+200 && p < pages; p++ {
		seq = seq.add(r.list(day, p, 100).took)
	}
	seqMean := seq.per(min(200, pages-pages/2))
	status := map[string]any{"settlementStartDateRange": day["settlementStartDateRange"], "statuses": []string{"IN_PROCESS"}, "types": []string{"ORDER_CANCEL"}}
	partner := map[string]any{"settlementStartDateRange": day["settlementStartDateRange"], "partnerIds": []string{"p07"}}

	t.Logf("%d orders, %d transfers posted in %v (wall, bodies included)", r.orders, transfers, wall.Round(time.Millisecond))
	t.Logf("create: %v per create overall, %v over the last 10,000; the collector took %.0f %% of the process's CPU while posting", perCreate, last, 100*gcShare)
	t.Logf("page of 100, start-date range: first %v, middle %v, last %v, past the end %v, mean of 200 sequential %v",
		r.pageTime(day, 0, 100, 3), r.pageTime(day, pages/2, 100, 3), r.pageTime(day, pages-1, 100, 3), r.pageTime(day, pages, 100, 3), seqMean)
	t.Logf("page of 100, + statuses and types (cancels only): middle %v; no filter (creation order): middle %v",
		r.pageTime(status, r.list(status, 0, 100).total/200, 100, 3), r.pageTime(nil, pages/2, 100, 3))
	t.Logf("page of 100, + partnerIds (each transfer of the range looked at, a twentieth rendered): first %v", r.pageTime(partner, 0, 100, 1))
	t.Logf("live heap %d MB, %d bytes per transfer; peak RSS %s", heap>>20, heap/uint64(transfers), peakRSS())
}

// cpuSeconds is the CPU time the process has used so far, all of it and
// the garbage collector's, as the runtime estimates them (its total is
// GOMAXPROCS × wall time, of which idle time was not used).
func cpuSeconds() (c struct{ used, gc float64 }) {
	samples := []metrics.Sample{
		{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"},
	}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() != metrics.KindFloat64 {
			return c
		}
	}
	c.used = samples[0].Value.Float64() - samples[1].Value.Float64()
	c.gc = samples[2].Value.Float64()
	return c
}

// peakRSS is the process's VmHWM from /proc/self/status, or "unknown".
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "unknown"
}

// BenchmarkCreate is the handler time of one order create (a cancel for
// one order in ten) on an emulator already holding 20,000 orders.
func BenchmarkCreate(b *testing.B) {
	r := newScaleRig(b)
	r.grow(20000)
	b.ResetTimer()
	per := r.grow(20000 + b.N)
	b.ReportMetric(float64(per.wall.Nanoseconds()), "handler-ns/create")
	b.ReportMetric(float64(per.cpu.Nanoseconds()), "handler-cpu-ns/create")
}

// BenchmarkListPage is one page of 100 summaries of a day of 20,000 orders.
func BenchmarkListPage(b *testing.B) {
	r := newScaleRig(b)
	r.grow(20000)
	b.ResetTimer()
	var spent elapsed
	for i := range b.N {
		spent = spent.add(r.list(dayFilter(), i%200, 100).took)
	}
	b.ReportMetric(float64(spent.per(b.N).wall.Nanoseconds()), "handler-ns/page")
	b.ReportMetric(float64(spent.per(b.N).cpu.Nanoseconds()), "handler-cpu-ns/page")
}
