package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// chartUnit is the unit the chart's value axis shows won in: a number
// format that scales by thousands (Excel and LibreOffice both honour it)
// and the axis title that names the unit.
type chartUnit struct {
	format, ko, en string
}

// unitFor picks the unit in which the largest daily settlement shows in
// at most five digits.
func unitFor(maxAbs int64) chartUnit {
	switch {
	case maxAbs >= 100_000_000:
		return chartUnit{"#,##0,,", "백만원", "KRW million"}
	case maxAbs >= 100_000:
		return chartUnit{"#,##0,", "천원", "KRW thousand"}
	}
	return chartUnit{"#,##0", "원", "KRW"}
}

// chartTableRow is the first row of the chart's data table, under the chart.
const chartTableRow = 26

// writeChart writes the Chart sheet: a stacked column chart of settlement
// per settlement date (the five partners with the most settlement over the
// range and "기타" for all the others) on a date axis, the value axis in a
// readable won unit, and under it the table the chart reads. It prints on
// one landscape page.
func (wb *workbook) writeChart(days []settlement.Date) error {
	st, l := wb.st, wb.o.Lang
	name, err := wb.newSheet(SheetChart)
	if err != nil {
		return err
	}
	top, others := topPartners(wb.summary)
	idx := map[settlement.PartnerID]int{}
	for i, p := range top {
		idx[p.id] = i
	}
	series := len(top)
	if others {
		series++
	}
	// values[d][s]: settlement on day d of series s; totals[d].
	dayIdx := map[settlement.Date]int{}
	for i, d := range days {
		dayIdx[d] = i
	}
	values := make([][]int64, len(days))
	for i := range values {
		values[i] = make([]int64, series)
	}
	totals := make([]int64, len(days))
	for _, r := range wb.summary {
		d := dayIdx[r.SettlementDate]
		s, ok := idx[r.PartnerID]
		if !ok {
			s = len(top)
		}
		values[d][s] += int64(r.Amounts.Settlement)
		totals[d] += int64(r.Amounts.Settlement)
	}
	var maxAbs int64
	for _, t := range totals {
		maxAbs = max(maxAbs, t, -t)
	}
	unit := unitFor(maxAbs)

	w := &sheetWriter{f: wb.f, sheet: name, row: chartTableRow - 1}
	names := make([]string, series)
	for i, p := range top {
		names[i] = p.name
		if names[i] == "" {
			names[i] = string(p.id)
		}
	}
	if others {
		names[len(top)] = label(l, "기타", "Others")
	}
	head := []any{label(l, "정산일", "Settlement date"), label(l, "정산금액 (전체)", "Settlement (all partners)")}
	for _, n := range names {
		head = append(head, n)
	}
	hr := w.line(st.header, head...)
	for i, d := range days {
		r := w.line(0)
		w.cell(1, r, dateSerial(d.Year, d.Month, d.Day), st.date)
		w.cell(2, r, totals[i], st.moneyBold)
		for s := range series {
			w.cell(3+s, r, values[i][s], st.money)
		}
	}
	ws := []float64{12, 16}
	for _, n := range names {
		ws = append(ws, max(14, textWidth(n)+2))
	}
	w.widths(ws...)
	if w.err == nil {
		w.err = wb.f.SetRowHeight(name, hr, 30)
	}
	if w.err != nil {
		return w.err
	}
	first, last := hr+1, hr+len(days)
	before := chartParts(wb.f)
	if err := wb.f.AddChart(name, "A1", &excelize.Chart{
		Type:      excelize.Col,
		Series:    []excelize.ChartSeries{{Name: "'" + name + "'!$B$" + strconv.Itoa(hr), Values: fmt.Sprintf("'%s'!$B$%d:$B$%d", name, first, last)}},
		Dimension: excelize.ChartDimension{Width: 960, Height: 470},
	}); err != nil {
		return err
	}
	var part string
	for p := range chartParts(wb.f) {
		if !before[p] {
			part = p
		}
	}
	if part == "" {
		return fmt.Errorf("the chart's part was not found")
	}
	c := chartSpec{
		title: label(l, "정산일별 정산금액 (상위 5개 파트너와 기타)", "Settlement per settlement date (top five partners and others)"),
		axis:  label(l, "정산금액 (단위: "+unit.ko+")", "Settlement ("+unit.en+")"),
		unit:  unit, sheet: name, headRow: hr, first: first, last: last, days: days, names: names, values: values,
		others: others,
	}
	wb.z.replace[part] = c.xml()
	w.print(true, 1)
	return w.err
}

// chartParts is the set of chart parts excelize holds.
func chartParts(f *excelize.File) map[string]bool {
	out := map[string]bool{}
	f.Pkg.Range(func(k, _ any) bool {
		if s, ok := k.(string); ok && strings.HasPrefix(s, "xl/charts/chart") && strings.HasSuffix(s, ".xml") {
			out[s] = true
		}
		return true
	})
	return out
}

// chartSpec is what the chart shows and where its data is.
type chartSpec struct {
	title, axis string
	unit        chartUnit
	sheet       string
	headRow     int
	first, last int
	days        []settlement.Date
	names       []string
	values      [][]int64
	others      bool
}

// seriesColors are the series' fills; the last (기타) is grey.
var seriesColors = []string{"4472C4", "ED7D31", "FFC000", "5B9BD5", "70AD47"}

// majorUnit is the step of the date axis's labels, so they never crowd.
func majorUnit(days []settlement.Date) (int, string) {
	span := int(dateSerial(days[len(days)-1].Year, days[len(days)-1].Month, days[len(days)-1].Day) - dateSerial(days[0].Year, days[0].Month, days[0].Day))
	switch {
	case span <= 16:
		return 1, "days"
	case span <= 62:
		return 7, "days"
	}
	return 1, "months"
}

// xml is the chart part: written here rather than by excelize, which has
// no date axis for column charts and no control of the value axis's unit.
func (c *chartSpec) xml() []byte {
	var b strings.Builder
	esc := func(s string) string {
		return string(appendEscaped(nil, s, true))
	}
	ref := func(col string, from, to int) string {
		r := "'" + c.sheet + "'!$" + col + "$" + strconv.Itoa(from)
		if to > 0 {
			r += ":$" + col + "$" + strconv.Itoa(to)
		}
		return esc(r)
	}
	text := func(s string, size int, bold bool) string {
		bb := "0"
		if bold {
			bb = "1"
		}
		return `<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="` + strconv.Itoa(size) + `" b="` + bb + `"/></a:pPr><a:r><a:rPr lang="ko-KR" sz="` +
			strconv.Itoa(size) + `" b="` + bb + `"/><a:t>` + esc(s) + `</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/>`
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	b.WriteString(`<c:roundedCorners val="0"/><c:chart><c:title>` + text(c.title, 1400, true) + `</c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>`)
	b.WriteString(`<c:barChart><c:barDir val="col"/><c:grouping val="stacked"/><c:varyColors val="0"/>`)
	n := c.last - c.first + 1
	for s, name := range c.names {
		col := colName(3 + s)
		color := "A5A5A5"
		if !(c.others && s == len(c.names)-1) {
			color = seriesColors[s%len(seriesColors)]
		}
		b.WriteString(`<c:ser><c:idx val="` + strconv.Itoa(s) + `"/><c:order val="` + strconv.Itoa(s) + `"/>`)
		b.WriteString(`<c:tx><c:strRef><c:f>` + ref(col, c.headRow, 0) + `</c:f><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>` + esc(name) + `</c:v></c:pt></c:strCache></c:strRef></c:tx>`)
		b.WriteString(`<c:spPr><a:solidFill><a:srgbClr val="` + color + `"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/>`)
		b.WriteString(`<c:cat><c:numRef><c:f>` + ref("A", c.first, c.last) + `</c:f><c:numCache><c:formatCode>yyyy-mm-dd</c:formatCode><c:ptCount val="` + strconv.Itoa(n) + `"/>`)
		for i, d := range c.days {
			b.WriteString(`<c:pt idx="` + strconv.Itoa(i) + `"><c:v>` + strconv.FormatInt(dateSerial(d.Year, d.Month, d.Day), 10) + `</c:v></c:pt>`)
		}
		b.WriteString(`</c:numCache></c:numRef></c:cat>`)
		b.WriteString(`<c:val><c:numRef><c:f>` + ref(col, c.first, c.last) + `</c:f><c:numCache><c:formatCode>#,##0</c:formatCode><c:ptCount val="` + strconv.Itoa(n) + `"/>`)
		for i := range c.days {
			b.WriteString(`<c:pt idx="` + strconv.Itoa(i) + `"><c:v>` + strconv.FormatInt(c.values[i][s], 10) + `</c:v></c:pt>`)
		}
		b.WriteString(`</c:numCache></c:numRef></c:val></c:ser>`)
	}
	step, stepUnit := majorUnit(c.days)
	b.WriteString(`<c:gapWidth val="50"/><c:overlap val="100"/><c:axId val="50010"/><c:axId val="50020"/></c:barChart>`)
	b.WriteString(`<c:dateAx><c:axId val="50010"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/>`)
	b.WriteString(`<c:numFmt formatCode="mm-dd" sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>`)
	b.WriteString(`<c:txPr><a:bodyPr rot="-2700000" vert="horz"/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr><a:endParaRPr lang="ko-KR"/></a:p></c:txPr>`)
	b.WriteString(`<c:crossAx val="50020"/><c:crosses val="autoZero"/><c:auto val="0"/><c:lblOffset val="100"/><c:baseTimeUnit val="days"/>`)
	b.WriteString(`<c:majorUnit val="` + strconv.Itoa(step) + `"/><c:majorTimeUnit val="` + stepUnit + `"/></c:dateAx>`)
	b.WriteString(`<c:valAx><c:axId val="50020"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>`)
	b.WriteString(`<c:title>` + text(c.axis, 1000, false) + `</c:title>`)
	b.WriteString(`<c:numFmt formatCode="` + esc(c.unit.format) + `" sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>`)
	b.WriteString(`<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr><a:endParaRPr lang="ko-KR"/></a:p></c:txPr>`)
	b.WriteString(`<c:crossAx val="50010"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>`)
	b.WriteString(`</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>`)
	b.WriteString(`<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1000"/></a:pPr><a:endParaRPr lang="ko-KR"/></a:p></c:txPr>`)
	b.WriteString(`</c:chartSpace>`)
	return []byte(b.String())
}
