package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestReportReadInWrittenOrder: the workbook's transfers and status
// history come in the report's order (partner, settlement date,
// settlement id, then line or time), the same rows as one partner's
// statement reads (the database sorting), though on SQLite they are read
// by settlement id and put in order by a rowSpool, here with a budget that
// sends most rows through its temporary file. The settlements of three
// partners interleave, with two settlement dates, lines and no lines, a
// cancellation, PortOne's answers for some and several statuses each.
func TestReportReadInWrittenOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, _ testDB) {
		s.report.spoolBudget = 512
		ctx := context.Background()
		partners := []string{"p-c", "p-a", "p-b"} // written in this order, reported a, b, c
		for i := range 30 {
			p := partners[i%3]
			rec := sampleSettlement(p, fmt.Sprintf("pay-%02d", 29-i), i%4)
			if i%5 == 0 {
				rec.Transfer.SettlementDate = settlement.MustDate("2025-10-02")
			}
			if _, err := s.SaveSettlement(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if i%3 == 2 {
				continue // not posted: no answer, no history
			}
			id := IntentID(settlement.PartnerID(p), rec.Transfer.PaymentID, settlement.KindOrder, "", 0)
			ans := PortOneTransfer{TransferID: settlement.TransferID("tr-" + string(id)), Status: settlement.StatusScheduled,
				Raw: []byte(`{}`), Transfer: rec.Transfer}
			ans.Amounts.Settlement += settlement.Won(i)
			if err := s.CompleteIntent(ctx, id, "o", IntentPosted, ans); err != nil {
				t.Fatal(err)
			}
			for _, st := range []settlement.TransferStatus{settlement.StatusInProcess, settlement.StatusSettled}[:i%3+1] {
				c.Advance(time.Minute)
				ans.Status = st
				if err := s.RecordTransfer(ctx, ans, "sync"); err != nil {
					t.Fatal(err)
				}
			}
		}
		d := settlement.MustDate("2025-10-01")
		all := Query{From: d, To: d}

		transfers := func(q Query) []ReportTransfer {
			var out []ReportTransfer
			if err := s.ReportTransfers(ctx, q, func(t *ReportTransfer) error {
				c := *t
				c.Lines = nil // reused by the read model; nil for none
				if len(t.Lines) > 0 {
					c.Lines = slices.Clone(t.Lines)
				}
				out = append(out, c)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		history := func(q Query) []ReportStatus {
			var out []ReportStatus
			if err := s.ReportHistory(ctx, q, func(r *ReportStatus) error { out = append(out, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		var wantT []ReportTransfer
		var wantH []ReportStatus
		for _, p := range []string{"p-a", "p-b", "p-c"} {
			wantT = append(wantT, transfers(Query{From: d, To: d, PartnerID: settlement.PartnerID(p)})...)
			wantH = append(wantH, history(Query{From: d, To: d, PartnerID: settlement.PartnerID(p)})...)
		}
		if len(wantT) != 30 || len(wantH) < 20 {
			t.Fatalf("fixture: %d transfers, %d status changes", len(wantT), len(wantH))
		}
		// Read by one connection, and by three at once (a slice of ten
		// settlements each, whose rows the spools hand out group by group).
		for _, readers := range []int{1, 3} {
			s.report.readers, s.report.splitMin = readers, 1
			checkReportOrder(t, transfers(all), history(all), wantT, wantH)
		}
	})
}

// checkReportOrder compares the night's transfers and history with the
// partners' own and checks their order.
func checkReportOrder(t *testing.T, gotT []ReportTransfer, gotH []ReportStatus, wantT []ReportTransfer, wantH []ReportStatus) {
	t.Helper()
	if !reflect.DeepEqual(gotT, wantT) {
		t.Errorf("transfers of the night differ from the partners' own")
	}
	if !reflect.DeepEqual(gotH, wantH) {
		t.Errorf("history of the night differs from the partners' own")
	}
	key := func(p settlement.PartnerID, sd settlement.Date, id int64) string {
		return fmt.Sprintf("%s %s %06d", p, sd, id)
	}
	for i := 1; i < len(gotT); i++ {
		a, b := gotT[i-1], gotT[i]
		if key(a.PartnerID, a.SettlementDate, a.ID) >= key(b.PartnerID, b.SettlementDate, b.ID) {
			t.Errorf("transfer %d (%s) after %s", i, key(b.PartnerID, b.SettlementDate, b.ID), key(a.PartnerID, a.SettlementDate, a.ID))
		}
	}
	for i := 1; i < len(gotH); i++ {
		a, b := gotH[i-1], gotH[i]
		if a.PartnerID > b.PartnerID || a.PartnerID == b.PartnerID && a.SettlementDate.After(b.SettlementDate) {
			t.Errorf("status change %d (%s %s) after (%s %s)", i, b.PartnerID, b.SettlementDate, a.PartnerID, a.SettlementDate)
		}
	}
}

// TestReportCacheGrowsWithTheNight: the page cache of a report query that
// reads a night by id grows with the night's settlements, between
// SQLite's default and 256 MiB, and the connection has SQLite's default
// again once the query is done.
func TestReportCacheGrowsWithTheNight(t *testing.T) {
	for _, tc := range []struct {
		settlements int64
		kib         int
	}{{1, 2000}, {10_000, 2000}, {110_000, 21484}, {1_100_000, 214843}, {10_000_000, 256 << 10}} {
		if got := reportCacheKiB(&idRange{lo: 5, hi: 5 + tc.settlements - 1}); got != tc.kib {
			t.Errorf("%d settlements: cache %d KiB, want %d", tc.settlements, got, tc.kib)
		}
	}

	ctx := context.Background()
	s := openT(t, t.TempDir()+"/cache.db", WithReadConns(1)) // the pool is the one connection the report used
	var during int
	err := s.streamReportCache(ctx, 4096, "cache", "PRAGMA cache_size", nil, func(rows *sql.Rows) error { return rows.Scan(&during) })
	if err != nil || during != -4096 {
		t.Errorf("cache_size during the report = %d, %v; want -4096", during, err)
	}
	var after int
	if err := s.r(ctx).Raw("PRAGMA cache_size").Row().Scan(&after); err != nil || after != -2000 {
		t.Errorf("cache_size after the report = %d, %v; want -2000", after, err)
	}
}

// TestSplitIDs: the slices of an id range cover it in order, without a
// gap or an overlap, are as even as the division allows, and are never
// smaller than the least asked (fewer slices then).
func TestSplitIDs(t *testing.T) {
	for _, tc := range []struct {
		r     idRange
		n     int
		least int64
		want  []idRange
	}{
		{idRange{1, 10}, 2, 1, []idRange{{1, 5}, {6, 10}}},
		{idRange{1, 10}, 3, 1, []idRange{{1, 3}, {4, 6}, {7, 10}}},
		{idRange{5, 5}, 2, 1, []idRange{{5, 5}}},
		{idRange{1, 10}, 2, 6, []idRange{{1, 10}}},
		{idRange{1, 12}, 4, 5, []idRange{{1, 6}, {7, 12}}},
		{idRange{100, 8291}, 2, 4096, []idRange{{100, 4195}, {4196, 8291}}},
		{idRange{1, 10}, 0, 1, []idRange{{1, 10}}},
	} {
		if got := splitIDs(tc.r, tc.n, tc.least); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitIDs(%v, %d, %d) = %v, want %v", tc.r, tc.n, tc.least, got, tc.want)
		}
	}
}

// TestReadSlicesReturnsTheFailure: when one slice's read fails, the others
// are cancelled and the failure, not their cancel, is returned; with no
// failure every slice is read once.
func TestReadSlicesReturnsTheFailure(t *testing.T) {
	ranges := []idRange{{1, 10}, {11, 20}, {21, 30}}
	boom := errors.New("boom")
	err := readSlices(context.Background(), ranges, func(ctx context.Context, i int, _ idRange) error {
		if i == 1 {
			return boom
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, boom) {
		t.Errorf("readSlices = %v, want %v", err, boom)
	}
	var mu sync.Mutex
	read := map[idRange]int{}
	if err := readSlices(context.Background(), ranges, func(_ context.Context, _ int, r idRange) error {
		mu.Lock()
		defer mu.Unlock()
		read[r]++
		return nil
	}); err != nil || len(read) != 3 || read[ranges[0]] != 1 || read[ranges[2]] != 1 {
		t.Errorf("readSlices = %v, read %v", err, read)
	}
}
