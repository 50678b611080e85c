package reports

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// Header layout shared by every table sheet: row 1 holds the column names in
// the chosen language, row 2 the PortOne schema path of each column, data
// starts on row 3. Both header rows are frozen and the autofilter sits on
// row 2, so sorting or filtering never moves a header.
const (
	headerRows   = 2
	firstDataRow = headerRows + 1
	trailerRows  = 2 // a blank row and the totals row at the end of each part
	excelMaxRows = 1048576
)

// part is one sheet of a table that was split at the row limit.
type part struct {
	name        string
	first, last int // data rows; last < first when the part is empty
}

// streamSheet writes one table straight into the workbook's zip (see
// partZip), splitting it into "Name", "Name (2)", … when a sheet is full.
// It holds one row at a time: the values and the XML buffer are reused for
// every row, and a part's XML goes into its zip entry in chunks of
// flushSize, so memory does not depend on the number of rows or parts.
type streamSheet[T any] struct {
	f       *excelize.File
	zip     *partZip
	base    string
	cols    []column[T]
	st      *styles
	lang    Lang
	maxData int  // data rows per part
	totals  bool // write a totals row per part for money and count columns

	out   io.Writer // the current part's zip entry; nil between parts
	name  string
	next  int // next row number in the current part
	parts []part
	count int

	vals  []value
	sums  []int64 // current part, per column
	grand []int64 // all parts, per column
	buf   []byte  // XML not yet written to out
}

// flushSize is how much XML a streamSheet gathers before it writes to the
// zip entry.
const flushSize = 64 << 10

func newStreamSheet[T any](f *excelize.File, z *partZip, base string, cols []column[T], st *styles, o *Options, totals bool) *streamSheet[T] {
	s := &streamSheet[T]{
		f: f, zip: z, base: base, cols: cols, st: st, lang: o.Lang, totals: totals,
		maxData: o.MaxRowsPerSheet - headerRows,
		vals:    make([]value, len(cols)),
		sums:    make([]int64, len(cols)),
		grand:   make([]int64, len(cols)),
		buf:     make([]byte, 0, flushSize+8<<10),
	}
	if totals {
		s.maxData -= trailerRows
	}
	return s
}

func appendCellRef(b []byte, col, row int) []byte {
	b = appendColName(b, col)
	return strconv.AppendInt(b, int64(row), 10)
}

func appendColName(b []byte, col int) []byte {
	var tmp [4]byte
	i := len(tmp)
	for col > 0 {
		col--
		i--
		tmp[i] = byte('A' + col%26)
		col /= 26
	}
	return append(b, tmp[i:]...)
}

func colName(col int) string { return string(appendColName(nil, col)) }

// open starts the next part: creates the (empty) sheet in excelize, starts
// its zip entry and writes the view, the widths and the two header rows.
func (s *streamSheet[T]) open() error {
	s.name = s.base
	if n := len(s.parts) + 1; n > 1 {
		s.name = fmt.Sprintf("%s (%d)", s.base, n)
	}
	if _, err := s.f.NewSheet(s.name); err != nil {
		return err
	}
	path, err := sheetPath(s.f, s.name)
	if err != nil {
		return err
	}
	out, err := s.zip.part(path)
	if err != nil {
		return err
	}
	s.out = out
	widths := make([]float64, len(s.cols))
	for i, c := range s.cols {
		widths[i] = c.width
	}
	b := appendSheetHead(s.buf[:0], widths)
	b = appendRowStart(b, 1, 30)
	for i := range s.cols {
		b = appendTextCell(b, i+1, 1, s.st.header, s.cols[i].label(s.lang))
	}
	b = appendRowEnd(b)
	b = appendRowStart(b, 2, 0)
	for i := range s.cols {
		b = appendTextCell(b, i+1, 2, s.st.key, s.cols[i].key)
	}
	s.buf = appendRowEnd(b)
	s.next = firstDataRow
	s.parts = append(s.parts, part{name: s.name, first: firstDataRow, last: firstDataRow - 1})
	clear(s.sums)
	return nil
}

// flush writes the gathered XML to the part's zip entry.
func (s *streamSheet[T]) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.out.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// setupTable sets column widths and frozen panes (before any row, as the
// StreamWriter requires) and writes the two header rows.
func setupTable[T any](sw *excelize.StreamWriter, cols []column[T], l Lang, st *styles) error {
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(frozenHeader()); err != nil {
		return err
	}
	h1 := make([]any, len(cols))
	h2 := make([]any, len(cols))
	for i := range cols {
		h1[i] = excelize.Cell{StyleID: st.header, Value: cols[i].label(l)}
		h2[i] = excelize.Cell{StyleID: st.key, Value: cols[i].key}
	}
	if err := sw.SetRow("A1", h1, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	return sw.SetRow("A2", h2)
}

func frozenHeader() *excelize.Panes {
	top := "A" + strconv.Itoa(firstDataRow)
	return &excelize.Panes{
		Freeze: true, YSplit: headerRows, TopLeftCell: top, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
	}
}

// write adds one row, opening a new part first when the current one is full.
func (s *streamSheet[T]) write(ctx context.Context, r *T) error {
	if s.out == nil || s.next-firstDataRow >= s.maxData {
		if s.out != nil {
			if err := s.closePart(); err != nil {
				return err
			}
		}
		if err := s.open(); err != nil {
			return err
		}
	}
	if s.count&1023 == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	row := s.next
	b := appendRowStart(s.buf, row, 0)
	for i := range s.cols {
		v := &s.vals[i]
		s.cols[i].set(r, v)
		switch v.k {
		case kMoney, kInt:
			s.sums[i] += v.n
		}
		b = s.st.appendValue(b, i+1, row, v)
	}
	s.buf = appendRowEnd(b)
	if len(s.buf) >= flushSize {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.parts[len(s.parts)-1].last = row
	s.next++
	s.count++
	return nil
}

// appendValue appends v as the cell col, row, typed and styled as cell
// types it for excelize; nothing for an empty cell.
func (st *styles) appendValue(b []byte, col, row int, v *value) []byte {
	switch v.k {
	case kText:
		return appendTextCell(b, col, row, st.text, v.s)
	case kMoney:
		return appendIntCell(b, col, row, st.money, v.n, "")
	case kInt:
		return appendIntCell(b, col, row, st.integer, v.n, "")
	case kDate:
		if v.d.IsZero() {
			return b
		}
		return appendIntCell(b, col, row, st.date, dateSerial(v.d.Year, v.d.Month, v.d.Day), "")
	case kTime:
		if v.t.IsZero() {
			return b
		}
		return appendFloatCell(b, col, row, st.time, timeSerial(v.t.In(st.loc)))
	}
	return b
}

// cell types v into c and returns what SetRow takes for it: c, or nil for
// an empty cell.
func (st *styles) cell(c *excelize.Cell, v *value) any {
	switch v.k {
	case kText:
		c.StyleID, c.Value = st.text, v.s
	case kMoney:
		c.StyleID, c.Value = st.money, v.n
	case kInt:
		c.StyleID, c.Value = st.integer, v.n
	case kDate:
		if v.d.IsZero() {
			return nil
		}
		c.StyleID, c.Value = st.date, dateSerial(v.d.Year, v.d.Month, v.d.Day)
	case kTime:
		if v.t.IsZero() {
			return nil
		}
		c.StyleID, c.Value = st.time, timeSerial(v.t.In(st.loc))
	default:
		return nil
	}
	return c
}

// closePart ends the current part: the totals row, the autofilter over the
// header and data (its defined name in excelize, its element here), and the
// rest of the part's XML.
func (s *streamSheet[T]) closePart() error {
	p := s.parts[len(s.parts)-1]
	if s.totals {
		s.buf = s.appendTotals(s.buf, p)
	}
	for i, v := range s.sums {
		s.grand[i] += v
	}
	lastRow := max(p.last, headerRows)
	ref := "A" + strconv.Itoa(headerRows) + ":" + colName(len(s.cols)) + strconv.Itoa(lastRow)
	if err := s.f.AutoFilter(s.name, ref, nil); err != nil {
		return err
	}
	s.buf = appendSheetTail(s.buf, len(s.cols), headerRows, lastRow)
	err := s.flush()
	s.out = nil
	return err
}

// appendTotals appends the part's totals row: SUM formulas over the part's
// data with the values cached, blank cells in the totals style elsewhere.
func (s *streamSheet[T]) appendTotals(b []byte, p part) []byte {
	row := max(p.last, headerRows) + trailerRows
	b = appendRowStart(b, row, 0)
	b = appendTextCell(b, 1, row, s.st.totalLabel, label(s.lang, "합계 (이 시트)", "Total (this sheet)"))
	for i, c := range s.cols {
		if i == 0 {
			continue
		}
		if c.k != kMoney && c.k != kInt {
			b = appendEmptyCell(b, i+1, row, s.st.totalLabel)
			continue
		}
		formula := ""
		if p.last >= p.first {
			col := colName(i + 1)
			formula = "SUM(" + col + strconv.Itoa(p.first) + ":" + col + strconv.Itoa(p.last) + ")"
		}
		b = appendIntCell(b, i+1, row, s.st.totalMoney, s.sums[i], formula)
	}
	return appendRowEnd(b)
}

// finish closes the last part; a table with no rows still gets one sheet
// with its headers.
func (s *streamSheet[T]) finish() error {
	if s.out == nil && len(s.parts) == 0 {
		if err := s.open(); err != nil {
			return err
		}
	}
	if s.out == nil {
		return nil
	}
	return s.closePart()
}

// columnIndex returns the 1-based column of the amount field name, or 0.
func columnIndex[T any](cols []column[T], field string) int {
	for i, c := range cols {
		if c.field == field {
			return i + 1
		}
	}
	return 0
}

// sumFormula is SUM over one column of every part, e.g.
// SUM('Orders'!K3:K9)+SUM('Orders (2)'!K3:K5); "" when all parts are empty.
func sumFormula(parts []part, col int) string {
	var b []byte
	for _, p := range parts {
		if p.last < p.first {
			continue
		}
		if len(b) > 0 {
			b = append(b, '+')
		}
		c := colName(col)
		b = append(b, "SUM('"...)
		b = append(b, p.name...)
		b = append(b, "'!"...)
		b = append(b, c...)
		b = strconv.AppendInt(b, int64(p.first), 10)
		b = append(b, ':')
		b = append(b, c...)
		b = strconv.AppendInt(b, int64(p.last), 10)
		b = append(b, ')')
	}
	return string(b)
}

// unixEpochSerial is the Excel serial number of 1970-01-01 in the 1900 date
// system (valid for every date after 1900-02-28).
const unixEpochSerial = 25569

// dateSerial is the Excel serial number of a calendar date: a whole number,
// which the date format shows as yyyy-mm-dd.
func dateSerial(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400 + unixEpochSerial
}

// timeSerial is the Excel serial of t's wall clock in its own location
// (cell converts to Options.Loc first), to the second.
func timeSerial(t time.Time) float64 {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return float64(dateSerial(y, mo, d)) + float64(h*3600+mi*60+sec)/86400
}

func label(l Lang, ko, en string) string {
	if l == LangEN {
		return en
	}
	return ko
}
