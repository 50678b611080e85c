package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// CancellationRecord is one cancellation as registered (HTTP, import, or a
// PortOne payment webhook): the domain cancellation plus its order's key and
// provenance. Request is the record as received; its canonical form is the
// payload that decides Duplicate vs Conflict.
type CancellationRecord struct {
	Cancellation settlement.Cancellation
	PartnerID    settlement.PartnerID
	PaymentID    settlement.PaymentID
	TransferID   settlement.TransferID // PortOne's transferId when the record names one
	CancelledAt  time.Time
	BusinessDate settlement.Date
	Request      []byte
	Source       Source
	File         string
	Line         int
	WebhookID    string // the webhook event that reported it, if any

	// Set by the store on read.
	ID          int64
	OrderID     int64 // 0 while the order is unknown
	RequestHash string
	ReceivedAt  time.Time
}

// Key is the cancellation's unique key in messages.
func (r *CancellationRecord) Key() string {
	return fmt.Sprintf("partner %q cancellation %q", r.PartnerID, r.Cancellation.CancellationID)
}

var formNames = map[settlement.CancelForm]string{
	settlement.CancelByAmount: "AMOUNT", settlement.CancelByLines: "LINES", settlement.CancelAll: "ALL",
}

func formOf(s string) settlement.CancelForm {
	for f, n := range formNames {
		if n == s {
			return f
		}
	}
	return 0
}

// SaveCancellation stores one cancellation idempotently by (partner,
// cancellation id), with the same Duplicate / Conflict contract as
// SaveOrder: a conflict returns the *ConflictError and keeps the record in
// rejected records; nothing is overwritten.
func (s *Store) SaveCancellation(ctx context.Context, rec CancellationRecord) (Outcome, error) {
	return saveOne(ctx, rec, s.SaveCancellations)
}

// SaveCancellations is SaveCancellation for a batch, in one transaction.
func (s *Store) SaveCancellations(ctx context.Context, recs []CancellationRecord) ([]Outcome, error) {
	preps := make([]prepared, len(recs))
	for i := range recs {
		r := &recs[i]
		if r.PartnerID == "" || r.Cancellation.CancellationID == "" || r.PaymentID == "" {
			return nil, &InvalidError{Record: "cancellation " + r.Key(), Field: "partnerId/paymentId/cancellationId", Err: errors.New("missing")}
		}
		if r.CancelledAt.IsZero() || r.BusinessDate.IsZero() {
			return nil, &InvalidError{Record: "cancellation " + r.Key(), Field: "cancelledAt", Err: errors.New("cancelledAt and its business date are required")}
		}
		if _, ok := formNames[r.Cancellation.Form]; !ok {
			return nil, &InvalidError{Record: "cancellation " + r.Key(), Field: "orderDetail", Err: fmt.Errorf("unknown form %d", r.Cancellation.Form)}
		}
		p, err := prepareRequest("cancellation", r.Key(), r.Request)
		if err != nil {
			return nil, err
		}
		preps[i] = p
	}
	var outs []Outcome
	err := retryOnDuplicate(func() error {
		outs = make([]Outcome, len(recs))
		return s.tx(ctx, func(tx *gorm.DB) error { return s.saveCancellationsTx(tx, recs, preps, outs) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: save cancellations: %w", err)
	}
	return outs, nil
}

func (s *Store) saveCancellationsTx(tx *gorm.DB, recs []CancellationRecord, preps []prepared, outs []Outcome) error {
	now := s.nowUTC()
	type key struct {
		p settlement.PartnerID
		c settlement.CancellationID
	}
	type ex struct {
		ID             int64
		PartnerID      settlement.PartnerID
		CancellationID settlement.CancellationID
		RequestHash    string
	}
	found := map[key]ex{}
	const chunk = 300
	for i := 0; i < len(recs); i += chunk {
		var keys [][]any
		for _, r := range recs[i:min(i+chunk, len(recs))] {
			keys = append(keys, []any{r.PartnerID, r.Cancellation.CancellationID})
		}
		var rows []ex
		if err := tx.Model(&cancellationRow{}).Select("id, partner_id, cancellation_id, request_hash").
			Scopes(keysIn([]string{"partner_id", "cancellation_id"}, keys)).Find(&rows).Error; err != nil {
			return err
		}
		for _, e := range rows {
			found[key{e.PartnerID, e.CancellationID}] = e
		}
	}
	first := map[key]int{}
	var newRows []cancellationRow
	var newIdx []int
	var rejects []rejectedRow
	for i := range recs {
		r, p := &recs[i], preps[i]
		k := key{r.PartnerID, r.Cancellation.CancellationID}
		var storedCanon []byte
		var id int64
		if e, ok := found[k]; ok {
			if e.RequestHash == p.hash {
				outs[i] = Outcome{Kind: Duplicate, ID: e.ID}
				continue
			}
			var stored string
			if err := tx.Model(&cancellationRow{}).Select("request_json").Where("id = ?", e.ID).Scan(&stored).Error; err != nil {
				return err
			}
			storedCanon, id = []byte(stored), e.ID
		} else if j, ok := first[k]; ok {
			if preps[j].hash == p.hash {
				outs[i] = Outcome{Kind: Duplicate, ID: -1 - int64(j)}
				continue
			}
			storedCanon, id = preps[j].canon, -1-int64(j)
		} else {
			first[k] = i
			newIdx = append(newIdx, i)
			newRows = append(newRows, cancellationToRow(r, p, now))
			continue
		}
		c := conflictOf("cancellation", r.Key(), storedCanon, p.canon)
		outs[i] = Outcome{Kind: Conflict, ID: id, Conflict: c}
		rejects = append(rejects, conflictReject(r.Source, r.File, r.Line, r.PartnerID, string(r.Cancellation.CancellationID), r.Request, c, now))
	}
	if len(newRows) > 0 {
		// Link each to its order when the order is already known.
		type ok struct {
			p settlement.PartnerID
			q settlement.PaymentID
		}
		orderIDs := map[ok]int64{}
		for i := 0; i < len(newRows); i += chunk {
			var keys [][]any
			for _, r := range newRows[i:min(i+chunk, len(newRows))] {
				keys = append(keys, []any{r.PartnerID, r.PaymentID})
			}
			var rows []existing
			if err := tx.Model(&orderRow{}).Select("id, partner_id, payment_id").
				Scopes(keysIn([]string{"partner_id", "payment_id"}, keys)).Find(&rows).Error; err != nil {
				return err
			}
			for _, e := range rows {
				orderIDs[ok{e.PartnerID, e.PaymentID}] = e.ID
			}
		}
		for i := range newRows {
			if id, found := orderIDs[ok{newRows[i].PartnerID, newRows[i].PaymentID}]; found {
				newRows[i].OrderRef = &id
			}
		}
		if err := tx.CreateInBatches(&newRows, 500).Error; err != nil {
			return err
		}
		var lines []cancellationLineRow
		var discs []cancellationDiscountRow
		for n, i := range newIdx {
			id := newRows[n].ID
			outs[i] = Outcome{Kind: Created, ID: id}
			c := &recs[i].Cancellation
			add := func(line int64, ds []settlement.Discount) {
				for j, d := range ds {
					discs = append(discs, cancellationDiscountRow{CancellationRef: id, LineNo: line, Seq: int64(j), SharePolicyID: d.SharePolicyID, Amount: int64(d.Amount), TaxFree: int64(d.TaxFree)})
				}
			}
			for j, l := range c.Lines {
				lines = append(lines, cancellationLineRow{CancellationRef: id, LineNo: int64(j + 1), ProductID: l.ProductID, Quantity: l.Quantity})
				add(int64(j+1), l.Discounts)
			}
			add(0, c.Discounts)
		}
		if err := createBatch(tx, lines); err != nil {
			return err
		}
		if err := createBatch(tx, discs); err != nil {
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

func cancellationToRow(r *CancellationRecord, p prepared, now time.Time) cancellationRow {
	c := &r.Cancellation
	return cancellationRow{
		PartnerID:           r.PartnerID,
		CancellationID:      c.CancellationID,
		PaymentID:           r.PaymentID,
		TransferID:          r.TransferID,
		Form:                formNames[c.Form],
		OrderAmount:         int64(c.OrderAmount),
		TaxFree:             int64Ptr(c.TaxFree),
		SettlementStartDate: day(c.SettlementStartDate),
		SettlementDate:      day(c.SettlementDate),
		CancelledAt:         at(r.CancelledAt),
		BusinessDate:        day(r.BusinessDate),
		RequestJSON:         string(r.Request),
		RequestHash:         p.hash,
		Source:              string(r.Source),
		WebhookID:           r.WebhookID,
		ReceivedAt:          at(now),
	}
}

// Cancellation returns the cancellation with key (partner, cancellation id),
// or a *NotFoundError.
func (s *Store) Cancellation(ctx context.Context, partnerID settlement.PartnerID, cancellationID settlement.CancellationID) (CancellationRecord, error) {
	var row cancellationRow
	if err := s.w(ctx).Where("partner_id = ? AND cancellation_id = ?", partnerID, cancellationID).Take(&row).Error; err != nil {
		return CancellationRecord{}, notFound(err, fmt.Sprintf("cancellation partner %q cancellation %q", partnerID, cancellationID))
	}
	recs, err := loadCancellations(s.w(ctx), []cancellationRow{row})
	if err != nil {
		return CancellationRecord{}, fmt.Errorf("store: cancellation %q: %w", cancellationID, err)
	}
	return recs[0], nil
}

// CancellationsOfOrder returns an order's cancellations in the order they
// happened (cancelledAt, then arrival): the order a settlement.Book must
// replay them in.
func (s *Store) CancellationsOfOrder(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID) ([]CancellationRecord, error) {
	var rows []cancellationRow
	if err := s.w(ctx).Where("partner_id = ? AND payment_id = ?", partnerID, paymentID).
		Order("cancelled_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: cancellations of payment %q: %w", paymentID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return loadCancellations(s.w(ctx), rows)
}

// CancellationsByBusinessDate calls fn for each cancellation whose business
// date is d, a page at a time, in (cancelledAt, id) order.
func (s *Store) CancellationsByBusinessDate(ctx context.Context, d settlement.Date, fn func(*CancellationRecord) error) error {
	return s.walkCancellations(ctx, "business_date = ?", []any{day(d)}, fn)
}

// UnsettledCancellations calls fn for each cancellation of business date d
// that has no settlement yet.
func (s *Store) UnsettledCancellations(ctx context.Context, d settlement.Date, fn func(*CancellationRecord) error) error {
	return s.walkCancellations(ctx, "business_date = ? AND NOT EXISTS (SELECT 1 FROM settlements st WHERE st.partner_id = cancellations.partner_id AND st.payment_id = cancellations.payment_id AND st.kind = ? AND st.cancellation_id = cancellations.cancellation_id)",
		[]any{day(d), string(settlement.KindOrderCancel)}, fn)
}

func (s *Store) walkCancellations(ctx context.Context, where string, args []any, fn func(*CancellationRecord) error) error {
	// In (cancelled_at, id) order.
	after := func(last *cancellationRow) *gorm.DB {
		q := s.w(ctx).Where(where, args...)
		if last != nil {
			q = q.Where("(cancelled_at > ? OR (cancelled_at = ? AND id > ?))", last.CancelledAt, last.CancelledAt, last.ID)
		}
		return q.Order("cancelled_at, id")
	}
	load := func(rows []cancellationRow) ([]CancellationRecord, error) { return loadCancellations(s.w(ctx), rows) }
	return walk(ctx, "walk cancellations", after, load, fn)
}

func loadCancellations(db *gorm.DB, rows []cancellationRow) ([]CancellationRecord, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []cancellationLineRow
	var discs []cancellationDiscountRow
	if err := db.Where("cancellation_ref IN ?", ids).Order("cancellation_ref, line_no").Find(&lines).Error; err != nil {
		return nil, err
	}
	if err := db.Where("cancellation_ref IN ?", ids).Order("cancellation_ref, line_no, seq").Find(&discs).Error; err != nil {
		return nil, err
	}
	recs := make([]CancellationRecord, len(rows))
	byID := make(map[int64]*CancellationRecord, len(rows))
	for i, r := range rows {
		var orderID int64
		if r.OrderRef != nil {
			orderID = *r.OrderRef
		}
		recs[i] = CancellationRecord{
			Cancellation: settlement.Cancellation{
				CancellationID: r.CancellationID, Form: formOf(r.Form), OrderAmount: settlement.Won(r.OrderAmount),
				TaxFree: wonPtr(r.TaxFree), SettlementStartDate: r.SettlementStartDate.date(), SettlementDate: r.SettlementDate.date(),
			},
			PartnerID: r.PartnerID, PaymentID: r.PaymentID, TransferID: r.TransferID, CancelledAt: r.CancelledAt.Time,
			BusinessDate: r.BusinessDate.date(), Request: []byte(r.RequestJSON), Source: Source(r.Source),
			WebhookID: r.WebhookID, ID: r.ID, OrderID: orderID, RequestHash: r.RequestHash, ReceivedAt: r.ReceivedAt.Time,
		}
		byID[r.ID] = &recs[i]
	}
	for _, l := range lines {
		c := &byID[l.CancellationRef].Cancellation
		c.Lines = append(c.Lines, settlement.CancelLine{ProductID: l.ProductID, Quantity: l.Quantity})
	}
	for _, d := range discs {
		c := &byID[d.CancellationRef].Cancellation
		x := settlement.Discount{SharePolicyID: d.SharePolicyID, Amount: settlement.Won(d.Amount), TaxFree: settlement.Won(d.TaxFree)}
		if d.LineNo == 0 {
			c.Discounts = append(c.Discounts, x)
		} else if int(d.LineNo) <= len(c.Lines) {
			c.Lines[d.LineNo-1].Discounts = append(c.Lines[d.LineNo-1].Discounts, x)
		}
	}
	return recs, nil
}
