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
// (three-line answers with a raw answer of 1.5 KB each) in groups of 256,
// one transaction a group, as a poster's writer does, on a fresh SQLite
// file. It reports outcomes per second and per CPU second.
func BenchmarkRecordResults(b *testing.B) {
	const n, group = 10000, 256
	recs := make([]SettlementRecord, n)
	for i := range recs {
		recs[i] = sampleSettlement(fmt.Sprintf("partner-%d", i%50), fmt.Sprintf("pay-%06d", i), 3)
	}
	raw := []byte(`{"type":"ORDER","status":"SCHEDULED","memo":"` + strings.Repeat("x", 1500) + `"}`)
	ctx := context.Background()
	var total, cpu time.Duration
	for k := 0; b.Loop(); k++ {
		b.StopTimer()
		s := freshStore(b, k)
		for i := 0; i < n; i += 1000 {
			if _, err := s.SaveSettlements(ctx, recs[i:i+1000]); err != nil {
				b.Fatal(err)
			}
		}
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
