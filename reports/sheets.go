package reports

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// errTotalOverflow is returned when a column's total leaves int64's range:
// money never wraps, not even in a total.
var errTotalOverflow = errors.New("the total is beyond the range of a won amount")

// Header layout shared by every table sheet: row 1 holds the column names in
// the chosen language, row 2 the PortOne schema path of each column, data
// starts on row 3. Both header rows are frozen with the identity columns,
// repeat on every printed page, and the autofilter sits on row 2, so
// sorting or filtering never moves a header.
const (
	headerRows   = 2
	firstDataRow = headerRows + 1
	excelMaxRows = 1048576
)

// totalsMode says which totals rows close each part of a table.
type totalsMode int

const (
	totalsNone   totalsMode = iota
	totalsSum               // one row: the sum of every money and count column
	totalsByKind            // three rows: orders, cancellations, net (orders − cancellations)
)

// trailerRows is how many rows follow the data of a part: a blank row and
// the totals rows.
func (m totalsMode) trailerRows() int {
	switch m {
	case totalsSum:
		return 2
	case totalsByKind:
		return 4
	}
	return 0
}

// tableSpec is the layout of one table.
type tableSpec struct {
	id        string // the Sheet constant
	freeze    int    // identity columns frozen with the header rows
	landscape bool
	totals    totalsMode
	// kindCol is the 0-based column holding the type (주문/취소) that
	// totalsByKind sums by.
	kindCol int
	// maxRows caps the rows of one sheet; 0 for Options.MaxRowsPerSheet.
	maxRows int
	// printCols, when set, prints only the first printCols columns (the
	// rest stay on screen), so that the printed page is readable.
	printCols int
}

// part is one sheet of a table that was split at the row limit.
type part struct {
	name        string
	first, last int // data rows; last < first when the part is empty
	// totalRow is the first totals row (totalsSum: the sum; totalsByKind:
	// the orders), 0 without totals.
	totalRow int
}

// table writes one table sheet by sheet into spills, splitting it into
// "Name", "Name (2)", … when a sheet is full. It holds one row at a time:
// the values and the XML buffer are reused for every row.
type table[T any] struct {
	b    *builder
	spec tableSpec
	base string // the sheet name in the workbook's language
	cols []column[T]
	// cancel tells an ORDER_CANCEL row (totalsByKind).
	cancel func(*T) bool
	// trailer, when set, appends rows after the data of the last part
	// (the Summary's totals section) and returns the conditional formats.
	trailer func(t *table[T], b []byte, next int) ([]byte, []byte)

	sp      *spill
	buf     []byte
	name    string
	next    int
	maxData int
	parts   []part
	count   int
	vals    []value
	sums    [2][]int64 // current part: orders (or all), cancellations
	grand   [2][]int64 // all parts

	// lastTime is the last time cell written and its XML: the lines of an
	// order show the order's time, so most time cells repeat the one
	// before (the time's zone conversion and float formatting were 3 % of
	// an export's CPU at 100k orders).
	lastTime     time.Time
	lastTimeCell []byte
}

func newTable[T any](b *builder, spec tableSpec, cols []column[T]) *table[T] {
	maxRows := spec.maxRows
	if maxRows == 0 {
		maxRows = b.o.MaxRowsPerSheet
	}
	t := &table[T]{
		b: b, spec: spec, base: SheetName(spec.id, b.o.Lang), cols: cols,
		maxData: maxRows - headerRows - spec.totals.trailerRows(),
		vals:    make([]value, len(cols)),
	}
	for k := range t.sums {
		t.sums[k] = make([]int64, len(cols))
		t.grand[k] = make([]int64, len(cols))
	}
	return t
}

// open starts the next part: creates the (empty) sheet in excelize, starts
// its spill and writes the view, the widths and the two header rows.
func (t *table[T]) open() error {
	t.name = t.base
	if n := len(t.parts) + 1; n > 1 {
		t.name = fmt.Sprintf("%s (%d)", t.base, n)
	}
	sp, err := t.b.newPart(t.spec.id, t.name)
	if err != nil {
		return err
	}
	t.sp = sp
	widths := make([]float64, len(t.cols))
	for i, c := range t.cols {
		widths[i] = c.width
	}
	st, l := t.b.st, t.b.o.Lang
	b := appendSheetHead(sp.buffer(), widths, t.spec.freeze)
	b = appendRowStart(b, 1, headerHeight(t.cols, l))
	for i := range t.cols {
		b = appendTextCell(b, st.header, t.cols[i].label(l))
	}
	b = appendRowEnd(b)
	b = appendRowStart(b, 2, keyHeight(t.cols))
	for i := range t.cols {
		b = appendTextCell(b, st.key, t.cols[i].key)
	}
	t.buf = appendRowEnd(b)
	t.next = firstDataRow
	t.parts = append(t.parts, part{name: t.name, first: firstDataRow, last: firstDataRow - 1})
	for k := range t.sums {
		clear(t.sums[k])
	}
	return nil
}

// headerHeight is the height of row 1: the names wrap onto as many lines
// as the narrowest column needs.
func headerHeight[T any](cols []column[T], l Lang) float64 {
	lines := 1.0
	for i := range cols {
		lines = max(lines, math.Ceil(textWidth(cols[i].label(l))/max(1, cols[i].width-1)))
	}
	return 15*min(lines, 4) + 3
}

// keyHeight is the height of row 2, whose schema paths are in a small font.
func keyHeight[T any](cols []column[T]) float64 {
	lines := 1.0
	for i := range cols {
		lines = max(lines, math.Ceil(float64(len(cols[i].key))*0.8/max(1, cols[i].width-1)))
	}
	return 11*min(lines, 4) + 2
}

// write adds one row, opening a new part first when the current one is full.
func (t *table[T]) write(ctx context.Context, r *T) error {
	if t.sp == nil || t.next-firstDataRow >= t.maxData {
		if t.sp != nil {
			if err := t.closePart(false); err != nil {
				return err
			}
		}
		if err := t.open(); err != nil {
			return err
		}
	}
	if t.count&1023 == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	k := 0
	if t.cancel != nil && t.cancel(r) {
		k = 1
	}
	sums := t.sums[k]
	row := t.next
	b := appendRowStart(t.buf, row, 0)
	for i := range t.cols {
		v := &t.vals[i]
		t.cols[i].set(r, v)
		switch v.k {
		case kMoney, kInt:
			s := sums[i] + v.n
			if (s > sums[i]) != (v.n > 0) {
				return fmt.Errorf("total of column %q on sheet %s: %w", t.cols[i].en, t.name, errTotalOverflow)
			}
			sums[i] = s
		}
		if v.k == kTime && !v.t.IsZero() {
			b = t.appendTime(b, v)
			continue
		}
		b = t.b.st.appendValue(b, v)
	}
	t.buf = appendRowEnd(b)
	if len(t.buf) >= spillBufSize {
		t.sp.send(t.buf)
		t.buf = t.sp.buffer()
	}
	t.parts[len(t.parts)-1].last = row
	t.next++
	t.count++
	return nil
}

// appendTime appends the time cell of v (not zero) as appendValue does,
// from lastTime when it is the same instant.
func (t *table[T]) appendTime(b []byte, v *value) []byte {
	if t.lastTimeCell == nil || !v.t.Equal(t.lastTime) {
		t.lastTimeCell = t.b.st.appendValue(t.lastTimeCell[:0], v)
		t.lastTime = v.t
	}
	return append(b, t.lastTimeCell...)
}

// appendValue appends v as a cell, typed and styled as the workbook
// writes it; an empty cell keeps its place.
func (st *styles) appendValue(b []byte, v *value) []byte {
	switch v.k {
	case kText:
		if v.s == "" {
			return appendEmptyCell(b, st.text)
		}
		return appendTextCell(b, st.text, v.s)
	case kMoney:
		return appendIntCell(b, st.money, v.n, "")
	case kInt:
		return appendIntCell(b, st.integer, v.n, "")
	case kDate:
		if v.d.IsZero() {
			return appendEmptyCell(b, 0)
		}
		return appendIntCell(b, st.date, dateSerial(v.d.Year, v.d.Month, v.d.Day), "")
	case kTime:
		if v.t.IsZero() {
			return appendEmptyCell(b, 0)
		}
		return appendFloatCell(b, st.time, timeSerial(v.t.In(st.loc)))
	}
	return appendEmptyCell(b, 0)
}

// closePart ends the current part: its totals rows (and, for the last part,
// the trailer), the autofilter, the print settings and the rest of the XML.
func (t *table[T]) closePart(last bool) error {
	p := &t.parts[len(t.parts)-1]
	b := t.buf
	lastData := max(p.last, headerRows)
	next := lastData + 1
	if t.spec.totals != totalsNone {
		p.totalRow = lastData + 2
		b = t.appendTotals(b, p)
		next = lastData + 1 + t.spec.totals.trailerRows()
	}
	for k := range t.sums {
		for i, v := range t.sums[k] {
			t.grand[k][i] += v
		}
	}
	var cond []byte
	if last && t.trailer != nil {
		b, cond = t.trailer(t, b, next+1)
	}
	ref := "A" + strconv.Itoa(headerRows) + ":" + colName(len(t.cols)) + strconv.Itoa(lastData)
	n := sheetNames{sheet: t.name, filter: ref, titles: "$1:$2"}
	if t.spec.printCols > 0 {
		n.area = "$A$1:$" + colName(t.spec.printCols) + "$" + strconv.Itoa(max(next, lastData)+8)
	}
	t.b.names = append(t.b.names, n)
	b = appendSheetTail(b, len(t.cols), headerRows, lastData, cond,
		pageSetup{landscape: t.spec.landscape}, t.b.footer())
	t.sp.send(b)
	t.buf = nil
	err := t.sp.finish()
	t.sp = nil
	return err
}

// appendTotals appends the part's totals rows: SUM (or SUMIF by type)
// formulas over the part's data with the values cached.
func (t *table[T]) appendTotals(b []byte, p *part) []byte {
	st, l := t.b.st, t.b.o.Lang
	row := p.totalRow
	col := func(i int) string { return colName(i + 1) }
	rng := func(i int) string {
		return col(i) + strconv.Itoa(p.first) + ":" + col(i) + strconv.Itoa(p.last)
	}
	empty := p.last < p.first
	numeric := func(i int) bool { return t.cols[i].k == kMoney || t.cols[i].k == kInt }
	b = appendRowStart(b, row-1, 0) // the blank row keeps the filter off the totals
	b = appendRowEnd(b)
	if t.spec.totals == totalsSum {
		b = appendRowStart(b, row, 0)
		b = appendTextCell(b, st.totalLabel, label(l, "합계 (이 시트)", "Total (this sheet)"))
		for i := 1; i < len(t.cols); i++ {
			if !numeric(i) {
				b = appendEmptyCell(b, st.totalLabel)
				continue
			}
			formula := ""
			if !empty {
				formula = "SUM(" + rng(i) + ")"
			}
			b = appendIntCell(b, st.totalMoney, t.sums[0][i], formula)
		}
		return appendRowEnd(b)
	}
	kinds := [2]string{kindWord(l, settlement.KindOrder), kindWord(l, settlement.KindOrderCancel)}
	names := [3]string{
		label(l, "주문 합계 (이 시트)", "Orders (this sheet)"),
		label(l, "취소 합계 (이 시트)", "Cancellations (this sheet)"),
		label(l, "순액: 주문 − 취소 (이 시트)", "Net: orders − cancellations (this sheet)"),
	}
	for k := range 3 {
		b = appendRowStart(b, row+k, 0)
		b = appendTextCell(b, st.totalLabel, names[k])
		for i := 1; i < len(t.cols); i++ {
			if !numeric(i) || t.cols[i].field == fieldQuantity && k == 2 {
				b = appendEmptyCell(b, st.totalLabel)
				continue
			}
			formula := ""
			var v int64
			switch k {
			case 0, 1:
				v = t.sums[k][i]
				if !empty {
					kc := col(t.spec.kindCol)
					formula = "SUMIF($" + kc + "$" + strconv.Itoa(p.first) + ":$" + kc + "$" + strconv.Itoa(p.last) + `,"` + kinds[k] + `",` + rng(i) + ")"
				}
			case 2:
				v = t.sums[0][i] - t.sums[1][i]
				formula = col(i) + strconv.Itoa(row) + "-" + col(i) + strconv.Itoa(row+1)
			}
			b = appendIntCell(b, st.totalMoney, v, formula)
		}
		b = appendRowEnd(b)
	}
	return b
}

// finish closes the last part; a table with no rows still gets one sheet
// with its headers.
func (t *table[T]) finish() error {
	if t.sp == nil && len(t.parts) == 0 {
		if err := t.open(); err != nil {
			return err
		}
	}
	if t.sp == nil {
		return nil
	}
	return t.closePart(true)
}

// columnIndex returns the 1-based column of the field name, or 0.
func columnIndex[T any](cols []column[T], field string) int {
	for i, c := range cols {
		if c.field == field {
			return i + 1
		}
	}
	return 0
}

// partsFormula is the sum over every part of one cell per part: the row
// that row(p) gives, in column col, e.g. 'Orders'!K9+'Orders (2)'!K7;
// "" when there is no part.
func partsFormula(parts []part, col int, row func(p part) int) string {
	var b []byte
	for _, p := range parts {
		if len(b) > 0 {
			b = append(b, '+')
		}
		b = append(b, '\'')
		b = append(b, p.name...)
		b = append(b, "'!"...)
		b = appendColName(b, col)
		b = strconv.AppendInt(b, int64(row(p)), 10)
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
