package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// IntentStatus is where a transfer intent stands.
type IntentStatus string

// The statuses of a transfer intent.
const (
	IntentPending  IntentStatus = "pending"  // not yet posted (possibly claimed by a poster)
	IntentPosted   IntentStatus = "posted"   // PortOne created the transfer for our POST
	IntentAdopted  IntentStatus = "adopted"  // PortOne already had it (409): looked up and adopted
	IntentFailed   IntentStatus = "failed"   // gave up; needs a person (ResetIntent to retry)
	IntentConflict IntentStatus = "conflict" // PortOne holds a different transfer under our id or key
)

// IntentID is the client transfer id of the transfer intent for (partner,
// payment, kind, cancellation) in its generation: deterministic, so every
// rerun on any instance derives the same id; URL-safe (lowercase base32)
// and 46 characters long. It is sent to PortOne as the transfer's `id`.
//
// generation counts the transfers of the same record that were deleted at
// PortOne to be posted again corrected (settle void --delete-transfer):
// PortOne never reuses a client id, even a deleted one, so the corrected
// record needs a new id. Generation 0 is the id every record had before
// corrections existed; the hash of a later one has the generation as a
// fifth part.
func IntentID(partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID, generation int) settlement.TransferID {
	// "len:part;" for each part, then "g<generation>;" after the first
	// generation, appended rather than printed: a settle run derives an id
	// for every record (TestIntentIDLayout keeps the bytes).
	var buf [160]byte
	b := buf[:0]
	for _, p := range [...]string{string(partnerID), string(paymentID), string(kind), string(cancellationID)} {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
		b = append(b, ';')
	}
	if generation > 0 {
		b = append(b, 'g')
		b = strconv.AppendInt(b, int64(generation), 10)
		b = append(b, ';')
	}
	sum := sha256.Sum256(b)
	prefix := "stl-o-"
	if kind == settlement.KindOrderCancel {
		prefix = "stl-c-"
	} else if kind != settlement.KindOrder {
		prefix = "stl-m-"
	}
	var enc [6 + 40]byte
	copy(enc[:], prefix)
	intentIDEncoding.Encode(enc[6:], sum[:25])
	return settlement.TransferID(enc[:])
}

// intentIDEncoding is base32 (RFC 4648) in lowercase without padding.
var intentIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// IntentSpec is a transfer intent to create: the transfer's key and the
// request body that will be posted (unchanged) on every attempt.
type IntentSpec struct {
	PartnerID      settlement.PartnerID
	PaymentID      settlement.PaymentID
	Kind           settlement.Kind
	CancellationID settlement.CancellationID // "" for ORDER
	BusinessDate   settlement.Date
	Request        []byte // PortOne request body, JSON
	SettlementID   int64  // the settlement it posts, if stored
	Generation     int    // see IntentID: 0 unless the record was corrected at PortOne
}

// Intent is a stored transfer intent.
type Intent struct {
	ID                int64                 // row id
	IntentID          settlement.TransferID // client transfer id (IntentID)
	PartnerID         settlement.PartnerID
	PaymentID         settlement.PaymentID
	Kind              settlement.Kind
	CancellationID    settlement.CancellationID
	SettlementID      int64
	BusinessDate      settlement.Date
	Request           []byte
	RequestHash       string
	Status            IntentStatus
	Attempts          int // claims so far
	LastError         string
	ClaimOwner        string
	LeaseExpires      time.Time
	NotBefore         time.Time
	PortOneTransferID settlement.TransferID
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (r *intentRow) intent() Intent {
	var sid int64
	if r.SettlementRef != nil {
		sid = *r.SettlementRef
	}
	ms := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v).UTC()
	}
	return Intent{ID: r.ID, IntentID: r.IntentID, PartnerID: r.PartnerID, PaymentID: r.PaymentID, Kind: settlement.Kind(r.Kind),
		CancellationID: r.CancellationID, SettlementID: sid, BusinessDate: r.BusinessDate.date(), Request: []byte(r.RequestJSON),
		RequestHash: r.RequestHash, Status: IntentStatus(r.Status), Attempts: int(r.Attempts), LastError: r.LastError,
		ClaimOwner: r.ClaimOwner, LeaseExpires: ms(r.LeaseExpiresMS), NotBefore: ms(r.NotBeforeMS),
		PortOneTransferID: r.PortOneTransferID, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
}

// CreateIntent stores a transfer intent idempotently by (partner, payment,
// kind, cancellation): the same request again is a Duplicate (the stored
// intent is returned whatever its status), a different request a Conflict
// (*ConflictError; nothing changed). The client id is IntentID of the key.
func (s *Store) CreateIntent(ctx context.Context, spec IntentSpec) (Intent, Outcome, error) {
	out, err := saveOneIdempotent(ctx, s, s.intents(), spec)
	if err != nil && out.Kind != Conflict {
		return Intent{}, Outcome{}, err
	}
	in, ierr := s.IntentByID(ctx, IntentID(spec.PartnerID, spec.PaymentID, spec.Kind, spec.CancellationID, spec.Generation))
	if ierr != nil {
		return Intent{}, Outcome{}, ierr
	}
	return in, out, err
}

func (sp *IntentSpec) key() string {
	return transferKey(sp.PartnerID, sp.PaymentID, sp.Kind, sp.CancellationID)
}

// intents is the idempotent write of transfer intents: key (partner,
// payment, kind, cancellation), payload the canonical request body.
func (s *Store) intents() *idempotent[IntentSpec] {
	return &idempotent[IntentSpec]{
		record: "transfer intent", table: "transfer_intents", hashCol: "request_hash",
		keyCols: []string{"partner_id", "payment_id", "kind", "cancellation_id"},
		key: func(sp *IntentSpec) rowKey {
			return rowKey{string(sp.PartnerID), string(sp.PaymentID), string(sp.Kind), string(sp.CancellationID)}
		},
		name: (*IntentSpec).key,
		check: func(sp *IntentSpec) (payload, error) {
			if sp.PartnerID == "" || sp.PaymentID == "" || sp.Kind == "" {
				return payload{}, &InvalidError{Record: "transfer intent " + sp.key(), Field: "partnerId/paymentId/kind", Err: errors.New("missing")}
			}
			return requestPayload("transfer intent", sp.key(), sp.Request)
		},
		stored: storedRequest("transfer_intents"),
		diff:   diffRequests,
		insert: func(tx *gorm.DB, specs []IntentSpec, fresh []int, pays []payload, ids []int64) error {
			now := at(s.nowUTC())
			rows := make([]intentRow, len(fresh))
			for n, i := range fresh {
				sp := &specs[i]
				rows[n] = intentRow{IntentID: IntentID(sp.PartnerID, sp.PaymentID, sp.Kind, sp.CancellationID, sp.Generation), PartnerID: sp.PartnerID,
					PaymentID: sp.PaymentID, Kind: string(sp.Kind), CancellationID: sp.CancellationID, BusinessDate: day(sp.BusinessDate),
					RequestJSON: string(sp.Request), RequestHash: pays[i].hash, Status: string(IntentPending), CreatedAt: now, UpdatedAt: now}
				if sp.SettlementID > 0 {
					sid := sp.SettlementID
					rows[n].SettlementRef = &sid
				}
			}
			if err := tx.CreateInBatches(&rows, 500).Error; err != nil {
				return err
			}
			for n := range rows {
				ids[n] = rows[n].ID
			}
			return nil
		},
	}
}

// IntentByID returns the intent with client id intentID, or a *NotFoundError.
func (s *Store) IntentByID(ctx context.Context, intentID settlement.TransferID) (Intent, error) {
	var r intentRow
	if err := s.w(ctx).Where("intent_id = ?", intentID).Take(&r).Error; err != nil {
		return Intent{}, notFound(err, fmt.Sprintf("transfer intent %q", intentID))
	}
	return r.intent(), nil
}

// IntentByKey returns the intent for (partner, payment, kind,
// cancellation), whatever its generation (a key has one intent at a time:
// a corrected record's earlier intent is gone with its void).
func (s *Store) IntentByKey(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID) (Intent, error) {
	var r intentRow
	if err := s.w(ctx).Where("partner_id = ? AND payment_id = ? AND kind = ? AND cancellation_id = ?", partnerID, paymentID, string(kind), string(cancellationID)).
		Take(&r).Error; err != nil {
		return Intent{}, notFound(err, fmt.Sprintf("transfer intent of %s %q %q %q", kind, partnerID, paymentID, cancellationID))
	}
	return r.intent(), nil
}

// CountIntents counts intents by status, optionally for one business date
// (zero date: all).
func (s *Store) CountIntents(ctx context.Context, d settlement.Date) (map[IntentStatus]int, error) {
	q := s.w(ctx).Model(&intentRow{}).Select("status, COUNT(*) AS n").Group("status")
	if !d.IsZero() {
		q = q.Where("business_date = ?", day(d))
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count intents: %w", err)
	}
	out := map[IntentStatus]int{}
	for _, r := range rows {
		out[IntentStatus(r.Status)] = r.N
	}
	return out, nil
}

// ClaimIntents leases up to n pending intents to owner for lease: those
// never claimed, released, or whose lease has expired (a dead poster's), and
// whose retry time has come. Each claim counts as an attempt. Claims of
// concurrent callers (goroutines or processes) are disjoint: PostgreSQL
// selects with FOR UPDATE SKIP LOCKED; SQLite claims in one UPDATE …
// RETURNING on its single writer.
func (s *Store) ClaimIntents(ctx context.Context, owner string, n int, lease time.Duration) ([]Intent, error) {
	return s.claimIntents(ctx, settlement.Date{}, owner, n, lease)
}

// ClaimIntentsOn is ClaimIntents restricted to intents of business date d.
func (s *Store) ClaimIntentsOn(ctx context.Context, d settlement.Date, owner string, n int, lease time.Duration) ([]Intent, error) {
	return s.claimIntents(ctx, d, owner, n, lease)
}

// intentColumns are the columns of transfer_intents that a claim returns.
const intentColumns = "id, intent_id, partner_id, payment_id, kind, cancellation_id, settlement_ref, business_date, request_json, " +
	"request_hash, status, attempts, last_error, claim_owner, lease_expires_ms, not_before_ms, portone_transfer_id, created_at, updated_at"

// claimIntents leases up to n claimable intents (of d, or of any date) in
// one statement. Its inner SELECT is served by a partial index holding only
// the pending intents, in id order (transfer_intents_pending and
// transfer_intents_pending_any, migration 8), so a claim reads the rows it
// claims and the few pending ones it skips (leased to others or waiting
// for a retry), never every pending intent: its cost does not grow with
// the night. The status is a literal, not a parameter, so that SQLite can
// tell the partial index applies.
func (s *Store) claimIntents(ctx context.Context, d settlement.Date, owner string, n int, lease time.Duration) ([]Intent, error) {
	if owner == "" || n <= 0 || lease <= 0 {
		return nil, &InvalidError{Record: "claim", Field: "owner/n/lease", Err: errors.New("owner, a positive n and a positive lease are required")}
	}
	now := s.nowMS()
	args := []any{owner, now + lease.Milliseconds(), at(s.nowUTC()), now, now}
	if !d.IsZero() {
		args = append(args, day(d))
	}
	args = append(args, n)
	q := "UPDATE transfer_intents SET claim_owner = ?, lease_expires_ms = ?, attempts = attempts + 1, updated_at = ? WHERE id IN (" +
		s.claimable(!d.IsZero()) + ") RETURNING " + intentColumns
	rs, err := s.w(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("claim intents for %q: %w", owner, err)
	}
	rows, err := scanIntentRows(rs, make([]intentRow, 0, n))
	if err != nil {
		return nil, fmt.Errorf("claim intents for %q: %w", owner, err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	out := make([]Intent, len(rows))
	for i := range rows {
		out[i] = rows[i].intent()
	}
	return out, nil
}

// scanIntentRows appends the rows of a query of intentColumns to dst and
// closes them. Scanned by hand: GORM's reflection per row was half of a
// claim's CPU time.
func scanIntentRows(rows *sql.Rows, dst []intentRow) ([]intentRow, error) {
	defer rows.Close()
	for rows.Next() {
		dst = append(dst, intentRow{})
		r := &dst[len(dst)-1]
		if err := rows.Scan(&r.ID, &r.IntentID, &r.PartnerID, &r.PaymentID, &r.Kind, &r.CancellationID, &r.SettlementRef, &r.BusinessDate,
			&r.RequestJSON, &r.RequestHash, &r.Status, &r.Attempts, &r.LastError, &r.ClaimOwner, &r.LeaseExpiresMS, &r.NotBeforeMS,
			&r.PortOneTransferID, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, err
		}
	}
	return dst, rows.Err()
}

// claimable is the SELECT of the ids a claim takes: parameters now (lease),
// now (not before), the business date when dated, and the limit.
func (s *Store) claimable(dated bool) string {
	q := "SELECT id FROM transfer_intents WHERE status = 'pending' AND lease_expires_ms <= ? AND not_before_ms <= ?"
	if dated {
		q += " AND business_date = ?"
	}
	q += " ORDER BY id LIMIT ?"
	if s.dialect == Postgres {
		// Claims of several instances are disjoint: rows another claim
		// holds are skipped, not waited for.
		q += " FOR UPDATE SKIP LOCKED"
	}
	return q
}

// PendingIntents counts the pending intents of business date d (claimed or
// not), from the partial index of the pending ones.
func (s *Store) PendingIntents(ctx context.Context, d settlement.Date) (int64, error) {
	var n int64
	if err := s.w(ctx).Raw("SELECT COUNT(*) FROM transfer_intents WHERE status = 'pending' AND business_date = ?", day(d)).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count pending intents of %s: %w", d, err)
	}
	return n, nil
}

// RenewIntent extends owner's lease on a claimed intent. It returns a
// *LeaseError (ErrLeaseLost) when owner no longer holds it.
func (s *Store) RenewIntent(ctx context.Context, intentID settlement.TransferID, owner string, lease time.Duration) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"lease_expires_ms": s.nowMS() + lease.Milliseconds()})
}

// ReleaseIntent gives a claimed intent back unposted (shutdown), claimable
// at once by anyone. It returns a *LeaseError when owner does not hold it.
func (s *Store) ReleaseIntent(ctx context.Context, intentID settlement.TransferID, owner string) error {
	return s.recordOne(ctx, owner, IntentResult{IntentID: intentID})
}

// RetryIntent records a retryable failure (network error, 5xx, 429) of a
// claimed intent: it stays pending, released, and is claimable again from
// notBefore. It returns a *LeaseError when owner does not hold it.
func (s *Store) RetryIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string, notBefore time.Time) error {
	return s.recordOne(ctx, owner, IntentResult{IntentID: intentID, Status: IntentPending, Reason: reason, NotBefore: notBefore})
}

// FailIntent records a final failure of a claimed intent (status failed,
// kept for a person to look at; ResetIntent makes it pending again). It
// returns a *LeaseError when owner does not hold it.
func (s *Store) FailIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string) error {
	return s.recordOne(ctx, owner, IntentResult{IntentID: intentID, Status: IntentFailed, Reason: reason})
}

// ConflictIntent records that PortOne holds a different transfer under the
// intent's id or key (status conflict, final).
func (s *Store) ConflictIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string) error {
	return s.recordOne(ctx, owner, IntentResult{IntentID: intentID, Status: IntentConflict, Reason: reason})
}

func (s *Store) updateClaimed(ctx context.Context, intentID settlement.TransferID, owner string, set map[string]any) error {
	set["updated_at"] = at(s.nowUTC())
	res := s.w(ctx).Model(&intentRow{}).Where("intent_id = ? AND claim_owner = ? AND status = ?", intentID, owner, string(IntentPending)).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("transfer intent %q: %w", intentID, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	in, err := s.IntentByID(ctx, intentID)
	if err != nil {
		return err
	}
	return &LeaseError{What: fmt.Sprintf("transfer intent %q (%s)", intentID, in.Status), Owner: owner, Held: in.ClaimOwner}
}

// ResetIntent makes a failed or conflicting intent pending again (an
// operator's decision), released and claimable at once.
func (s *Store) ResetIntent(ctx context.Context, intentID settlement.TransferID) error {
	res := s.w(ctx).Model(&intentRow{}).Where("intent_id = ? AND status IN ?", intentID, []string{string(IntentFailed), string(IntentConflict)}).
		Updates(map[string]any{"status": string(IntentPending), "claim_owner": "", "lease_expires_ms": 0, "not_before_ms": 0, "updated_at": at(s.nowUTC())})
	if res.Error != nil {
		return fmt.Errorf("reset transfer intent %q: %w", intentID, res.Error)
	}
	if res.RowsAffected == 0 {
		return &NotFoundError{What: fmt.Sprintf("failed transfer intent %q", intentID)}
	}
	return nil
}

// CompleteIntent records that PortOne has the intent's transfer: status
// posted (our POST created it) or adopted (PortOne already had it), with
// PortOne's answer stored and its status history started, in one
// transaction. It does not require owner to still hold the lease: a POST
// that went through must be recorded whoever holds the claim now.
// Completing an intent again with the same PortOne transfer id is a no-op;
// with another id it returns a *ConflictError.
func (s *Store) CompleteIntent(ctx context.Context, intentID settlement.TransferID, owner string, status IntentStatus, answer PortOneTransfer) error {
	if status != IntentPosted && status != IntentAdopted {
		return &InvalidError{Record: fmt.Sprintf("transfer intent %q", intentID), Field: "status", Err: fmt.Errorf("%q: want posted or adopted", status)}
	}
	return s.recordOne(ctx, owner, IntentResult{IntentID: intentID, Status: status, Answer: answer})
}

// IntentResult is what became of one claimed intent, for RecordResults.
type IntentResult struct {
	IntentID settlement.TransferID
	// Status is where the intent goes: IntentPosted or IntentAdopted with
	// Answer (PortOne has the transfer); IntentFailed or IntentConflict with
	// Reason (final); IntentPending with Reason and NotBefore (a retryable
	// failure: released, claimable again from NotBefore); "" to release it
	// unposted, claimable at once (or from NotBefore, when set).
	Status    IntentStatus
	Answer    PortOneTransfer
	Reason    string
	NotBefore time.Time
	// Waited says the claim is given back unposted because the intent must
	// wait for another (a cancel for its order or an earlier cancel): the
	// claim does not count as an attempt.
	Waited bool
}

func (s *Store) recordOne(ctx context.Context, owner string, r IntentResult) error {
	errs, err := s.RecordResults(ctx, owner, []IntentResult{r})
	if err != nil {
		return err
	}
	return errs[0]
}

// outcomeChunk bounds the intents one statement of RecordResults names.
const outcomeChunk = 500

// RecordResults records what became of claimed intents, all in one
// transaction: a poster writes its outcomes in groups, so a night of a
// million transfers is a few thousand commits, not a million. errs[i] is
// rs[i]'s own refusal, which does not stop the others: a *LeaseError when
// a result other than posted or adopted comes from an owner that no longer
// holds the intent's claim, a *ConflictError when a completed intent is
// completed again with another transfer id (the same id is a no-op), a
// *NotFoundError or an *InvalidError. Completions do not need the lease
// (a POST that went through is recorded whoever holds the claim now). err
// is the store's failure: then nothing was written.
func (s *Store) RecordResults(ctx context.Context, owner string, rs []IntentResult) (errs []error, err error) {
	if len(rs) == 0 {
		return nil, nil
	}
	err = s.retryTx(ctx, func(tx *gorm.DB) error {
		errs = make([]error, len(rs))
		return s.recordResultsTx(tx, owner, rs, errs)
	})
	if err != nil {
		return nil, fmt.Errorf("record outcomes of %d transfer intents: %w", len(rs), err)
	}
	return errs, nil
}

// retryTx runs fn in a write transaction, again (up to three times in
// all) when PostgreSQL aborts it as a deadlock or a serialization failure
// against another instance's transaction over the same rows.
func (s *Store) retryTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for try := 0; try < 3; try++ {
		if err = s.tx(ctx, fn); err == nil || !retryable(err) {
			return err
		}
	}
	return err
}

// retryable reports PostgreSQL's deadlock_detected (40P01) and
// serialization_failure (40001).
func retryable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 40P01") || strings.Contains(msg, "SQLSTATE 40001")
}

func (s *Store) recordResultsTx(tx *gorm.DB, owner string, rs []IntentResult, errs []error) error {
	// The intents, locked on PostgreSQL (in id order, as every writer of
	// intents locks them) so that two instances completing the same intent
	// after a lapsed lease take turns and the second sees the first's work.
	ids := make([]settlement.TransferID, 0, len(rs))
	for i := range rs {
		ids = append(ids, rs[i].IntentID)
	}
	rows := make(map[settlement.TransferID]*intentRow, len(ids))
	q := "SELECT id, intent_id, partner_id, payment_id, kind, cancellation_id, status, claim_owner, portone_transfer_id " +
		"FROM transfer_intents WHERE intent_id IN ? ORDER BY id"
	if s.dialect == Postgres {
		q += " FOR UPDATE"
	}
	for c := 0; c < len(ids); c += outcomeChunk {
		// Scanned by hand: GORM's reflection per row cost more than the
		// lookup through the unique index.
		rs, err := tx.Raw(q, ids[c:min(c+outcomeChunk, len(ids))]).Rows()
		if err != nil {
			return err
		}
		for rs.Next() {
			r := new(intentRow)
			if err := rs.Scan(&r.ID, &r.IntentID, &r.PartnerID, &r.PaymentID, &r.Kind, &r.CancellationID, &r.Status, &r.ClaimOwner,
				&r.PortOneTransferID); err != nil {
				rs.Close()
				return err
			}
			rows[r.IntentID] = r
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return err
		}
	}
	now := at(s.nowUTC())
	var done []*PortOneTransfer
	var refs []int64
	var sources []string
	completed := map[IntentStatus][]int64{} // by status, intents whose transfer id is their own
	type released struct {
		id  int64
		set map[string]any
	}
	var rel []released
	for i := range rs {
		r := &rs[i]
		row := rows[r.IntentID]
		if row == nil {
			errs[i] = &NotFoundError{What: fmt.Sprintf("transfer intent %q", r.IntentID)}
			continue
		}
		switch r.Status {
		case IntentPosted, IntentAdopted:
			a := &r.Answer
			if a.TransferID == "" {
				errs[i] = &InvalidError{Record: fmt.Sprintf("transfer intent %q", r.IntentID), Field: "transfer id", Err: errors.New("missing")}
				continue
			}
			switch IntentStatus(row.Status) {
			case IntentPosted, IntentAdopted:
				if row.PortOneTransferID != a.TransferID {
					errs[i] = &ConflictError{Record: "transfer intent", Key: fmt.Sprintf("%q", r.IntentID),
						Diffs: []FieldDiff{{Path: "transferId", Stored: string(row.PortOneTransferID), Got: string(a.TransferID)}}}
				}
				continue
			}
			a.IntentID = r.IntentID
			if a.PartnerID == "" {
				a.PartnerID, a.PaymentID, a.Kind, a.CancellationID = row.PartnerID, row.PaymentID, settlement.Kind(row.Kind), row.CancellationID
			}
			done, refs, sources = append(done, a), append(refs, row.ID), append(sources, string(r.Status))
			if a.TransferID == r.IntentID {
				completed[r.Status] = append(completed[r.Status], row.ID)
			} else {
				rel = append(rel, released{row.ID, map[string]any{"status": string(r.Status), "portone_transfer_id": a.TransferID,
					"claim_owner": "", "lease_expires_ms": 0, "last_error": "", "updated_at": now}})
			}
			// The intent counts as completed for later results of the batch.
			row.Status, row.PortOneTransferID = string(r.Status), a.TransferID
		case IntentFailed, IntentConflict, IntentPending, "":
			if row.Status != string(IntentPending) || row.ClaimOwner != owner {
				errs[i] = &LeaseError{What: fmt.Sprintf("transfer intent %q (%s)", r.IntentID, row.Status), Owner: owner, Held: row.ClaimOwner}
				continue
			}
			set := map[string]any{"claim_owner": "", "lease_expires_ms": 0, "updated_at": now}
			if r.Status != "" {
				set["last_error"] = r.Reason
			}
			switch r.Status {
			case IntentFailed, IntentConflict:
				set["status"] = string(r.Status)
			default:
				if !r.NotBefore.IsZero() {
					set["not_before_ms"] = r.NotBefore.UnixMilli()
				}
			}
			if r.Waited {
				set["attempts"] = gorm.Expr("attempts - 1")
			}
			rel = append(rel, released{row.ID, set})
			row.ClaimOwner = "" // a second release of it in this batch is refused, as it would be in the next
		default:
			errs[i] = &InvalidError{Record: fmt.Sprintf("transfer intent %q", r.IntentID), Field: "status", Err: fmt.Errorf("unknown status %q", r.Status)}
		}
	}
	if err := s.recordTransfersTx(tx, done, refs, sources); err != nil {
		return err
	}
	for _, st := range []IntentStatus{IntentPosted, IntentAdopted} {
		ids := completed[st]
		for c := 0; c < len(ids); c += outcomeChunk {
			// One statement, not GORM's Updates of a map (a statement
			// built by reflection over the model and the map's sorted keys
			// for every group).
			err := tx.Exec(`UPDATE transfer_intents SET status = ?, portone_transfer_id = intent_id, claim_owner = '', lease_expires_ms = 0,
				last_error = '', updated_at = ? WHERE id IN ?`, string(st), now, ids[c:min(c+outcomeChunk, len(ids))]).Error
			if err != nil {
				return err
			}
		}
	}
	// Releases and failures are few (errors, waits, shutdown): one
	// statement each.
	for _, r := range rel {
		if err := tx.Model(&intentRow{}).Where("id = ?", r.id).Updates(r.set).Error; err != nil {
			return err
		}
	}
	return nil
}

// IntentState is where one intent of a payment stands, as a cancel's
// readiness to be posted needs it.
type IntentState struct {
	IntentID     settlement.TransferID
	Status       IntentStatus
	SettlementID int64
}

// CancelStep is one cancel settled for a payment, in the order they were
// settled; Intent is nil when the settlement has no intent.
type CancelStep struct {
	SettlementID   int64
	CancellationID settlement.CancellationID
	Intent         *IntentState
}

// PaymentHistory is what a payment's cancels wait for: its order intent
// (nil when there is none) and its cancels in the order they were settled.
type PaymentHistory struct {
	Order   *IntentState
	Cancels []CancelStep
}

// cancelKey names one cancel of a payment.
type cancelKey struct {
	partner      settlement.PartnerID
	payment      settlement.PaymentID
	cancellation settlement.CancellationID
}

// PaymentHistories returns the history of each payment of keys, in two
// queries per lookupChunk payments (the intents, the settled cancels),
// both through the (partner, payment, …) unique indexes: the readiness of
// a whole claim of cancels at once, instead of several queries per cancel.
func (s *Store) PaymentHistories(ctx context.Context, keys []PaymentKey) (map[PaymentKey]*PaymentHistory, error) {
	out := make(map[PaymentKey]*PaymentHistory, len(keys))
	for _, k := range keys {
		out[k] = &PaymentHistory{}
	}
	for c := 0; c < len(keys); c += lookupChunk {
		chunk := keys[c:min(c+lookupChunk, len(keys))]
		kv := make([][]any, len(chunk))
		for i, k := range chunk {
			kv[i] = []any{k.PartnerID, k.PaymentID}
		}
		in := keysIn([]string{"partner_id", "payment_id"}, kv)
		var irows []intentRow
		if err := s.w(ctx).Scopes(in).Select("intent_id, partner_id, payment_id, kind, cancellation_id, settlement_ref, status").Find(&irows).Error; err != nil {
			return nil, fmt.Errorf("intents of %d payments: %w", len(chunk), err)
		}
		// Cancels by their key, not by a recomputed client id: the id
		// depends on the record's generation.
		byCancel := map[cancelKey]*IntentState{}
		for i := range irows {
			r := &irows[i]
			h := out[PaymentKey{r.PartnerID, r.PaymentID}]
			if h == nil {
				continue // the cross product of the IN lists
			}
			st := &IntentState{IntentID: r.IntentID, Status: IntentStatus(r.Status)}
			if r.SettlementRef != nil {
				st.SettlementID = *r.SettlementRef
			}
			switch settlement.Kind(r.Kind) {
			case settlement.KindOrder:
				h.Order = st
			case settlement.KindOrderCancel:
				byCancel[cancelKey{r.PartnerID, r.PaymentID, r.CancellationID}] = st
			}
		}
		var srows []struct {
			ID             int64
			PartnerID      settlement.PartnerID
			PaymentID      settlement.PaymentID
			CancellationID settlement.CancellationID
		}
		if err := s.w(ctx).Table("settlements").Scopes(in).Where("kind = ?", string(settlement.KindOrderCancel)).
			Select("id, partner_id, payment_id, cancellation_id").Order("id").Scan(&srows).Error; err != nil {
			return nil, fmt.Errorf("settled cancels of %d payments: %w", len(chunk), err)
		}
		for _, r := range srows {
			h := out[PaymentKey{r.PartnerID, r.PaymentID}]
			if h == nil {
				continue
			}
			h.Cancels = append(h.Cancels, CancelStep{SettlementID: r.ID, CancellationID: r.CancellationID,
				Intent: byCancel[cancelKey{r.PartnerID, r.PaymentID, r.CancellationID}]})
		}
	}
	return out, nil
}
