package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// PortOneTransfer is PortOne's answer for one transfer: its amount block,
// per-line blocks, status and dates, and the raw JSON as received.
type PortOneTransfer struct {
	TransferID          settlement.TransferID // PortOne's transfer id (our client id when we chose it)
	IntentID            settlement.TransferID // the intent it answers, if any
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	Kind                settlement.Kind
	CancellationID      settlement.CancellationID
	Status              settlement.TransferStatus
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Amounts             settlement.Amounts
	Lines               []PortOneLine
	Raw                 []byte
	ObservedAt          time.Time // when PortOne said so; defaults to now

	// Set by the store on read.
	RecordedAt time.Time
	UpdatedAt  time.Time
}

// PortOneLine is one order line of PortOne's answer.
type PortOneLine struct {
	ProductID string
	Quantity  int64
	Amounts   settlement.Amounts
}

// RecordTransfer stores PortOne's current answer for a transfer (after a
// GET during sync or reconcile): the latest answer replaces the previous
// one, and a status change is appended to the transfer's status history
// with source ("sync", "reconcile", …).
func (s *Store) RecordTransfer(ctx context.Context, t PortOneTransfer, source string) error {
	if t.TransferID == "" {
		return &InvalidError{Record: "portone transfer", Field: "id", Err: errors.New("missing")}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var intentRef int64
		if t.IntentID != "" {
			res := tx.Model(&intentRow{}).Select("id").Where("intent_id = ?", t.IntentID).Limit(1).Scan(&intentRef)
			if res.Error != nil {
				return res.Error
			}
		}
		return s.recordTransferTx(tx, &t, intentRef, source)
	})
	if err != nil {
		return fmt.Errorf("store: record portone transfer %q: %w", t.TransferID, err)
	}
	return nil
}

func (s *Store) recordTransferTx(tx *gorm.DB, t *PortOneTransfer, intentRef int64, source string) error {
	now := s.nowUTC()
	observed := t.ObservedAt
	if observed.IsZero() {
		observed = now
	}
	var ex portoneTransferRow
	res := tx.Where("transfer_id = ?", t.TransferID).Limit(1).Find(&ex)
	if res.Error != nil {
		return res.Error
	}
	row := portoneTransferRow{
		TransferID: t.TransferID, PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: string(t.Kind),
		CancellationID: t.CancellationID, Status: string(t.Status), SettlementStartDate: day(t.SettlementStartDate),
		SettlementDate: day(t.SettlementDate), Amounts: t.Amounts, RawJSON: string(t.Raw), RecordedAt: at(now), UpdatedAt: at(now),
	}
	if intentRef > 0 {
		row.IntentRef = &intentRef
	}
	from := ""
	if res.RowsAffected > 0 {
		from = ex.Status
		row.ID, row.RecordedAt = ex.ID, ex.RecordedAt
		if row.IntentRef == nil {
			row.IntentRef = ex.IntentRef
		}
		if row.PartnerID == "" {
			row.PartnerID, row.PaymentID, row.Kind, row.CancellationID = ex.PartnerID, ex.PaymentID, ex.Kind, ex.CancellationID
		}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if err := tx.Where("portone_transfer_ref = ?", row.ID).Delete(&portoneLineRow{}).Error; err != nil {
			return err
		}
	} else if err := tx.Create(&row).Error; err != nil {
		return err
	}
	lines := make([]portoneLineRow, len(t.Lines))
	for i, l := range t.Lines {
		lines[i] = portoneLineRow{PortoneTransferRef: row.ID, LineNo: int64(i + 1), ProductID: l.ProductID, Quantity: l.Quantity, Amounts: l.Amounts}
	}
	if err := createBatch(tx, lines); err != nil {
		return err
	}
	if from != string(t.Status) {
		h := statusHistoryRow{TransferID: t.TransferID, IntentID: t.IntentID, PartnerID: row.PartnerID, FromStatus: from,
			ToStatus: string(t.Status), Source: source, ObservedAt: at(observed)}
		if err := tx.Create(&h).Error; err != nil {
			return err
		}
	}
	return nil
}

// PortOneTransferByID returns PortOne's last recorded answer for a transfer.
func (s *Store) PortOneTransferByID(ctx context.Context, transferID settlement.TransferID) (PortOneTransfer, error) {
	ts, err := s.loadPortOne(s.w(ctx), s.w(ctx).Where("transfer_id = ?", transferID))
	if err != nil {
		return PortOneTransfer{}, fmt.Errorf("store: portone transfer %q: %w", transferID, err)
	}
	if len(ts) == 0 {
		return PortOneTransfer{}, &NotFoundError{What: fmt.Sprintf("portone transfer %q", transferID)}
	}
	return ts[0], nil
}

// finalStatuses are the transfer statuses sync no longer polls.
var finalStatuses = []string{string(settlement.StatusPaidOut)}

// OpenTransfers calls fn for each recorded PortOne transfer whose status
// can still change (everything but PAID_OUT), a page at a time in id
// order: the sync job's work list. fn may write to the store.
func (s *Store) OpenTransfers(ctx context.Context, fn func(*PortOneTransfer) error) error {
	load := func(rows []portoneTransferRow) ([]PortOneTransfer, error) { return s.portOneFromRows(s.w(ctx), rows) }
	q := s.w(ctx).Where("status NOT IN ?", finalStatuses)
	return walk(ctx, "open transfers", byID[portoneTransferRow](q), load, fn)
}

func (s *Store) loadPortOne(db, q *gorm.DB) ([]PortOneTransfer, error) {
	var rows []portoneTransferRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return s.portOneFromRows(db, rows)
}

func (s *Store) portOneFromRows(db *gorm.DB, rows []portoneTransferRow) ([]PortOneTransfer, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	refs := map[int64]int64{}
	for i, r := range rows {
		ids[i] = r.ID
		if r.IntentRef != nil {
			refs[r.ID] = *r.IntentRef
		}
	}
	var lines []portoneLineRow
	if err := db.Session(&gorm.Session{NewDB: true}).Where("portone_transfer_ref IN ?", ids).Order("portone_transfer_ref, line_no").Find(&lines).Error; err != nil {
		return nil, err
	}
	intentIDs := map[int64]settlement.TransferID{}
	if len(refs) > 0 {
		var ins []intentRow
		var irefs []int64
		for _, v := range refs {
			irefs = append(irefs, v)
		}
		if err := db.Session(&gorm.Session{NewDB: true}).Select("id, intent_id").Where("id IN ?", irefs).Find(&ins).Error; err != nil {
			return nil, err
		}
		for _, in := range ins {
			intentIDs[in.ID] = in.IntentID
		}
	}
	out := make([]PortOneTransfer, len(rows))
	byID := map[int64]*PortOneTransfer{}
	for i, r := range rows {
		out[i] = PortOneTransfer{TransferID: r.TransferID, IntentID: intentIDs[refs[r.ID]], PartnerID: r.PartnerID, PaymentID: r.PaymentID,
			Kind: settlement.Kind(r.Kind), CancellationID: r.CancellationID, Status: settlement.TransferStatus(r.Status),
			SettlementStartDate: r.SettlementStartDate.date(), SettlementDate: r.SettlementDate.date(), Amounts: r.Amounts,
			Raw: []byte(r.RawJSON), RecordedAt: r.RecordedAt.Time, UpdatedAt: r.UpdatedAt.Time}
		byID[r.ID] = &out[i]
	}
	for _, l := range lines {
		t := byID[l.PortoneTransferRef]
		t.Lines = append(t.Lines, PortOneLine{ProductID: l.ProductID, Quantity: l.Quantity, Amounts: l.Amounts})
	}
	return out, nil
}
