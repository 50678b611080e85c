package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// analyzeStale runs ANALYZE on those of tables (PostgreSQL only) that
// changed by more than a tenth since their statistics were last gathered.
// A night's stages fill and rewrite their tables faster than autovacuum
// wakes (once a minute): the reading stage after them would be planned on
// the statistics of nearly empty tables. A table analyzed already is left
// alone, so a stage that runs again pays nothing.
func (s *Store) analyzeStale(ctx context.Context, tables ...string) error {
	if s.dialect != Postgres || len(tables) == 0 {
		return nil
	}
	var stale []string
	err := s.w(ctx).Raw(`SELECT relname FROM pg_stat_user_tables
		WHERE relname IN ? AND n_mod_since_analyze > 50 + n_live_tup / 10`, tables).Scan(&stale).Error
	if err != nil {
		return fmt.Errorf("find tables to analyze: %w", err)
	}
	if len(stale) == 0 {
		return nil
	}
	if err := s.w(ctx).Exec("ANALYZE " + strings.Join(stale, ", ")).Error; err != nil {
		return fmt.Errorf("analyze %s: %w", strings.Join(stale, ", "), err)
	}
	return nil
}

// pgStream is stream on PostgreSQL in a read-only transaction of its own
// with settings (`SET LOCAL` statements) in force while query runs.
func (s *Store) pgStream(ctx context.Context, what string, settings []string, query string, args []any, scan func(*sql.Rows) error) error {
	pool, err := s.db.DB()
	if err != nil {
		return err
	}
	tx, err := pool.BeginTx(quiet(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	for _, set := range settings {
		if _, err := tx.ExecContext(ctx, set); err != nil {
			return fmt.Errorf("%s: %s: %w", what, set, err)
		}
	}
	rows, err := tx.QueryContext(quiet(ctx), query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return scanRows(ctx, what, rows, scan)
}
