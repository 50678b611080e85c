package store

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
// payment, kind, cancellation): deterministic, so every rerun on any
// instance derives the same id; URL-safe (lowercase base32) and 46
// characters long. It is sent to PortOne as the transfer's `id`.
func IntentID(partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID) settlement.TransferID {
	h := sha256.New()
	for _, p := range []string{string(partnerID), string(paymentID), string(kind), string(cancellationID)} {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	sum := h.Sum(nil)
	prefix := "stl-o-"
	if kind == settlement.KindOrderCancel {
		prefix = "stl-c-"
	} else if kind != settlement.KindOrder {
		prefix = "stl-m-"
	}
	return settlement.TransferID(prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:25])))
}

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
	in, ierr := s.IntentByID(ctx, IntentID(spec.PartnerID, spec.PaymentID, spec.Kind, spec.CancellationID))
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
				rows[n] = intentRow{IntentID: IntentID(sp.PartnerID, sp.PaymentID, sp.Kind, sp.CancellationID), PartnerID: sp.PartnerID,
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

// IntentByKey returns the intent for (partner, payment, kind, cancellation).
func (s *Store) IntentByKey(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID) (Intent, error) {
	return s.IntentByID(ctx, IntentID(partnerID, paymentID, kind, cancellationID))
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

func (s *Store) claimIntents(ctx context.Context, d settlement.Date, owner string, n int, lease time.Duration) ([]Intent, error) {
	if owner == "" || n <= 0 || lease <= 0 {
		return nil, &InvalidError{Record: "claim", Field: "owner/n/lease", Err: errors.New("owner, a positive n and a positive lease are required")}
	}
	now := s.nowMS()
	where := "status = ? AND lease_expires_ms <= ? AND not_before_ms <= ?"
	args := []any{string(IntentPending), now, now}
	if !d.IsZero() {
		where += " AND business_date = ?"
		args = append(args, day(d))
	}
	set := map[string]any{
		"claim_owner": owner, "lease_expires_ms": now + lease.Milliseconds(),
		"attempts": gorm.Expr("attempts + 1"), "updated_at": at(s.nowUTC()),
	}
	var rows []intentRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var ids []int64
		q := tx.Model(&intentRow{}).Where(where, args...).Order("id").Limit(n)
		if s.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		// On SQLite this transaction holds the write lock from its first
		// statement (_txlock=immediate), so select-then-update is atomic.
		if err := q.Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&intentRow{}).Where("id IN ?", ids).Updates(set).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Order("id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim intents for %q: %w", owner, err)
	}
	out := make([]Intent, len(rows))
	for i := range rows {
		out[i] = rows[i].intent()
	}
	return out, nil
}

// RenewIntent extends owner's lease on a claimed intent. It returns a
// *LeaseError (ErrLeaseLost) when owner no longer holds it.
func (s *Store) RenewIntent(ctx context.Context, intentID settlement.TransferID, owner string, lease time.Duration) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"lease_expires_ms": s.nowMS() + lease.Milliseconds()})
}

// ReleaseIntent gives a claimed intent back unposted (shutdown), claimable
// at once by anyone. It returns a *LeaseError when owner does not hold it.
func (s *Store) ReleaseIntent(ctx context.Context, intentID settlement.TransferID, owner string) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"claim_owner": "", "lease_expires_ms": 0})
}

// RetryIntent records a retryable failure (network error, 5xx, 429) of a
// claimed intent: it stays pending, released, and is claimable again from
// notBefore. It returns a *LeaseError when owner does not hold it.
func (s *Store) RetryIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string, notBefore time.Time) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"claim_owner": "", "lease_expires_ms": 0,
		"last_error": reason, "not_before_ms": notBefore.UnixMilli()})
}

// FailIntent records a final failure of a claimed intent (status failed,
// kept for a person to look at; ResetIntent makes it pending again). It
// returns a *LeaseError when owner does not hold it.
func (s *Store) FailIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"status": string(IntentFailed), "claim_owner": "", "lease_expires_ms": 0, "last_error": reason})
}

// ConflictIntent records that PortOne holds a different transfer under the
// intent's id or key (status conflict, final).
func (s *Store) ConflictIntent(ctx context.Context, intentID settlement.TransferID, owner, reason string) error {
	return s.updateClaimed(ctx, intentID, owner, map[string]any{"status": string(IntentConflict), "claim_owner": "", "lease_expires_ms": 0, "last_error": reason})
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
	if answer.TransferID == "" {
		return &InvalidError{Record: fmt.Sprintf("transfer intent %q", intentID), Field: "transfer id", Err: errors.New("missing")}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var in intentRow
		if err := tx.Where("intent_id = ?", intentID).Take(&in).Error; err != nil {
			return notFound(err, fmt.Sprintf("transfer intent %q", intentID))
		}
		switch IntentStatus(in.Status) {
		case IntentPosted, IntentAdopted:
			if in.PortOneTransferID == answer.TransferID {
				return nil
			}
			return &ConflictError{Record: "transfer intent", Key: fmt.Sprintf("%q", intentID),
				Diffs: []FieldDiff{{Path: "transferId", Stored: string(in.PortOneTransferID), Got: string(answer.TransferID)}}}
		}
		answer.IntentID = intentID
		if answer.PartnerID == "" {
			answer.PartnerID, answer.PaymentID, answer.Kind, answer.CancellationID = in.PartnerID, in.PaymentID, settlement.Kind(in.Kind), in.CancellationID
		}
		if err := s.recordTransferTx(tx, &answer, in.ID, string(status)); err != nil {
			return err
		}
		return tx.Model(&intentRow{}).Where("id = ?", in.ID).Updates(map[string]any{
			"status": string(status), "portone_transfer_id": answer.TransferID, "claim_owner": "", "lease_expires_ms": 0,
			"last_error": "", "updated_at": at(s.nowUTC()),
		}).Error
	})
	if err != nil {
		var ce *ConflictError
		var nf *NotFoundError
		if errors.As(err, &ce) || errors.As(err, &nf) {
			return err
		}
		return fmt.Errorf("complete transfer intent %q: %w", intentID, err)
	}
	return nil
}
