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

type prepared struct {
	canon []byte
	hash  string
}

func prepareRequest(record, key string, raw []byte) (prepared, error) {
	if len(raw) == 0 {
		return prepared{}, &InvalidError{Record: record + " " + key, Field: "request", Err: errors.New("empty request JSON")}
	}
	c, _, err := canonical(raw)
	if err != nil {
		return prepared{}, &InvalidError{Record: record + " " + key, Field: "request", Err: err}
	}
	return prepared{canon: c, hash: sha(string(c))}, nil
}

// SaveOrder stores one order idempotently by (partner, payment). The same
// key with the same payload is a Duplicate no-op; the same key with a
// different payload is a Conflict: nothing is overwritten, the new record is
// kept in rejected records with the difference as its reason, and the
// returned error is the *ConflictError (errors.Is ErrConflict).
// It returns an *InvalidError (ErrInvalid) for a record without its key or
// with a request that is not JSON.
func (s *Store) SaveOrder(ctx context.Context, rec OrderRecord) (Outcome, error) {
	return saveOne(ctx, rec, s.SaveOrders)
}

// SaveOrders is SaveOrder for a batch (file imports): one transaction, one
// Outcome per record in order. Conflicts do not fail the batch; they are
// reported in their Outcome and kept in rejected records. A record repeated
// within the batch is a Duplicate (or Conflict) of its first occurrence.
func (s *Store) SaveOrders(ctx context.Context, recs []OrderRecord) ([]Outcome, error) {
	preps := make([]prepared, len(recs))
	for i := range recs {
		r := &recs[i]
		if r.Order.PartnerID == "" || r.Order.PaymentID == "" {
			return nil, &InvalidError{Record: "order " + r.Key(), Field: "partnerId/paymentId", Err: errors.New("missing")}
		}
		if r.PaidAt.IsZero() || r.BusinessDate.IsZero() {
			return nil, &InvalidError{Record: "order " + r.Key(), Field: "paidAt", Err: errors.New("paidAt and its business date are required")}
		}
		p, err := prepareRequest("order", r.Key(), r.Request)
		if err != nil {
			return nil, err
		}
		preps[i] = p
	}
	var outs []Outcome
	err := retryOnDuplicate(func() error {
		outs = make([]Outcome, len(recs))
		return s.tx(ctx, func(tx *gorm.DB) error { return s.saveOrdersTx(tx, recs, preps, outs) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: save orders: %w", err)
	}
	return outs, nil
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

type existing struct {
	ID          int64
	PartnerID   settlement.PartnerID
	PaymentID   settlement.PaymentID
	RequestHash string
}

func (s *Store) saveOrdersTx(tx *gorm.DB, recs []OrderRecord, preps []prepared, outs []Outcome) error {
	now := s.nowUTC()
	type key struct {
		p settlement.PartnerID
		q settlement.PaymentID
	}
	found := map[key]existing{}
	const chunk = 300
	for i := 0; i < len(recs); i += chunk {
		var keys [][]any
		for _, r := range recs[i:min(i+chunk, len(recs))] {
			keys = append(keys, []any{r.Order.PartnerID, r.Order.PaymentID})
		}
		var rows []existing
		if err := tx.Model(&orderRow{}).Select("id, partner_id, payment_id, request_hash").
			Scopes(keysIn([]string{"partner_id", "payment_id"}, keys)).Find(&rows).Error; err != nil {
			return err
		}
		for _, e := range rows {
			found[key{e.PartnerID, e.PaymentID}] = e
		}
	}
	var newRows []orderRow
	var newIdx []int
	firstInBatch := map[key]int{}
	var rejects []rejectedRow
	for i := range recs {
		r, p := &recs[i], preps[i]
		k := key{r.Order.PartnerID, r.Order.PaymentID}
		if e, ok := found[k]; ok {
			if e.RequestHash == p.hash {
				outs[i] = Outcome{Kind: Duplicate, ID: e.ID}
				continue
			}
			var stored string
			if err := tx.Model(&orderRow{}).Select("request_json").Where("id = ?", e.ID).Scan(&stored).Error; err != nil {
				return err
			}
			c := conflictOf("order", r.Key(), []byte(stored), p.canon)
			outs[i] = Outcome{Kind: Conflict, ID: e.ID, Conflict: c}
			rejects = append(rejects, conflictReject(r.Source, r.File, r.Line, r.Order.PartnerID, string(r.Order.PaymentID), r.Request, c, now))
			continue
		}
		if j, ok := firstInBatch[k]; ok {
			if preps[j].hash == p.hash {
				outs[i] = Outcome{Kind: Duplicate, ID: -1 - int64(j)} // fixed below
				continue
			}
			c := conflictOf("order", r.Key(), preps[j].canon, p.canon)
			outs[i] = Outcome{Kind: Conflict, ID: -1 - int64(j), Conflict: c}
			rejects = append(rejects, conflictReject(r.Source, r.File, r.Line, r.Order.PartnerID, string(r.Order.PaymentID), r.Request, c, now))
			continue
		}
		firstInBatch[k] = i
		newIdx = append(newIdx, i)
		newRows = append(newRows, orderToRow(r, p, now))
	}
	if len(newRows) > 0 {
		if err := tx.CreateInBatches(&newRows, 500).Error; err != nil {
			return err
		}
		var lines []orderLineRow
		var discs []orderDiscountRow
		var fees []orderFeeRow
		for n, i := range newIdx {
			id := newRows[n].ID
			outs[i] = Outcome{Kind: Created, ID: id}
			l, d, f := orderChildren(id, &recs[i].Order)
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
		// Cancellations that arrived before their order now find it.
		if err := tx.Exec(`UPDATE cancellations SET order_ref = (SELECT o.id FROM orders o
			WHERE o.partner_id = cancellations.partner_id AND o.payment_id = cancellations.payment_id)
			WHERE order_ref IS NULL AND EXISTS (SELECT 1 FROM orders o
			WHERE o.partner_id = cancellations.partner_id AND o.payment_id = cancellations.payment_id)`).Error; err != nil {
			return err
		}
	}
	for i := range outs {
		if outs[i].ID < 0 {
			outs[i].ID = outs[-1-outs[i].ID].ID
		}
	}
	return saveRejects(tx, rejects)
}

// createBatch inserts rows in batches; nothing for an empty slice.
func createBatch[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(&rows, 500).Error
}

func orderToRow(r *OrderRecord, p prepared, now time.Time) orderRow {
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
		RequestHash:         p.hash,
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
		return OrderRecord{}, fmt.Errorf("store: order partner %q payment %q: %w", partnerID, paymentID, err)
	}
	return recs[0], nil
}

// SetOrderContractVersion records the contract version applied to an
// order when it was settled.
func (s *Store) SetOrderContractVersion(ctx context.Context, orderID int64, contractID string, version int) error {
	res := s.w(ctx).Model(&orderRow{}).Where("id = ?", orderID).
		Updates(map[string]any{"contract_id": contractID, "contract_version": version})
	if res.Error != nil {
		return fmt.Errorf("store: order %d: set contract version: %w", orderID, res.Error)
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

// UnsettledOrders calls fn for each order of business date d that has no
// settlement yet (a settle run resumes with them).
func (s *Store) UnsettledOrders(ctx context.Context, d settlement.Date, fn func(*OrderRecord) error) error {
	return s.walkOrders(ctx, s.w(ctx).Where("business_date = ? AND NOT EXISTS (SELECT 1 FROM settlements st WHERE st.partner_id = orders.partner_id AND st.payment_id = orders.payment_id AND st.kind = ?)", day(d), string(settlement.KindOrder)), fn)
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

func conflictReject(src Source, file string, line int, partnerID settlement.PartnerID, key string, payload []byte, c *ConflictError, now time.Time) rejectedRow {
	return newRejectedRow(Rejected{
		Source: src, File: file, Line: line, PartnerID: partnerID, RecordKey: key,
		Payload: payload, Reason: c.Reason(), Field: c.Field(), ErrorType: "CONFLICT", ReceivedAt: now,
	})
}
