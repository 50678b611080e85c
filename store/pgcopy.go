package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// On PostgreSQL the bulk writes of import and settle go through COPY FROM
// rather than multi-row INSERTs: one stream per table and batch instead of
// a statement (a round trip, a parse and a plan) per bulkRows rows. COPY
// returns nothing, so the ids of the rows whose ids the caller needs
// (orders, cancellations, settlements, intents) are taken from the table's
// sequence first, in one query, and copied with the rows: the same ids the
// INSERT's default would have drawn from the same sequence, without the
// RETURNING clause and the matching of returned rows by key.
//
// database/sql gives no access to the driver's connection of a *sql.Tx, so
// a transaction that may copy runs on a connection taken from the pool
// (*sql.Conn), and the connection rides in the context the transaction's
// statements carry (pgConn). bulkInsert copies only when the handle it is
// given is that transaction (pgConn.tx), so a statement on another handle
// with the same context never lands in it.

// copyTables are the tables bulkInsert fills with COPY on PostgreSQL: those
// of import and settle, and PortOne's answers, their lines and their first
// statuses, which posting records. Other tables keep their INSERTs.
var copyTables = map[string]bool{"orders": true, "cancellations": true, "settlements": true,
	ourTransfers.lines: true, "transfer_intents": true,
	portOneTransfers.table: true, portOneTransfers.lines: true, "transfer_status_history": true}

// instantCols are the TIMESTAMPTZ columns of copyTables. COPY sends
// values in binary, and pgx encodes no text as a timestamptz there, so
// copyRows turns their text (instant.Value, or an instant itself) back into
// a time.Time.
var instantCols = map[string]bool{"paid_at": true, "received_at": true, "cancelled_at": true, "computed_at": true,
	"created_at": true, "updated_at": true, "recorded_at": true, "observed_at": true}

// pgConn is the connection a PostgreSQL write transaction runs on, and the
// transaction once begun.
type pgConn struct {
	conn *sql.Conn
	tx   *sql.Tx
}

type pgConnKey struct{}

// pgTx runs fn in one write transaction on a connection of its own, which
// bulkInsert may COPY through (see above).
func (s *Store) pgTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	pool, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	pc := &pgConn{conn: conn}
	db := s.w(context.WithValue(ctx, pgConnKey{}, pc)).Session(&gorm.Session{NewDB: true})
	db.Statement.ConnPool = conn
	return db.Transaction(func(tx *gorm.DB) error {
		pc.tx, _ = tx.Statement.ConnPool.(*sql.Tx)
		defer func() { pc.tx = nil }()
		return fn(tx)
	})
}

// copier is the connection tx may COPY table through, or nil.
func (s *Store) copier(tx *gorm.DB, table string) *pgConn {
	if s.dialect != Postgres || !copyTables[table] {
		return nil
	}
	pc, _ := tx.Statement.Context.Value(pgConnKey{}).(*pgConn)
	if pc == nil || pc.tx == nil || tx.Statement.ConnPool != pc.tx {
		return nil
	}
	return pc
}

// copyRows copies n rows into table's cols, row i's values appended by
// args, in the transaction pc runs.
func (pc *pgConn) copyRows(ctx context.Context, table string, cols []string, n int, args func(i int, dst []any) []any) error {
	return pc.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: driver connection is %T, not pgx", table, dc)
		}
		var stamps []int // the instant columns: their values come as text (instant.Value)
		for j, col := range cols {
			if instantCols[col] {
				stamps = append(stamps, j)
			}
		}
		var row []any
		i := 0
		got, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			row = args(i, row[:0]) // encoded before the next call: the slice is reused
			i++
			for _, j := range stamps {
				if dv, ok := row[j].(driver.Valuer); ok { // an instant
					v, err := dv.Value()
					if err != nil {
						return nil, fmt.Errorf("copy into %s: row %d: %s: %w", table, i, cols[j], err)
					}
					row[j] = v
				}
				if v, ok := row[j].(string); ok {
					t, err := time.Parse(instantLayout, v)
					if err != nil {
						return nil, fmt.Errorf("copy into %s: row %d: %s: %w", table, i, cols[j], err)
					}
					row[j] = t
				}
			}
			return row, nil
		}))
		if err == nil && got != int64(n) {
			err = fmt.Errorf("copy into %s: %d of %d rows copied", table, got, n)
		}
		return err
	})
}

// copyWithIDs inserts n rows into table with COPY when tx can (copier),
// each with an id drawn from table's sequence, told to setID before its
// values are asked for; ok is false, and nothing done, when it cannot.
func (s *Store) copyWithIDs(tx *gorm.DB, table string, cols []string, n int, setID func(i int, id int64),
	args func(i int, dst []any) []any) (ok bool, err error) {
	pc := s.copier(tx, table)
	if pc == nil {
		return false, nil
	}
	if n == 0 {
		return true, nil
	}
	var ids []int64
	seq, err := s.idSequence(tx, table)
	if err != nil {
		return true, err
	}
	err = tx.Raw("SELECT nextval(?::regclass) FROM generate_series(1, ?)", seq, n).Scan(&ids).Error
	if err != nil {
		return true, err
	}
	if len(ids) != n {
		return true, fmt.Errorf("%s: %d ids drawn for %d rows", table, len(ids), n)
	}
	err = pc.copyRows(tx.Statement.Context, table, append([]string{"id"}, cols...), n, func(i int, dst []any) []any {
		setID(i, ids[i])
		return args(i, append(dst, ids[i]))
	})
	return true, translateErr(tx, err)
}

// idSequence is the sequence of table's id column, looked up once per
// store: pg_get_serial_sequence called per row cost 1.7 s of server time
// in a 100k settle's 44 draws (pg_stat_statements); 5000 draws from a
// named sequence take 8 ms against 22-47 ms (psql, load 5).
func (s *Store) idSequence(tx *gorm.DB, table string) (string, error) {
	if seq, ok := s.seqs.Load(table); ok {
		return seq.(string), nil
	}
	var seq string
	if err := tx.Raw("SELECT pg_get_serial_sequence(?, 'id')", table).Scan(&seq).Error; err != nil {
		return "", err
	}
	if seq == "" {
		return "", fmt.Errorf("%s: no sequence behind its id column", table)
	}
	s.seqs.Store(table, seq)
	return seq, nil
}
