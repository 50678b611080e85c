package reports

import (
	"context"
	"slices"
)

// sheetDef is a sheet that a file of its own adds to the workbook (the
// Payouts sheet of the payouts issue, …), registered by one line in that
// file:
//
//	func init() { registerSheet(sheetDef{id: SheetPayouts, ko: "지급", after: SheetCancellations, …, write: writePayouts}) }
//
// The workbook calls write after the built-in detail sheets and before the
// Summary (so write may add to what the Summary and the front sheet
// read), places the sheet after the sheet named by after, names it in
// Korean with ko and describes it in the front sheet's guide. A sheet whose
// write made no sheet (nothing to show) is left out of the guide.
type sheetDef struct {
	id, ko           string // id: the English name (a Sheet constant); ko: the Korean name
	after            string // the Sheet id it follows
	guideKO, guideEN string // what it holds, for the front sheet's guide
	write            func(ctx context.Context, wb *workbook, src Source) error
}

// registered are the sheets registerSheet added, in registration order.
var registered []sheetDef

// registerSheet adds a sheet to every workbook; call it from an init.
func registerSheet(d sheetDef) {
	registered = append(registered, d)
	sheetNamesKO[d.id] = d.ko
}

// withRegistered is the sheet order ids with every registered sheet placed
// after the one it follows (at the end when that one is not in ids).
func withRegistered(ids []string) []string {
	out := slices.Clone(ids)
	for _, d := range registered {
		i := slices.Index(out, d.after)
		if i < 0 {
			out = append(out, d.id)
			continue
		}
		out = slices.Insert(out, i+1, d.id)
	}
	return out
}
