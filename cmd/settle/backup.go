package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/settle-dev/settle/store"
)

// runBackup writes a consistent copy of the SQLite database to FILE while
// `settle serve` (or anything else) keeps using it: store.Backup, VACUUM
// INTO from one read snapshot.
func runBackup(ctx context.Context, e *env) error {
	fs := newFlags(e, "backup", "FILE  (a consistent copy of the SQLite database, taken while serve runs)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one FILE, got %d", fs.NArg())
	}
	target := fs.Arg(0)
	if _, ok := store.SQLitePath(e.cfg.DB); !ok {
		return usagef("SETTLE_DB is PostgreSQL: back it up with pg_dump (README, Running as a service)")
	}
	if _, err := os.Stat(target); err == nil {
		return usagef("%s exists: a backup never overwrites a file; choose a new name", target)
	}
	if err := checkDB(e); err != nil {
		return err
	}
	st, err := store.Open(ctx, e.cfg.DB, store.WithoutMigrate())
	if err != nil {
		return fmt.Errorf("SETTLE_DB: %w", err)
	}
	defer st.Close()
	if err := st.Backup(ctx, target); err != nil {
		if errors.Is(err, store.ErrBackupExists) {
			return usageError{err}
		}
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(target)
	fmt.Fprintf(e.stdout, "backup: %s (%s bytes); restore by stopping settle and putting it in place of %s\n", abs, won(info.Size()), e.cfg.DB)
	return nil
}
