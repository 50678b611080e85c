package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// WriteWorkbook writes the reconciliation workbook of src to w as .xlsx.
//
// Sheets, in order (names in Options.Lang, see SheetName): Run, Summary,
// Chart (only when the Summary spans two or more settlement dates),
// Contracts, Orders, Cancellations, Order lines, Mismatches, Needs
// attention, Transfers. Every table has its column names on row 1 and
// PortOne's schema path of each column on row 2, frozen with its identity
// columns, repeated on every printed page, with the autofilter on row 2.
//
// The tables are streamed from one pass over each read model: memory
// depends on the number of Summary rows (partners × settlement dates), not
// on the number of orders. Each sheet part is compressed by its own
// goroutine into a temporary file in Options.TempDir while the rows are
// read, and the file is written to w at the end; on an error w may hold
// part of a file (write to a temporary file and rename it, as the export
// job does).
//
// It returns src's errors and ctx's error unchanged, errors wrapping
// ErrOptions for bad options, and ErrSummaryTooLong when the Summary does
// not fit one sheet.
func WriteWorkbook(ctx context.Context, w io.Writer, src Source, opts Options) (err error) {
	o, err := opts.normalize()
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	z := newPartZip(w)
	defer z.cleanup()
	b := newBuilder(f, z, o)
	if err := b.build(ctx, src); err != nil {
		return err
	}
	return b.write(w)
}

// ErrSummaryTooLong is returned when the Summary has more rows than an
// Excel sheet holds (the Summary is never split; MaxRowsPerSheet does not
// apply to it).
var ErrSummaryTooLong = fmt.Errorf("summary does not fit one sheet")

// builder is the state of one workbook being written.
type builder struct {
	f  *excelize.File
	z  *partZip
	o  Options
	st *styles
	v  *view

	// parts lists the sheets made for each Sheet id, in order; names the
	// defined names to set once the sheets are in their final order.
	parts map[string][]string
	names []sheetNames
}

// sheetNames are the defined names of one sheet: its autofilter and the
// rows repeated on every printed page.
type sheetNames struct {
	sheet, filter, titles, area string
}

func newBuilder(f *excelize.File, z *partZip, o Options) *builder {
	return &builder{f: f, z: z, o: o, parts: map[string][]string{}, v: &view{l: o.Lang, loc: o.Loc}}
}

// newPart creates an empty sheet for one part of a table and the spill its
// XML goes into.
func (b *builder) newPart(id, name string) (*spill, error) {
	if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	path, err := sheetPath(b.f, name)
	if err != nil {
		return nil, err
	}
	sp, err := newSpill(b.o.TempDir)
	if err != nil {
		return nil, err
	}
	b.z.spills[path] = sp
	b.parts[id] = append(b.parts[id], name)
	return sp, nil
}

// newSheet creates a sheet that excelize writes (the front sheet, the
// chart, the contracts).
func (b *builder) newSheet(id string) (string, error) {
	name := SheetName(id, b.o.Lang)
	if len(b.parts) == 0 && len(b.f.GetSheetList()) == 1 && b.f.GetSheetList()[0] == "Sheet1" {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return "", err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return "", err
	}
	b.parts[id] = append(b.parts[id], name)
	return name, nil
}

func (b *builder) footer() string {
	return "&L&A&R&P / &N"
}

// arrange puts the sheets in the order of ids (each table's parts
// together), then sets the defined names, whose sheet indexes depend on it.
func (b *builder) arrange(ids []string) error {
	var order []string
	for _, id := range ids {
		order = append(order, b.parts[id]...)
	}
	for i := len(order) - 1; i >= 0; i-- {
		first := b.f.GetSheetList()[0]
		if err := b.f.MoveSheet(order[i], first); err != nil {
			return err
		}
	}
	for _, n := range b.names {
		if n.filter != "" {
			if err := b.f.AutoFilter(n.sheet, n.filter, nil); err != nil {
				return err
			}
		}
		if n.area != "" {
			if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: "'" + n.sheet + "'!" + n.area, Scope: n.sheet}); err != nil {
				return err
			}
		}
		if n.titles != "" {
			if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + n.sheet + "'!" + n.titles, Scope: n.sheet}); err != nil {
				return err
			}
		}
	}
	b.f.SetActiveSheet(0)
	return nil
}

// write writes the package: excelize's parts and, in place of its empty
// copies, the spilled tables.
func (b *builder) write(w io.Writer) error {
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return b.z })
	if err := b.f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// detailKey is one Summary row's partner and settlement date.
type detailKey struct {
	partner settlement.PartnerID
	date    settlement.Date
}

// detailAgg is what the detail sheets hold for one partner and settlement
// date, to check the Summary against.
type detailAgg struct {
	net settlement.Won // Σ orders − Σ cancellations, settlement
	// portOne is the same over the transfers PortOne answered; answered
	// and unanswered count the transfers.
	portOne              settlement.Won
	answered, unanswered int
}

// termsUse counts what one Terms settled, for the Contracts sheet.
type termsUse struct {
	transfers int
	partners  map[settlement.PartnerID]string
}

// workbook is the state of one reconciliation workbook.
type workbook struct {
	*builder
	info    RunInfo
	summary []SummaryRow
	agg     map[detailKey]*detailAgg
	used    map[*Terms]*termsUse

	orders, cancels               *table[TransferRow]
	lines                         *table[lineItem]
	mismatches                    *table[MismatchRow]
	problems                      *table[ProblemRow]
	history                       *table[HistoryRow]
	problemCount                  map[ProblemKind]int
	firstProblem                  map[ProblemKind]*ProblemRow
	unanswered                    int
	payoutIssues                  int // rows of the Payouts sheet with a reason (failed, withheld, differing…)
	corrections, correctionIssues int // rows of the Corrections sheet, and those that need a person
	ties, tiesLines, portOneTotal bool
	settlementTotal, portOneSum   int64
}

func (b *builder) build(ctx context.Context, src Source) error {
	st, err := newStyles(b.f, b.o.Loc)
	if err != nil {
		return err
	}
	b.st = st
	wb := &workbook{builder: b, info: src.Run(), agg: map[detailKey]*detailAgg{}, used: map[*Terms]*termsUse{},
		problemCount: map[ProblemKind]int{}, firstProblem: map[ProblemKind]*ProblemRow{}}
	if err := src.Summary(ctx, func(r *SummaryRow) error {
		wb.summary = append(wb.summary, *r)
		return nil
	}); err != nil {
		return err
	}
	if len(wb.summary)+headerRows+9 > excelMaxRows {
		return fmt.Errorf("%w: %d rows", ErrSummaryTooLong, len(wb.summary))
	}
	wb.widths()
	// The sheets excelize writes are made first, so that the workbook
	// opens on the front sheet whatever comes next.
	if _, err := b.newSheet(SheetRun); err != nil {
		return err
	}
	if err := wb.writeTransfers(ctx, src); err != nil {
		return err
	}
	if err := wb.writeMismatches(ctx, src); err != nil {
		return err
	}
	if err := wb.writeProblems(ctx, src); err != nil {
		return err
	}
	if err := wb.writeHistory(ctx, src); err != nil {
		return err
	}
	for _, d := range registered {
		if err := d.write(ctx, wb, src); err != nil {
			return err
		}
	}
	if err := wb.writeSummary(); err != nil {
		return err
	}
	days := settlementDays(wb.summary)
	if len(days) > 1 {
		if err := wb.writeChart(days); err != nil {
			return err
		}
	}
	if err := wb.writeContracts(); err != nil {
		return err
	}
	if err := wb.writeRun(); err != nil {
		return err
	}
	return b.arrange(withRegistered([]string{SheetRun, SheetSummary, SheetChart, SheetContracts, SheetOrders, SheetCancellations,
		SheetOrderLines, SheetMismatches, SheetProblems, SheetTransfers}))
}

// widths sizes the identity columns to show every id and name in full.
func (wb *workbook) widths() {
	v := wb.v
	v.partnerW, v.nameW, v.idW = 12, 12, 18
	for i := range wb.summary {
		r := &wb.summary[i]
		v.partnerW = max(v.partnerW, widthFor(textWidth(string(r.PartnerID)), 0))
		v.nameW = max(v.nameW, widthFor(textWidth(r.PartnerName), 0))
		v.idW = max(v.idW, widthFor(float64(r.LongestID), 0))
	}
	v.partnerW, v.nameW, v.idW = min(v.partnerW, 40), min(v.nameW, 40), min(v.idW, 60)
}

// writeTransfers writes the Orders, Cancellations and Order lines sheets
// from one pass over the transfers, the three at once.
func (wb *workbook) writeTransfers(ctx context.Context, src Source) error {
	v := wb.v
	wb.orders = newTable(wb.builder, tableSpec{id: SheetOrders, freeze: 4, landscape: true, totals: totalsSum}, transferColumns(v, false))
	wb.cancels = newTable(wb.builder, tableSpec{id: SheetCancellations, freeze: 5, landscape: true, totals: totalsSum}, transferColumns(v, true))
	lcols := lineColumns(v)
	wb.lines = newTable(wb.builder, tableSpec{id: SheetOrderLines, freeze: 5, landscape: true, totals: totalsByKind,
		kindCol: columnIndex(lcols, fieldKind) - 1}, lcols)
	wb.lines.cancel = func(it *lineItem) bool { return it.t.Kind == settlement.KindOrderCancel }
	err := src.Transfers(ctx, func(t *TransferRow) error {
		if err := wb.count(t); err != nil {
			return err
		}
		tb := wb.orders
		if t.Kind == settlement.KindOrderCancel {
			tb = wb.cancels
		}
		if err := tb.write(ctx, t); err != nil {
			return err
		}
		return eachLineItem(t, func(it *lineItem) error { return wb.lines.write(ctx, it) })
	})
	if err != nil {
		return err
	}
	for _, tb := range []interface{ finish() error }{wb.orders, wb.cancels, wb.lines} {
		if err := tb.finish(); err != nil {
			return err
		}
	}
	return nil
}

// count adds a transfer to the Summary check and the Contracts usage.
func (wb *workbook) count(t *TransferRow) error {
	k := detailKey{t.PartnerID, t.SettlementDate}
	a := wb.agg[k]
	if a == nil {
		a = &detailAgg{}
		wb.agg[k] = a
	}
	net, by := settlement.Amounts{Settlement: a.net}, settlement.Amounts{Settlement: t.Amounts.Settlement}
	var err error
	if t.Kind == settlement.KindOrderCancel {
		net, err = net.Sub(by)
	} else {
		net, err = net.Add(by)
	}
	if err != nil {
		return fmt.Errorf("settlement of partner %s on %s: %w", t.PartnerID, t.SettlementDate, err)
	}
	a.net = net.Settlement
	if t.PortOneSettlement == nil {
		a.unanswered++
	} else {
		po, by := settlement.Amounts{Settlement: a.portOne}, settlement.Amounts{Settlement: *t.PortOneSettlement}
		if t.Kind == settlement.KindOrderCancel {
			po, err = po.Sub(by)
		} else {
			po, err = po.Add(by)
		}
		if err != nil {
			return fmt.Errorf("PortOne's settlement of partner %s on %s: %w", t.PartnerID, t.SettlementDate, err)
		}
		a.portOne = po.Settlement
		a.answered++
	}
	u := wb.used[t.Terms]
	if u == nil {
		u = &termsUse{partners: map[settlement.PartnerID]string{}}
		wb.used[t.Terms] = u
	}
	u.transfers++
	u.partners[t.PartnerID] = t.PartnerName
	if t.PortOneSettlement == nil && t.Posting == PostingSent {
		wb.unanswered++
	}
	return nil
}

// eachLineItem calls fn with a transfer's order lines and, when its block
// holds more than its lines (an order registered by amount, or order-level
// discounts and fees), with one item for the rest, so that the items add
// up to the transfer's block to the won.
func eachLineItem(t *TransferRow, fn func(*lineItem) error) error {
	rest := t.Amounts
	var restPortOne *settlement.Won
	if t.PortOneSettlement != nil {
		p := *t.PortOneSettlement
		restPortOne = &p
	}
	it := lineItem{t: t}
	for i := range t.Lines {
		l := &t.Lines[i]
		it.line, it.amounts, it.portOne = l, l.Amounts, l.PortOneSettlement
		if err := fn(&it); err != nil {
			return err
		}
		var err error
		if rest, err = rest.Sub(l.Amounts); err != nil {
			return fmt.Errorf("order lines of payment %s of partner %s: %w", t.PaymentID, t.PartnerID, err)
		}
		if restPortOne != nil && l.PortOneSettlement != nil {
			d, err := settlement.Amounts{Settlement: *restPortOne}.Sub(settlement.Amounts{Settlement: *l.PortOneSettlement})
			if err != nil {
				return fmt.Errorf("PortOne's order lines of payment %s of partner %s: %w", t.PaymentID, t.PartnerID, err)
			}
			*restPortOne = d.Settlement
		} else {
			restPortOne = nil
		}
	}
	if len(t.Lines) > 0 && rest.IsZero() {
		return nil
	}
	it.line, it.amounts, it.portOne = nil, rest, restPortOne
	return fn(&it)
}

func (wb *workbook) writeMismatches(ctx context.Context, src Source) error {
	wb.mismatches = newTable(wb.builder, tableSpec{id: SheetMismatches, freeze: 3, landscape: true}, mismatchColumns(wb.v))
	if err := src.Mismatches(ctx, func(r *MismatchRow) error { return wb.mismatches.write(ctx, r) }); err != nil {
		return err
	}
	return wb.mismatches.finish()
}

func (wb *workbook) writeProblems(ctx context.Context, src Source) error {
	wb.problems = newTable(wb.builder, tableSpec{id: SheetProblems, freeze: 3, landscape: true}, problemColumns(wb.v))
	if err := src.Problems(ctx, func(r *ProblemRow) error {
		wb.problemCount[r.Kind]++
		if wb.firstProblem[r.Kind] == nil {
			p := *r
			p.Raw = ""
			wb.firstProblem[r.Kind] = &p
		}
		return wb.problems.write(ctx, r)
	}); err != nil {
		return err
	}
	return wb.problems.finish()
}

func (wb *workbook) writeHistory(ctx context.Context, src Source) error {
	wb.history = newTable(wb.builder, tableSpec{id: SheetTransfers, freeze: 3, landscape: true}, historyColumns(wb.v))
	if err := src.History(ctx, func(r *HistoryRow) error { return wb.history.write(ctx, r) }); err != nil {
		return err
	}
	return wb.history.finish()
}

// settlementDays is the sorted distinct settlement dates of the Summary.
func settlementDays(rows []SummaryRow) []settlement.Date {
	var days []settlement.Date
	for _, r := range rows {
		days = append(days, r.SettlementDate)
	}
	slices.SortFunc(days, settlement.Date.Compare)
	return slices.Compact(days)
}

// writeSummary writes the Summary: one row per partner and settlement date,
// then a totals section whose rows are the Summary total, the Orders and
// Cancellations totals and their check (Summary − (Orders − Cancellations)),
// the Order lines net and its check (Summary − lines), which are zero in
// every column when the sheets tie; the checks are green at zero and red
// otherwise. Totals are formulas with their values cached, so an auditor
// can follow them and a reader without a calculation engine still sees the
// numbers.
func (wb *workbook) writeSummary() error {
	none := &detailAgg{}
	detail := func(r *SummaryRow) *detailAgg {
		if a := wb.agg[detailKey{r.PartnerID, r.SettlementDate}]; a != nil {
			return a
		}
		return none
	}
	cols := summaryColumns(wb.v, detail)
	t := newTable(wb.builder, tableSpec{id: SheetSummary, freeze: 3, landscape: true, maxRows: excelMaxRows,
		printCols: columnIndex(cols, fieldCheck)}, cols)
	wb.ties, wb.tiesLines = true, true
	for i := range wb.summary {
		s := &wb.summary[i]
		if s.Amounts.Settlement != detail(s).net {
			wb.ties = false
		}
		wb.settlementTotal += int64(s.Amounts.Settlement)
		wb.portOneSum += int64(detail(s).portOne)
	}
	t.trailer = wb.summaryTotals
	for i := range wb.summary {
		if err := t.write(context.Background(), &wb.summary[i]); err != nil {
			return err
		}
	}
	return t.finish()
}

// summaryTotals appends the Summary's totals section from row next and
// returns it with the conditional formats of the check cells.
func (wb *workbook) summaryTotals(t *table[SummaryRow], b []byte, next int) ([]byte, []byte) {
	st, l, cols := wb.st, wb.o.Lang, t.cols
	p := t.parts[0]
	tRow, oRow, cRow, k1Row, lRow, k2Row := next, next+1, next+2, next+3, next+4, next+5
	numeric := func(c int) bool { return cols[c].k == kMoney || cols[c].k == kInt }
	// compared says whether a column is checked against the detail sheets.
	compared := func(c int) bool {
		switch cols[c].field {
		case "", fieldDiff, fieldDetail, fieldCheck, fieldUnanswered, fieldPortOne:
			// Not the store's totals: read from the detail itself.
			return false
		}
		return true
	}
	total := t.grand[0]
	// detail is a detail table's total of a Summary column: its value and
	// the formula over every part.
	detail := func(tb *table[TransferRow], c int) (int64, string) {
		switch cols[c].field {
		case fieldOrders, fieldCancels:
			if (cols[c].field == fieldOrders) == (tb == wb.orders) {
				return int64(tb.count), ""
			}
			return 0, ""
		}
		idx := columnIndex(tb.cols, cols[c].field)
		if idx == 0 {
			return 0, ""
		}
		return tb.grand[0][idx-1], partsFormula(tb.parts, idx, func(p part) int { return p.totalRow })
	}
	lineNet := func(c int) (int64, string, bool) {
		idx := columnIndex(wb.lines.cols, cols[c].field)
		if idx == 0 || cols[c].field == fieldPortOne {
			return 0, "", false
		}
		v := wb.lines.grand[0][idx-1] - wb.lines.grand[1][idx-1]
		return v, partsFormula(wb.lines.parts, idx, func(p part) int { return p.totalRow + 2 }), true
	}
	row := func(b []byte, r int, name string, lab, num int, cell func(c int) (int64, string, bool)) []byte {
		b = appendRowStart(b, r, 0)
		b = appendTextCell(b, lab, name)
		for c := 1; c < len(cols); c++ {
			v, formula, ok := cell(c)
			if !ok {
				b = appendEmptyCell(b, lab)
				continue
			}
			b = appendIntCell(b, num, v, formula)
		}
		return appendRowEnd(b)
	}
	col := func(c int) string { return colName(c + 1) }
	b = row(b, tRow, label(l, "합계 (Summary)", "Total (Summary)"), st.totalLabel, st.totalMoney, func(c int) (int64, string, bool) {
		if !numeric(c) {
			return 0, "", false
		}
		formula := ""
		if p.last >= p.first {
			formula = fmt.Sprintf("SUM(%s%d:%s%d)", col(c), p.first, col(c), p.last)
		}
		return total[c], formula, true
	})
	b = row(b, oRow, label(l, "주문 시트 합계", "Orders sheet total"), st.totalLabel, st.moneyBold, func(c int) (int64, string, bool) {
		if !compared(c) {
			return 0, "", false
		}
		v, fm := detail(wb.orders, c)
		return v, fm, true
	})
	b = row(b, cRow, label(l, "취소 시트 합계", "Cancellations sheet total"), st.totalLabel, st.moneyBold, func(c int) (int64, string, bool) {
		if !compared(c) {
			return 0, "", false
		}
		v, fm := detail(wb.cancels, c)
		return v, fm, true
	})
	b = row(b, k1Row, label(l, "검증: 합계 − (주문 − 취소)", "Check: total − (orders − cancellations)"), st.checkLabel, st.checkMoney, func(c int) (int64, string, bool) {
		if !compared(c) {
			return 0, "", false
		}
		ov, _ := detail(wb.orders, c)
		cv, _ := detail(wb.cancels, c)
		d := total[c] - (ov - cv)
		formula := fmt.Sprintf("%s%d-(%s%d-%s%d)", col(c), tRow, col(c), oRow, col(c), cRow)
		if cols[c].field == fieldCancels { // counted, not subtracted
			d = total[c] - cv
			formula = fmt.Sprintf("%s%d-%s%d", col(c), tRow, col(c), cRow)
		}
		if d != 0 {
			wb.ties = false
		}
		return d, formula, true
	})
	b = row(b, lRow, label(l, "주문 상세 순액 (주문 − 취소)", "Order lines net"), st.totalLabel, st.moneyBold, func(c int) (int64, string, bool) {
		if !compared(c) {
			return 0, "", false
		}
		return lineNet(c)
	})
	b = row(b, k2Row, label(l, "검증: 합계 − 주문 상세 순액", "Check: total − order lines net"), st.checkLabel, st.checkMoney, func(c int) (int64, string, bool) {
		if !compared(c) {
			return 0, "", false
		}
		v, _, ok := lineNet(c)
		if !ok {
			return 0, "", false
		}
		if total[c]-v != 0 {
			wb.tiesLines = false
		}
		return total[c] - v, fmt.Sprintf("%s%d-%s%d", col(c), tRow, col(c), lRow), true
	})
	checkCol := col(columnIndex(cols, fieldCheck) - 1)
	last := colName(len(cols))
	sqref := fmt.Sprintf("B%d:%s%d B%d:%s%d", k1Row, last, k1Row, k2Row, last, k2Row)
	if p.last >= p.first {
		sqref += fmt.Sprintf(" %s%d:%s%d", checkCol, p.first, checkCol, p.last)
	}
	return b, checkFormats(sqref, wb.st)
}

// checkFormats is the conditional formatting of check cells: green when
// the value is 0, red otherwise.
func checkFormats(sqref string, st *styles) []byte {
	return []byte(`<conditionalFormatting sqref="` + sqref + `">` +
		`<cfRule type="cellIs" dxfId="` + strconv.Itoa(st.okDxf) + `" priority="1" operator="equal"><formula>0</formula></cfRule>` +
		`<cfRule type="cellIs" dxfId="` + strconv.Itoa(st.badDxf) + `" priority="2" operator="notEqual"><formula>0</formula></cfRule>` +
		`</conditionalFormatting>`)
}

// partnerShare is one partner's settlement over the range, for the chart.
type partnerShare struct {
	id    settlement.PartnerID
	name  string
	total settlement.Won
}

// topPartners returns the five partners with the most settlement over the
// range (ties by id) and whether there are others.
func topPartners(rows []SummaryRow) ([]partnerShare, bool) {
	by := map[settlement.PartnerID]*partnerShare{}
	for _, r := range rows {
		p := by[r.PartnerID]
		if p == nil {
			p = &partnerShare{id: r.PartnerID, name: r.PartnerName}
			by[r.PartnerID] = p
		}
		p.total += r.Amounts.Settlement
	}
	all := make([]partnerShare, 0, len(by))
	for _, p := range by {
		all = append(all, *p)
	}
	slices.SortFunc(all, func(a, b partnerShare) int {
		return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(a.id, b.id))
	})
	return all[:min(5, len(all))], len(all) > 5
}
