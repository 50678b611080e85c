package demo

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

// TestDemoEndToEnd runs `settle demo` on SQLite and on PostgreSQL: every
// intent is posted exactly once, everything reconciles, and the workbook's
// totals, read back cell by cell, equal the store's.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo week takes a while; -short skips it")
	}
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dsn := ""
			if db.Name == "postgres" {
				dsn = db.DSN
			}
			res, err := Demo(ctx, DemoOptions{Dir: dir, DSN: dsn})
			if err != nil {
				t.Fatal(err)
			}
			if res.Intents == 0 || res.Intents != res.AtPortOne || int64(res.Intents) != res.Posted+res.Adopted {
				t.Errorf("intents %d, at the emulator %d, posted %d + adopted %d: want all equal", res.Intents, res.AtPortOne, res.Posted, res.Adopted)
			}
			if res.Mismatches != 0 {
				t.Errorf("%d mismatches, want none", res.Mismatches)
				st, err := store.Open(ctx, res.DB)
				if err != nil {
					t.Fatal(err)
				}
				_ = st.Mismatches(ctx, store.Query{From: res.From, To: res.To}, func(m *store.Mismatch) error {
					if m.Reason != settlement.RejectedRecord {
						t.Logf("mismatch: %+v", *m)
					}
					return nil
				})
				st.Close()
			}
			if res.Settlement != res.PortOneNet {
				t.Errorf("net settlement ours %d, PortOne's %d", res.Settlement, res.PortOneNet)
			}
			if res.Rejected == 0 {
				t.Error("the demo's bad records were not kept as rejected")
			}

			// The store's totals, net of cancellations.
			st, err := store.Open(ctx, res.DB)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var want settlement.Amounts
			var orders, cancels int64
			err = st.SettlementRows(ctx, store.Query{From: res.From, To: res.To}, func(r *store.SettlementRow) error {
				var err error
				if r.Kind == settlement.KindOrderCancel {
					cancels++
					want, err = want.Sub(r.Amounts)
				} else {
					orders++
					want, err = want.Add(r.Amounts)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}

			// The workbook's Summary totals row, by PortOne field name (row 2).
			f, err := excelize.OpenFile(res.Workbook)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(reports.SheetName(reports.SheetSummary, reports.LangKO), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			schema := rows[1]
			var total []string
			for _, r := range rows[2:] {
				if len(r) > 0 && strings.Contains(r[0], "Summary") {
					total = r
					break
				}
			}
			if total == nil {
				t.Fatal("no totals row on the Summary sheet")
			}
			cell := func(name string) int64 {
				for i, h := range schema {
					if h == name && i < len(total) {
						v, err := strconv.ParseInt(total[i], 10, 64)
						if err != nil {
							t.Fatalf("Summary total %s = %q: %v", name, total[i], err)
						}
						return v
					}
				}
				t.Fatalf("no Summary column %s in %q", name, schema)
				return 0
			}
			for _, fld := range settlement.AmountFields {
				if got, w := cell("Σ amount."+fld.Name), int64(*fld.Get(&want)); got != w {
					t.Errorf("workbook Σ amount.%s = %d, store %d", fld.Name, got, w)
				}
			}
			if got := cell("count(type = ORDER)"); got != orders {
				t.Errorf("workbook orders %d, store %d", got, orders)
			}
			if got := cell("count(type = ORDER_CANCEL)"); got != cancels {
				t.Errorf("workbook cancellations %d, store %d", got, cancels)
			}
			run, err := f.GetRows(reports.SheetName(reports.SheetRun, reports.LangKO))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range run {
				if len(r) == 2 && strings.HasPrefix(r[0], "PortOne과 일치") && r[1] != "예" {
					t.Errorf("Run sheet says %q for %q", r[1], r[0])
				}
				if len(r) == 2 && strings.HasPrefix(r[0], "시트 간 합계 일치") && r[1] != "예" {
					t.Errorf("Run sheet says %q for %q", r[1], r[0])
				}
			}

			// Payouts (issue #15): every payout of the week reconciles to
			// the won; the one the demo fails is the only mismatch; the
			// WHT_PAYER partners are withheld.
			from, until := res.To.AddDays(-jobs.PayoutLookback), res.To.AddDays(jobs.PayoutHorizon)
			ms, err := st.PayoutMismatches(ctx, from, until)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 || ms[0].Reason != settlement.PayoutFailedReason || ms[0].PartnerID != "p-hanbit" {
				t.Errorf("payout mismatches %+v, want p-hanbit's failed payout alone", ms)
			}
			if len(res.PayoutIssues) != 1 || !strings.Contains(res.PayoutIssues[0], "p-hanbit") || res.Payouts == 0 {
				t.Errorf("the demo's summary: %d payouts, issues %q; want p-hanbit's failed payout named", res.Payouts, res.PayoutIssues)
			}
			checks, err := st.PayoutChecks(ctx, from, until)
			if err != nil {
				t.Fatal(err)
			}
			paid, withheld := 0, 0
			for _, c := range checks {
				if c.Theirs == nil {
					continue
				}
				paid++
				if c.Ours == nil || *c.Ours != *c.Theirs {
					t.Errorf("payout %s: ours %+v, PortOne %+v", c.PayoutID, c.Ours, c.Theirs)
				}
				if c.Theirs.IncomeTax > 0 {
					withheld++
				}
			}
			if paid == 0 || withheld == 0 {
				t.Errorf("%d payouts, %d withheld: the week should show both", paid, withheld)
			}
			if pr, err := f.GetRows(reports.SheetName(reports.SheetPayouts, reports.LangKO)); err != nil || len(pr) < 2+paid {
				t.Errorf("Payouts sheet: %d rows, %v; want at least %d", len(pr), err, 2+paid)
			}
		})
	}
}
