package store

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for conditions callers branch on with errors.Is. The typed
// errors below wrap them and say which record and field.
var (
	// ErrNotFound: no record with that key.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique key is already taken (translated from
	// gorm.ErrDuplicatedKey on both drivers).
	ErrDuplicate = errors.New("duplicate key")
	// ErrConflict: the key exists with a different payload; nothing was
	// overwritten.
	ErrConflict = errors.New("conflicting record")
	// ErrLeaseLost: the claim or run lease is held by another owner (or has
	// been taken over after it expired).
	ErrLeaseLost = errors.New("lease lost")
	// ErrInvalid: the record cannot be stored as given (missing key, bad JSON).
	ErrInvalid = errors.New("invalid record")
	// ErrSchemaTooNew: the database was migrated by a newer settle.
	ErrSchemaTooNew = errors.New("database schema is newer than this program")
)

// NotFoundError names the record that was not found. It matches ErrNotFound.
type NotFoundError struct {
	What string // e.g. `order partner "p1" payment "pay-1"`
}

func (e *NotFoundError) Error() string { return e.What + ": not found" }

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// FieldDiff is one field that differs between a stored record and a new
// one with the same key. Path is a JSON path in the record shape
// (`orderDetail.orderLines[1].quantity`); a missing value is "".
type FieldDiff struct {
	Path   string
	Stored string
	Got    string
}

func (d FieldDiff) String() string {
	return fmt.Sprintf("%s: stored %s, got %s", d.Path, orNone(d.Stored), orNone(d.Got))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// ConflictError says that a record's key is taken by a different payload.
// It matches ErrConflict. Nothing was overwritten.
type ConflictError struct {
	Record string      // "order", "cancellation", "settlement", "transfer intent"
	Key    string      // the unique key, e.g. `partner "p1" payment "pay-1"`
	Diffs  []FieldDiff // what differs, sorted by path; at most maxDiffs
	More   int         // differences left out of Diffs
}

const maxDiffs = 20

func (e *ConflictError) Error() string {
	return e.Record + " " + e.Key + ": " + e.Reason()
}

// Reason is the human-readable difference, as kept in rejected records.
func (e *ConflictError) Reason() string {
	var b strings.Builder
	b.WriteString("same key, different payload")
	for i, d := range e.Diffs {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	return b.String()
}

// Field is the first differing path, or "".
func (e *ConflictError) Field() string {
	if len(e.Diffs) == 0 {
		return ""
	}
	return e.Diffs[0].Path
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// LeaseError says who holds a claim or a run lease. It matches ErrLeaseLost.
type LeaseError struct {
	What  string // `intent "…"` or `run settle 2025-10-01`
	Owner string // the owner that asked
	Held  string // the current owner, "" when released or finished
}

func (e *LeaseError) Error() string {
	return fmt.Sprintf("%s: lease of %q lost (held by %q)", e.What, e.Owner, e.Held)
}

// Unwrap returns ErrLeaseLost.
func (e *LeaseError) Unwrap() error { return ErrLeaseLost }

// InvalidError names a record field that cannot be stored. It matches ErrInvalid.
type InvalidError struct {
	Record string
	Field  string
	Err    error
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Record, e.Field, e.Err)
}

// Unwrap returns ErrInvalid and the cause.
func (e *InvalidError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// MigrationError says which migration failed.
type MigrationError struct {
	Version int
	Name    string
	Err     error
}

func (e *MigrationError) Error() string {
	return fmt.Sprintf("migration %d (%s): %v", e.Version, e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *MigrationError) Unwrap() error { return e.Err }
