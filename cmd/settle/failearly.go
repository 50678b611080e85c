package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// checkDB refuses a SQLite file that does not exist unless the command
// brings data in (e.mayCreate); then it says that it creates one. A
// mistyped SETTLE_DB, or cron starting in another directory, must not
// read an empty new database as if it were the real one.
func checkDB(e *env) error {
	path, ok := store.SQLitePath(e.cfg.DB)
	if !ok {
		return nil
	}
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("SETTLE_DB %s: %w", path, err)
	case e.mayCreate:
		abs, _ := filepath.Abs(path)
		fmt.Fprintf(e.stderr, "settle: creating a new database %s (SETTLE_DB)\n", abs)
		return nil
	default:
		abs, _ := filepath.Abs(path)
		return usagef("SETTLE_DB %s: no such database; set SETTLE_DB to the database's path (a relative path is taken from the current directory), or start one with `settle import` or `settle run refresh`", abs)
	}
}

var dateShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// parseDate is settlement.ParseDate with a message that tells a date in
// the right shape that is not on the calendar (2025-02-30) from a wrong
// shape.
func parseDate(v string) (settlement.Date, error) {
	d, err := settlement.ParseDate(v)
	if err == nil || !dateShape.MatchString(v) {
		return d, err
	}
	t, perr := time.Parse("2006-01", v[:7])
	if perr != nil {
		return d, fmt.Errorf("%s is not a calendar date: there is no month %s", v, v[5:7])
	}
	last := t.AddDate(0, 1, -1).Day()
	return d, fmt.Errorf("%s is not a calendar date: %s has %d days", v, t.Format("January 2006"), last)
}
