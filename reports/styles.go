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

// fontFamily is the workbook's font: Windows' Korean UI font, which Korean
// Excel users have; LibreOffice substitutes a CJK sans font for it.
const fontFamily = "맑은 고딕"

// font fills in the family and the size of a style's font, so that no
// style falls back to an application's default (a serif, in LibreOffice).
func font(f excelize.Font) *excelize.Font {
	f.Family = fontFamily
	if f.Size == 0 {
		f.Size = 10
	}
	return &f
}

// styles holds the style ids of one workbook, created once so that rows
// only copy integers, and the location date-times are shown in.
type styles struct {
	loc *time.Location

	header, key                      int
	text, money, integer, date, time int
	totalLabel, totalMoney           int
	checkLabel, checkMoney           int
	title, section, runLabel, note   int
	wrap, moneyBold, ok, bad         int
	// okDxf and badDxf are the conditional formats of a check cell: green
	// at zero, red otherwise.
	okDxf, badDxf int
}

func newStyles(f *excelize.File, loc *time.Location) (*styles, error) {
	won, date, dt := fmtWon, fmtDate, fmtDateTime
	top := []excelize.Border{{Type: "top", Color: "000000", Style: 1}}
	bottom := []excelize.Border{{Type: "bottom", Color: "1F4E79", Style: 2}}
	st := styles{loc: loc}
	if err := f.SetDefaultFont(fontFamily); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{
			Font:      font(excelize.Font{Bold: true}),
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			NumFmt:    numFmtText,
		}},
		{&st.key, excelize.Style{
			Font:      font(excelize.Font{Italic: true, Size: 8, Color: "595959"}),
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
			NumFmt:    numFmtText,
		}},
		{&st.text, excelize.Style{Font: font(excelize.Font{}), NumFmt: numFmtText}},
		{&st.money, excelize.Style{Font: font(excelize.Font{}), CustomNumFmt: &won}},
		{&st.integer, excelize.Style{Font: font(excelize.Font{}), CustomNumFmt: &won}},
		{&st.date, excelize.Style{Font: font(excelize.Font{}), CustomNumFmt: &date, Alignment: &excelize.Alignment{Horizontal: "center"}}},
		{&st.time, excelize.Style{Font: font(excelize.Font{}), CustomNumFmt: &dt}},
		{&st.totalLabel, excelize.Style{Font: font(excelize.Font{Bold: true}), Border: top, NumFmt: numFmtText}},
		{&st.totalMoney, excelize.Style{Font: font(excelize.Font{Bold: true}), Border: top, CustomNumFmt: &won}},
		{&st.checkLabel, excelize.Style{Font: font(excelize.Font{Bold: true}), NumFmt: numFmtText}},
		{&st.checkMoney, excelize.Style{Font: font(excelize.Font{Bold: true}), CustomNumFmt: &won}},
		{&st.title, excelize.Style{Font: font(excelize.Font{Bold: true, Size: 16})}},
		{&st.section, excelize.Style{Font: font(excelize.Font{Bold: true, Size: 12, Color: "1F4E79"}), Border: bottom}},
		{&st.runLabel, excelize.Style{Font: font(excelize.Font{Bold: true}), NumFmt: numFmtText, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.note, excelize.Style{Font: font(excelize.Font{Italic: true, Color: "404040"}), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.wrap, excelize.Style{Font: font(excelize.Font{}), NumFmt: numFmtText, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.moneyBold, excelize.Style{Font: font(excelize.Font{Bold: true}), CustomNumFmt: &won}},
		{&st.ok, excelize.Style{Font: font(excelize.Font{Bold: true, Color: "006100"}), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}}},
		{&st.bad, excelize.Style{Font: font(excelize.Font{Bold: true, Color: "9C0006"}), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	var err error
	if st.okDxf, err = f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: "006100"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}}); err != nil {
		return nil, err
	}
	if st.badDxf, err = f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}}); err != nil {
		return nil, err
	}
	return &st, nil
}

// okOrBad is the style of a yes/no verdict cell.
func (st *styles) okOrBad(good bool) int {
	if good {
		return st.ok
	}
	return st.bad
}
