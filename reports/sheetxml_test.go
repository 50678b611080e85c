package reports

import (
	"archive/zip"
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// cellRef is a cell's reference attribute.
var cellRef = regexp.MustCompile(`(<c) r="[A-Z]+[0-9]+"`)

// TestCellXMLMatchesExcelize writes the same rows with excelize's
// StreamWriter and with the append functions the tables use, and wants the
// same sheetData byte for byte but for the cells' references: cell types,
// styles, number forms, formulas, white space and escaping.
func TestCellXMLMatchesExcelize(t *testing.T) {
	texts := []string{
		"", "plain", "파트너 P-001", "0012345", " lead", "trail ", "\ttab", "line\n", "a\nb", "a\r\nb",
		`<&>"'`, "_x0008_", "_x005F_x0041_", "a_x00zz_b", "ctl\x01\x1f\x7f", "bad\xffutf8", "\uFFFE\uFFFF",
		"😀 emoji", strings.Repeat("가", maxCellChars+10), strings.Repeat("😀", maxCellChars/2+3),
		strings.Repeat("x", maxCellChars-1) + "😀",
	}
	ints := []int64{0, -5, 1234567, math.MaxInt64, math.MinInt64}
	seoul := time.FixedZone("KST", 9*3600)
	floats := []float64{
		45931, 45931.5, 45000 + 1.0/3, 0.1,
		timeSerial(time.Date(2025, 10, 8, 2, 3, 4, 0, time.UTC).In(seoul)),
		timeSerial(time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)),
	}
	formulas := []string{"SUM(H3:H5)", `SUM('Orders'!K3:K9)+SUM('Orders (2)'!K3:K5)`, `A1&"<x>"`}

	// Ours.
	var want []byte
	b := appendRowStart(nil, 1, 30)
	for _, s := range texts {
		b = appendTextCell(b, 3, s)
	}
	b = appendRowEnd(b)
	b = appendRowStart(b, 2, 0)
	for _, n := range ints {
		b = appendIntCell(b, 4, n, "")
	}
	for _, x := range floats {
		b = appendFloatCell(b, 5, x)
	}
	for i, fm := range formulas {
		b = appendIntCell(b, 8, int64(i*1000), fm)
	}
	b = appendEmptyCell(b, 7)
	b = appendTextCell(b, 0, "no style")
	b = appendRowEnd(b)
	got := string(b)

	// excelize's.
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	var row []any
	for _, s := range texts {
		row = append(row, excelize.Cell{StyleID: 3, Value: s})
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{Height: 30}); err != nil {
		t.Fatal(err)
	}
	row = row[:0]
	for _, n := range ints {
		row = append(row, excelize.Cell{StyleID: 4, Value: n})
	}
	for _, x := range floats {
		row = append(row, excelize.Cell{StyleID: 5, Value: x})
	}
	for i, fm := range formulas {
		row = append(row, excelize.Cell{StyleID: 8, Value: int64(i * 1000), Formula: fm})
	}
	row = append(row, excelize.Cell{StyleID: 7}, "no style")
	if err := sw.SetRow("A2", row); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	sheet := readZipEntry(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	i, j := strings.Index(sheet, "<sheetData>"), strings.Index(sheet, "</sheetData>")
	if i < 0 || j < 0 {
		t.Fatalf("excelize sheet has no sheetData: %.300s", sheet)
	}
	// Our cells carry no reference (their position is their column).
	want = cellRef.ReplaceAll([]byte(sheet[i+len("<sheetData>"):j]), []byte("$1"))
	if got != string(want) {
		for k := 0; k < len(got) && k < len(want); k++ {
			if got[k] != want[k] {
				t.Fatalf("sheetData differs at byte %d:\n ours     %.200q\n excelize %.200q", k, got[max(0, k-60):], want[max(0, k-60):])
			}
		}
		t.Fatalf("sheetData differs in length: ours %d, excelize %d", len(got), len(want))
	}
}

// TestWorkbookZipParts checks the package the detail sheets are streamed
// into: every part once, and every worksheet excelize registered present
// with its rows (excelize's empty copy of a streamed part must not win).
func TestWorkbookZipParts(t *testing.T) {
	file, f := writeBook(t, fixture(), Options{MaxRowsPerSheet: 7, Lang: LangEN})
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range zr.File {
		if seen[e.Name] {
			t.Errorf("zip entry %s written twice", e.Name)
		}
		seen[e.Name] = true
	}
	for id, name := range f.GetSheetMap() {
		path := "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml"
		if !seen[path] {
			t.Errorf("sheet %q: no %s", name, path)
			continue
		}
		if name == SheetRun || name == SheetChart || name == SheetContracts {
			continue
		}
		if x := readZipEntry(t, file, path); !strings.Contains(x, `<row r="2"`) || !strings.Contains(x, "<autoFilter ") {
			t.Errorf("sheet %q (%s) lacks its header rows or autofilter: %.200s", name, path, x)
		}
	}
}
