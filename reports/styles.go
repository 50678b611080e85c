package reports

import (
	"time"

	"github.com/xuri/excelize/v2"
)

// Number formats of the workbook.
const (
	fmtWon      = "#,##0"
	fmtDate     = "yyyy-mm-dd"
	fmtDateTime = "yyyy-mm-dd hh:mm:ss"
	numFmtText  = 49 // Excel's built-in "@"
)

// styles holds the style ids of one workbook, created once so that rows
// only copy integers, and the location date-times are shown in.
type styles struct {
	loc *time.Location

	header, key                      int
	text, money, integer, date, time int
	totalLabel, totalMoney, totalInt int
	checkLabel, checkMoney, runLabel int
}

func newStyles(f *excelize.File, loc *time.Location) (*styles, error) {
	won, date, dt := fmtWon, fmtDate, fmtDateTime
	border := []excelize.Border{{Type: "top", Color: "000000", Style: 1}}
	st := styles{loc: loc}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			NumFmt:    numFmtText,
		}},
		{&st.key, excelize.Style{
			Font:   &excelize.Font{Italic: true, Size: 9, Color: "595959"},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
			NumFmt: numFmtText,
		}},
		{&st.text, excelize.Style{NumFmt: numFmtText}},
		{&st.money, excelize.Style{CustomNumFmt: &won}},
		{&st.integer, excelize.Style{CustomNumFmt: &won}},
		{&st.date, excelize.Style{CustomNumFmt: &date}},
		{&st.time, excelize.Style{CustomNumFmt: &dt}},
		{&st.totalLabel, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, NumFmt: numFmtText}},
		{&st.totalMoney, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, CustomNumFmt: &won}},
		{&st.totalInt, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, CustomNumFmt: &won}},
		{&st.checkLabel, excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, NumFmt: numFmtText}},
		{&st.checkMoney, excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, CustomNumFmt: &won}},
		{&st.runLabel, excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: numFmtText}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	return &st, nil
}
