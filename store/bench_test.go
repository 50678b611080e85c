package store

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// BenchmarkWriteSettlementLines writes the settlement blocks of 200,000
// order lines (20,000 orders of 10 lines) to a fresh SQLite file through
// SaveSettlements, batches of 1,000 orders per transaction, end to end:
// canonical hashing, key lookups, order blocks and line blocks. It reports
// line rows per second (target ≥ 80,000).
func BenchmarkWriteSettlementLines(b *testing.B) {
	const orders, linesPer, batch = 20000, 10, 1000
	recs := make([]SettlementRecord, orders)
	for i := range recs {
		r := sampleSettlement(fmt.Sprintf("partner-%d", i%50), fmt.Sprintf("pay-%06d", i), linesPer)
		r.IntentRequest = nil
		recs[i] = r
	}
	ctx := context.Background()
	var total, cpu time.Duration
	for n := 0; b.Loop(); n++ {
		s := freshStore(b, n)
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < len(recs); i += batch {
			outs, err := s.SaveSettlements(ctx, recs[i:i+batch])
			if err != nil {
				b.Fatal(err)
			}
			if outs[0].Kind != Created {
				b.Fatalf("outcome %v", outs[0].Kind)
			}
		}
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		var lines int64
		s.db.Raw("SELECT COUNT(*) FROM settlement_lines").Scan(&lines)
		if lines != orders*linesPer {
			b.Fatalf("settlement_lines = %d, want %d", lines, orders*linesPer)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(orders*linesPer*b.N)/total.Seconds(), "lines/s")
	// Lines per second of this process's CPU (user+system): the same figure
	// without the noise of other work on the machine.
	b.ReportMetric(float64(orders*linesPer*b.N)/cpu.Seconds(), "lines/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkOrderLineRows streams the flat detail export of 200,000 lines.
func BenchmarkOrderLineRows(b *testing.B) {
	const orders, linesPer = 20000, 10
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < orders; i += 1000 {
		var recs []SettlementRecord
		for j := i; j < i+1000; j++ {
			r := sampleSettlement(fmt.Sprintf("partner-%d", j%50), fmt.Sprintf("pay-%06d", j), linesPer)
			r.IntentRequest = nil
			recs = append(recs, r)
		}
		if _, err := s.SaveSettlements(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		n := 0
		var sum settlement.Won
		if err := s.OrderLineRows(ctx, Query{}, func(r *OrderLineRow) error { n++; sum += r.Amounts.Settlement; return nil }); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		if n != orders*linesPer {
			b.Fatalf("rows = %d", n)
		}
	}
	b.ReportMetric(float64(orders*linesPer*b.N)/total.Seconds(), "rows/s")
}

// BenchmarkExportWhileWriting measures what the separate SQLite read pool
// buys: writes completed while a 200,000-line export streams, with the
// export on the read pool and, for comparison, on the single writer
// connection (where every write waits for the export to finish).
func BenchmarkExportWhileWriting(b *testing.B) {
	const orders, linesPer = 20000, 10
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < orders; i += 1000 {
		var recs []SettlementRecord
		for j := i; j < i+1000; j++ {
			r := sampleSettlement(fmt.Sprintf("partner-%d", j%50), fmt.Sprintf("pay-%06d", j), linesPer)
			r.IntentRequest = nil
			recs = append(recs, r)
		}
		if _, err := s.SaveSettlements(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	readPool := s.rdb
	for _, mode := range []string{"readpool", "writer-only"} {
		b.Run(mode, func(b *testing.B) {
			s.rdb = readPool
			if mode == "writer-only" {
				s.rdb = s.db
			}
			defer func() { s.rdb = readPool }()
			var writes, n int
			var exportTime time.Duration
			for b.Loop() {
				done := make(chan struct{})
				wrote := make(chan int)
				go func() {
					k := 0
					for {
						select {
						case <-done:
							wrote <- k
							return
						default:
						}
						if _, err := s.SaveRejected(ctx, Rejected{Source: SourcePipeline, RecordKey: fmt.Sprint(n, k), Reason: "bench"}); err != nil {
							b.Error(err)
						}
						k++
					}
				}()
				start := time.Now()
				if err := s.OrderLineRows(ctx, Query{}, func(*OrderLineRow) error { return nil }); err != nil {
					b.Fatal(err)
				}
				exportTime += time.Since(start)
				close(done)
				writes += <-wrote
				n++
			}
			b.ReportMetric(float64(writes)/exportTime.Seconds(), "writes/s")
			b.ReportMetric(float64(orders*linesPer*n)/exportTime.Seconds(), "rows/s")
		})
	}
}

// freshStore opens the n-th new SQLite store of a benchmark, off the clock.
func freshStore(b *testing.B, n int) *Store {
	b.StopTimer()
	defer b.StartTimer()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", n)))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSaveOrderOneByOne saves 1,000 orders one transaction each, as
// the HTTP API does (one 201 per commit), to a fresh SQLite file: the
// ingestion rate with durable commits (synchronous=FULL syncs the WAL at
// every commit).
func BenchmarkSaveOrderOneByOne(b *testing.B) {
	const orders = 1000
	recs := make([]OrderRecord, orders)
	for i := range recs {
		recs[i] = sampleOrder(fmt.Sprintf("partner-%d", i%50), fmt.Sprintf("pay-%06d", i), 2)
	}
	ctx := context.Background()
	var total time.Duration
	for n := 0; b.Loop(); n++ {
		s := freshStore(b, n)
		start := time.Now()
		for i := range recs {
			if out, err := s.SaveOrder(ctx, recs[i]); err != nil || out.Kind != Created {
				b.Fatalf("SaveOrder %d = %+v, %v", i, out, err)
			}
		}
		total += time.Since(start)
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(orders*b.N)/total.Seconds(), "orders/s")
	b.ReportMetric(0, "ns/op")
}
