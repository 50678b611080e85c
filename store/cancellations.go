package store

import (
	"context"
	"database/sql"
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
	Canonical    []byte // see OrderRecord.Canonical
	Source       Source
	File         string
	Line         int
	WebhookID    string // the webhook event that reported it, if any

	// Set by the store on read.
	ID          int64
	OrderID     int64 // 0 while the order is unknown
	Generation  int   // see IntentID: how many of its earlier versions were deleted at PortOne
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
	return saveOneIdempotent(ctx, s, s.cancellations(), rec)
}

// SaveCancellations is SaveCancellation for a batch, in one transaction.
func (s *Store) SaveCancellations(ctx context.Context, recs []CancellationRecord) ([]Outcome, error) {
	return saveIdempotent(ctx, s, s.cancellations(), recs)
}

// cancellations is the idempotent write of cancellations: key (partner,
// cancellation id), payload the canonical request JSON.
func (s *Store) cancellations() *idempotent[CancellationRecord] {
	return inputRecords(s, idempotent[CancellationRecord]{
		record: "cancellation", table: "cancellations", keyCols: []string{"partner_id", "cancellation_id"},
		key: func(r *CancellationRecord) rowKey {
			return rowKey{string(r.PartnerID), string(r.Cancellation.CancellationID)}
		},
		name: (*CancellationRecord).Key,
		check: func(r *CancellationRecord) (payload, error) {
			if r.PartnerID == "" || r.Cancellation.CancellationID == "" || r.PaymentID == "" {
				return payload{}, &InvalidError{Record: "cancellation " + r.Key(), Field: "partnerId/paymentId/cancellationId", Err: errors.New("missing")}
			}
			if r.CancelledAt.IsZero() || r.BusinessDate.IsZero() {
				return payload{}, &InvalidError{Record: "cancellation " + r.Key(), Field: "cancelledAt", Err: errors.New("cancelledAt and its business date are required")}
			}
			if _, ok := formNames[r.Cancellation.Form]; !ok {
				return payload{}, &InvalidError{Record: "cancellation " + r.Key(), Field: "orderDetail", Err: fmt.Errorf("unknown form %d", r.Cancellation.Form)}
			}
			return recordPayload("cancellation", r.Key(), r.Request, r.Canonical)
		},
		insert: s.insertCancellations,
	}, func(r *CancellationRecord) Rejected {
		return Rejected{Source: r.Source, File: r.File, Line: r.Line, PartnerID: r.PartnerID, RecordKey: string(r.Cancellation.CancellationID), Payload: r.Request}
	})
}

// cancellationCols are the cancellations columns insertCancellations writes.
var cancellationCols = []string{"partner_id", "cancellation_id", "payment_id", "transfer_id", "order_ref", "form",
	"order_amount", "tax_free", "settlement_start_date", "settlement_date", "cancelled_at", "business_date",
	"request_json", "request_hash", "source", "webhook_id", "received_at", "detail"}

// insertCancellations writes new cancellations, each one row with its
// detail, linked to its order when the order is already stored.
func (s *Store) insertCancellations(tx *gorm.DB, recs []CancellationRecord, fresh []int, pays []payload, ids []int64) error {
	received, _ := at(s.nowUTC()).Value()
	okeys := make([]rowKey, len(fresh))
	for n, i := range fresh {
		okeys[n] = rowKey{string(recs[i].PartnerID), string(recs[i].PaymentID)}
	}
	orders, err := lookupKeys(tx, "orders", []string{"partner_id", "payment_id"}, "request_hash", okeys)
	if err != nil {
		return err
	}
	byKey := make(map[rowKey]int, len(fresh))
	var buf []byte
	values := func(n int, dst []any) []any {
		r := &recs[fresh[n]]
		c := &r.Cancellation
		byKey[rowKey{string(r.PartnerID), string(c.CancellationID)}] = n
		var orderRef *int64
		if o, ok := orders[okeys[n]]; ok {
			orderRef = &o.id
		}
		cancelled, _ := at(r.CancelledAt).Value()
		start := len(buf)
		buf = appendCancelDetail(buf, c)
		return append(dst, string(r.PartnerID), string(c.CancellationID), string(r.PaymentID), string(r.TransferID), orderRef,
			formNames[c.Form], int64(c.OrderAmount), int64Ptr(c.TaxFree), c.SettlementStartDate.String(), c.SettlementDate.String(),
			cancelled, r.BusinessDate.String(), string(r.Request), pays[fresh[n]].hash, string(r.Source), r.WebhookID, received,
			buf[start:len(buf):len(buf)])
	}
	copied, err := s.copyWithIDs(tx, "cancellations", cancellationCols, len(fresh), func(n int, id int64) { ids[n] = id }, values)
	if !copied {
		err = s.bulkInsert(tx, "cancellations", cancellationCols, len(fresh), values, "id, partner_id, cancellation_id", func(rows *sql.Rows) error {
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
			return fmt.Errorf("cancellation %s: no id returned", recs[fresh[n]].Key())
		}
	}
	return assignGenerations(tx, settlement.KindOrderCancel, ids)
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
		return CancellationRecord{}, fmt.Errorf("cancellation %q: %w", cancellationID, err)
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
		return nil, fmt.Errorf("cancellations of payment %q: %w", paymentID, err)
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

func (s *Store) walkCancellations(ctx context.Context, where string, args []any, fn func(*CancellationRecord) error) error {
	return s.walkCancellationPages(ctx, pageSize, where, args, func(recs []CancellationRecord) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// walkCancellationPages walks the cancellations matching where, in
// (business date, cancelledAt, id) order, which is the order they happened
// (the business date is cancelledAt's), a page of up to size at a time.
func (s *Store) walkCancellationPages(ctx context.Context, size int, where string, args []any, fn func([]CancellationRecord) error) error {
	after := func(last *cancellationRow) *gorm.DB {
		q := s.w(ctx).Where(where, args...)
		if last != nil {
			q = q.Where("(business_date, cancelled_at, id) > (?, ?, ?)", last.BusinessDate, last.CancelledAt, last.ID)
		}
		return q.Order("business_date, cancelled_at, id")
	}
	load := func(rows []cancellationRow) ([]CancellationRecord, error) { return loadCancellations(nil, rows) }
	return walkPages(ctx, "walk cancellations", size, after, load, fn)
}

func loadCancellations(_ *gorm.DB, rows []cancellationRow) ([]CancellationRecord, error) {
	recs := make([]CancellationRecord, len(rows))
	for i := range rows {
		r := &rows[i]
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
			WebhookID: r.WebhookID, ID: r.ID, OrderID: orderID, Generation: int(r.Generation), RequestHash: r.RequestHash, ReceivedAt: r.ReceivedAt.Time,
		}
		if err := readCancelDetail(r.Detail, &recs[i].Cancellation); err != nil {
			return nil, fmt.Errorf("cancellation %s: %w", recs[i].Key(), err)
		}
	}
	return recs, nil
}
