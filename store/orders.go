package store

import (
	"context"
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
	Source       Source
	File         string // provenance for rejected records (import)
	Line         int

	// Set by the store on read.
	ID              int64
	ContractVersion int // contract version applied when settled; 0 before
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
			return requestPayload("order", r.Key(), r.Request)
		},
		insert: s.insertOrders,
	}, func(r *OrderRecord) Rejected {
		return Rejected{Source: r.Source, File: r.File, Line: r.Line, PartnerID: r.Order.PartnerID, RecordKey: string(r.Order.PaymentID), Payload: r.Request}
	})
}

// insertOrders writes new orders with their lines, discounts and fees, and
// links the cancellations that arrived before them.
func (s *Store) insertOrders(tx *gorm.DB, recs []OrderRecord, fresh []int, pays []payload, ids []int64) error {
	now := s.nowUTC()
	rows := make([]orderRow, len(fresh))
	for n, i := range fresh {
		rows[n] = orderToRow(&recs[i], pays[i].hash, now)
	}
	if err := tx.CreateInBatches(&rows, 500).Error; err != nil {
		return err
	}
	var lines []orderLineRow
	var discs []orderDiscountRow
	var fees []orderFeeRow
	keys := make([][]any, len(rows))
	for n, i := range fresh {
		ids[n] = rows[n].ID
		keys[n] = []any{rows[n].PartnerID, rows[n].PaymentID}
		l, d, f := orderChildren(rows[n].ID, &recs[i].Order)
		lines, discs, fees = append(lines, l...), append(discs, d...), append(fees, f...)
	}
	if err := createBatch(tx, lines); err != nil {
		return err
	}
	if err := createBatch(tx, discs); err != nil {
		return err
	}
	if err := createBatch(tx, fees); err != nil {
		return err
	}
	// Cancellations that arrived before their order now find it. Only this
	// batch's payments are looked at (the (partner, payment) index), never
	// the whole table.
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

// createBatch inserts rows in batches; nothing for an empty slice.
func createBatch[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(&rows, 500).Error
}

func orderToRow(r *OrderRecord, hash string, now time.Time) orderRow {
	o := &r.Order
	return orderRow{
		PartnerID:           o.PartnerID,
		PaymentID:           o.PaymentID,
		ContractID:          o.ContractID,
		HasLines:            boolInt(o.HasLines),
		OrderAmount:         int64(o.OrderAmount),
		TaxFree:             int64Ptr(o.TaxFree),
		SettlementStartDate: day(o.SettlementStartDate),
		SettlementDate:      day(o.SettlementDate),
		PaidAt:              at(r.PaidAt),
		BusinessDate:        day(r.BusinessDate),
		RequestJSON:         string(r.Request),
		RequestHash:         hash,
		Source:              string(r.Source),
		ReceivedAt:          at(now),
	}
}

func orderChildren(id int64, o *settlement.Order) ([]orderLineRow, []orderDiscountRow, []orderFeeRow) {
	var lines []orderLineRow
	var discs []orderDiscountRow
	var fees []orderFeeRow
	addDisc := func(line int64, ds []settlement.Discount) {
		for j, d := range ds {
			discs = append(discs, orderDiscountRow{OrderRef: id, LineNo: line, Seq: int64(j), SharePolicyID: d.SharePolicyID, Amount: int64(d.Amount), TaxFree: int64(d.TaxFree)})
		}
	}
	addFees := func(line int64, ps []string) {
		for j, p := range ps {
			fees = append(fees, orderFeeRow{OrderRef: id, LineNo: line, Seq: int64(j), PolicyID: p})
		}
	}
	for i, l := range o.Lines {
		n := int64(i + 1)
		lines = append(lines, orderLineRow{OrderRef: id, LineNo: n, ProductID: l.Product.ID, ProductName: l.Product.Name,
			ProductAmount: int64(l.Product.Amount), ProductTaxFree: int64(l.Product.TaxFree), ProductTag: l.Product.Tag, Quantity: l.Quantity})
		addDisc(n, l.Discounts)
		addFees(n, l.AdditionalFees)
	}
	addDisc(0, o.Discounts)
	addFees(0, o.AdditionalFees)
	return lines, discs, fees
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

func loadOrders(db *gorm.DB, rows []orderRow) ([]OrderRecord, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []orderLineRow
	var discs []orderDiscountRow
	var fees []orderFeeRow
	if err := db.Where("order_ref IN ?", ids).Order("order_ref, line_no").Find(&lines).Error; err != nil {
		return nil, err
	}
	if err := db.Where("order_ref IN ?", ids).Order("order_ref, line_no, seq").Find(&discs).Error; err != nil {
		return nil, err
	}
	if err := db.Where("order_ref IN ?", ids).Order("order_ref, line_no, seq").Find(&fees).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]*OrderRecord, len(rows))
	recs := make([]OrderRecord, len(rows))
	for i, r := range rows {
		recs[i] = OrderRecord{
			Order: settlement.Order{
				PartnerID: r.PartnerID, PaymentID: r.PaymentID, ContractID: r.ContractID,
				HasLines: r.HasLines != 0, OrderAmount: settlement.Won(r.OrderAmount), TaxFree: wonPtr(r.TaxFree),
				SettlementStartDate: r.SettlementStartDate.date(), SettlementDate: r.SettlementDate.date(),
			},
			PaidAt: r.PaidAt.Time, BusinessDate: r.BusinessDate.date(), Request: []byte(r.RequestJSON),
			Source: Source(r.Source), ID: r.ID, ContractVersion: int(r.ContractVersion),
			RequestHash: r.RequestHash, ReceivedAt: r.ReceivedAt.Time,
		}
		byID[r.ID] = &recs[i]
	}
	for _, l := range lines {
		o := &byID[l.OrderRef].Order
		o.Lines = append(o.Lines, settlement.Line{
			Product:  settlement.Product{ID: l.ProductID, Name: l.ProductName, Amount: settlement.Won(l.ProductAmount), TaxFree: settlement.Won(l.ProductTaxFree), Tag: l.ProductTag},
			Quantity: l.Quantity,
		})
	}
	for _, d := range discs {
		o := &byID[d.OrderRef].Order
		x := settlement.Discount{SharePolicyID: d.SharePolicyID, Amount: settlement.Won(d.Amount), TaxFree: settlement.Won(d.TaxFree)}
		if d.LineNo == 0 {
			o.Discounts = append(o.Discounts, x)
		} else if int(d.LineNo) <= len(o.Lines) {
			o.Lines[d.LineNo-1].Discounts = append(o.Lines[d.LineNo-1].Discounts, x)
		}
	}
	for _, f := range fees {
		o := &byID[f.OrderRef].Order
		if f.LineNo == 0 {
			o.AdditionalFees = append(o.AdditionalFees, f.PolicyID)
		} else if int(f.LineNo) <= len(o.Lines) {
			o.Lines[f.LineNo-1].AdditionalFees = append(o.Lines[f.LineNo-1].AdditionalFees, f.PolicyID)
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
