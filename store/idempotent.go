package store

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"gorm.io/gorm"
)

// The store's central invariant, written once: a record is saved by its
// unique key, and the same key again is a Duplicate when its payload hashes
// the same, a Conflict naming the differing fields when it does not, and
// nothing stored is ever overwritten. Orders, cancellations, settlements
// and transfer intents are all saved through saveIdempotent; what differs
// between them (key, payload, rows and children) is an idempotent value.

// rowKey is a record's unique key: the values of its key columns, in
// order, "" past the last one. Every key column is text.
type rowKey [4]string

// payload is what decides Duplicate vs Conflict for one record: hash is the
// digest kept in the record's hash column, body the comparable form it is
// the digest of (canonical JSON of a request, or a settlement's path=value
// lines), needed only for the diff of a conflict.
type payload struct {
	hash string
	body func() []byte
}

// idempotent describes one kind of record to saveIdempotent.
type idempotent[R any] struct {
	record  string   // in messages and ConflictErrors: "order", "settlement", …
	table   string   // where the records are stored
	keyCols []string // the unique key's columns, as in the UNIQUE constraint
	hashCol string   // the column holding payload.hash

	key  func(*R) rowKey // the record's key, in keyCols order
	name func(*R) string // the key as messages show it
	// check validates a record and builds its payload; it runs before the
	// transaction (an *InvalidError stops the batch, nothing written).
	check func(*R) (payload, error)
	// stored is the payload body of the stored record with row id, for the
	// diff of a Conflict.
	stored func(tx *gorm.DB, id int64) ([]byte, error)
	// diff lists the fields where two payload bodies differ.
	diff func(stored, got []byte) []FieldDiff
	// insert writes the records recs[fresh[n]] (new keys, first of their
	// key in the batch) with their children and sets ids[n] to their row ids.
	insert func(tx *gorm.DB, recs []R, fresh []int, pays []payload, ids []int64) error
	// after, when set, runs in the same transaction once every outcome is
	// known (rejected records of conflicts, a settlement's intent).
	after func(tx *gorm.DB, recs []R, outs []Outcome) error
	// fresh skips the lookup of stored keys: the caller expects none of
	// the keys to be stored (a settle run saves the settlements of records
	// not yet settled). Should one be, the insert fails on the unique key
	// and the caller runs again without fresh (see SavePreparedSettlements).
	fresh bool
}

// saveIdempotent saves recs in one transaction and returns one Outcome per
// record, in order. Conflicts do not fail the batch; they are reported in
// their Outcome. A record repeated within the batch is a Duplicate (or
// Conflict) of its first occurrence. A transaction that loses a race for a
// key to a concurrent writer is rerun, and then sees the other's row.
func saveIdempotent[R any](ctx context.Context, s *Store, spec *idempotent[R], recs []R) ([]Outcome, error) {
	pays, err := checkAll(spec, recs)
	if err != nil {
		return nil, err
	}
	var outs []Outcome
	err = retryOnDuplicate(func() error {
		outs = make([]Outcome, len(recs))
		return s.tx(ctx, func(tx *gorm.DB) error { return writeIdempotent(tx, spec, recs, pays, outs) })
	})
	if err != nil {
		return nil, fmt.Errorf("save %ss: %w", spec.record, err)
	}
	return outs, nil
}

// saveOneIdempotent saves one record through saveIdempotent; a Conflict
// also returns its *ConflictError as the error.
func saveOneIdempotent[R any](ctx context.Context, s *Store, spec *idempotent[R], rec R) (Outcome, error) {
	outs, err := saveIdempotent(ctx, s, spec, []R{rec})
	if err != nil {
		return Outcome{}, err
	}
	if outs[0].Kind == Conflict {
		return outs[0], outs[0].Conflict
	}
	return outs[0], nil
}

func checkAll[R any](spec *idempotent[R], recs []R) ([]payload, error) {
	pays := make([]payload, len(recs))
	for i := range recs {
		p, err := spec.check(&recs[i])
		if err != nil {
			return nil, err
		}
		pays[i] = p
	}
	return pays, nil
}

// writeIdempotent is saveIdempotent's work inside transaction tx (also
// used to write a settlement's intents in the settlement's transaction).
func writeIdempotent[R any](tx *gorm.DB, spec *idempotent[R], recs []R, pays []payload, outs []Outcome) error {
	keys := make([]rowKey, len(recs))
	for i := range recs {
		keys[i] = spec.key(&recs[i])
	}
	var found map[rowKey]storedKey
	var err error
	if !spec.fresh {
		if found, err = lookupKeys(tx, spec.table, spec.keyCols, spec.hashCol, keys); err != nil {
			return err
		}
	}
	first := make(map[rowKey]int, len(recs))
	var fresh []int
	for i := range recs {
		k := keys[i]
		var storedBody []byte
		var id int64
		if e, ok := found[k]; ok {
			if e.hash == pays[i].hash {
				outs[i] = Outcome{Kind: Duplicate, ID: e.id}
				continue
			}
			if storedBody, err = spec.stored(tx, e.id); err != nil {
				return err
			}
			id = e.id
		} else if j, ok := first[k]; ok {
			id = -1 - int64(j) // the id of recs[j], known once it is inserted
			if pays[j].hash == pays[i].hash {
				outs[i] = Outcome{Kind: Duplicate, ID: id}
				continue
			}
			storedBody = pays[j].body()
		} else {
			first[k] = i
			fresh = append(fresh, i)
			continue
		}
		outs[i] = Outcome{Kind: Conflict, ID: id, Conflict: newConflict(spec.record, spec.name(&recs[i]), spec.diff(storedBody, pays[i].body()))}
	}
	if len(fresh) > 0 {
		ids := make([]int64, len(fresh))
		if err := spec.insert(tx, recs, fresh, pays, ids); err != nil {
			return err
		}
		for n, i := range fresh {
			outs[i] = Outcome{Kind: Created, ID: ids[n]}
		}
	}
	for i := range outs {
		if outs[i].ID < 0 {
			outs[i].ID = outs[-1-outs[i].ID].ID
		}
	}
	if spec.after != nil {
		return spec.after(tx, recs, outs)
	}
	return nil
}

type storedKey struct {
	id   int64
	hash string
}

// lookupChunk is how many keys one lookup query names.
const lookupChunk = 200

// lookupKeys finds the stored rows among keys: key → (id, hash), a query
// per lookupChunk keys through the unique index.
func lookupKeys(tx *gorm.DB, table string, keyCols []string, hashCol string, keys []rowKey) (map[rowKey]storedKey, error) {
	if len(keys) > 1 {
		return lookupKeySet(tx, table, keyCols, hashCol, keys) // one statement for the batch (keyset.go)
	}
	found := make(map[rowKey]storedKey, len(keys))
	cols := "id, " + hashCol
	for _, c := range keyCols {
		cols += ", " + c
	}
	for i := 0; i < len(keys); i += lookupChunk {
		chunk := keys[i:min(i+lookupChunk, len(keys))]
		vals := make([][]any, len(chunk))
		for n, k := range chunk {
			for c := range keyCols {
				vals[n] = append(vals[n], k[c])
			}
		}
		rows, err := tx.Session(&gorm.Session{NewDB: true}).Table(table).Select(cols).Scopes(keysIn(keyCols, vals)).Rows()
		if err := scanKeys(rows, err, len(keyCols), found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// retryOnDuplicate reruns a write transaction that lost a race for a unique
// key to a concurrent writer: the rerun sees the other writer's row and
// answers Duplicate or Conflict.
func retryOnDuplicate(f func() error) error {
	var err error
	for range 3 {
		if err = f(); !errors.Is(err, gorm.ErrDuplicatedKey) {
			return err
		}
	}
	return dup(err, "unique key still taken after retries")
}

// newConflict is the ConflictError of record key with diffs, at most
// maxDiffs of them listed.
func newConflict(record, key string, diffs []FieldDiff) *ConflictError {
	e := &ConflictError{Record: record, Key: key}
	if len(diffs) > maxDiffs {
		e.Diffs, e.More = diffs[:maxDiffs], len(diffs)-maxDiffs
	} else {
		e.Diffs = diffs
	}
	return e
}

// inputRecords completes spec for input records (orders, cancellations),
// kept with their request JSON in request_json: the payload is the
// canonical request, and a record that conflicts is kept in rejected
// records with the difference as its reason; asRejected says where a record
// came from.
func inputRecords[R any](s *Store, spec idempotent[R], asRejected func(*R) Rejected) *idempotent[R] {
	spec.hashCol = "request_hash"
	spec.stored = storedRequest(spec.table)
	spec.diff = diffRequests
	spec.after = func(tx *gorm.DB, recs []R, outs []Outcome) error {
		var rows []rejectedRow
		now := s.nowUTC()
		for i := range outs {
			if c := outs[i].Conflict; c != nil && outs[i].Kind == Conflict {
				r := asRejected(&recs[i])
				r.Reason, r.Field, r.ErrorType, r.ReceivedAt = c.Reason(), c.Field(), "CONFLICT", now
				rows = append(rows, newRejectedRow(r))
			}
		}
		return saveRejects(tx, rows)
	}
	return &spec
}

// requestPayload is the payload of a record kept as its request JSON: the
// canonical form (keys sorted, whitespace dropped) and its hash.
func requestPayload(record, key string, raw []byte) (payload, error) {
	if len(raw) == 0 {
		return payload{}, &InvalidError{Record: record + " " + key, Field: "request", Err: errors.New("empty request JSON")}
	}
	c, err := canonicalJSON(raw)
	if err != nil {
		return payload{}, &InvalidError{Record: record + " " + key, Field: "request", Err: err}
	}
	return payload{hash: sha(string(c)), body: func() []byte { return c }}, nil
}

// diffRequests is the diff of two request payloads: their JSON leaf paths
// whose values differ.
func diffRequests(stored, got []byte) []FieldDiff {
	_, a, _ := canonical(stored)
	_, b, _ := canonical(got)
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", a, fa)
	flatten("", b, fb)
	return diffPaths(fa, fb)
}

// diffPaths lists the paths whose values differ between two path → value
// maps, sorted by path; a missing value is "".
func diffPaths(stored, got map[string]string) []FieldDiff {
	var d []FieldDiff
	for p, v := range stored {
		if w, ok := got[p]; !ok || w != v {
			d = append(d, FieldDiff{Path: p, Stored: v, Got: w})
		}
	}
	for p, w := range got {
		if _, ok := stored[p]; !ok {
			d = append(d, FieldDiff{Path: p, Got: w})
		}
	}
	sort.Slice(d, func(i, j int) bool { return d[i].Path < d[j].Path })
	return d
}

// storedRequest reads the request JSON of row id of table, for
// diffRequests.
func storedRequest(table string) func(tx *gorm.DB, id int64) ([]byte, error) {
	return func(tx *gorm.DB, id int64) ([]byte, error) {
		var raw string
		err := tx.Session(&gorm.Session{NewDB: true}).Table(table).Select("request_json").Where("id = ?", id).Scan(&raw).Error
		return []byte(raw), err
	}
}
