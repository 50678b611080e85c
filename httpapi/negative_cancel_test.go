package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// TestNegativeCancelAnswers (issue #11 finding 1): PortOne may answer an
// order-cancel transfer with its amounts negated. After two real nights
// against the emulator answering every cancel so (create, GET and lists),
// GET /v1/settlements, the workbook (read back cell by cell) and
// reconciliation all show PortOne's figures as ours: a cancel's PortOne
// settlement positive on its row, subtracted once in the totals, no
// difference, no mismatch. Before, the SQL read model behind the API summed
// the raw sign: PortOne's settlement of a day with a cancel was off by
// twice the cancel, and so was the difference.
func TestNegativeCancelAnswers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clock := jobs.NewSimClock(time.Date(2025, 9, 29, 9, 0, 0, 0, seoul))
	emu := emulator.New(emulator.Options{Secret: "test-api-secret-123", Now: clock.Now, Location: seoul})
	seed, err := os.Open(filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if err := emu.Seed(seed); err != nil {
		t.Fatal(err)
	}
	var negated atomic.Int64 // the emulator answers list pages concurrently
	emu.Tamper(func(_ string, tr *transfer.Transfer) {
		if tr.Type != string(settlement.KindOrderCancel) || tr.Amount == nil {
			return
		}
		negated.Add(1)
		neg := func(a *transfer.SettlementAmount) {
			n, err := transfer.AmountsFromWire(*a).Neg()
			if err != nil {
				t.Errorf("negate %+v: %v", *a, err)
			}
			*a = transfer.AmountsToWire(n)
		}
		neg(tr.Amount)
		for i := range tr.OrderLines {
			l := &tr.OrderLines[i]
			neg(&l.Amount)
			negateDetail(l.Discounts, l.AdditionalFees)
		}
		negateDetail(tr.Discounts, tr.AdditionalFees)
	})
	url, stop := emu.Start()
	t.Cleanup(stop)
	client, err := transfer.New(transfer.Config{BaseURL: url, APISecret: "test-api-secret-123", MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	p := jobs.NewPipeline(st, client, jobs.Options{Loc: seoul, Now: clock.Now, OutDir: out, Owner: "test"})
	rep, err := intake.ImportFiles(ctx, st, []string{filepath.Join("..", "testdata", "pipeline", "orders.jsonl")}, intake.Options{Location: seoul})
	if err != nil || !rep.OK() {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	from, to := settlement.MustDate("2025-09-29"), settlement.MustDate("2025-09-30")
	for d := from; !d.After(to); d = d.AddDays(1) {
		clock.Set(time.Date(d.Year, d.Month, d.Day+1, 2, 0, 0, 0, seoul))
		// Reconcile finds nothing: Nightly would return jobs.ErrMismatches.
		if _, err := p.Nightly(ctx, d, jobs.RunOptions{}); err != nil {
			t.Fatalf("nightly %s: %v", d, err)
		}
	}
	if negated.Load() == 0 {
		t.Fatal("the emulator negated no cancel: the test tests nothing")
	}

	// Ours, from the store: every transfer's settlement by key, and the
	// settlement dates.
	type fig struct{ ours, portOne int64 }
	want := map[string]fig{} // payment/cancellation → settlement, ours and PortOne's
	days := map[settlement.Date]bool{}
	cancels := 0
	err = st.SettlementRows(ctx, store.Query{From: from, To: to}, func(r *store.SettlementRow) error {
		if !r.HasPortOne {
			t.Errorf("%s %s %s: PortOne never answered", r.Kind, r.PaymentID, r.CancellationID)
		}
		want[string(r.PaymentID)+"/"+string(r.CancellationID)] = fig{int64(r.Amounts.Settlement), int64(r.Amounts.Settlement)}
		days[r.SettlementDate] = true
		if r.Kind == settlement.KindOrderCancel {
			cancels++
			if a, err := st.PortOneTransferByID(ctx, r.TransferID); err != nil || !a.Negated || a.Amounts.Settlement <= 0 {
				t.Errorf("stored answer of cancel %s = %+v, %v; want it positive and marked negated", r.CancellationID, a, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cancels != 3 {
		t.Fatalf("%d cancels settled, want 3", cancels)
	}
	var net int64 // ours: orders − cancels
	for k, f := range want {
		if k[len(k)-1] == '/' {
			net += f.ours
		} else {
			net -= f.ours
		}
	}

	// The read API.
	h, err := NewServer(Config{APIToken: testToken, Location: seoul}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	t.Cleanup(api.Close)
	var apiNet, apiPortOneNet int64
	for d := range days {
		req, _ := http.NewRequest("GET", api.URL+"/v1/settlements?date="+d.String(), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Totals      []PartnerTotalView  `json:"totals"`
			Settlements []SettlementRowView `json:"settlements"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/settlements?date=%s: %d, %v", d, resp.StatusCode, err)
		}
		for _, tt := range body.Totals {
			if tt.PortOneSettlement != tt.Settlement || tt.Difference != 0 || tt.Unanswered != 0 {
				t.Errorf("GET /v1/settlements?date=%s: partner %s settlement %d, PortOne's %d, difference %d, unanswered %d; want PortOne's equal to ours",
					d, tt.PartnerID, tt.Settlement, tt.PortOneSettlement, tt.Difference, tt.Unanswered)
			}
			apiNet += tt.Settlement
			apiPortOneNet += tt.PortOneSettlement
		}
		for _, r := range body.Settlements {
			w := want[r.PaymentID+"/"+r.CancellationID]
			if r.PortOneAmount == nil || r.Amount.Settlement != w.ours || r.PortOneAmount.Settlement != w.portOne || r.PortOneAmount.Settlement < 0 {
				t.Errorf("GET /v1/settlements?date=%s: %s %s %s: settlement %d, PortOne's %+v; want both %d", d, r.Type, r.PaymentID, r.CancellationID,
					r.Amount.Settlement, r.PortOneAmount, w.ours)
			}
		}
	}
	if apiNet != net || apiPortOneNet != net {
		t.Errorf("GET /v1/settlements: net %d, PortOne's net %d; want both %d (orders − cancels)", apiNet, apiPortOneNet, net)
	}

	// The workbook, read back cell by cell.
	book := filepath.Join(out, "negative.xlsx")
	if err := p.ExportFile(ctx, from, to, book, jobs.ExportOptions{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bookNet, bookPortOneNet int64
	for _, row := range sheetRows(t, f, reports.SheetSummary) {
		if row["partner.id"] == "" || row["Σ amount.settlement"] == "" {
			continue
		}
		if row["settlementDate"] == "" { // the totals section below the partners
			break
		}
		ours, po, diff := money(t, row["Σ amount.settlement"]), money(t, row["Σ amount.settlement (PortOne)"]), money(t, row["local − PortOne"])
		if po != ours || diff != 0 {
			t.Errorf("Summary %s %s: settlement %d, PortOne's %d, difference %d; want PortOne's equal to ours", row["partner.id"], row["settlementDate"], ours, po, diff)
		}
		bookNet += ours
		bookPortOneNet += po
	}
	if bookNet != net || bookPortOneNet != net {
		t.Errorf("workbook Summary: net %d, PortOne's net %d; want both %d", bookNet, bookPortOneNet, net)
	}
	for _, sheet := range []string{reports.SheetOrders, reports.SheetCancellations} {
		n := 0
		for _, row := range sheetRows(t, f, sheet) {
			w, ok := want[row["payment.id"]+"/"+row["cancellation.id"]]
			if !ok {
				continue // the totals row
			}
			n++
			ours, po, diff := money(t, row["amount.settlement"]), money(t, row["amount.settlement (PortOne)"]), money(t, row["local − PortOne"])
			if ours != w.ours || po != w.portOne || diff != 0 {
				t.Errorf("%s %s %s: settlement %d, PortOne's %d, difference %d; want both %d", sheet, row["payment.id"], row["cancellation.id"], ours, po, diff, w.ours)
			}
		}
		wantRows := len(want) - cancels
		if sheet == reports.SheetCancellations {
			wantRows = cancels
		}
		if n != wantRows {
			t.Errorf("%s: %d rows, want %d", sheet, n, wantRows)
		}
	}

	// Reconciliation: nothing recorded either.
	var ms []store.Mismatch
	if err := st.Mismatches(ctx, store.Query{From: from, To: to}, func(m *store.Mismatch) error { ms = append(ms, *m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Errorf("reconcile recorded %d mismatches: %+v", len(ms), ms)
	}
}

// negateDetail negates the discounts and fees of a block in place.
func negateDetail(ds []transfer.TransferDiscount, fs []transfer.TransferAdditionalFee) {
	for i := range ds {
		d := &ds[i]
		d.Amount, d.TaxFreeAmount, d.ShareAmount, d.ShareTaxFreeAmount = -d.Amount, -d.TaxFreeAmount, -d.ShareAmount, -d.ShareTaxFreeAmount
	}
	for i := range fs {
		fs[i].Amount, fs[i].Vat = -fs[i].Amount, -fs[i].Vat
	}
}

// sheetRows reads a workbook sheet's data rows as column key (the schema
// row, row 2) → raw cell value.
func sheetRows(t *testing.T, f *excelize.File, sheet string) []map[string]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	if len(rows) < 2 {
		t.Fatalf("sheet %s has %d rows, want a header and a schema row", sheet, len(rows))
	}
	var out []map[string]string
	for _, r := range rows[2:] {
		m := map[string]string{}
		for i, key := range rows[1] {
			if i < len(r) {
				m[key] = r[i]
			}
		}
		out = append(out, m)
	}
	return out
}

func money(t *testing.T, cell string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(cell, 10, 64)
	if err != nil {
		t.Fatalf("cell %q is not an amount: %v", cell, err)
	}
	return v
}
