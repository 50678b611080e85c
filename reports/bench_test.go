package reports

import (
	"context"
	"flag"
	"strconv"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

var benchLines = flag.Int("bench-lines", 1_000_000, "order lines BenchmarkWriteWorkbook1M exports")

// synthSource generates a marketplace on the fly: n order lines, four per
// order, over 200 partners and 7 settlement dates, with one order in 100
// cancelled whole. Nothing is held but the Summary, which is computed by a
// first pass over the same generator.
type synthSource struct {
	lines    int
	partners int
	days     int
	start    settlement.Date
}

const synthLinesPerOrder = 4

func newSynth(lines int) *synthSource {
	return &synthSource{lines: lines, partners: 200, days: 7, start: settlement.MustDate("2025-10-01")}
}

func (s *synthSource) orders() int { return (s.lines + synthLinesPerOrder - 1) / synthLinesPerOrder }

// order fills t with order i and its lines.
func (s *synthSource) order(i int, t *TransferRow) {
	p := i % s.partners
	day := i % s.days
	pid := "P" + strconv.Itoa(1000+p)
	pay := "pay-" + strconv.Itoa(10_000_000+i)
	lines := t.Lines[:0]
	*t = TransferRow{
		Kind: settlement.KindOrder, PartnerID: settlement.PartnerID(pid), PartnerName: "파트너 " + pid, PaymentID: settlement.PaymentID(pay),
		TransferID: settlement.TransferID("stl-o-" + pay), OrderName: "주문 " + pay, At: time.Date(2025, 10, 1, 9, 0, i%3600, 0, time.UTC),
		SettlementStartDate: s.start.AddDays(day), SettlementDate: s.start.AddDays(day + 3), Posting: PostingSent,
		Status: settlement.StatusInProcess, Terms: fixtureContract,
	}
	n := min(synthLinesPerOrder, s.lines-i*synthLinesPerOrder)
	for j := 0; j < n; j++ {
		a := block(settlement.Won(1000*(1+(i+j)%97)), settlement.Won(100*((i+j)%5)), settlement.Won(50*((i+j)%3)))
		t.Amounts = mustAmounts(t.Amounts.Add(a))
		lines = append(lines, LineRow{ProductID: "SKU-" + strconv.Itoa((i*7+j)%5000), ProductName: "상품", Quantity: int64(1 + j), Amounts: a})
		lines[j].PortOneSettlement = &lines[j].Amounts.Settlement
	}
	t.Lines = lines
	t.PortOneSettlement = &t.Amounts.Settlement
}

func (s *synthSource) cancelled(i int) bool { return i%100 == 99 }

func (s *synthSource) Run() RunInfo {
	return RunInfo{From: s.start, To: s.start.AddDays(s.days - 1), GeneratedAt: time.Date(2025, 10, 8, 2, 0, 0, 0, time.UTC)}
}

func (s *synthSource) Summary(ctx context.Context, yield func(*SummaryRow) error) error {
	rows := map[detailKey]*SummaryRow{}
	var keys []detailKey
	var o TransferRow
	for i := 0; i < s.orders(); i++ {
		s.order(i, &o)
		k := detailKey{o.PartnerID, o.SettlementDate}
		r := rows[k]
		if r == nil {
			r = &SummaryRow{PartnerID: o.PartnerID, PartnerName: o.PartnerName, SettlementDate: o.SettlementDate, LongestID: 20}
			rows[k] = r
			keys = append(keys, k)
		}
		r.Orders++
		var err error
		if r.Amounts, err = r.Amounts.Add(o.Amounts); err != nil {
			return err
		}
		if s.cancelled(i) {
			r.Cancellations++
			if r.Amounts, err = r.Amounts.Sub(o.Amounts); err != nil {
				return err
			}
		}
	}
	for _, k := range keys {
		if err := yield(rows[k]); err != nil {
			return err
		}
	}
	return nil
}

// Transfers yields each order, and its whole cancellation after it when it
// is cancelled.
func (s *synthSource) Transfers(ctx context.Context, yield func(*TransferRow) error) error {
	var o TransferRow
	for i := 0; i < s.orders(); i++ {
		s.order(i, &o)
		if err := yield(&o); err != nil {
			return err
		}
		if s.cancelled(i) {
			o.Kind, o.CancellationID, o.TransferID = settlement.KindOrderCancel, settlement.CancellationID("cxl-"+o.PaymentID), settlement.TransferID("stl-c-"+o.PaymentID)
			if err := yield(&o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *synthSource) Mismatches(context.Context, func(*MismatchRow) error) error { return nil }
func (s *synthSource) Problems(context.Context, func(*ProblemRow) error) error    { return nil }
func (s *synthSource) History(context.Context, func(*HistoryRow) error) error     { return nil }

type byteCounter struct{ n int64 }

func (w *byteCounter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkWriteWorkbook1M exports -bench-lines order lines (1,000,000 by
// default; 250,000 orders and 2,500 cancellations besides). Run it with
//
//	/usr/bin/time -v go test -run x -bench WriteWorkbook1M -benchtime 1x ./reports/
//
// and read "Maximum resident set size" for the peak RSS; add
// -args -bench-lines 3000000 for a size that splits Order lines into three
// sheets (peak RSS must not grow with it).
func BenchmarkWriteWorkbook1M(b *testing.B) {
	src := newSynth(*benchLines)
	for b.Loop() {
		var w byteCounter
		start := time.Now()
		if err := WriteWorkbook(context.Background(), &w, src, Options{Version: "bench", TempDir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
		sec := time.Since(start).Seconds()
		cancels := src.orders() / 100
		b.ReportMetric(float64(src.lines)/sec, "lines/s")
		b.ReportMetric(float64(src.lines+src.orders()+cancels)/sec, "rows/s")
		b.ReportMetric(float64(w.n)/1e6, "MB-xlsx")
	}
}

// TestSynthTies checks the benchmark's generator against the workbook's own
// tie check, on a small size.
func TestSynthTies(t *testing.T) {
	_, f := writeBook(t, newSynth(2000), Options{})
	if got := runValue(t, f, "실행 정보", "시트 간 합계 일치"); got != "예" {
		t.Errorf("synthetic source does not tie")
	}
}
