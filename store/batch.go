package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// PaymentKey names one payment of one partner: an order's key.
type PaymentKey struct {
	PartnerID settlement.PartnerID
	PaymentID settlement.PaymentID
}

// RecordBatch is records read together (an import batch): orders,
// cancellations, and the records refused, kept in rejected records.
type RecordBatch struct {
	Orders        []OrderRecord
	Cancellations []CancellationRecord
	Rejected      []Rejected
}

// BatchOutcomes are the outcomes of a RecordBatch's orders and
// cancellations, one per record, in order.
type BatchOutcomes struct {
	Orders        []Outcome
	Cancellations []Outcome
}

// SaveRecords saves a batch in one transaction, orders first, so that a
// cancellation finds an order of the same batch. Each record has the
// contract of SaveOrder and SaveCancellation: Created, Duplicate, or
// Conflict (kept in rejected records); the rejected records have that of
// SaveRejected (one already kept is not kept twice). Nothing of the batch
// is stored unless all of it is.
func (s *Store) SaveRecords(ctx context.Context, b RecordBatch) (BatchOutcomes, error) {
	os, cs := s.orders(), s.cancellations()
	opays, err := checkAll(os, b.Orders)
	if err != nil {
		return BatchOutcomes{}, err
	}
	cpays, err := checkAll(cs, b.Cancellations)
	if err != nil {
		return BatchOutcomes{}, err
	}
	rejects := make([]rejectedRow, len(b.Rejected))
	for i, r := range b.Rejected {
		if r.Source == "" || r.Reason == "" {
			return BatchOutcomes{}, &InvalidError{Record: "rejected record", Field: "source/reason", Err: errors.New("missing")}
		}
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = s.nowUTC()
		}
		rejects[i] = newRejectedRow(r)
	}
	var outs BatchOutcomes
	err = retryOnDuplicate(func() error {
		outs = BatchOutcomes{Orders: make([]Outcome, len(b.Orders)), Cancellations: make([]Outcome, len(b.Cancellations))}
		return s.tx(ctx, func(tx *gorm.DB) error {
			if len(b.Orders) > 0 {
				if err := writeIdempotent(tx, os, b.Orders, opays, outs.Orders); err != nil {
					return err
				}
			}
			if len(b.Cancellations) > 0 {
				if err := writeIdempotent(tx, cs, b.Cancellations, cpays, outs.Cancellations); err != nil {
					return err
				}
			}
			return saveRejects(tx, rejects)
		})
	})
	if err != nil {
		return BatchOutcomes{}, fmt.Errorf("save records: %w", err)
	}
	return outs, nil
}

// paymentKeys are keys as keysIn takes them, each key once, and the set
// of them: keysIn selects a superset, which callers filter with it.
func paymentKeys(keys []PaymentKey) ([][]any, map[PaymentKey]bool) {
	seen := make(map[PaymentKey]bool, len(keys))
	out := make([][]any, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, []any{string(k.PartnerID), string(k.PaymentID)})
		}
	}
	return out, seen
}

// paymentRowKeys is paymentKeys for a key-set query (keyset.go).
func paymentRowKeys(keys []PaymentKey) ([]rowKey, map[PaymentKey]bool) {
	seen := make(map[PaymentKey]bool, len(keys))
	out := make([]rowKey, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, rowKey{string(k.PartnerID), string(k.PaymentID)})
		}
	}
	return out, seen
}

// OrdersOf returns the stored orders among keys, by key: one query per
// keySetChunk keys, whatever their number.
func (s *Store) OrdersOf(ctx context.Context, keys []PaymentKey) (map[PaymentKey]*OrderRecord, error) {
	out := make(map[PaymentKey]*OrderRecord, len(keys))
	ks, want := paymentRowKeys(keys)
	db := s.w(ctx)
	q := "SELECT t.* FROM " + keySetJoin(db, "orders", []string{"partner_id", "payment_id"})
	for i := 0; i < len(ks); i += keySetChunk {
		js, err := keySetJSON(2, ks[i:min(i+keySetChunk, len(ks))])
		if err != nil {
			return nil, err
		}
		var rows []orderRow
		if err := db.Raw(q, js).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		recs, err := loadOrders(nil, rows)
		if err != nil {
			return nil, err
		}
		for j := range recs {
			r := &recs[j]
			if k := (PaymentKey{r.Order.PartnerID, r.Order.PaymentID}); want[k] {
				out[k] = r
			}
		}
	}
	return out, nil
}

// CancellationsOf returns the stored cancellations of the payments keys,
// by payment, each payment's in the order they happened (cancelledAt, then
// arrival), as CancellationsOfOrder does for one.
func (s *Store) CancellationsOf(ctx context.Context, keys []PaymentKey) (map[PaymentKey][]CancellationRecord, error) {
	out := make(map[PaymentKey][]CancellationRecord)
	ks, want := paymentRowKeys(keys)
	db := s.w(ctx)
	q := "SELECT t.* FROM " + keySetJoin(db, "cancellations", []string{"partner_id", "payment_id"}) + " ORDER BY t.cancelled_at, t.id"
	for i := 0; i < len(ks); i += keySetChunk {
		js, err := keySetJSON(2, ks[i:min(i+keySetChunk, len(ks))])
		if err != nil {
			return nil, err
		}
		var rows []cancellationRow
		if err := db.Raw(q, js).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("cancellations: %w", err)
		}
		recs, err := loadCancellations(nil, rows)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if k := (PaymentKey{r.PartnerID, r.PaymentID}); want[k] {
				out[k] = append(out[k], r)
			}
		}
	}
	return out, nil
}

// Settled is what a settle run needs to know of a stored settlement to
// settle a cancellation of the same payment: which transfer it is, in
// which order it was stored (ID), and the contract version it applied.
type Settled struct {
	ID              int64
	Kind            settlement.Kind
	CancellationID  settlement.CancellationID
	ContractID      string
	ContractVersion int
	RulesVersion    string // the rules that computed it; "" before migration 6
}

// SettledOf returns the stored settlements of the payments keys, by
// payment, in id order (the order they were stored), without their blocks.
func (s *Store) SettledOf(ctx context.Context, keys []PaymentKey) (map[PaymentKey][]Settled, error) {
	out := make(map[PaymentKey][]Settled)
	ks, want := paymentKeys(keys)
	for i := 0; i < len(ks); i += lookupChunk {
		rows, err := s.w(ctx).Table("settlements").Select("id, partner_id, payment_id, kind, cancellation_id, contract_id, contract_version, rules_version").
			Scopes(keysIn([]string{"partner_id", "payment_id"}, ks[i:min(i+lookupChunk, len(ks))])).Order("id").Rows()
		if err != nil {
			return nil, fmt.Errorf("settlements: %w", err)
		}
		for rows.Next() {
			var st Settled
			var k PaymentKey
			var kind string
			var version int64
			if err := rows.Scan(&st.ID, &k.PartnerID, &k.PaymentID, &kind, &st.CancellationID, &st.ContractID, &version, &st.RulesVersion); err != nil {
				rows.Close()
				return nil, fmt.Errorf("settlements: %w", err)
			}
			st.Kind, st.ContractVersion = settlement.Kind(kind), int(version)
			if want[k] {
				out[k] = append(out[k], st)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("settlements: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("settlements: %w", err)
		}
	}
	return out, nil
}
