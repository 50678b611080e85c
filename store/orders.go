package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// Source is where a record came from.
type Source string

// The sources of records.
const (
	SourceHTTP     Source = "http"
	SourceImport   Source = "import"
	SourceWebhook  Source = "webhook"
	SourcePipeline Source = "pipeline"
)

// OutcomeKind says what an idempotent write did.
type OutcomeKind string

// The outcomes of an idempotent write.
const (
	Created   OutcomeKind = "created"   // a new record was stored
	Duplicate OutcomeKind = "duplicate" // the same key with the same payload was already stored: no-op
	Conflict  OutcomeKind = "conflict"  // the key is taken by a different payload: nothing changed
)

// Outcome is the result of one idempotent write. ID is the stored record's
// id (the existing one for Duplicate and Conflict). Conflict is set for the
// Conflict outcome and says what differs.
type Outcome struct {
	Kind     OutcomeKind
	ID       int64
	Conflict *ConflictError
}

// OrderRecord is one paid order as registered by a marketplace: the domain
// order plus where and when it came from. Request is the record as received
// (the JSON record shape of DESIGN.md §3); its canonical form (keys sorted,
// whitespace dropped) is the payload that decides Duplicate vs Conflict.
type OrderRecord struct {
	Order        settlement.Order
	PaidAt       time.Time
	BusinessDate settlement.Date
	Request      []byte
	// Canonical, when set, is the canonical form of Request
	// (CanonicalRequest), made by the caller with it: the store then does
	// not parse Request again. nil: the store makes it.
	Canonical []byte
	Source    Source
	// OrderName is the request's externalPaymentDetail.orderName ("" for
	// none), kept in a column for the workbook (migration 18): made by the
	// caller from the request it decoded (intake), as Canonical is.
	OrderName string
	File      string // provenance for rejected records (import)
	Line      int

	// Set by the store on read.
	ID              int64
	ContractVersion int // contract version applied when settled; 0 before
	Generation      int // see IntentID: how many of its earlier versions were deleted at PortOne
	RequestHash     string
	ReceivedAt      time.Time
}

// Key is the order's unique key in messages.
func (r *OrderRecord) Key() string {
	return fmt.Sprintf("partner %q payment %q", r.Order.PartnerID, r.Order.PaymentID)
}

// SaveOrder stores one order idempotently by (partner, payment). The same
// key with the same payload is a Duplicate no-op; the same key with a
// different payload is a Conflict: nothing is overwritten, the new record is
// kept in rejected records with the difference as its reason, and the
// returned error is the *ConflictError (errors.Is ErrConflict).
// It returns an *InvalidError (ErrInvalid) for a record without its key or
// with a request that is not JSON.
func (s *Store) SaveOrder(ctx context.Context, rec OrderRecord) (Outcome, error) {
	return saveOneIdempotent(ctx, s, s.orders(), rec)
}

// SaveOrders is SaveOrder for a batch (file imports): one transaction, one
// Outcome per record in order. Conflicts do not fail the batch; they are
// reported in their Outcome and kept in rejected records. A record repeated
// within the batch is a Duplicate (or Conflict) of its first occurrence.
func (s *Store) SaveOrders(ctx context.Context, recs []OrderRecord) ([]Outcome, error) {
	return saveIdempotent(ctx, s, s.orders(), recs)
}

// orders is the idempotent write of orders: key (partner, payment), payload
// the canonical request JSON.
func (s *Store) orders() *idempotent[OrderRecord] {
	return inputRecords(s, idempotent[OrderRecord]{
		record: "order", table: "orders", keyCols: []string{"partner_id", "payment_id"},
		key:  func(r *OrderRecord) rowKey { return rowKey{string(r.Order.PartnerID), string(r.Order.PaymentID)} },
		name: (*OrderRecord).Key,
		check: func(r *OrderRecord) (payload, error) {
			if r.Order.PartnerID == "" || r.Order.PaymentID == "" {
				return payload{}, &InvalidError{Record: "order " + r.Key(), Field: "partnerId/paymentId", Err: errors.New("missing")}
			}
			if r.PaidAt.IsZero() || r.BusinessDate.IsZero() {
				return payload{}, &InvalidError{Record: "order " + r.Key(), Field: "paidAt", Err: errors.New("paidAt and its business date are required")}
			}
			return recordPayload("order", r.Key(), r.Request, r.Canonical)
		},
		insert: s.insertOrders,
	}, func(r *OrderRecord) Rejected {
		return Rejected{Source: r.Source, File: r.File, Line: r.Line, PartnerID: r.Order.PartnerID, RecordKey: string(r.Order.PaymentID), Payload: r.Request}
	})
}

// orderCols are the orders columns insertOrders writes.
var orderCols = []string{"partner_id", "payment_id", "contract_id", "has_lines", "order_amount", "tax_free",
	"settlement_start_date", "settlement_date", "paid_at", "business_date", "request_json", "request_hash",
	"source", "received_at", "detail", "order_name"}

// insertOrders writes new orders, each one row with its detail, and links
// the cancellations that arrived before them.
func (s *Store) insertOrders(tx *gorm.DB, recs []OrderRecord, fresh []int, pays []payload, ids []int64) error {
	received, _ := at(s.nowUTC()).Value()
	byKey := make(map[rowKey]int, len(fresh))
	var buf []byte
	values := func(n int, dst []any) []any {
		r := &recs[fresh[n]]
		o := &r.Order
		byKey[rowKey{string(o.PartnerID), string(o.PaymentID)}] = n
		paid, _ := at(r.PaidAt).Value()
		start := len(buf)
		buf = appendOrderDetail(buf, o)
		return append(dst, string(o.PartnerID), string(o.PaymentID), o.ContractID, boolInt(o.HasLines), int64(o.OrderAmount),
			int64Ptr(o.TaxFree), o.SettlementStartDate.String(), o.SettlementDate.String(), paid, r.BusinessDate.String(),
			string(r.Request), pays[fresh[n]].hash, string(r.Source), received, buf[start:len(buf):len(buf)], r.OrderName)
	}
	copied, err := s.copyWithIDs(tx, "orders", orderCols, len(fresh), func(n int, id int64) { ids[n] = id }, values)
	if !copied {
		err = s.bulkInsert(tx, "orders", orderCols, len(fresh), values, "id, partner_id, payment_id", func(rows *sql.Rows) error {
			var id int64
			var k rowKey
			if err := rows.Scan(&id, &k[0], &k[1]); err != nil {
				return err
			}
			if n, ok := byKey[k]; ok {
				ids[n] = id
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	for n := range ids {
		if ids[n] == 0 {
			return fmt.Errorf("order %s: no id returned", recs[fresh[n]].Key())
		}
	}
	if err := assignGenerations(tx, settlement.KindOrder, ids); err != nil {
		return err
	}
	// Cancellations that arrived before their order now find it. Only
	// this batch's payments are looked at, through the partial index of
	// the cancellations without an order, and only when there is one.
	var orphan []int64
	if err := tx.Raw("SELECT id FROM cancellations WHERE order_ref IS NULL LIMIT 1").Scan(&orphan).Error; err != nil || len(orphan) == 0 {
		return err
	}
	keys := make([][]any, len(fresh))
	for n, i := range fresh {
		keys[n] = []any{recs[i].Order.PartnerID, recs[i].Order.PaymentID}
	}
	for i := 0; i < len(keys); i += lookupChunk {
		q := tx.Session(&gorm.Session{NewDB: true}).Model(&cancellationRow{}).
			Where("order_ref IS NULL AND EXISTS (SELECT 1 FROM orders o WHERE o.partner_id = cancellations.partner_id AND o.payment_id = cancellations.payment_id)").
			Scopes(keysIn([]string{"partner_id", "payment_id"}, keys[i:min(i+lookupChunk, len(keys))]))
		if err := q.Update("order_ref", gorm.Expr("(SELECT o.id FROM orders o WHERE o.partner_id = cancellations.partner_id AND o.payment_id = cancellations.payment_id)")).Error; err != nil {
			return err
		}
	}
	return nil
}

// Order returns the order with key (partner, payment). It returns a
// *NotFoundError (ErrNotFound) when there is none.
func (s *Store) Order(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID) (OrderRecord, error) {
	var row orderRow
	err := s.w(ctx).Where("partner_id = ? AND payment_id = ?", partnerID, paymentID).Take(&row).Error
	if err != nil {
		return OrderRecord{}, notFound(err, fmt.Sprintf("order partner %q payment %q", partnerID, paymentID))
	}
	recs, err := loadOrders(s.w(ctx), []orderRow{row})
	if err != nil {
		return OrderRecord{}, fmt.Errorf("order partner %q payment %q: %w", partnerID, paymentID, err)
	}
	return recs[0], nil
}

// SetOrderContractVersion records the contract version applied to an
// order when it was settled.
func (s *Store) SetOrderContractVersion(ctx context.Context, orderID int64, contractID string, version int) error {
	res := s.w(ctx).Model(&orderRow{}).Where("id = ?", orderID).
		Updates(map[string]any{"contract_id": contractID, "contract_version": version})
	if res.Error != nil {
		return fmt.Errorf("order %d: set contract version: %w", orderID, res.Error)
	}
	if res.RowsAffected == 0 {
		return &NotFoundError{What: fmt.Sprintf("order %d", orderID)}
	}
	return nil
}

// OrdersByBusinessDate calls fn for each order whose business date is d, in
// id order, loading them a page at a time (never the whole table). fn may
// write to the store. An error from fn stops the walk and is returned.
func (s *Store) OrdersByBusinessDate(ctx context.Context, d settlement.Date, fn func(*OrderRecord) error) error {
	return s.walkOrders(ctx, s.w(ctx).Where("business_date = ?", day(d)), fn)
}

func (s *Store) walkOrders(ctx context.Context, q *gorm.DB, fn func(*OrderRecord) error) error {
	load := func(rows []orderRow) ([]OrderRecord, error) { return loadOrders(s.w(ctx), rows) }
	return walk(ctx, "walk orders", byID[orderRow](q), load, fn)
}

func loadOrders(_ *gorm.DB, rows []orderRow) ([]OrderRecord, error) {
	recs := make([]OrderRecord, len(rows))
	for i := range rows {
		r := &rows[i]
		recs[i] = OrderRecord{
			Order: settlement.Order{
				PartnerID: r.PartnerID, PaymentID: r.PaymentID, ContractID: r.ContractID,
				HasLines: r.HasLines != 0, OrderAmount: settlement.Won(r.OrderAmount), TaxFree: wonPtr(r.TaxFree),
				SettlementStartDate: r.SettlementStartDate.date(), SettlementDate: r.SettlementDate.date(),
			},
			PaidAt: r.PaidAt.Time, BusinessDate: r.BusinessDate.date(), Request: []byte(r.RequestJSON),
			Source: Source(r.Source), ID: r.ID, ContractVersion: int(r.ContractVersion), Generation: int(r.Generation),
			RequestHash: r.RequestHash, ReceivedAt: r.ReceivedAt.Time, OrderName: r.OrderName,
		}
		if err := readOrderDetail(r.Detail, &recs[i].Order); err != nil {
			return nil, fmt.Errorf("order %s: %w", recs[i].Key(), err)
		}
	}
	return recs, nil
}

// saveRejects inserts rejected records, skipping ones already kept.
func saveRejects(tx *gorm.DB, rows []rejectedRow) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_hash"}}, DoNothing: true}).
		CreateInBatches(&rows, 200).Error
}
