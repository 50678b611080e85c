package reports

import (
	"errors"
	"fmt"
	"time"
)

// Lang is the language of column headers and labels.
type Lang string

// The languages of the reports. Sheet names stay English in both so that
// automation can find them.
const (
	LangKO Lang = "ko"
	LangEN Lang = "en"
)

// Options control WriteWorkbook and WriteCSV.
type Options struct {
	// Lang is the header language; "" means LangKO.
	Lang Lang
	// Version is the software version shown on the front sheet.
	Version string
	// Loc is the time zone date-times are shown in; nil means UTC. Pass the
	// business time zone (SETTLE_TZ).
	Loc *time.Location
	// MaxRowsPerSheet is the row limit of one sheet, headers and totals
	// included; a longer detail table continues on "Name (2)", … (the
	// Summary is one sheet up to Excel's limit). Zero means
	// Excel's limit of 1,048,576. Tests set it small.
	MaxRowsPerSheet int
}

// minRowsPerSheet leaves room for the two header rows, one data row and the
// blank and totals rows.
const minRowsPerSheet = headerRows + 1 + trailerRows

// ErrOptions is returned (wrapped) for invalid Options.
var ErrOptions = errors.New("invalid options")

func (o Options) normalize() (Options, error) {
	switch o.Lang {
	case "":
		o.Lang = LangKO
	case LangKO, LangEN:
	default:
		return o, fmt.Errorf("%w: lang %q: must be ko or en", ErrOptions, o.Lang)
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	switch {
	case o.MaxRowsPerSheet == 0:
		o.MaxRowsPerSheet = excelMaxRows
	case o.MaxRowsPerSheet < minRowsPerSheet || o.MaxRowsPerSheet > excelMaxRows:
		return o, fmt.Errorf("%w: max rows per sheet %d: must be %d..%d", ErrOptions, o.MaxRowsPerSheet, minRowsPerSheet, excelMaxRows)
	}
	return o, nil
}
