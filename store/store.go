package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect is the database behind a Store.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is settle's durable state. It is safe for concurrent use by several
// goroutines; with PostgreSQL several processes may share one database.
type Store struct {
	dialect Dialect
	db      *gorm.DB // writes (and reads that must see the latest write)
	rdb     *gorm.DB // streaming reads; db itself on PostgreSQL
	now     func() time.Time
	report  reportTuning
	seqs    sync.Map // table → the sequence of its id column (PostgreSQL, idSequence)
}

// reportTuning sizes the workbook's reads in written order (reportscan.go):
// a store's own, so that a test can make a spool spill at a few rows or
// split a night in slices without touching other stores.
type reportTuning struct {
	spoolBudget int   // the memory a rowSpool keeps rows in (spoolBudget)
	readers     int   // the connections that read the id range at once (reportReaders)
	splitMin    int64 // the fewest ids a slice is worth (reportSplitMin)
}

// Option configures Open.
type Option func(*options)

type options struct {
	now        func() time.Time
	readConns  int
	maxVersion int // 0: latest
	migrate    bool
	busy       time.Duration
	logger     logger.Interface
}

// WithClock sets the clock the store stamps records, leases and runs with.
// The default is time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithReadConns sets the size of SQLite's separate read pool (default 4).
// Reads through it never wait for the single writer (WAL). It has no effect
// on PostgreSQL.
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithBusyTimeout sets SQLite's busy timeout (default 10s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busy = d } }

// WithoutMigrate opens the database without applying pending migrations;
// Migrate applies them later.
func WithoutMigrate() Option { return func(o *options) { o.migrate = false } }

// WithGormLogger replaces GORM's logger (silent by default).
func WithGormLogger(l logger.Interface) Option { return func(o *options) { o.logger = l } }

// withMaxVersion stops migrations at version v (fixture generation).
func withMaxVersion(v int) Option { return func(o *options) { o.maxVersion = v } }

// Open opens the store named by dsn and applies pending migrations.
//
// dsn is `postgres://…` (or `postgresql://…`) for PostgreSQL, and
// `sqlite://PATH`, `sqlite:PATH` or a plain path (`settle.db`) for SQLite.
// SQLite runs in WAL mode with synchronous=FULL (a commit is on disk before
// it returns), a busy timeout and foreign keys on, with one writer
// connection and a separate pool of readers.
//
// Open returns ErrSchemaTooNew when the database was migrated by a newer
// settle, and a *MigrationError when a migration fails.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{now: time.Now, readConns: 4, migrate: true, busy: 10 * time.Second, logger: logger.Discard}
	for _, f := range opts {
		f(&o)
	}
	cfg := func() *gorm.Config {
		return &gorm.Config{
			TranslateError:         true,
			SkipDefaultTransaction: true,
			PrepareStmt:            false,
			Logger:                 o.logger,
			NowFunc:                func() time.Time { return o.now().UTC() },
		}
	}
	s := &Store{now: o.now, report: reportTuning{spoolBudget: spoolBudget, readers: reportReaders, splitMin: reportSplitMin}}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.dialect = Postgres
		db, err := gorm.Open(postgres.Open(dsn), cfg())
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.db, s.rdb = db, db
	default:
		s.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" || strings.Contains(path, "?") {
			return nil, fmt.Errorf("open sqlite %q: want a file path without parameters", dsn)
		}
		w, r, err := openSQLite(ctx, path, o, cfg)
		if err != nil {
			return nil, err
		}
		s.db, s.rdb = w, r
	}
	if err := s.ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if o.migrate {
		if err := s.migrate(ctx, o.maxVersion); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// sqliteParams are the connection parameters of every SQLite connection,
// writer and readers alike. synchronous=FULL: in WAL mode NORMAL syncs the
// WAL only at checkpoints, so a commit already acknowledged (an order
// answered 201) could vanish on power loss; FULL syncs the WAL at every
// commit. The journal mode is not a parameter: it is set once, on the
// writer, by setWAL (it is a property of the file, kept across opens).
func sqliteParams(busy time.Duration) string {
	return fmt.Sprintf("?_busy_timeout=%d&_foreign_keys=on&_synchronous=FULL", busy.Milliseconds())
}

// openSQLite opens the single writer connection, puts the file in WAL mode,
// then opens the read pool.
func openSQLite(ctx context.Context, path string, o options, cfg func() *gorm.Config) (w, r *gorm.DB, err error) {
	base := "file:" + uriPath(path) + sqliteParams(o.busy)
	// The writer's page cache holds the hot part of the indexes a night
	// writes into (keys in no particular order, such as the intents' ids):
	// 256 MiB, bounded whatever the database's size.
	w, err = gorm.Open(sqlite.Open(base+"&_txlock=immediate&_cache_size=-262144"), cfg())
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wsql, _ := w.DB()
	wsql.SetMaxOpenConns(1) // one writer: no SQLITE_BUSY between our own writers
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	if err := setWAL(ctx, w, o.busy); err != nil {
		_ = wsql.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Checkpoint the WAL every 32 MiB rather than every 4 MiB: an index
	// page written by many batches of a run is copied back once per
	// checkpoint, not once per batch.
	if err := w.WithContext(ctx).Exec("PRAGMA wal_autocheckpoint = 8192").Error; err != nil {
		_ = wsql.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// The writer keeps its statement journals in memory. A multi-row
	// INSERT inside a transaction keeps a statement journal of the pages it
	// changes, so that a failing row undoes its statement alone; past 64
	// KiB SQLite spills it to a temporary file, one write per page. A page
	// of a night's inserts (settlements, intents, PortOne's answers and
	// their lines) touches a few hundred pages: a million pwrite calls for
	// a 100k settle, three of every four system calls it made. A
	// statement's journal is bounded by the pages it changes (bulkRows
	// rows at most for the night's inserts). The writer is one connection
	// that lives as long as the store, so the setting stays; the readers,
	// which sort, keep SQLite's default.
	if err := w.WithContext(ctx).Exec("PRAGMA temp_store = MEMORY").Error; err != nil {
		_ = wsql.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err = gorm.Open(sqlite.Open(base+"&mode=ro"), cfg())
	if err != nil {
		_ = wsql.Close()
		return nil, nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	rsql, _ := r.DB()
	rsql.SetMaxOpenConns(max(o.readConns, 1))
	rsql.SetMaxIdleConns(max(o.readConns, 1))
	return w, r, nil
}

// setWAL switches the database file to WAL mode, waiting up to busy for
// other processes doing the same. Two connections that switch a new file
// at once each hold a shared lock and want an exclusive one; SQLite answers
// one of them SQLITE_BUSY at once rather than wait in the busy handler
// (waiting could deadlock), so the busy timeout does not cover this case:
// it is retried here. A file already in WAL mode answers at once.
func setWAL(ctx context.Context, w *gorm.DB, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	pause := 2 * time.Millisecond
	for {
		var mode string
		err := w.WithContext(ctx).Raw("PRAGMA journal_mode=WAL").Scan(&mode).Error
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("journal mode is %q, want wal (does the file system support shared memory?)", mode)
			}
			return nil
		}
		if !sqliteBusy(err) {
			// Said apart from a timeout: CI once saw "database is locked"
			// here within 0.3 s of a 10 s wait, an error sqliteBusy did not
			// recognise. %T names what it was the next time.
			return fmt.Errorf("set WAL mode: %w (%T, not recognised as busy)", err, err)
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("set WAL mode: still busy after %s: %w", busy, err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED.
// The driver's error type is read the way GORM's SQLite dialect reads it,
// through its exported fields, so store needs no cgo import of its own.
func sqliteBusy(err error) bool {
	const busy, locked = 5, 6
	for ; err != nil; err = errors.Unwrap(err) {
		b, jerr := json.Marshal(err)
		var m sqlite.ErrMessage
		if jerr == nil && json.Unmarshal(b, &m) == nil && (m.Code == busy || m.Code == locked) {
			return true
		}
	}
	return false
}

func (s *Store) ping(ctx context.Context) error {
	for _, db := range s.pools() {
		sdb, err := db.DB()
		if err != nil {
			return err
		}
		if err := sdb.PingContext(ctx); err != nil {
			return fmt.Errorf("connect %s: %w", s.dialect, err)
		}
	}
	return nil
}

func (s *Store) pools() []*gorm.DB {
	if s.rdb == s.db {
		return []*gorm.DB{s.db}
	}
	return []*gorm.DB{s.db, s.rdb}
}

// Close closes the database connections.
func (s *Store) Close() error {
	var errs []error
	for _, db := range s.pools() {
		if db == nil {
			continue
		}
		if sdb, err := db.DB(); err == nil {
			errs = append(errs, sdb.Close())
		}
	}
	return errors.Join(errs...)
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Migrate applies pending migrations (Open does this unless WithoutMigrate).
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx, 0) }

// SchemaVersion is the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return currentVersion(ctx, s.db.WithContext(ctx))
}

func (s *Store) nowUTC() time.Time { return s.now().UTC() }

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// w is the write handle bound to ctx; r the streaming read handle.
func (s *Store) w(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
func (s *Store) r(ctx context.Context) *gorm.DB { return s.rdb.WithContext(ctx) }

// tx runs fn in one write transaction; on PostgreSQL on a connection of
// its own, which bulkInsert may COPY through (pgcopy.go).
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.dialect == Postgres {
		return s.pgTx(ctx, fn)
	}
	return s.w(ctx).Transaction(fn)
}

// notFound turns gorm.ErrRecordNotFound into ErrNotFound naming what.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return &NotFoundError{What: what}
	}
	return err
}

// uriPath escapes the characters an SQLite URI filename treats specially.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}
