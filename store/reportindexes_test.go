package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// TestReportJoinsReadIndexesOnly: on SQLite the workbook's two big
// queries, ReportTransfers and ReportHistory, read the intent, PortOne's
// transfer and PortOne's lines from the covering indexes of migration 15
// alone (never the tables, whose rows carry the request and PortOne's raw
// answer), and nothing sorts the night (only the lines or the statuses of
// one settlement are put in order). The settlements are read in the
// report's order from settlements_report (a partner's statement), or, for
// the workbook of a night (writtenOrder), by id over reportIDs' rowid
// range. Before migration 15 the joins were searched through the unique
// indexes and read row by row.
func TestReportJoinsReadIndexesOnly(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "plan.db"))
	d := settlement.MustDate("2025-10-02")
	if !s.writtenOrder(Query{From: d, To: d}) {
		t.Fatal("the workbook's query of one night is not read in written order")
	}
	for _, order := range []struct {
		name        string
		ids         *idRange
		settlements string
	}{
		{"report order", nil, "SEARCH s USING INDEX settlements_report"},
		{"written order", &idRange{1, 1000}, "SEARCH s USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"},
	} {
		for _, tc := range []struct {
			name  string
			query func(Query, *idRange) (string, []any)
			want  []string
		}{
			{"transfers", s.reportTransfersSQL, []string{order.settlements,
				"SEARCH i USING COVERING INDEX transfer_intents_report",
				"SEARCH p USING COVERING INDEX portone_transfers_intent",
				"SEARCH pf USING INDEX sqlite_autoindex_portone_transfers_1",
				"SEARCH pl USING COVERING INDEX portone_transfer_lines_report",
			}},
			{"history", s.reportHistorySQL, []string{order.settlements,
				"SEARCH i USING COVERING INDEX transfer_intents_report",
				"SEARCH p USING COVERING INDEX portone_transfers_intent",
				"SEARCH pf USING INDEX sqlite_autoindex_portone_transfers_1",
			}},
		} {
			t.Run(order.name+"/"+tc.name, func(t *testing.T) {
				query, args := tc.query(Query{From: d, To: d}, order.ids)
				all := strings.Join(explainPlan(t, s.r(ctx), query, args...), "\n")
				for _, w := range tc.want {
					if !strings.Contains(all, w) {
						t.Errorf("plan lacks %q:\n%s", w, all)
					}
				}
				if strings.Contains(all, "TEMP B-TREE FOR ORDER BY") {
					t.Errorf("plan sorts every row:\n%s", all)
				}
			})
		}
	}
}

// explainPlan is the detail column of SQLite's EXPLAIN QUERY PLAN of query.
func explainPlan(t *testing.T, db *gorm.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Raw("EXPLAIN QUERY PLAN "+query, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestReportStreamStopsOnCancel: the report queries run under a context
// the driver cannot cancel (streamReport), so streamReport itself stops at
// the row after a cancel, with the context's error, and calls fn no more.
func TestReportStreamStopsOnCancel(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "cancel.db"))
	for i := range 3 {
		if _, err := s.SaveSettlement(context.Background(), sampleSettlement("partner-1", fmt.Sprintf("pay-%d", i), 2)); err != nil {
			t.Fatal(err)
		}
	}
	d := settlement.MustDate("2025-10-01")
	all := 0
	if err := s.ReportTransfers(context.Background(), Query{From: d, To: d}, func(*ReportTransfer) error { all++; return nil }); err != nil || all != 3 {
		t.Fatalf("uncancelled: %d transfers, %v; want 3", all, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := s.ReportTransfers(ctx, Query{From: d, To: d}, func(*ReportTransfer) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("cancelled at the first transfer: %d transfers, %v; want 1 and context.Canceled", n, err)
	}
}
