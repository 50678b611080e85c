package jobs

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

var update = flag.Bool("update", false, "rewrite testdata/reports/*.golden")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "reports", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./jobs -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-golden +got):\n%s", path, diff)
	}
}

func openBook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// table reads a table sheet's data rows as header (row 1) → raw value;
// the blank and totals rows under the data are left out.
func table(t *testing.T, f *excelize.File, sheet string) []map[string]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	var out []map[string]string
	for _, r := range rows[2:] {
		if len(r) == 0 {
			break
		}
		m := map[string]string{}
		for i, v := range r {
			if i < len(rows[0]) {
				m[rows[0][i]] = v
			}
		}
		out = append(out, m)
	}
	return out
}

// TestExportProblemsAreNotMismatches is issue #14's first finding: an
// order with a rejected sibling record (a cancellation refused for taking
// back more than was paid) and a transfer PortOne refused. The
// reconciliation records both, but neither is a difference with PortOne:
// the Mismatches sheet is empty, Needs attention lists both with PortOne's
// error and the command that resolves each, and the front sheet says what
// needs attention and that the run does not reconcile.
func TestExportProblemsAreNotMismatches(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	write := recordFiles(t)
	// Today: the store stamps the rejection with the wall clock, and the
	// night's reconciliation and workbook look for the day's rejections.
	d := settlement.DateOf(time.Now(), h.loc)
	day := d.String()
	rep := h.importFiles(t, write("night.jsonl",
		`{"partnerId":"p1","paymentId":"pay-ok","paidAt":"`+day+`T00:00:01+09:00","orderDetail":{"orderAmount":10000},"discounts":[],"additionalFees":[]}
{"partnerId":"p1","paymentId":"pay-refused","paidAt":"`+day+`T00:00:02+09:00","orderDetail":{"orderAmount":20000},"discounts":[],"additionalFees":[]}
{"partnerId":"p1","paymentId":"pay-ok","cancellationId":"cx-too-much","cancelledAt":"`+day+`T00:00:03+09:00","orderDetail":{"orderAmount":99000},"discounts":[]}
`))
	if rep.Counts.Rejected == 0 {
		t.Fatalf("import: %+v; want the cancellation over the order rejected", rep.Counts)
	}
	// PortOne refuses the first order transfer posted.
	h.emu.Script(emulator.Match{Method: "POST", Path: "/platform/transfers/order"}, 1, emulator.Fault{Kind: emulator.Fault5xx, Status: 400})
	if _, err := h.nightlyAt(t, d); err != nil && !errors.Is(err, ErrMismatches) {
		t.Fatal(err)
	}
	var failed []store.Intent
	if err := h.st.IntentsOn(context.Background(), d, func(in *store.Intent) error {
		if in.Status == store.IntentFailed {
			failed = append(failed, *in)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 {
		t.Fatalf("%d failed intents, want 1", len(failed))
	}
	// The reconciliation recorded both (this is what the old workbook
	// listed as mismatches).
	var recorded []string
	if err := h.st.Mismatches(context.Background(), store.Query{From: d, To: d}, func(m *store.Mismatch) error {
		recorded = append(recorded, string(m.Reason))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(recorded)
	if diff := cmp.Diff([]string{"MISSING_AT_PORTONE", "REJECTED_RECORD"}, recorded); diff != "" {
		t.Fatalf("reconcile recorded (-want +got):\n%s", diff)
	}

	var buf bytes.Buffer
	if err := h.p.ExportTo(context.Background(), &buf, d, d, ExportOptions{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, buf.Bytes())
	if rows := table(t, f, reports.SheetMismatches); len(rows) != 0 {
		t.Errorf("Mismatches has %d rows, want none: %v", len(rows), rows)
	}
	got := map[string]map[string]string{}
	for _, r := range table(t, f, reports.SheetProblems) {
		got[r["Problem"]] = r
	}
	if r := got["Posting failed"]; r == nil || r["Payment ID"] != string(failed[0].PaymentID) || r["Transfer ID"] != string(failed[0].IntentID) ||
		r["PortOne error"] != "INTERNAL_SERVER_ERROR" || !strings.Contains(r["What to do (command)"], "settle retry "+string(failed[0].IntentID)) {
		t.Errorf("Needs attention, the failed transfer: %v", r)
	}
	if r := got["Rejected record"]; r == nil || r["Cancellation ID"] != "cx-too-much" || r["Reason"] == "" ||
		!strings.Contains(r["What to do (command)"], "settle import") {
		t.Errorf("Needs attention, the rejected record: %v", r)
	}
	if len(got) != 2 {
		t.Errorf("Needs attention lists %d kinds, want 2: %v", len(got), got)
	}
	run := map[string]string{}
	rows, _ := f.GetRows(reports.SheetRun)
	var todo []string
	inTodo := false
	for _, r := range rows {
		if len(r) == 1 && r[0] == "What needs attention" {
			inTodo = true
			continue
		}
		if len(r) == 1 && inTodo {
			break
		}
		if inTodo && len(r) >= 2 {
			todo = append(todo, r[0])
		}
		if len(r) >= 2 {
			run[r[0]] = r[1]
		}
	}
	if run["Differences with PortOne"] != "0" || run["Reconciles with PortOne"] != "no" || run["Totals tie between sheets"] != "yes" {
		t.Errorf("Run: differences %q, reconciles %q, ties %q; want 0, no, yes", run["Differences with PortOne"], run["Reconciles with PortOne"], run["Totals tie between sheets"])
	}
	if diff := cmp.Diff([]string{"Posting failed: 1", "Rejected record: 1"}, todo); diff != "" {
		t.Errorf("Run, what needs attention (-want +got):\n%s", diff)
	}
}

// demoRun is the sample marketplace's week (demo/data) run through the
// nightly pipeline as `settle demo` runs it.
type demoRun struct {
	h        *harness
	from, to settlement.Date
}

func buildDemoWeek(t *testing.T) *demoRun {
	t.Helper()
	h := newHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "demo", "data", "marketplace.json"))
	ctx := context.Background()
	from, to := settlement.MustDate("2025-09-29"), settlement.MustDate("2025-10-05")
	if _, err := h.p.Refresh(ctx, from, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	var inputs []intake.Input
	for _, name := range []string{"orders.jsonl", "bad.jsonl"} {
		inputs = append(inputs, intake.Input{Name: name, R: bytes.NewReader(demoFile(t, name)), Format: intake.FormatJSONL})
	}
	if _, err := intake.Import(ctx, h.st, inputs, intake.Options{Location: h.loc, Terms: h.p.TermsFor}); err != nil {
		t.Fatal(err)
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if _, err := h.nightlyAt(t, d); err != nil && !errors.Is(err, ErrMismatches) {
			t.Fatalf("nightly %s: %v", d, err)
		}
	}
	return &demoRun{h: h, from: from, to: to}
}

// export writes the demo week's workbook (or a partner's statement) to a
// file and returns its bytes and path.
func (r *demoRun) export(t *testing.T, name string, opts ExportOptions) ([]byte, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := r.h.p.ExportFile(context.Background(), r.from, r.to, path, opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, path
}

// TestDemoWeek reads the demo week's workbook and a partner's statement
// back: layout, print settings, totals against the store's, a digest of
// every sheet against a golden file in both languages, and, where
// LibreOffice is installed, the printed pages.
func TestDemoWeek(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo week takes a while; -short skips it")
	}
	r := buildDemoWeek(t)
	for _, lang := range []string{"ko", "en"} {
		t.Run("workbook_"+lang, func(t *testing.T) {
			data, _ := r.export(t, "week-"+lang+".xlsx", ExportOptions{Lang: lang})
			f := openBook(t, data)
			golden(t, "demo_week_"+lang, digest(t, f, data))
			checkDemoTotals(t, r, f, reports.Lang(lang))
		})
	}
	t.Run("statement", func(t *testing.T) { checkDemoStatement(t, r) })
	t.Run("libreoffice", func(t *testing.T) { checkRendered(t, r) })
}

// checkDemoTotals wants the Summary's totals to be the store's net totals,
// its checks zero, the Mismatches sheet empty and the bad records listed.
func checkDemoTotals(t *testing.T, r *demoRun, f *excelize.File, l reports.Lang) {
	t.Helper()
	var want settlement.Amounts
	err := r.h.st.SettlementRows(context.Background(), store.Query{From: r.from, To: r.to}, func(s *store.SettlementRow) error {
		var err error
		if s.Kind == settlement.KindOrderCancel {
			want, err = want.Sub(s.Amounts)
		} else {
			want, err = want.Add(s.Amounts)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(reports.SheetName(reports.SheetSummary, l), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	keys := rows[1]
	for _, row := range rows[2:] {
		if len(row) == 0 {
			continue
		}
		switch {
		case strings.Contains(row[0], "(Summary)"):
			for i, k := range keys {
				name, ok := strings.CutPrefix(k, "Σ amount.")
				if !ok || strings.Contains(name, "(") || i >= len(row) {
					continue
				}
				for _, fld := range settlement.AmountFields {
					if fld.Name == name && row[i] != strconv.FormatInt(int64(*fld.Get(&want)), 10) {
						t.Errorf("Summary total %s = %s, store %d", k, row[i], *fld.Get(&want))
					}
				}
			}
		case strings.HasPrefix(row[0], "검증") || strings.HasPrefix(row[0], "Check"):
			for i, v := range row[1:] {
				if v != "" && v != "0" {
					t.Errorf("Summary %q: %s = %s, want 0", row[0], rows[0][i+1], v)
				}
			}
		}
	}
	if n := len(table(t, f, reports.SheetName(reports.SheetMismatches, l))); n != 0 {
		t.Errorf("the demo week has %d mismatches, want none", n)
	}
	if n := len(table(t, f, reports.SheetName(reports.SheetProblems, l))); n != 10 {
		t.Errorf("Needs attention has %d rows, want demo/data/bad.jsonl's 10 records", n)
	}
}

// digest is what the golden file pins of a workbook: the sheets in order;
// of each, its frozen pane, page setup, print titles and area; of the
// tables, the two header rows, the first three data rows and the totals;
// the front, Summary, Contracts sheets and the chart's table in full; the
// chart's axes. (The detail sheets in full are thousands of rows.)
func digest(t *testing.T, f *excelize.File, data []byte) string {
	t.Helper()
	var b strings.Builder
	names := map[string][]string{}
	for _, dn := range f.GetDefinedName() {
		names[dn.Scope] = append(names[dn.Scope], dn.Name+"="+dn.RefersTo)
	}
	for i, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		pl, _ := f.GetPageLayout(sh)
		p, _ := f.GetPanes(sh)
		fmt.Fprintf(&b, "## %s: %d rows; panes %d×%d frozen %v; ", sh, len(rows), p.XSplit, p.YSplit, p.Freeze)
		if pl.Orientation != nil && pl.FitToWidth != nil && pl.FitToHeight != nil {
			fmt.Fprintf(&b, "print %s %d wide × %d down", *pl.Orientation, *pl.FitToWidth, *pl.FitToHeight)
		}
		slices.Sort(names[sh])
		fmt.Fprintf(&b, "; names %v\n", names[sh])
		full := i < 4 || len(rows) < 12
		// When a record was received is the machine's time (the store
		// stamps it): blank it like the clock.
		if len(rows) > 1 {
			if c := slices.Index(rows[1], "receivedAt / updatedAt"); c >= 0 {
				for _, row := range rows[2:] {
					if c < len(row) && row[c] != "" {
						row[c] = "(clock)"
					}
				}
			}
		}
		for r, row := range rows {
			keep := full || r < 5 || len(row) > 0 && (strings.Contains(row[0], "합계") || strings.Contains(row[0], "순액") ||
				strings.Contains(row[0], "Total") || strings.Contains(row[0], "Net"))
			if !keep {
				continue
			}
			if r >= 5 && !full {
				fmt.Fprintf(&b, "[%d] ", r+1)
			}
			b.WriteString(strings.Join(maskClock(row), "\t"))
			b.WriteByte('\n')
		}
	}
	// The chart's axes.
	x := chartXML(t, data)
	for _, tag := range []string{"c:grouping", "c:baseTimeUnit", "c:majorUnit", "c:majorTimeUnit"} {
		if i := strings.Index(x, "<"+tag+" val=\""); i >= 0 {
			v := x[i+len(tag)+7:]
			fmt.Fprintf(&b, "chart %s = %s\n", tag, v[:strings.IndexByte(v, '"')])
		}
	}
	for _, s := range strings.Split(x, `<c:numFmt formatCode="`)[1:] {
		fmt.Fprintf(&b, "chart axis format = %s\n", s[:strings.IndexByte(s, '"')])
	}
	fmt.Fprintf(&b, "chart series = %d, date axis %v\n", strings.Count(x, "<c:ser>"), strings.Contains(x, "<c:dateAx>"))
	return b.String()
}

func chartXML(t *testing.T, data []byte) string {
	t.Helper()
	f := openBook(t, data)
	for _, name := range []string{"xl/charts/chart1.xml"} {
		if v, ok := f.Pkg.Load(name); ok {
			return string(v.([]byte))
		}
	}
	t.Fatal("no chart part")
	return ""
}

// checkDemoStatement writes a partner's statement of the demo week through
// the command's path and reads it back: its settlement is the store's.
func checkDemoStatement(t *testing.T, r *demoRun) {
	const partner = "p-kim-craft"
	data, _ := r.export(t, "kim.xlsx", ExportOptions{PartnerID: partner})
	_ = data
	f := openBook(t, data)
	golden(t, "demo_week_statement", statementDigest(t, f))
	var want settlement.Won
	err := r.h.st.SettlementRows(context.Background(), store.Query{From: r.from, To: r.to, PartnerID: partner}, func(s *store.SettlementRow) error {
		if s.Kind == settlement.KindOrderCancel {
			want -= s.Amounts.Settlement
		} else {
			want += s.Amounts.Settlement
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	rows, _ := f.GetRows("정산서", excelize.Options{RawCellValue: true})
	for _, row := range rows {
		if len(row) >= 4 && strings.HasPrefix(row[0], "정산금액 (지급 예정액)") {
			found = row[3] == strconv.FormatInt(int64(want), 10)
			if !found {
				t.Errorf("statement settlement = %s, store %d", row[3], want)
			}
		}
	}
	if !found {
		t.Errorf("no settlement in the statement")
	}
	err = r.h.p.ExportFile(context.Background(), r.from, r.to, filepath.Join(t.TempDir(), "x.xlsx"), ExportOptions{PartnerID: "p-nobody"})
	if !errors.Is(err, ErrNoSuchPartner) {
		t.Errorf("statement of an unknown partner: err = %v, want ErrNoSuchPartner", err)
	}
}

// statementDigest is the Statement sheet in full.
func statementDigest(t *testing.T, f *excelize.File) string {
	t.Helper()
	rows, err := f.GetRows("정산서")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, row := range rows {
		b.WriteString(strings.Join(maskClock(row), "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}

// maskClock blanks the time a workbook or statement was made (the test
// clock runs on with the machine's time) so that goldens pin the rest.
func maskClock(row []string) []string {
	if len(row) == 0 {
		return row
	}
	switch row[0] {
	case "생성 시각", "Generated at", "발행 시각", "Issued at":
		out := []string{row[0]}
		for _, v := range row[1:] {
			if v != "" {
				v = "(clock)"
			}
			out = append(out, v)
		}
		return out
	}
	return row
}
