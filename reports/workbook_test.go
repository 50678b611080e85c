package reports

import (
	_ "time/tzdata" // Asia/Seoul without system tzdata

	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

var update = flag.Bool("update", false, "rewrite testdata/reports/*.golden")

func writeBook(t *testing.T, src Source, opts Options) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	if err := WriteWorkbook(context.Background(), &buf, src, opts); err != nil {
		t.Fatalf("WriteWorkbook(%+v): %v", opts, err)
	}
	if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
		t.Errorf("WriteWorkbook left %d temporary files", len(left))
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("excelize.OpenReader: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return buf.Bytes(), f
}

// dump renders every sheet as TSV: one line per row, cells as Excel shows
// them (number formats applied), a formula after its value as ⟨=…⟩.
func dump(t *testing.T, f *excelize.File) string {
	t.Helper()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatalf("GetRows(%q): %v", sh, err)
		}
		b.WriteString("## " + sh + "\n")
		for r, row := range rows {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
					v += " ⟨=" + fm + "⟩"
				}
				if c > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(v)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "reports", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./reports -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-golden +got):\n%s", path, diff)
	}
}

func seoul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		return time.FixedZone("Asia/Seoul", 9*3600)
	}
	return loc
}

func TestWorkbookGolden(t *testing.T) {
	for _, lang := range []Lang{LangKO, LangEN} {
		t.Run(string(lang), func(t *testing.T) {
			_, f := writeBook(t, fixture(), Options{Lang: lang, Version: "v1.2.3-test", Loc: seoul(t)})
			golden(t, "workbook_"+string(lang), dump(t, f))
		})
	}
	t.Run("split", func(t *testing.T) {
		_, f := writeBook(t, fixture(), Options{Version: "v1.2.3-test", Loc: seoul(t), MaxRowsPerSheet: 7})
		golden(t, "workbook_split", dump(t, f))
	})
}

func TestWorkbookSheetNames(t *testing.T) {
	for _, c := range []struct {
		lang Lang
		want []string
	}{
		{LangKO, []string{"실행 정보", "요약", "차트", "계약·정책", "주문", "취소", "주문 상세", "PortOne 불일치", "처리 필요", "이체 상태 이력"}},
		{LangEN, []string{"Run", "Summary", "Chart", "Contracts", "Orders", "Cancellations", "Order lines", "Mismatches", "Needs attention", "Transfers"}},
	} {
		_, f := writeBook(t, fixture(), Options{Lang: c.lang, Loc: seoul(t)})
		if diff := cmp.Diff(c.want, f.GetSheetList()); diff != "" {
			t.Errorf("%s sheets (-want +got):\n%s", c.lang, diff)
		}
		if got := f.GetSheetName(f.GetActiveSheetIndex()); got != c.want[0] {
			t.Errorf("%s: opens on %q, want the front sheet", c.lang, got)
		}
	}
}

// numFmt is the number format code of a cell's style.
func numFmt(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatalf("GetCellStyle(%s!%s): %v", sheet, cell, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("GetStyle(%d): %v", id, err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	switch st.NumFmt {
	case 3:
		return "#,##0"
	case 49:
		return "@"
	case 0:
		return "General"
	}
	return "builtin " + strconv.Itoa(st.NumFmt)
}

// findCol returns the column letter of the header label on row 1 of sheet.
func findCol(t *testing.T, f *excelize.File, sheet, header string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		t.Fatalf("GetRows(%q): %v", sheet, err)
	}
	for i, h := range rows[0] {
		if h == header {
			return colName(i + 1)
		}
	}
	t.Fatalf("%s: no column %q in %q", sheet, header, rows[0])
	return ""
}

// cellUnder is the raw value of sheet's cell in the column headed header,
// on row.
func cellUnder(t *testing.T, f *excelize.File, sheet, header string, row int) string {
	t.Helper()
	return raw(t, f, sheet, findCol(t, f, sheet, header)+strconv.Itoa(row))
}

func raw(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetCellValue(%s!%s): %v", sheet, cell, err)
	}
	return v
}

// rowsBy reads a table's data rows as header (row 1) → raw value.
func rowsBy(t *testing.T, f *excelize.File, sheet string) []map[string]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetRows(%q): %v", sheet, err)
	}
	var out []map[string]string
	for _, r := range rows[headerRows:] {
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

func TestWorkbookCells(t *testing.T) {
	src := fixture()
	_, f := writeBook(t, src, Options{Loc: seoul(t)})

	// Ids are text cells with the text format; leading zeros survive.
	for _, c := range []struct{ sheet, header, cell, want string }{
		{"주문", "파트너 ID", "", "007"},
		{"주문 상세", "상품 ID", "", "0042"},
		{"요약", "파트너 ID", "", "007"},
	} {
		col := findCol(t, f, c.sheet, c.header)
		ref := col + "3"
		if got := raw(t, f, c.sheet, ref); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, ref, got, c.want)
		}
		if typ, _ := f.GetCellType(c.sheet, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("%s!%s type = %v, want a string cell", c.sheet, ref, typ)
		}
		if got := numFmt(t, f, c.sheet, ref); got != "@" {
			t.Errorf("%s!%s format = %q, want @", c.sheet, ref, got)
		}
	}

	// Money cells are integers with the won format.
	o := src.transfers[0].Amounts
	for _, c := range []struct {
		header string
		want   settlement.Won
	}{
		{"주문금액", o.Order}, {"할인금액", o.Discount}, {"할인분담금", o.DiscountShare},
		{"중개수수료", o.PlatformFee}, {"중개수수료 부가세", o.PlatformFeeVat}, {"추가수수료", o.AdditionalFee},
		{"결제금액", o.Payment}, {"결제 부가세", o.PaymentVat}, {"정산금액", o.Settlement},
		{"PortOne 정산금액", o.Settlement}, {"차이 (우리 − PortOne)", 0},
	} {
		ref := findCol(t, f, "주문", c.header) + "3"
		if got := raw(t, f, "주문", ref); got != strconv.FormatInt(int64(c.want), 10) {
			t.Errorf("주문!%s (%s) = %q, want %d", ref, c.header, got, c.want)
		}
		if got := numFmt(t, f, "주문", ref); got != "#,##0" {
			t.Errorf("주문!%s (%s) format = %q, want #,##0", ref, c.header, got)
		}
	}

	// Dates are date serials with yyyy-mm-dd; date-times are in Loc.
	ref := findCol(t, f, "주문", "정산일") + "3"
	if got := raw(t, f, "주문", ref); got != strconv.FormatInt(dateSerial(2025, 10, 10), 10) {
		t.Errorf("주문!%s raw = %q, want the serial of 2025-10-10", ref, got)
	}
	if got, _ := f.GetCellValue("주문", ref); got != "2025-10-10" {
		t.Errorf("주문!%s shown = %q, want 2025-10-10", ref, got)
	}
	if got, _ := f.GetCellValue("주문", findCol(t, f, "주문", "결제일시")+"3"); got != "2025-10-01 09:30:00" {
		t.Errorf("주문 결제일시 = %q, want 2025-10-01 09:30:00 (Seoul)", got)
	}
	if got, _ := f.GetCellValue("취소", findCol(t, f, "취소", "취소일시")+"3"); got != "2025-10-02 10:00:00" {
		t.Errorf("취소 취소일시 = %q", got)
	}
	if got, _ := f.GetCellValue("이체 상태 이력", findCol(t, f, "이체 상태 이력", "확인 시각")+"3"); got != "2025-10-01 02:00:00" {
		t.Errorf("history observed at = %q, want 2025-10-01 02:00:00 (Seoul)", got)
	}

	// Row 2 names PortOne's schema field of each column.
	if got, _ := f.GetCellValue("주문", findCol(t, f, "주문", "중개수수료 부가세")+"2"); got != "amount.platformFeeVat" {
		t.Errorf("schema row = %q, want amount.platformFeeVat", got)
	}

	// Why: every order row names its contract, fee, VAT payer, cycle, date
	// policy and policies, its order name; statuses and types are words.
	order := rowsBy(t, f, "주문")[0]
	for h, want := range map[string]string{
		"계약": "일정산 10% (ct-10 v2)", "중개수수료율·액": "정률 10%", "수수료 부가세 부담": "파트너", "결제 부가세 차감": "아니오",
		"정산 주기": "매일 (정산시작일 + 2일부터)", "휴일 정책": "휴일이면 다음 영업일",
		"적용 정책 (이름, 비율)": "PG 수수료 (정률 3.3%, 부가세 파트너 부담); 반반 할인 (할인 분담 50%)",
		"주문명":            "무선 마우스 외 1건", "상태": "정산 진행 중", "이체 ID": "stl-o-pay-0001",
	} {
		if order[h] != want {
			t.Errorf("주문 %s = %q, want %q", h, order[h], want)
		}
	}
	beta := rowsBy(t, f, "주문")[2]
	if beta["중개수수료율·액"] != "정액 500원" || beta["정산 주기"] != "매월 10일·말일 (정산시작일 + 3일부터)" || beta["휴일 정책"] != "휴일이면 앞 영업일" {
		t.Errorf("fixed-amount contract shown as %q, %q, %q", beta["중개수수료율·액"], beta["정산 주기"], beta["휴일 정책"])
	}
	if got := rowsBy(t, f, "주문 상세")[0]["유형"]; got != "주문" {
		t.Errorf("주문 상세 type = %q, want 주문", got)
	}

	// The rejected record's raw payload is redacted and cut.
	var rawCell string
	for _, r := range rowsBy(t, f, "처리 필요") {
		if r["구분"] == "거부된 레코드" {
			rawCell = r["원본 (일부)"]
		}
	}
	if strings.Contains(rawCell, "110-123-456789") || !strings.Contains(rawCell, `"accountNumber":"***"`) {
		t.Errorf("rejected raw not redacted: %q", rawCell)
	}
	if n := len([]rune(rawCell)); n > maxRawCell+30 || !strings.Contains(rawCell, "bytes)") {
		t.Errorf("rejected raw not truncated: %d runes", n)
	}
}

// TestWorkbookLinesCoverEveryOrder: the Order lines sheet (and so the
// CSV) has a row for an order registered by amount and one for the
// order-level fee beyond an order's lines, and adds up to the orders.
func TestWorkbookLinesCoverEveryOrder(t *testing.T) {
	src := fixture()
	_, f := writeBook(t, src, Options{Lang: LangEN})
	var sawAmount, sawOrderLevel bool
	sums := map[string]int64{}
	for _, r := range rowsBy(t, f, "Order lines") {
		if r["Type"] == "" {
			continue // blank and totals rows
		}
		v, _ := strconv.ParseInt(r["Settlement"], 10, 64)
		sums[r["Type"]+" "+r["Payment ID"]] += v
		switch r["Row"] {
		case "order by amount (no lines)":
			sawAmount = r["Payment ID"] == "pay-0003" && r["Product ID"] == ""
		case "order-level discounts and fees":
			sawOrderLevel = r["Payment ID"] == "pay-0001" && r["Additional fee"] == "990"
		}
	}
	if !sawAmount || !sawOrderLevel {
		t.Errorf("Order lines: order by amount %v, order-level row %v; want both", sawAmount, sawOrderLevel)
	}
	for _, tr := range src.transfers {
		if got := sums[kindWord(LangEN, tr.Kind)+" "+string(tr.PaymentID)]; got != int64(tr.Amounts.Settlement) {
			t.Errorf("Order lines of %s %s add up to %d, the transfer settles %d", tr.Kind, tr.PaymentID, got, tr.Amounts.Settlement)
		}
	}
}

func TestWorkbookPrintAndPanes(t *testing.T) {
	_, f := writeBook(t, fixture(), Options{Lang: LangEN})
	titles, areas, filters := map[string]string{}, map[string]string{}, map[string]string{}
	for _, dn := range f.GetDefinedName() {
		switch dn.Name {
		case "_xlnm.Print_Titles":
			titles[dn.Scope] = dn.RefersTo
		case "_xlnm.Print_Area":
			areas[dn.Scope] = dn.RefersTo
		case "_xlnm._FilterDatabase":
			filters[dn.Scope] = dn.RefersTo
		}
	}
	for _, c := range []struct {
		sheet     string
		freezeCol int
		landscape bool
	}{
		{"Summary", 3, true}, {"Orders", 4, true}, {"Cancellations", 5, true}, {"Order lines", 5, true},
		{"Mismatches", 3, true}, {"Needs attention", 3, true}, {"Transfers", 3, true},
	} {
		p, err := f.GetPanes(c.sheet)
		if err != nil {
			t.Fatalf("GetPanes(%q): %v", c.sheet, err)
		}
		top := colName(c.freezeCol+1) + "3"
		if !p.Freeze || p.YSplit != 2 || p.XSplit != c.freezeCol || p.TopLeftCell != top {
			t.Errorf("%s panes = %+v, want the two header rows and %d identity columns frozen", c.sheet, p, c.freezeCol)
		}
		if got := titles[c.sheet]; got != "'"+c.sheet+"'!$1:$2" {
			t.Errorf("%s print titles = %q, want the header rows", c.sheet, got)
		}
		if ref := filters[c.sheet]; !strings.HasPrefix(ref, "'"+c.sheet+"'!$A$2:") {
			t.Errorf("%s autofilter = %q, want one from A2", c.sheet, ref)
		}
		checkPrint(t, f, c.sheet, c.landscape, 0)
	}
	if got := areas["Summary"]; !strings.HasPrefix(got, "'Summary'!$A$1:$") {
		t.Errorf("Summary print area = %q", got)
	}
	checkPrint(t, f, "Run", false, 1)
	checkPrint(t, f, "Chart", true, 1)
	checkPrint(t, f, "Contracts", true, 0)
}

// checkPrint wants sheet to print on A4, one page wide, fitHeight pages
// down (0: as many as it takes), with page numbers in the footer.
func checkPrint(t *testing.T, f *excelize.File, sheet string, landscape bool, fitHeight int) {
	t.Helper()
	pl, err := f.GetPageLayout(sheet)
	if err != nil {
		t.Fatalf("GetPageLayout(%q): %v", sheet, err)
	}
	orient := "portrait"
	if landscape {
		orient = "landscape"
	}
	if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != orient ||
		pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != fitHeight {
		t.Errorf("%s page layout: size %v, orientation %v, fit %v×%v; want A4 %s, 1 page wide, %d down",
			sheet, deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight), orient, fitHeight)
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("%s: fit to page is off (%v)", sheet, err)
	}
	hf, err := f.GetHeaderFooter(sheet)
	if err != nil || !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddFooter, "&N") {
		t.Errorf("%s footer = %q (%v), want page numbers", sheet, hf.OddFooter, err)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// section returns the Summary's totals-section row whose label starts
// with prefix, by column header.
func section(t *testing.T, f *excelize.File, sheet, prefix string) map[string]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if len(row) > 0 && strings.HasPrefix(row[0], prefix) {
			m := map[string]string{}
			for i, v := range row {
				m[rows[0][i]] = v
			}
			return m
		}
	}
	t.Fatalf("%s: no row %q", sheet, prefix)
	return nil
}

func TestWorkbookTotalsTie(t *testing.T) {
	src := fixture()
	_, f := writeBook(t, src, Options{Lang: LangEN})
	for _, prefix := range []string{"Check: total − (orders − cancellations)", "Check: total − order lines net"} {
		numeric := 0
		for h, v := range section(t, f, "Summary", prefix) {
			if v == "" || strings.HasPrefix(v, "Check") {
				continue
			}
			numeric++
			if v != "0" {
				t.Errorf("%s: %s = %s, want 0", prefix, h, v)
			}
		}
		if numeric < 17 {
			t.Errorf("%s has %d numeric cells, want every amount", prefix, numeric)
		}
	}
	var want settlement.Won
	for _, tr := range src.transfers {
		if tr.Kind == settlement.KindOrderCancel {
			want -= tr.Amounts.Settlement
		} else {
			want += tr.Amounts.Settlement
		}
	}
	total := section(t, f, "Summary", "Total (Summary)")
	if got := total["Settlement"]; got != strconv.FormatInt(int64(want), 10) {
		t.Errorf("Summary total settlement = %s, want %d", got, want)
	}
	// Each detail sheet's totals: orders, cancellations, and the lines'
	// rows by type and net.
	sum := func(k settlement.Kind) (s settlement.Won) {
		for _, tr := range src.ofKind(k) {
			s += tr.Amounts.Settlement
		}
		return s
	}
	for _, c := range []struct {
		sheet, prefix string
		want          settlement.Won
	}{
		{"Orders", "Total (this sheet)", sum(settlement.KindOrder)},
		{"Cancellations", "Total (this sheet)", sum(settlement.KindOrderCancel)},
		{"Order lines", "Orders (this sheet)", sum(settlement.KindOrder)},
		{"Order lines", "Cancellations (this sheet)", sum(settlement.KindOrderCancel)},
		{"Order lines", "Net: orders − cancellations", want},
	} {
		if got := section(t, f, c.sheet, c.prefix)["Settlement"]; got != strconv.FormatInt(int64(c.want), 10) {
			t.Errorf("%s %q settlement = %s, want %d", c.sheet, c.prefix, got, c.want)
		}
	}
	// The checks are formulas an auditor can follow, coloured by value.
	row := summaryRowNum(t, f, "Check: total − (orders − cancellations)")
	if fm, _ := f.GetCellFormula("Summary", findCol(t, f, "Summary", "Settlement")+strconv.Itoa(row)); fm == "" {
		t.Error("Summary check has no formula")
	}
	checkColours(t, f, row)
	if got := runValue(t, f, "Run", "Totals tie between sheets"); got != "yes" {
		t.Errorf("Run: totals tie = %q, want yes", got)
	}
	if got := runValue(t, f, "Run", "Reconciles with PortOne"); got != "no" {
		t.Errorf("Run: reconciles = %q, want no (the fixture has mismatches)", got)
	}
}

// checkColours wants the Summary's check cells on row to be green at zero
// and red otherwise, by conditional format.
func checkColours(t *testing.T, f *excelize.File, row int) {
	t.Helper()
	cf, err := f.GetConditionalFormats("Summary")
	if err != nil {
		t.Fatal(err)
	}
	for ref, rules := range cf {
		if !strings.Contains(ref, strconv.Itoa(row)) {
			continue
		}
		var eq, ne bool
		for _, r := range rules {
			eq = eq || r.Type == "cell" && r.Criteria == "equal to" && r.Value == "0"
			ne = ne || r.Type == "cell" && r.Criteria == "not equal to" && r.Value == "0"
		}
		if eq && ne {
			return
		}
		t.Errorf("conditional formats of %s: %+v, want green at 0 and red otherwise", ref, rules)
		return
	}
	t.Errorf("no conditional format covers Summary row %d: %v", row, cf)
}

func runValue(t *testing.T, f *excelize.File, sheet, key string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r) >= 2 && r[0] == key {
			return r[1]
		}
	}
	t.Fatalf("%s: no %q", sheet, key)
	return ""
}

func summaryRowNum(t *testing.T, f *excelize.File, prefix string) int {
	t.Helper()
	rows, _ := f.GetRows("Summary")
	for i, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], prefix) {
			return i + 1
		}
	}
	t.Fatalf("no Summary row %q", prefix)
	return 0
}

func TestWorkbookCheckShowsDifference(t *testing.T) {
	src := fixture()
	src.summary[0].Amounts.PlatformFee += 7 // the store's summary disagrees with its detail
	src.summary[0].Amounts.Settlement -= 7
	_, f := writeBook(t, src, Options{Lang: LangEN})
	check := section(t, f, "Summary", "Check: total − (orders − cancellations)")
	if check["Platform fee"] != "7" || check["Settlement"] != "-7" || check["Order amount"] != "0" {
		t.Errorf("check row = %v, want platform fee 7, settlement -7, order 0", check)
	}
	if got := raw(t, f, "Summary", findCol(t, f, "Summary", "Check (0 = ties)")+"3"); got != "-7" {
		t.Errorf("row check = %q, want -7", got)
	}
	if got := runValue(t, f, "Run", "Totals tie between sheets"); got != "no" {
		t.Errorf("Run: totals tie = %q, want no", got)
	}
}

// TestWorkbookProblemsNotMismatches: rejected records and failed transfers
// are on the Needs attention sheet with the command that resolves them,
// the Mismatches sheet holds the differences with PortOne only, and the
// front sheet says what needs attention.
func TestWorkbookProblemsNotMismatches(t *testing.T) {
	src := fixture()
	src.mismatch = nil
	_, f := writeBook(t, src, Options{Lang: LangEN})
	if rows := rowsBy(t, f, "Mismatches"); len(rows) != 0 {
		t.Errorf("Mismatches has %d rows, want none: %v", len(rows), rows)
	}
	var kinds []string
	for _, r := range rowsBy(t, f, "Needs attention") {
		kinds = append(kinds, r["Problem"])
		if r["Problem"] == "Posting failed" && (!strings.Contains(r["What to do (command)"], "settle retry stl-o-pay-0004") ||
			r["PortOne error"] != "PLATFORM_PARTNER_NOT_FOUND") {
			t.Errorf("failed transfer row = %v", r)
		}
	}
	if diff := cmp.Diff([]string{"Posting failed", "Rejected record"}, kinds); diff != "" {
		t.Errorf("Needs attention (-want +got):\n%s", diff)
	}
	rows, _ := f.GetRows("Run")
	text := ""
	for _, r := range rows {
		text += strings.Join(r, " | ") + "\n"
	}
	for _, want := range []string{"Posting failed: 1 | resolve the cause, then settle retry stl-o-pay-0004", "Rejected record: 1 | fix the record and import it again: settle import orders.csv"} {
		if !strings.Contains(text, want) {
			t.Errorf("Run sheet lacks %q:\n%s", want, text)
		}
	}
	if got := runValue(t, f, "Run", "Differences with PortOne"); got != "0" {
		t.Errorf("Run: differences = %q, want 0", got)
	}
	if got := runValue(t, f, "Run", "Reconciles with PortOne"); got != "no" {
		t.Errorf("Run: reconciles = %q, want no: a transfer failed", got)
	}
}

func TestWorkbookSplit(t *testing.T) {
	src := manyPartners()
	// 7 rows per sheet: 2 headers, 1 data row and 4 blank and totals rows
	// on Order lines; 3 data rows on Orders.
	_, f := writeBook(t, src, Options{MaxRowsPerSheet: 7, Lang: LangEN})
	sheets := f.GetSheetList()
	for _, want := range []string{"Orders", "Orders (2)", "Orders (4)", "Order lines", "Order lines (13)", "Cancellations"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("sheets %q: no %q", sheets, want)
		}
	}
	if slices.Contains(sheets, "Order lines (14)") || slices.Contains(sheets, "Orders (5)") || slices.Contains(sheets, "Cancellations (2)") {
		t.Errorf("sheets %q: too many parts", sheets)
	}
	// Parts of a table are next to each other.
	i := slices.Index(sheets, "Orders")
	if i < 0 || i+3 >= len(sheets) || sheets[i+1] != "Orders (2)" || sheets[i+3] != "Orders (4)" || sheets[i+4] != "Cancellations" {
		t.Errorf("sheets %q: the parts of Orders are not together", sheets)
	}
	if v, _ := f.GetCellValue("Order lines (3)", "A1"); v != "Partner ID" {
		t.Errorf("Order lines (3)!A1 = %q", v)
	}
	col := findCol(t, f, "Summary", "Settlement")
	fm, _ := f.GetCellFormula("Summary", col+strconv.Itoa(summaryRowNum(t, f, "Order lines net")))
	if !strings.Contains(fm, "'Order lines (13)'!") {
		t.Errorf("order lines net formula %q does not cover Order lines (13)", fm)
	}
	for _, prefix := range []string{"Check: total − (orders", "Check: total − order lines"} {
		for h, v := range section(t, f, "Summary", prefix) {
			if v != "" && v != "0" && !strings.HasPrefix(v, "Check") {
				t.Errorf("split: %s %s = %s", prefix, h, v)
			}
		}
	}
	if _, err := (Options{MaxRowsPerSheet: 6}).normalize(); !errors.Is(err, ErrOptions) {
		t.Errorf("MaxRowsPerSheet 6: err = %v, want ErrOptions", err)
	}
}

func readZipEntry(t *testing.T, file []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range zr.File {
		if e.Name != name {
			continue
		}
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatalf("no %s in the zip", name)
	return ""
}

// manyPartners is the fixture with seven more partners, so that the chart
// has five partners and "기타".
func manyPartners() *memSource {
	src := fixture()
	for i := range 7 {
		tr := src.transfers[0]
		tr.PartnerID = settlement.PartnerID("Q-" + strconv.Itoa(i))
		tr.PartnerName = "파트너 " + strconv.Itoa(i)
		tr.SettlementDate = settlement.MustDate("2025-10-10").AddDays(i * 9)
		tr.Amounts.Settlement = settlement.Won(1_000_000 * (i + 1))
		tr.Lines = nil
		src.transfers = append(src.transfers, tr)
	}
	src.summary = summarize(src.transfers)
	return src
}

// TestWorkbookChart reads the chart back: a stacked column chart of the
// top five partners and 기타 on a date axis whose labels never crowd, the
// value axis in a named won unit, on one printed page.
func TestWorkbookChart(t *testing.T) {
	data, f := writeBook(t, manyPartners(), Options{})
	x := readZipEntry(t, data, "xl/charts/chart1.xml")
	for _, want := range []string{
		`<c:grouping val="stacked"/>`, `<c:dateAx>`, `<c:baseTimeUnit val="days"/>`, `<c:majorUnit val="7"/>`,
		`<c:numFmt formatCode="mm-dd" sourceLinked="0"/>`, `<c:numFmt formatCode="#,##0," sourceLinked="0"/>`,
		`정산금액 (단위: 천원)`, `<c:v>기타</c:v>`, `<c:legendPos val="b"/>`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if strings.Contains(x, "<c:catAx>") {
		t.Error("chart has a category axis, want a date axis")
	}
	if n := strings.Count(x, "<c:ser>"); n != 6 {
		t.Errorf("chart has %d series, want 5 partners and 기타", n)
	}
	rows, _ := f.GetRows("차트")
	var head []string
	for _, r := range rows {
		if len(r) > 0 && r[0] == "정산일" {
			head = r
		}
	}
	if len(head) != 8 || head[1] != "정산금액 (전체)" || head[7] != "기타" {
		t.Errorf("chart table header = %q, want date, all, five partners, 기타", head)
	}

	one := fixture() // a single settlement date: no chart
	one.transfers = one.transfers[:1]
	one.summary = summarize(one.transfers)
	data, f = writeBook(t, one, Options{})
	if slices.Contains(f.GetSheetList(), "차트") || strings.Contains(string(data), "xl/charts/chart") {
		t.Errorf("single day: sheets %q; want no chart", f.GetSheetList())
	}
}

func TestUnitFor(t *testing.T) {
	for _, c := range []struct {
		max  int64
		unit string
	}{{0, "원"}, {99_999, "원"}, {100_000, "천원"}, {99_999_999, "천원"}, {100_000_000, "백만원"}, {5_000_000_000_000, "백만원"}} {
		if got := unitFor(c.max).ko; got != c.unit {
			t.Errorf("unitFor(%d) = %s, want %s", c.max, got, c.unit)
		}
	}
}

func TestWorkbookContracts(t *testing.T) {
	_, f := writeBook(t, fixture(), Options{Lang: LangEN})
	rows, err := f.GetRows("Contracts")
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{
		"ct-10|2|일정산 10%|rate 10%|Partner|no|daily, from start + 2 days|next business day if a holiday|2025-09-01 00:00|3|칠공칠 상점",
		"ct-m|1|월말 500원|fixed KRW 500|Merchant|no|monthly on the 10th, last day, from start + 3 days|previous business day if a holiday||1|Beta Store",
		"afp-pg|1|PG 수수료|Additional fee|rate 3.3%|Partner||||3",
		"dsp-half|1|반반 할인|Discount share|partner bears 50%|||||3",
		"PortOne's default formulas",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Contracts lacks %q:\n%s", want, text)
		}
	}
	src := fixture()
	src.info.Rules = []RulesApplied{{Version: "shop@0123456789ab", Transfers: 4, Lines: []string{"settlement = payment − fees (merchant formula v3)"}}}
	_, f = writeBook(t, src, Options{Lang: LangEN})
	rows, _ = f.GetRows("Contracts")
	if !strings.Contains(rows[len(rows)-1][0], "merchant formula v3") || !strings.Contains(rows[len(rows)-2][0], "Rules version shop@0123456789ab: 4 transfers") {
		t.Errorf("Contracts does not show the merchant's rules and their version: %q", rows[len(rows)-2:])
	}
}

func TestWorkbookEmpty(t *testing.T) {
	_, f := writeBook(t, &memSource{}, Options{})
	if got := len(f.GetSheetList()); got != 9 {
		t.Errorf("empty: %d sheets %q, want 9 (no Chart)", got, f.GetSheetList())
	}
	if got := runValue(t, f, "실행 정보", "시트 간 합계 일치"); got != "예" {
		t.Errorf("empty: totals tie = %q", got)
	}
}

func TestWorkbookSourceError(t *testing.T) {
	for _, m := range []string{"Summary", "Transfers", "Mismatches", "Problems", "History"} {
		src := fixture()
		src.failOn = m
		dir := t.TempDir()
		err := WriteWorkbook(context.Background(), &bytes.Buffer{}, src, Options{TempDir: dir})
		if !errors.Is(err, errFixture) {
			t.Errorf("WriteWorkbook with %s failing: err = %v, want errFixture", m, err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("WriteWorkbook with %s failing left %d temporary files", m, len(left))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteWorkbook(ctx, &bytes.Buffer{}, fixture(), Options{TempDir: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if err := WriteWorkbook(context.Background(), &bytes.Buffer{}, fixture(), Options{Lang: "fr"}); !errors.Is(err, ErrOptions) {
		t.Errorf("lang fr: err = %v, want ErrOptions", err)
	}
}

func TestAmountColumnsCoverEveryField(t *testing.T) {
	cols := transferColumns(&view{l: LangKO}, false)
	for _, fld := range settlement.AmountFields {
		if columnIndex(cols, fld.Name) == 0 {
			t.Errorf("Orders has no column for amount field %q", fld.Name)
		}
	}
	known := map[string]bool{}
	for _, l := range amountOrder() {
		known[l.name] = true
	}
	for _, fld := range settlement.AmountFields {
		if !known[fld.Name] {
			t.Errorf("amountOrder has no Korean/English header for %q", fld.Name)
		}
	}
}

func TestCleanRaw(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{`{"accountNumber":"110-1"}`, 100, `{"accountNumber":"***"}`},
		{`{"bankAccount": 1101234, "x":1}`, 100, `{"bankAccount": "***", "x":1}`},
		{`{"apiSecret":"s\"x","token":"t"}`, 100, `{"apiSecret":"***","token":"***"}`},
		{"가나다라마", 3, "가나다… (+6 bytes)"},
		{"가나다", 3, "가나다"},
	} {
		if got := cleanRaw(c.in, c.max); got != c.want {
			t.Errorf("cleanRaw(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{rateText(10800), "10.8%"}, {rateText(100000), "100%"}, {rateText(3333), "3.333%"}, {rateText(50), "0.05%"},
		{wonText(1234567), "1,234,567"}, {wonText(-1000), "-1,000"}, {wonText(999), "999"},
		{cycleText(LangKO, settlement.Cycle{LagDays: 3, Method: settlement.CycleWeekly, DaysOfWeek: []time.Weekday{time.Monday, time.Thursday}}), "매주 월·목요일 (정산시작일 + 3일부터)"},
		{cycleText(LangEN, settlement.Cycle{Method: settlement.CycleManualDates, Dates: []settlement.MonthDay{{Month: 3, Day: 10}}}), "on Mar 10, from start + 0 days"},
		{statusWord(LangKO, settlement.StatusPaidOut), "지급 완료"}, {statusWord(LangEN, "NEW_STATUS"), "NEW_STATUS"},
		{stateWord(LangKO, PostingFailed, ""), "전송 실패"}, {kindWord(LangKO, settlement.KindOrderCancel), "취소"},
		{SheetName(SheetProblems, LangKO), "처리 필요"}, {SheetName(SheetProblems, LangEN), "Needs attention"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
