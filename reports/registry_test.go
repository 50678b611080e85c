package reports

import (
	"context"
	"slices"
	"testing"
)

// TestRegisteredSheet: a sheet registered in one line (as the Payouts
// sheet will be) is written, named in Korean, placed after the sheet it
// follows and described in the front sheet's guide; one that makes no
// sheet is left out of the guide.
func TestRegisteredSheet(t *testing.T) {
	saved, savedKO := registered, sheetNamesKO["Extra"]
	t.Cleanup(func() {
		registered = saved
		if savedKO == "" {
			delete(sheetNamesKO, "Extra")
		}
		delete(sheetNamesKO, "Nothing")
	})
	registerSheet(sheetDef{id: "Extra", ko: "추가", after: SheetCancellations, guideKO: "추가 시트 설명", guideEN: "the extra sheet",
		write: func(ctx context.Context, wb *workbook, src Source) error {
			name, err := wb.newSheet("Extra")
			if err != nil {
				return err
			}
			return wb.f.SetCellValue(name, "A1", "x")
		}})
	registerSheet(sheetDef{id: "Nothing", ko: "없음", after: SheetProblems, guideKO: "빈 시트", guideEN: "an empty sheet",
		write: func(context.Context, *workbook, Source) error { return nil }})
	for _, c := range []struct {
		lang          Lang
		name, guide   string
		before, after string
	}{
		{LangKO, "추가", "추가 시트 설명", "취소", "주문 상세"},
		{LangEN, "Extra", "the extra sheet", "Cancellations", "Order lines"},
	} {
		_, f := writeBook(t, fixture(), Options{Lang: c.lang})
		list := f.GetSheetList()
		i := slices.Index(list, c.name)
		if i < 1 || i+1 >= len(list) || list[i-1] != c.before || list[i+1] != c.after {
			t.Errorf("%s: sheets %q, want %s between %s and %s", c.lang, list, c.name, c.before, c.after)
		}
		if got := runValue(t, f, SheetName(SheetRun, c.lang), c.name); got != c.guide {
			t.Errorf("%s: the guide says %q of %s, want %q", c.lang, got, c.name, c.guide)
		}
		rows, _ := f.GetRows(SheetName(SheetRun, c.lang))
		for _, r := range rows {
			if len(r) > 0 && (r[0] == "없음" || r[0] == "Nothing") && len(r) > 1 && r[1] == label(c.lang, "빈 시트", "an empty sheet") {
				t.Errorf("%s: the guide lists a registered sheet that made no sheet", c.lang)
			}
		}
	}
}
