package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// bulkRows is the rows per INSERT statement of bulkInsert. On SQLite the
// statement is prepared once per call and reused: SQLite spends more time
// parsing a statement of thousands of parameters than running it, so a
// moderate batch on a prepared statement beats one huge statement. On
// PostgreSQL each statement is a round trip, so it takes more rows.
func (s *Store) bulkRows() int {
	if s.dialect == Postgres {
		return 256
	}
	return 64
}

// bulkInsert writes n rows into table with multi-row INSERTs straight on
// the transaction's connection: the hot path of import and settle, where
// GORM's per-field reflection costs more than the database does. args
// appends row i's values in cols order. When returning is not "", each
// statement ends with RETURNING returning and scan reads each returned
// row (in no promised order: match them by key).
func (s *Store) bulkInsert(tx *gorm.DB, table string, cols []string, n int, args func(i int, dst []any) []any,
	returning string, scan func(*sql.Rows) error) error {
	if n == 0 {
		return nil
	}
	ctx := tx.Statement.Context
	if returning == "" {
		if pc := s.copier(tx, table); pc != nil {
			return translateErr(tx, pc.copyRows(ctx, table, cols, n, args))
		}
	}
	per := s.bulkRows()
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	sqlOf := func(rows int) string {
		q := s.insertSQL(table, cols, rows)
		if returning != "" {
			q += " RETURNING " + returning
		}
		return q
	}
	vals := make([]any, 0, per*len(cols))
	for i := 0; i < n; i += per {
		m := min(per, n-i)
		vals = vals[:0]
		for j := range m {
			vals = args(i+j, vals)
		}
		var err error
		if m == per && n > per {
			if full == nil {
				if full, err = tx.Statement.ConnPool.PrepareContext(ctx, sqlOf(per)); err != nil {
					return translateErr(tx, err)
				}
			}
			err = execOrQuery(full.ExecContext, full.QueryContext, ctx, vals, returning != "", scan)
		} else {
			q := sqlOf(m)
			err = execOrQuery(
				func(ctx context.Context, a ...any) (sql.Result, error) {
					return tx.Statement.ConnPool.ExecContext(ctx, q, a...)
				},
				func(ctx context.Context, a ...any) (*sql.Rows, error) {
					return tx.Statement.ConnPool.QueryContext(ctx, q, a...)
				},
				ctx, vals, returning != "", scan)
		}
		if err != nil {
			return translateErr(tx, err)
		}
	}
	return nil
}

func execOrQuery(exec func(context.Context, ...any) (sql.Result, error), query func(context.Context, ...any) (*sql.Rows, error),
	ctx context.Context, vals []any, returning bool, scan func(*sql.Rows) error) error {
	if !returning {
		_, err := exec(ctx, vals...)
		return err
	}
	rows, err := query(ctx, vals...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			rows.Close()
			return err
		}
	}
	// The driver's error as it is, not joined: the dialects' translation
	// to gorm.ErrDuplicatedKey reads the driver's error type.
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// createBatch inserts rows through GORM in batches; nothing for an empty
// slice.
func createBatch[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(&rows, 500).Error
}
