package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// ErrEmptyExport is returned when an export would replace an existing file
// with one that has no settlement for its range: the sign of a wrong
// database (a mistyped SETTLE_DB) far more often than of a real empty
// range. ExportOptions.Force (`--force`) writes it anyway.
var ErrEmptyExport = errors.New("no settlement in the range")

// guardReplace refuses to replace name with an export of from..to that
// has no settlement row, unless force.
func (p *Pipeline) guardReplace(ctx context.Context, from, to settlement.Date, name string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	errFound := errors.New("found")
	err := p.st.SettlementRows(ctx, store.Query{From: from, To: to}, func(*store.SettlementRow) error { return errFound })
	switch {
	case errors.Is(err, errFound):
		return nil
	case err != nil:
		return err
	}
	span := from.String()
	if to != from {
		span += " .. " + to.String()
	}
	return fmt.Errorf("%s exists and the database (SETTLE_DB) has %w %s; check SETTLE_DB, or pass --force to replace the file",
		name, ErrEmptyExport, span)
}
