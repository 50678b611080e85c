package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SQLitePath returns the file of a SQLite dsn (the forms Open accepts) and
// true, or "" and false for a PostgreSQL dsn.
func SQLitePath(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:"), true
}

// ErrBackupExists is returned by Backup when the target file exists: a
// backup never overwrites one.
var ErrBackupExists = errors.New("the backup file exists; choose a new name or remove it")

// Backup writes a consistent copy of a SQLite store to path while other
// connections (and other processes, such as `settle serve`) keep reading
// and writing: VACUUM INTO reads one snapshot of the database in a read
// transaction, so it neither blocks the writer (WAL) nor copies half a
// commit, and the copy is a compact, ordinary SQLite file that Open takes
// as it is. PostgreSQL stores are backed up with pg_dump.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return errors.New("backup: the database is PostgreSQL; use pg_dump (README, Running as a service)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: %w", path, ErrBackupExists)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := s.r(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
