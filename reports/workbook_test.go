package reports

import (
	_ "time/tzdata" // Asia/Seoul without system tzdata

	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
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
	if err := WriteWorkbook(context.Background(), &buf, src, opts); err != nil {
		t.Fatalf("WriteWorkbook(%+v): %v", opts, err)
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
		_, f := writeBook(t, fixture(), Options{Version: "v1.2.3-test", Loc: seoul(t), MaxRowsPerSheet: 5})
		golden(t, "workbook_split", dump(t, f))
	})
}

func TestWorkbookSheets(t *testing.T) {
	_, f := writeBook(t, fixture(), Options{Loc: seoul(t)})
	want := []string{"Run", "Summary", "Chart", "Orders", "Order lines", "Cancellations", "Mismatches", "Transfers", "Rejected"}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
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

func raw(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetCellValue(%s!%s): %v", sheet, cell, err)
	}
	return v
}

func TestWorkbookCells(t *testing.T) {
	src := fixture()
	_, f := writeBook(t, src, Options{Loc: seoul(t)})

	// Ids are text cells with the text format; leading zeros survive.
	for _, c := range []struct{ sheet, header, cell, want string }{
		{"Orders", "파트너 ID", "", "007"},
		{"Order lines", "상품 ID", "", "0042"},
		{"Summary", "파트너 ID", "", "007"},
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
	o := src.orders[0].Amounts
	for _, c := range []struct {
		header string
		want   settlement.Won
	}{
		{"주문금액", o.Order}, {"할인금액", o.Discount}, {"할인분담금", o.DiscountShare},
		{"중개수수료", o.PlatformFee}, {"중개수수료 부가세", o.PlatformFeeVat},
		{"결제금액", o.Payment}, {"결제 부가세", o.PaymentVat}, {"정산금액", o.Settlement},
		{"PortOne 정산금액", o.Settlement}, {"차이", 0},
	} {
		ref := findCol(t, f, "Orders", c.header) + "3"
		if got := raw(t, f, "Orders", ref); got != strconv.FormatInt(int64(c.want), 10) {
			t.Errorf("Orders!%s (%s) = %q, want %d", ref, c.header, got, c.want)
		}
		if got := numFmt(t, f, "Orders", ref); got != "#,##0" {
			t.Errorf("Orders!%s (%s) format = %q, want #,##0", ref, c.header, got)
		}
		if typ, _ := f.GetCellType("Orders", ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("Orders!%s type = %v, want a number", ref, typ)
		}
	}
	if got, _ := f.GetCellValue("Orders", findCol(t, f, "Orders", "주문금액")+"3"); got != "95,000" {
		t.Errorf("Orders order amount shown as %q, want 95,000", got)
	}

	// Dates are date serials with yyyy-mm-dd.
	ref := findCol(t, f, "Orders", "정산일") + "3"
	if got := raw(t, f, "Orders", ref); got != strconv.FormatInt(dateSerial(2025, 10, 10), 10) {
		t.Errorf("Orders!%s raw = %q, want the serial of 2025-10-10", ref, got)
	}
	if got, _ := f.GetCellValue("Orders", ref); got != "2025-10-10" {
		t.Errorf("Orders!%s shown = %q, want 2025-10-10", ref, got)
	}
	if got := numFmt(t, f, "Orders", ref); got != "yyyy-mm-dd" {
		t.Errorf("Orders!%s format = %q", ref, got)
	}
	// Date-times are shown in Options.Loc.
	if got, _ := f.GetCellValue("Transfers", findCol(t, f, "Transfers", "확인 시각")+"3"); got != "2025-10-01 02:00:00" {
		t.Errorf("Transfers observed at = %q, want 2025-10-01 02:00:00 (Seoul)", got)
	}

	// Row 2 names PortOne's schema field of each column.
	if got, _ := f.GetCellValue("Orders", findCol(t, f, "Orders", "중개수수료 부가세")+"2"); got != "amount.platformFeeVat" {
		t.Errorf("schema row = %q, want amount.platformFeeVat", got)
	}
	if got, _ := f.GetCellValue("Order lines", findCol(t, f, "Order lines", "정산금액")+"2"); got != "orderLines[].amount.settlement" {
		t.Errorf("schema row = %q", got)
	}

	// The rejected record's raw payload is redacted and cut.
	rawCell, _ := f.GetCellValue("Rejected", findCol(t, f, "Rejected", "원본 (일부)")+"3")
	if strings.Contains(rawCell, "110-123-456789") || !strings.Contains(rawCell, `"accountNumber":"***"`) {
		t.Errorf("rejected raw not redacted: %q", rawCell)
	}
	if n := len([]rune(rawCell)); n > maxRawCell+30 || !strings.Contains(rawCell, "bytes)") {
		t.Errorf("rejected raw not truncated: %d runes", n)
	}
}

func TestWorkbookPanesAndFilters(t *testing.T) {
	_, f := writeBook(t, fixture(), Options{})
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	for _, sh := range []string{"Summary", "Orders", "Order lines", "Cancellations", "Mismatches", "Transfers", "Rejected"} {
		p, err := f.GetPanes(sh)
		if err != nil {
			t.Fatalf("GetPanes(%q): %v", sh, err)
		}
		if !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
			t.Errorf("%s panes = %+v, want frozen two header rows", sh, p)
		}
		ref, ok := filters[sh]
		if !ok || !strings.HasPrefix(ref, "'"+sh+"'!$A$2:") && !strings.HasPrefix(ref, "'"+sh+"'!A2:") {
			t.Errorf("%s autofilter = %q (present %v), want one from A2", sh, ref, ok)
		}
		width, err := f.GetColWidth(sh, "A")
		if err != nil || width < 8 {
			t.Errorf("%s column A width = %v, %v", sh, width, err)
		}
	}
}

// summaryTotals returns the values of the totals section's rows by their
// label prefix, per header.
func summarySection(t *testing.T, f *excelize.File, prefix string) map[string]string {
	t.Helper()
	rows, err := f.GetRows("Summary", excelize.Options{RawCellValue: true})
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
	t.Fatalf("Summary: no row %q", prefix)
	return nil
}

func TestWorkbookTotalsTie(t *testing.T) {
	src := fixture()
	_, f := writeBook(t, src, Options{})
	check := summarySection(t, f, "검증 차이")
	numeric := 0
	for h, v := range check {
		if v == "" || strings.HasPrefix(v, "검증") {
			continue
		}
		numeric++
		if v != "0" {
			t.Errorf("check row %s = %s, want 0", h, v)
		}
	}
	if numeric < 18 {
		t.Errorf("check row has %d numeric cells, want every amount and count: %v", numeric, check)
	}
	total := summarySection(t, f, "합계 (Summary)")
	orders := summarySection(t, f, "주문 상세 합계")
	cancels := summarySection(t, f, "취소 상세 합계")
	var want settlement.Won
	for _, o := range src.orders {
		want += o.Amounts.Settlement
	}
	for _, c := range src.cancels {
		want -= c.Amounts.Settlement
	}
	if got := total["정산금액"]; got != strconv.FormatInt(int64(want), 10) {
		t.Errorf("Summary total settlement = %s, want %d", got, want)
	}
	o, _ := strconv.ParseInt(orders["정산금액"], 10, 64)
	c, _ := strconv.ParseInt(cancels["정산금액"], 10, 64)
	if settlement.Won(o-c) != want {
		t.Errorf("orders %d − cancellations %d != %d", o, c, want)
	}
	// Per row: the check column is zero.
	col := findCol(t, f, "Summary", "검증 차이")
	for r := 3; r < 3+len(src.summary); r++ {
		if got := raw(t, f, "Summary", col+strconv.Itoa(r)); got != "0" {
			t.Errorf("Summary!%s%d check = %q, want 0", col, r, got)
		}
	}
	// The formula is there for auditors.
	checkRef := findCol(t, f, "Summary", "정산금액") + strconv.Itoa(summaryRowNum(t, f, "검증 차이"))
	if fm, _ := f.GetCellFormula("Summary", checkRef); fm == "" {
		t.Errorf("Summary!%s (check) has no formula", checkRef)
	}
	if got := runValue(t, f, "시트 간 합계 일치"); got != "예" {
		t.Errorf("Run: totals tie = %q, want 예", got)
	}
	if got := runValue(t, f, "PortOne과 일치 (대사 완료)"); got != "아니오" {
		t.Errorf("Run: reconciles = %q, want 아니오 (the fixture has mismatches)", got)
	}
}

func runValue(t *testing.T, f *excelize.File, key string) string {
	t.Helper()
	rows, err := f.GetRows("Run")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r) >= 2 && r[0] == key {
			return r[1]
		}
	}
	t.Fatalf("Run: no %q", key)
	return ""
}

func TestWorkbookCheckShowsDifference(t *testing.T) {
	src := fixture()
	src.summary[0].Amounts.PlatformFee += 7 // the store's summary disagrees with its detail
	src.summary[0].Amounts.Settlement -= 7
	_, f := writeBook(t, src, Options{Lang: LangEN})
	check := summarySection(t, f, "Check")
	if check["Platform fee"] != "7" || check["Settlement"] != "-7" || check["Order amount"] != "0" {
		t.Errorf("check row = %v, want platform fee 7, settlement -7, order 0", check)
	}
	if got := raw(t, f, "Summary", findCol(t, f, "Summary", "Check")+"3"); got != "-7" {
		t.Errorf("row check = %q, want -7", got)
	}
	if got := runValue(t, f, "Totals tie between sheets"); got != "no" {
		t.Errorf("Run: totals tie = %q, want no", got)
	}
}

func TestWorkbookSplit(t *testing.T) {
	src := fixture()
	// 5 rows per sheet: 2 headers, 1 data row, blank, totals (non-total
	// sheets hold 3 data rows).
	_, f := writeBook(t, src, Options{MaxRowsPerSheet: 5})
	sheets := f.GetSheetList()
	for _, want := range []string{"Orders", "Orders (2)", "Orders (3)", "Order lines", "Order lines (5)", "Cancellations"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("sheets %q: no %q", sheets, want)
		}
	}
	if slices.Contains(sheets, "Order lines (6)") || slices.Contains(sheets, "Cancellations (2)") {
		t.Errorf("sheets %q: too many parts", sheets)
	}
	// Every part is a full table: headers, panes.
	if v, _ := f.GetCellValue("Order lines (3)", "A1"); v != "유형" {
		t.Errorf("Order lines (3)!A1 = %q", v)
	}
	// The Summary's detail total spans every part and still ties.
	col := findCol(t, f, "Summary", "정산금액")
	row := summaryRowNum(t, f, "주문 상세 합계")
	fm, _ := f.GetCellFormula("Summary", col+strconv.Itoa(row))
	if !strings.Contains(fm, "'Orders (3)'!") {
		t.Errorf("orders detail formula %q does not cover Orders (3)", fm)
	}
	for h, v := range summarySection(t, f, "검증 차이") {
		if v != "" && v != "0" && !strings.HasPrefix(v, "검증") {
			t.Errorf("split: check %s = %s", h, v)
		}
	}
	if _, err := (Options{MaxRowsPerSheet: 4}).normalize(); !errors.Is(err, ErrOptions) {
		t.Errorf("MaxRowsPerSheet 4: err = %v, want ErrOptions", err)
	}
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

func chartParts(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var charts []string
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			charts = append(charts, f.Name)
		}
	}
	slices.Sort(charts)
	return charts
}

func TestWorkbookChart(t *testing.T) {
	data, f := writeBook(t, fixture(), Options{})
	if diff := cmp.Diff([]string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"}, chartParts(t, data)); diff != "" {
		t.Errorf("charts (-want +got):\n%s", diff)
	}
	rows, _ := f.GetRows("Chart")
	want := [][]string{
		{"정산일", "정산금액 (전체)", "칠공칠 상점", "Beta Store"},
	}
	if diff := cmp.Diff(want, rows[:1]); diff != "" {
		t.Errorf("chart table header (-want +got):\n%s", diff)
	}
	if len(rows) != 3 || rows[1][0] != "2025-10-10" || rows[2][0] != "2025-10-13" {
		t.Errorf("chart table = %q, want one row per settlement date", rows)
	}

	one := fixture() // a single settlement date: no chart
	one.orders, one.cancels = one.orders[:1], nil
	one.summary = summarize(one.orders, nil)
	data, f = writeBook(t, one, Options{})
	if got := chartParts(t, data); len(got) != 0 || slices.Contains(f.GetSheetList(), "Chart") {
		t.Errorf("single day: charts %q, sheets %q; want none", got, f.GetSheetList())
	}
}

func TestWorkbookEmpty(t *testing.T) {
	_, f := writeBook(t, &memSource{}, Options{})
	if got := len(f.GetSheetList()); got != 8 {
		t.Errorf("empty: %d sheets %q, want 8 (no Chart)", got, f.GetSheetList())
	}
	if got := runValue(t, f, "시트 간 합계 일치"); got != "예" {
		t.Errorf("empty: totals tie = %q", got)
	}
}

func TestWorkbookSourceError(t *testing.T) {
	for _, m := range []string{"Summary", "Orders", "OrderLines", "Cancellations", "Mismatches", "Transfers", "Rejected"} {
		src := fixture()
		src.failOn = m
		err := WriteWorkbook(context.Background(), &bytes.Buffer{}, src, Options{})
		if !errors.Is(err, errFixture) {
			t.Errorf("WriteWorkbook with %s failing: err = %v, want errFixture", m, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteWorkbook(ctx, &bytes.Buffer{}, fixture(), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if err := WriteWorkbook(context.Background(), &bytes.Buffer{}, fixture(), Options{Lang: "fr"}); !errors.Is(err, ErrOptions) {
		t.Errorf("lang fr: err = %v, want ErrOptions", err)
	}
}

func TestAmountColumnsCoverEveryField(t *testing.T) {
	cols := orderColumns(false)
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
