package reports

import (
	"archive/zip"
	"cmp"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// Sheet names. They are the same in every language so that automation can
// find them; split tables continue on "Name (2)", "Name (3)", … .
const (
	SheetRun           = "Run"
	SheetSummary       = "Summary"
	SheetChart         = "Chart"
	SheetOrders        = "Orders"
	SheetOrderLines    = "Order lines"
	SheetCancellations = "Cancellations"
	SheetMismatches    = "Mismatches"
	SheetTransfers     = "Transfers"
	SheetRejected      = "Rejected"
)

// WriteWorkbook writes the reconciliation workbook of src to w as .xlsx.
//
// Sheets, in order: Run (the front sheet), Summary, Chart (only when the
// Summary spans two or more settlement dates), Orders, Order lines,
// Cancellations, Mismatches, Transfers, Rejected. Every table sheet but Run
// and Chart has its column names on row 1 and PortOne's schema path of each
// column on row 2, both frozen, with the autofilter on row 2.
//
// The detail tables are streamed: memory depends on the number of Summary
// rows (partners × settlement dates), not on the number of orders, and the
// file is compressed straight into w as the rows come, so on an error w may
// hold part of a file (write to a temporary file and rename it, as the
// export job does).
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
	// One zip writer, compressing straight into w, takes the detail sheets'
	// parts as their rows come (see partZip) and then, through
	// SetZipWriter, the rest of the package from excelize. BestSpeed
	// compression is three times faster than the default for a file about a
	// third larger.
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	z := &partZip{zw: zw, written: map[string]bool{}}
	b := &builder{f: f, z: z, o: o, src: src, agg: map[detailKey]*detailAgg{}}
	if err := b.build(ctx); err != nil {
		return err
	}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// ErrSummaryTooLong is returned when the Summary has more rows than an
// Excel sheet holds (the Summary is never split; MaxRowsPerSheet does not
// apply to it).
var ErrSummaryTooLong = fmt.Errorf("summary does not fit one sheet")

type detailKey struct {
	partner string
	date    settlement.Date
}

// detailAgg is what the Orders and Cancellations sheets hold for one partner
// and settlement date, to check the Summary against.
type detailAgg struct {
	orders, cancels             int
	netAmt                      settlement.Amounts // Σ orders − Σ cancellations
	orderPortOne, cancelPortOne settlement.Won
}

func (a *detailAgg) net() settlement.Amounts { return a.netAmt }

type builder struct {
	f   *excelize.File
	z   *partZip
	o   Options
	src Source
	st  *styles
	agg map[detailKey]*detailAgg

	summary             []SummaryRow
	orders, cancels     *streamSheet[OrderRow]
	lines               *streamSheet[OrderLineRow]
	mismatches          *streamSheet[MismatchRow]
	differences         int // mismatches other than rejected records
	transfers           *streamSheet[TransferRow]
	rejected            *streamSheet[RejectedRow]
	ties, portOneAgrees bool
}

func (b *builder) aggFor(partner string, date settlement.Date) *detailAgg {
	k := detailKey{partner, date}
	a := b.agg[k]
	if a == nil {
		a = &detailAgg{}
		b.agg[k] = a
	}
	return a
}

func (b *builder) build(ctx context.Context) error {
	f, o := b.f, &b.o
	st, err := newStyles(f, o.Loc)
	if err != nil {
		return err
	}
	b.st = st
	if err := b.src.Summary(ctx, func(r SummaryRow) error {
		b.summary = append(b.summary, r)
		return nil
	}); err != nil {
		return err
	}
	if len(b.summary)+headerRows+5 > excelMaxRows { // not split: it is one table with its totals

		return fmt.Errorf("%w: %d rows", ErrSummaryTooLong, len(b.summary))
	}
	// Sheets that are filled last are created first, so the order is right.
	if err := f.SetSheetName("Sheet1", SheetRun); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetSummary); err != nil {
		return err
	}
	days := settlementDays(b.summary)
	if len(days) > 1 {
		if _, err := f.NewSheet(SheetChart); err != nil {
			return err
		}
	}

	b.orders = newStreamSheet(f, b.z, SheetOrders, orderColumns(false), st, o, true)
	if err := b.src.Orders(ctx, func(r OrderRow) error {
		a := b.aggFor(string(r.PartnerID), r.SettlementDate)
		a.orders++
		var err error
		if a.netAmt, err = a.netAmt.Add(r.Amounts); err != nil {
			return fmt.Errorf("orders of partner %s on %s: %w", r.PartnerID, r.SettlementDate, err)
		}
		if r.PortOneSettlement != nil {
			a.orderPortOne += *r.PortOneSettlement
		}
		return b.orders.write(ctx, &r)
	}); err != nil {
		return err
	}
	if err := b.orders.finish(); err != nil {
		return err
	}

	b.lines = newStreamSheet(f, b.z, SheetOrderLines, orderLineColumns(), st, o, true)
	if err := b.src.OrderLines(ctx, func(r OrderLineRow) error { return b.lines.write(ctx, &r) }); err != nil {
		return err
	}
	if err := b.lines.finish(); err != nil {
		return err
	}

	b.cancels = newStreamSheet(f, b.z, SheetCancellations, orderColumns(true), st, o, true)
	if err := b.src.Cancellations(ctx, func(r OrderRow) error {
		a := b.aggFor(string(r.PartnerID), r.SettlementDate)
		a.cancels++
		var err error
		if a.netAmt, err = a.netAmt.Sub(r.Amounts); err != nil {
			return fmt.Errorf("cancellations of partner %s on %s: %w", r.PartnerID, r.SettlementDate, err)
		}
		if r.PortOneSettlement != nil {
			a.cancelPortOne += *r.PortOneSettlement
		}
		return b.cancels.write(ctx, &r)
	}); err != nil {
		return err
	}
	if err := b.cancels.finish(); err != nil {
		return err
	}

	b.mismatches = newStreamSheet(f, b.z, SheetMismatches, mismatchColumns(), st, o, false)
	if err := b.src.Mismatches(ctx, func(r MismatchRow) error {
		// A rejected input record is listed here for finance, but it is not
		// a difference between our numbers and PortOne's.
		if r.Reason != string(settlement.RejectedRecord) {
			b.differences++
		}
		return b.mismatches.write(ctx, &r)
	}); err != nil {
		return err
	}
	if err := b.mismatches.finish(); err != nil {
		return err
	}

	b.transfers = newStreamSheet(f, b.z, SheetTransfers, transferColumns(), st, o, false)
	if err := b.src.Transfers(ctx, func(r TransferRow) error { return b.transfers.write(ctx, &r) }); err != nil {
		return err
	}
	if err := b.transfers.finish(); err != nil {
		return err
	}

	b.rejected = newStreamSheet(f, b.z, SheetRejected, rejectedColumns(), st, o, false)
	if err := b.src.Rejected(ctx, func(r RejectedRow) error { return b.rejected.write(ctx, &r) }); err != nil {
		return err
	}
	if err := b.rejected.finish(); err != nil {
		return err
	}
	if err := b.writePayouts(ctx); err != nil { // payouts.go
		return err
	}

	if err := b.writeSummary(); err != nil {
		return err
	}
	if len(days) > 1 {
		if err := writeChart(f, st, o.Lang, b.summary, days); err != nil {
			return err
		}
	}
	if err := b.writeRun(); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
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

// summaryColumns are the Summary's columns; the detail and check columns
// read the Orders and Cancellations aggregates.
func summaryColumns(agg map[detailKey]*detailAgg) []column[SummaryRow] {
	detail := func(r *SummaryRow) *detailAgg {
		if a := agg[detailKey{string(r.PartnerID), r.SettlementDate}]; a != nil {
			return a
		}
		return &detailAgg{}
	}
	cols := []column[SummaryRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *SummaryRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *SummaryRow) string { return r.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *SummaryRow) settlement.Date { return r.SettlementDate }),
		{ko: "주문 건수", en: "Orders", key: "count(type = ORDER)", width: 10, k: kInt, field: fieldOrders,
			set: func(r *SummaryRow, v *value) { v.integer(int64(r.Orders)) }},
		{ko: "취소 건수", en: "Cancellations", key: "count(type = ORDER_CANCEL)", width: 10, k: kInt, field: fieldCancels,
			set: func(r *SummaryRow, v *value) { v.integer(int64(r.Cancellations)) }},
	}
	cols = append(cols, amountColumns("Σ amount.", func(r *SummaryRow) *settlement.Amounts { return &r.Amounts })...)
	cols = append(cols, portOneCols("Σ amount.", func(r *SummaryRow) (settlement.Won, *settlement.Won) {
		return r.Amounts.Settlement, r.PortOneSettlement
	})...)
	cols = append(cols,
		column[SummaryRow]{ko: "상세 정산금액 (주문 − 취소)", en: "Detail settlement (orders − cancellations)",
			key: "Σ Orders − Σ Cancellations", width: 18, k: kMoney, field: fieldDetail,
			set: func(r *SummaryRow, v *value) { v.money(detail(r).net().Settlement) }},
		column[SummaryRow]{ko: "검증 차이", en: "Check", key: "settlement − detail (0 = ties)", width: 12, k: kMoney, field: fieldCheck,
			set: func(r *SummaryRow, v *value) { v.money(r.Amounts.Settlement - detail(r).net().Settlement) }},
	)
	return cols
}

// Pseudo field names of the Summary's non-amount columns, for the totals section.
const (
	fieldOrders  = "#orders"
	fieldCancels = "#cancellations"
	fieldDetail  = "#detail"
	fieldCheck   = "#check"
	fieldPortOne = "#portone"
	fieldDiff    = "#diff" // not checked: it depends on which transfers PortOne answered
)

// writeSummary writes the Summary: one row per partner and settlement date,
// then a totals section whose rows are the Summary total, the Orders detail
// total, the Cancellations detail total and the check (Summary − (Orders −
// Cancellations)), which is zero in every column when the sheets tie. Totals
// are formulas with their values cached, so an auditor can follow them and
// a reader without a calculation engine still sees the numbers.
func (b *builder) writeSummary() error {
	f, st, l := b.f, b.st, b.o.Lang
	cols := summaryColumns(b.agg)
	sw, err := f.NewStreamWriter(SheetSummary)
	if err != nil {
		return err
	}
	if err := setupTable(sw, cols, l, st); err != nil {
		return err
	}
	vals := make([]value, len(cols))
	cells := make([]excelize.Cell, len(cols))
	row := make([]any, len(cols))
	total := make([]int64, len(cols))
	b.ties, b.portOneAgrees = true, true
	r := firstDataRow
	for i := range b.summary {
		s := &b.summary[i]
		for c := range cols {
			cols[c].set(s, &vals[c])
			if vals[c].k == kMoney || vals[c].k == kInt {
				total[c] += vals[c].n
			}
			row[c] = st.cell(&cells[c], &vals[c])
			if cols[c].field == fieldCheck && vals[c].n != 0 {
				b.ties = false
			}
		}
		if s.PortOneSettlement == nil || *s.PortOneSettlement != s.Amounts.Settlement {
			b.portOneAgrees = false
		}
		if err := sw.SetRow("A"+strconv.Itoa(r), row); err != nil {
			return err
		}
		r++
	}
	lastData := r - 1
	tRow, oRow, cRow, kRow := lastData+2, lastData+3, lastData+4, lastData+5

	// Detail totals per Summary column, with the formula over every part.
	detail := func(sheet *streamSheet[OrderRow], c int) (int64, string, bool) {
		switch cols[c].field {
		case fieldOrders, fieldCancels:
			if (cols[c].field == fieldOrders) == (sheet == b.orders) {
				return int64(sheet.count), "", true
			}
			return 0, "", true
		case "", fieldDetail, fieldCheck, fieldDiff:
			return 0, "", false
		}
		idx := columnIndex(sheet.cols, cols[c].field)
		if idx == 0 {
			return 0, "", false
		}
		return sheet.grand[idx-1], sumFormula(sheet.parts, idx), true
	}
	write := func(rowNum int, name string, labelStyle, numStyle int, cell func(c int) (int64, string, bool)) error {
		out := make([]any, len(cols))
		out[0] = excelize.Cell{StyleID: labelStyle, Value: name}
		for c := 1; c < len(cols); c++ {
			v, formula, ok := cell(c)
			if !ok {
				out[c] = excelize.Cell{StyleID: labelStyle}
				continue
			}
			out[c] = excelize.Cell{StyleID: numStyle, Value: v, Formula: formula}
		}
		return sw.SetRow("A"+strconv.Itoa(rowNum), out)
	}
	numeric := func(c int) bool { return cols[c].k == kMoney || cols[c].k == kInt }
	if err := write(tRow, label(l, "합계 (Summary)", "Total (Summary)"), st.totalLabel, st.totalMoney, func(c int) (int64, string, bool) {
		if !numeric(c) {
			return 0, "", false
		}
		formula := ""
		if lastData >= firstDataRow {
			col := colName(c + 1)
			formula = fmt.Sprintf("SUM(%s%d:%s%d)", col, firstDataRow, col, lastData)
		}
		return total[c], formula, true
	}); err != nil {
		return err
	}
	if err := write(oRow, label(l, "주문 상세 합계 (Orders)", "Orders detail total"), st.totalLabel, st.totalMoney, func(c int) (int64, string, bool) {
		return detail(b.orders, c)
	}); err != nil {
		return err
	}
	if err := write(cRow, label(l, "취소 상세 합계 (Cancellations)", "Cancellations detail total"), st.totalLabel, st.totalMoney, func(c int) (int64, string, bool) {
		return detail(b.cancels, c)
	}); err != nil {
		return err
	}
	if err := write(kRow, label(l, "검증 차이: 합계 − (주문 − 취소), 0이면 일치", "Check: total − (orders − cancellations), 0 = ties"), st.checkLabel, st.checkMoney, func(c int) (int64, string, bool) {
		ov, _, ok1 := detail(b.orders, c)
		cv, _, ok2 := detail(b.cancels, c)
		if !ok1 || !ok2 || !numeric(c) {
			return 0, "", false
		}
		if cols[c].field == fieldCancels {
			// The Summary counts cancellations; they are not subtracted.
			ov, cv = cv, 0
		}
		d := total[c] - (ov - cv)
		if d != 0 {
			b.ties = false
		}
		col := colName(c + 1)
		formula := fmt.Sprintf("%s%d-(%s%d-%s%d)", col, tRow, col, oRow, col, cRow)
		if cols[c].field == fieldCancels {
			formula = fmt.Sprintf("%s%d-%s%d", col, tRow, col, cRow)
		}
		return d, formula, true
	}); err != nil {
		return err
	}
	ref := fmt.Sprintf("A%d:%s%d", headerRows, colName(len(cols)), max(lastData, headerRows))
	if err := f.AutoFilter(SheetSummary, ref, nil); err != nil {
		return err
	}
	return sw.Flush()
}

// writeChart writes the per-day table of settlement (all partners and the
// top five partners by settlement over the range) and two charts of it.
func writeChart(f *excelize.File, st *styles, l Lang, rows []SummaryRow, days []settlement.Date) error {
	type partner struct {
		id, name string
		total    settlement.Won
	}
	byPartner := map[string]*partner{}
	perDay := map[settlement.Date]settlement.Won{}
	perPartnerDay := map[detailKey]settlement.Won{}
	for _, r := range rows {
		p := byPartner[string(r.PartnerID)]
		if p == nil {
			p = &partner{id: string(r.PartnerID), name: r.PartnerName}
			byPartner[string(r.PartnerID)] = p
		}
		p.total += r.Amounts.Settlement
		perDay[r.SettlementDate] += r.Amounts.Settlement
		perPartnerDay[detailKey{string(r.PartnerID), r.SettlementDate}] += r.Amounts.Settlement
	}
	var top []*partner
	for _, p := range byPartner {
		top = append(top, p)
	}
	slices.SortFunc(top, func(a, b *partner) int {
		return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(a.id, b.id))
	})
	top = top[:min(5, len(top))]

	const sh = SheetChart
	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(sh, cell, cell, style)
	}
	if err := set("A1", label(l, "정산일", "Settlement date"), st.header); err != nil {
		return err
	}
	if err := set("B1", label(l, "정산금액 (전체)", "Settlement (all partners)"), st.header); err != nil {
		return err
	}
	for i, p := range top {
		name := p.name
		if name == "" {
			name = p.id
		}
		if err := set(colName(3+i)+"1", name, st.header); err != nil {
			return err
		}
	}
	for i, d := range days {
		r := strconv.Itoa(i + 2)
		if err := set("A"+r, dateSerial(d.Year, d.Month, d.Day), st.date); err != nil {
			return err
		}
		if err := set("B"+r, int64(perDay[d]), st.money); err != nil {
			return err
		}
		for j, p := range top {
			if err := set(colName(3+j)+r, int64(perPartnerDay[detailKey{p.id, d}]), st.money); err != nil {
				return err
			}
		}
	}
	if err := f.SetColWidth(sh, "A", colName(2+len(top)), 16); err != nil {
		return err
	}
	last := strconv.Itoa(len(days) + 1)
	cats := "'" + sh + "'!$A$2:$A$" + last
	axis := excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: fmtWon}}
	dateAxis := excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: fmtDate}}
	if err := f.AddChart(sh, colName(4+len(top))+"2", &excelize.Chart{
		Type:   excelize.Col,
		Series: []excelize.ChartSeries{{Name: "'" + sh + "'!$B$1", Categories: cats, Values: "'" + sh + "'!$B$2:$B$" + last}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: label(l, "정산일별 정산금액", "Settlement per day")}}},
		Legend: excelize.ChartLegend{Position: "none"},
		XAxis:  dateAxis, YAxis: axis,
		Dimension: excelize.ChartDimension{Width: 640, Height: 320},
	}); err != nil {
		return err
	}
	if len(top) == 0 {
		return nil
	}
	var series []excelize.ChartSeries
	for j := range top {
		c := colName(3 + j)
		series = append(series, excelize.ChartSeries{
			Name: "'" + sh + "'!$" + c + "$1", Categories: cats, Values: "'" + sh + "'!$" + c + "$2:$" + c + "$" + last,
		})
	}
	return f.AddChart(sh, colName(4+len(top))+"20", &excelize.Chart{
		Type:      excelize.Line,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: label(l, "상위 5개 파트너 정산일별 정산금액", "Settlement per day, top 5 partners")}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		XAxis:     dateAxis,
		YAxis:     axis,
		Dimension: excelize.ChartDimension{Width: 640, Height: 320},
	})
}

// writeRun writes the front sheet: what the workbook covers, when and by
// which version it was made, the row counts and whether it reconciles.
func (b *builder) writeRun() error {
	f, st, l, info := b.f, b.st, b.o.Lang, b.src.Run()
	const sh = SheetRun
	yes := func(ok bool) string {
		if ok {
			return label(l, "예", "yes")
		}
		return label(l, "아니오", "no")
	}
	var totalSettlement, totalPortOne int64
	for _, s := range b.summary {
		totalSettlement += int64(s.Amounts.Settlement)
		if s.PortOneSettlement != nil {
			totalPortOne += int64(*s.PortOneSettlement)
		}
	}
	reconciles := b.ties && b.portOneAgrees && b.differences == 0
	type kv struct {
		ko, en string
		v      value
	}
	v := func(set func(*value)) value { var x value; set(&x); return x }
	items := []kv{
		{"기간 시작", "From", v(func(x *value) { x.date(info.From) })},
		{"기간 종료", "To", v(func(x *value) { x.date(info.To) })},
		{"생성 시각", "Generated at", v(func(x *value) { x.instant(info.GeneratedAt) })},
		{"시간대", "Time zone", v(func(x *value) { x.text(b.o.Loc.String()) })},
		{"소프트웨어 버전", "Software version", v(func(x *value) { x.text(b.o.Version) })},
		{"요약 행 수", "Summary rows", v(func(x *value) { x.integer(int64(len(b.summary))) })},
		{"주문 수", "Orders", v(func(x *value) { x.integer(int64(b.orders.count)) })},
		{"주문 라인 수", "Order lines", v(func(x *value) { x.integer(int64(b.lines.count)) })},
		{"취소 수", "Cancellations", v(func(x *value) { x.integer(int64(b.cancels.count)) })},
		{"불일치 수", "Mismatches", v(func(x *value) { x.integer(int64(b.mismatches.count)) })},
		{"이체 상태 이력 수", "Transfer status rows", v(func(x *value) { x.integer(int64(b.transfers.count)) })},
		{"거부된 레코드 수", "Rejected records", v(func(x *value) { x.integer(int64(b.rejected.count)) })},
		{"정산금액 합계", "Total settlement", v(func(x *value) { x.money(settlement.Won(totalSettlement)) })},
		{"PortOne 정산금액 합계", "Total PortOne settlement", v(func(x *value) { x.money(settlement.Won(totalPortOne)) })},
		{"시트 간 합계 일치", "Totals tie between sheets", v(func(x *value) { x.text(yes(b.ties)) })},
		{"PortOne과 일치 (대사 완료)", "Reconciles with PortOne", v(func(x *value) { x.text(yes(reconciles)) })},
	}
	if err := f.SetCellValue(sh, "A1", label(l, "파트너 정산 대사 보고서", "Partner settlement reconciliation")); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, "A1", "A1", st.runLabel); err != nil {
		return err
	}
	for i, it := range items {
		r := strconv.Itoa(i + 3)
		if err := f.SetCellValue(sh, "A"+r, label(l, it.ko, it.en)); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, "A"+r, "A"+r, st.runLabel); err != nil {
			return err
		}
		var c excelize.Cell
		if st.cell(&c, &it.v) == nil {
			continue
		}
		if err := f.SetCellValue(sh, "B"+r, c.Value); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, "B"+r, "B"+r, c.StyleID); err != nil {
			return err
		}
	}
	notes := []string{
		label(l, "취소 금액은 PortOne과 같이 양수로 표시됩니다. Summary는 주문 − 취소의 순액입니다.",
			"Cancellation amounts are positive, as PortOne shows them; the Summary is net (orders − cancellations)."),
		label(l, "표의 2행은 각 열에 해당하는 PortOne API 스키마 필드입니다.",
			"Row 2 of every table names the PortOne API schema field of each column."),
		label(l, "Summary 하단의 검증 차이 행이 모두 0이면 Summary와 상세 시트의 합계가 일치합니다.",
			"When the check row under the Summary is zero in every column, the Summary ties to the detail sheets."),
	}
	for i, n := range notes {
		if err := f.SetCellValue(sh, "A"+strconv.Itoa(len(items)+4+i), n); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(sh, "A", "A", 30); err != nil {
		return err
	}
	return f.SetColWidth(sh, "B", "B", 24)
}
