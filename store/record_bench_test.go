package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// BenchmarkRecordResults records the outcomes of 10,000 posted intents
// (three-line answers with a raw answer of 1.5 KB each) in groups, one
// transaction a group, as a poster's writer does, on a fresh SQLite file.
// It reports outcomes per second and per CPU second.
func BenchmarkRecordResults(b *testing.B) {
	for _, group := range []int{32, 256, 512, 2048} {
		b.Run(fmt.Sprint("group=", group), func(b *testing.B) { benchmarkRecordResults(b, group) })
	}
}

func benchmarkRecordResults(b *testing.B, group int) {
	const n = 10000
	recs := benchSettlements(n)
	raw := []byte(`{"type":"ORDER","status":"SCHEDULED","memo":"` + strings.Repeat("x", 1500) + `"}`)
	ctx := context.Background()
	var total, cpu time.Duration
	for k := 0; b.Loop(); k++ {
		b.StopTimer()
		s := pendingStore(b, k, recs)
		claimed, err := s.ClaimIntents(ctx, "bench", n, time.Hour)
		if err != nil || len(claimed) != n {
			b.Fatalf("claimed %d: %v", len(claimed), err)
		}
		rs := make([]IntentResult, n)
		for i, in := range claimed {
			t := recs[i].Transfer
			rs[i] = IntentResult{IntentID: in.IntentID, Status: IntentPosted, Answer: PortOneTransfer{Transfer: t, TransferID: in.IntentID,
				Status: settlement.StatusScheduled, Raw: raw}}
		}
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < n; i += group {
			errs, err := s.RecordResults(ctx, "bench", rs[i:min(i+group, n)])
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range errs {
				if e != nil {
					b.Fatal(e)
				}
			}
		}
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		if got := count(b, s, "portone_transfer_lines"); got != 3*n {
			b.Fatalf("portone_transfer_lines = %d, want %d", got, 3*n)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "outcomes/s")
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "outcomes/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkClaimIntents claims 10,000 pending intents of one business
// date 256 at a time, as a poster's claim loop does, on a fresh SQLite
// file. It reports claimed intents per second and per CPU second.
func BenchmarkClaimIntents(b *testing.B) {
	const n, claim = 10000, 256
	recs := benchSettlements(n)
	ctx := context.Background()
	var total, cpu time.Duration
	for k := 0; b.Loop(); k++ {
		b.StopTimer()
		s := pendingStore(b, k, recs)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		got := 0
		for {
			in, err := s.ClaimIntentsOn(ctx, recs[0].BusinessDate, "bench", claim, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			if len(in) == 0 {
				break
			}
			got += len(in)
		}
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		if got != n {
			b.Fatalf("claimed %d, want %d", got, n)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "claims/s")
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "claims/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// benchSettlements are n three-line order settlements with their intents.
func benchSettlements(n int) []SettlementRecord {
	recs := make([]SettlementRecord, n)
	for i := range recs {
		recs[i] = sampleSettlement(fmt.Sprintf("partner-%d", i%50), fmt.Sprintf("pay-%06d", i), 3)
	}
	return recs
}

// pendingStore is a fresh SQLite file (the k-th of a benchmark) holding
// recs, their intents pending.
func pendingStore(b *testing.B, k int, recs []SettlementRecord) *Store {
	s := freshStore(b, k)
	b.StopTimer()
	defer b.StartTimer()
	for i := 0; i < len(recs); i += 1000 {
		if _, err := s.SaveSettlements(context.Background(), recs[i:min(i+1000, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
