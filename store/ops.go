package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// IntentFilter selects transfer intents for an operator: `settle intents`,
// `settle retry`, GET /v1/intents. Zero fields select everything.
type IntentFilter struct {
	Statuses  []IntentStatus
	Date      settlement.Date // business date
	PartnerID settlement.PartnerID
	PaymentID settlement.PaymentID
	Kind      settlement.Kind
	IntentIDs []settlement.TransferID
	Limit     int // at most this many (0: no limit)
}

func (f IntentFilter) apply(q *gorm.DB, alias string) *gorm.DB {
	col := func(c string) string {
		if alias == "" {
			return c
		}
		return alias + "." + c
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		q = q.Where(col("status")+" IN ?", st)
	}
	if !f.Date.IsZero() {
		q = q.Where(col("business_date")+" = ?", day(f.Date))
	}
	if f.PartnerID != "" {
		q = q.Where(col("partner_id")+" = ?", f.PartnerID)
	}
	if f.PaymentID != "" {
		q = q.Where(col("payment_id")+" = ?", f.PaymentID)
	}
	if f.Kind != "" {
		q = q.Where(col("kind")+" = ?", string(f.Kind))
	}
	if len(f.IntentIDs) > 0 {
		q = q.Where(col("intent_id")+" IN ?", f.IntentIDs)
	}
	return q
}

// IntentLine is one transfer intent as an operator reads it: its key, where
// it stands, PortOne's last error and the settlement amount it transfers
// (a cancel's amount is positive: what it takes back).
type IntentLine struct {
	IntentID          settlement.TransferID
	BusinessDate      settlement.Date
	PartnerID         settlement.PartnerID
	PaymentID         settlement.PaymentID
	Kind              settlement.Kind
	CancellationID    settlement.CancellationID
	Status            IntentStatus
	Attempts          int
	LastError         string
	PortOneTransferID settlement.TransferID
	Settlement        settlement.Won
	UpdatedAt         time.Time
}

// intentOrder is the order a person reads intents in: business date,
// partner, payment, the order before its cancels, cancels by id.
const intentOrder = "ti.business_date, ti.partner_id, ti.payment_id, ti.kind, ti.cancellation_id"

// ListIntents calls fn for each intent f selects, in intentOrder, with the
// settlement amount of the settlement it posts.
func (s *Store) ListIntents(ctx context.Context, f IntentFilter, fn func(*IntentLine) error) error {
	q := s.r(ctx).Table("transfer_intents AS ti").
		Select(`ti.intent_id, ti.business_date, ti.partner_id, ti.payment_id, ti.kind, ti.cancellation_id, ti.status,
			ti.attempts, ti.last_error, ti.portone_transfer_id, COALESCE(st.a_settlement, 0), ti.updated_at`).
		Joins("LEFT JOIN settlements st ON st.id = ti.settlement_ref").Order(intentOrder)
	q = f.apply(q, "ti")
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	rows, err := q.Rows()
	if err != nil {
		return fmt.Errorf("list transfer intents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l IntentLine
		var d day
		var kind, status string
		var amount int64
		var upd instant
		if err := rows.Scan(&l.IntentID, &d, &l.PartnerID, &l.PaymentID, &kind, &l.CancellationID, &status,
			&l.Attempts, &l.LastError, &l.PortOneTransferID, &amount, &upd); err != nil {
			return fmt.Errorf("list transfer intents: %w", err)
		}
		l.BusinessDate, l.Kind, l.Status, l.Settlement = d.date(), settlement.Kind(kind), IntentStatus(status), settlement.Won(amount)
		l.UpdatedAt = upd.Time
		if err := fn(&l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// IntentTotal is the number of intents of one business date, kind and
// status, and the sum of their settlement amounts.
type IntentTotal struct {
	BusinessDate settlement.Date
	Kind         settlement.Kind
	Status       IntentStatus
	Count        int64
	Settlement   settlement.Won
}

// IntentTotals counts intents by business date (from..to, zero: open),
// kind and status, oldest date first. The sums are the database's (both
// refuse to overflow rather than wrap).
func (s *Store) IntentTotals(ctx context.Context, from, to settlement.Date) ([]IntentTotal, error) {
	q := s.r(ctx).Table("transfer_intents AS ti").
		Select("ti.business_date, ti.kind, ti.status, COUNT(*), COALESCE(SUM(st.a_settlement), 0)").
		Joins("LEFT JOIN settlements st ON st.id = ti.settlement_ref").
		Group("ti.business_date, ti.kind, ti.status").Order("ti.business_date, ti.kind, ti.status")
	if !from.IsZero() {
		q = q.Where("ti.business_date >= ?", day(from))
	}
	if !to.IsZero() {
		q = q.Where("ti.business_date <= ?", day(to))
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("count transfer intents: %w", err)
	}
	defer rows.Close()
	var out []IntentTotal
	for rows.Next() {
		var t IntentTotal
		var d day
		var kind, status string
		var sum sql.NullInt64
		if err := rows.Scan(&d, &kind, &status, &t.Count, &sum); err != nil {
			return nil, fmt.Errorf("count transfer intents: %w", err)
		}
		t.BusinessDate, t.Kind, t.Status, t.Settlement = d.date(), settlement.Kind(kind), IntentStatus(status), settlement.Won(sum.Int64)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DatesNeedingAttention returns the business dates that have failed,
// conflicting or pending intents, oldest first: a status view shows them
// however old they are.
func (s *Store) DatesNeedingAttention(ctx context.Context) ([]settlement.Date, error) {
	var days []day
	err := s.r(ctx).Model(&intentRow{}).Distinct("business_date").
		Where("status IN ?", []string{string(IntentFailed), string(IntentConflict), string(IntentPending)}).
		Order("business_date").Pluck("business_date", &days).Error
	if err != nil {
		return nil, fmt.Errorf("dates needing attention: %w", err)
	}
	out := make([]settlement.Date, len(days))
	for i, d := range days {
		out[i] = d.date()
	}
	return out, nil
}

// Requeued is one intent that ResetIntents made pending again.
type Requeued struct {
	IntentID     settlement.TransferID
	BusinessDate settlement.Date
	PartnerID    settlement.PartnerID
	PaymentID    settlement.PaymentID
	Kind         settlement.Kind
	Was          IntentStatus // failed or conflict
	LastError    string
}

// ResetIntents makes every failed or conflicting intent that f selects
// pending again, released, claimable at once and with its attempts counted
// from zero, in one statement: an operator's retry once the cause is fixed.
// The intents keep their client transfer id and request, so the next post
// sends the same id and bytes and PortOne can never hold two transfers for
// one intent. Concurrent callers (several instances) reset each intent
// once: a row already pending no longer matches. f.Statuses narrows to
// failed or conflict; other statuses in it are ignored.
func (s *Store) ResetIntents(ctx context.Context, f IntentFilter) ([]Requeued, error) {
	want := []IntentStatus{IntentFailed, IntentConflict}
	if len(f.Statuses) > 0 {
		var narrowed []IntentStatus
		for _, st := range f.Statuses {
			if st == IntentFailed || st == IntentConflict {
				narrowed = append(narrowed, st)
			}
		}
		if len(narrowed) == 0 {
			return nil, nil
		}
		want = narrowed
	}
	f.Statuses = want
	var rows []intentRow
	// Before the update the statuses are read in the same transaction (on
	// PostgreSQL, rows locked), so Was says what each intent was.
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q := f.apply(tx.Model(&intentRow{}), "").Select("id, intent_id, business_date, partner_id, payment_id, kind, status, last_error")
		if s.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if f.Limit > 0 {
			q = q.Limit(f.Limit)
		}
		if err := q.Order("id").Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		for start := 0; start < len(ids); start += 500 {
			end := min(start+500, len(ids))
			res := tx.Model(&intentRow{}).Where("id IN ? AND status IN ?", ids[start:end], []string{string(IntentFailed), string(IntentConflict)}).
				Updates(map[string]any{"status": string(IntentPending), "claim_owner": "", "lease_expires_ms": 0, "not_before_ms": 0,
					"attempts": 0, "updated_at": at(s.nowUTC())})
			if res.Error != nil {
				return res.Error
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retry transfer intents: %w", err)
	}
	out := make([]Requeued, len(rows))
	for i, r := range rows {
		out[i] = Requeued{IntentID: r.IntentID, BusinessDate: r.BusinessDate.date(), PartnerID: r.PartnerID, PaymentID: r.PaymentID,
			Kind: settlement.Kind(r.Kind), Was: IntentStatus(r.Status), LastError: r.LastError}
	}
	return out, nil
}

// ParseIntentStatus reads an intent status as a person types it
// (failed, conflict, pending, posted, adopted; any case).
func ParseIntentStatus(v string) (IntentStatus, error) {
	st := IntentStatus(strings.ToLower(strings.TrimSpace(v)))
	switch st {
	case IntentPending, IntentPosted, IntentAdopted, IntentFailed, IntentConflict:
		return st, nil
	}
	return "", fmt.Errorf("unknown intent status %q: want failed, conflict, pending, posted or adopted", v)
}

// LastStartedRun returns the job run started last, of any job and date;
// ok is false when nothing has run.
func (s *Store) LastStartedRun(ctx context.Context) (r Run, ok bool, err error) {
	var rows []jobRunRow
	if err := s.r(ctx).Order("started_at DESC, id DESC").Limit(1).Find(&rows).Error; err != nil {
		return Run{}, false, fmt.Errorf("last run: %w", err)
	}
	if len(rows) == 0 {
		return Run{}, false, nil
	}
	r, err = rows[0].run()
	return r, err == nil, err
}
