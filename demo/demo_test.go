package demo

import (
	"context"
	"fmt"
	"slices"
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
			// the won. Two need attention, and neither is a difference
			// with PortOne: p-hanbit's payout the demo fails, and
			// p-namu-furniture's negative net of 10-02 (flagged, not
			// clamped). The WHT_PAYER partners are withheld; under NET the
			// taxable businesses get 10 % VAT added, the tax-free
			// bookshop and the individuals none.
			from, until := res.To.AddDays(-jobs.PayoutLookback), res.To.AddDays(jobs.PayoutHorizon)
			ms, err := st.PayoutMismatches(ctx, from, until)
			if err != nil {
				t.Fatal(err)
			}
			var issues []string
			for _, m := range ms {
				if !m.Reason.NeedsAttention() {
					t.Errorf("payout mismatch %+v: the demo's payouts all tie with PortOne", m)
				}
				issues = append(issues, fmt.Sprintf("%s %s %s", m.PayoutDate, m.PartnerID, m.Reason))
			}
			if want := []string{"2025-10-02 p-hanbit PAYOUT_FAILED", "2025-10-02 p-namu-furniture PAYOUT_NEGATIVE"}; fmt.Sprint(issues) != fmt.Sprint(want) {
				t.Errorf("payout issues %q, want %q", issues, want)
			}
			if len(res.PayoutIssues) != 2 || !strings.Contains(res.PayoutIssues[0], "p-hanbit") ||
				!strings.Contains(res.PayoutIssues[1], "p-namu-furniture payout PAYOUT_NEGATIVE: net -1,756,547 won") || res.Payouts == 0 {
				t.Errorf("the demo's summary: %d payouts, issues %q; want p-hanbit's failed payout and p-namu-furniture's negative net named", res.Payouts, res.PayoutIssues)
			}
			checks, err := st.PayoutChecks(ctx, from, until)
			if err != nil {
				t.Fatal(err)
			}
			paid, withheld, vatAdded := 0, 0, 0
			var namu []store.PayoutCheck
			for _, c := range checks {
				if c.PartnerID == "p-namu-furniture" {
					namu = append(namu, c)
				}
				switch c.PartnerID {
				case "p-hanbit", "p-chorok", "p-dongne-bakery", "p-techmall", "p-namu-furniture":
					if c.Treatment.VAT != settlement.VATAdded {
						t.Errorf("%s %s: VAT %s, want ADDED (NET, a taxable business)", c.PayoutDate, c.PartnerID, c.Treatment.VAT)
					}
				default:
					if c.Treatment.VAT != settlement.VATNone {
						t.Errorf("%s %s: VAT %s, want NONE (NET does not apply)", c.PayoutDate, c.PartnerID, c.Treatment.VAT)
					}
				}
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
				if c.Theirs.VAT > 0 && c.Theirs.Amount == c.Theirs.Settlement+c.Theirs.VAT {
					vatAdded++
				}
			}
			if paid == 0 || withheld == 0 || vatAdded == 0 {
				t.Errorf("%d payouts, %d withheld, %d with VAT added: the week should show all three", paid, withheld, vatAdded)
			}
			// 나무가구공방: the table's payout on 10-01, minus the same on
			// 10-02 (no payout at PortOne), the stool's on 10-10.
			if len(namu) != 3 || namu[0].Theirs == nil || namu[1].Theirs != nil || namu[1].Ours == nil ||
				namu[1].Ours.Amount != -namu[0].Theirs.Amount || fmt.Sprint(namu[1].Reasons) != "[PAYOUT_NEGATIVE]" ||
				namu[2].Ours == nil || namu[2].Ours.Amount <= 0 || len(namu[2].Reasons) != 0 {
				t.Errorf("p-namu-furniture checks %+v", namu)
			}
			pr, err := f.GetRows(reports.SheetName(reports.SheetPayouts, reports.LangKO))
			if err != nil || len(pr) < 2+paid {
				t.Fatalf("Payouts sheet: %d rows, %v; want at least %d", len(pr), err, 2+paid)
			}
			// What finance reads on 지급: the negative net as it is, and why.
			col := func(name string) int { return slices.Index(pr[0], name) }
			found := false
			for _, r := range pr[2:] {
				if len(r) > col("확인 사유") && r[col("파트너 ID")] == "p-namu-furniture" && r[col("지급일")] == "2025-10-02" {
					found = true
					if r[col("지급금액")] != wonText(-namu[0].Theirs.Amount) || r[col("PortOne 지급금액")] != "" ||
						r[col("부가세 처리")] != "지급 시 가산 (NET)" || r[col("상태")] != "지급 불가 (음수)" ||
						!strings.HasPrefix(r[col("확인 사유")], "순액 음수: 지급 없음") {
						t.Errorf("지급 row of p-namu-furniture 2025-10-02: %q", r)
					}
				}
			}
			if !found {
				t.Error("no 지급 row of p-namu-furniture on 2025-10-02")
			}
		})
	}
}
