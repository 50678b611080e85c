package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// AdjustmentSpec is a manual transfer an operator posts to adjust a
// partner's settlement (a correction of a transfer already posted): the
// amount (negative to take back), the settlement date it is paid with, and
// the operator's reference, which makes the adjustment idempotent: the same
// partner and reference are one adjustment, whatever is run again.
type AdjustmentSpec struct {
	PartnerID      settlement.PartnerID
	Reference      string // the operator's reference (a ticket id); with the partner, the key
	SettlementDate settlement.Date
	Amount         settlement.Won
	TaxFree        settlement.Won
	Memo           string
	Reason, By     string
	Request        []byte // the PortOne request body, JSON
}

// AdjustmentStatus is where an adjustment stands.
type AdjustmentStatus = IntentStatus

// Adjustment is a stored adjustment with PortOne's answer.
type Adjustment struct {
	ClientID          settlement.TransferID
	PartnerID         settlement.PartnerID
	Reference         string
	SettlementDate    settlement.Date
	Amount, TaxFree   settlement.Won
	Memo, Reason, By  string
	Request           []byte
	Status            AdjustmentStatus // pending, posted, adopted, failed or conflict
	LastError         string
	PortOneTransferID settlement.TransferID
	PortOneAmount     *settlement.Won // PortOne's settlementAmount, once answered
	PortOneStatus     settlement.TransferStatus
	CreatedAt         time.Time
}

type adjustmentRow struct {
	ID                int64 `gorm:"primaryKey"`
	ClientID          settlement.TransferID
	PartnerID         settlement.PartnerID
	Reference         string
	SettlementDate    day
	Amount            int64
	TaxFree           int64
	Memo              string
	Reason            string
	CreatedBy         string
	RequestJSON       string `gorm:"column:request_json"`
	Status            string
	LastError         string
	PortoneTransferID settlement.TransferID `gorm:"column:portone_transfer_id"`
	PortoneAmount     *int64                `gorm:"column:portone_amount"`
	PortoneStatus     string                `gorm:"column:portone_status"`
	CreatedAt         instant               `gorm:"autoCreateTime:false"`
	UpdatedAt         instant               `gorm:"autoUpdateTime:false"`
}

func (adjustmentRow) TableName() string { return "adjustments" }

func (r *adjustmentRow) adjustment() Adjustment {
	return Adjustment{ClientID: r.ClientID, PartnerID: r.PartnerID, Reference: r.Reference, SettlementDate: r.SettlementDate.date(),
		Amount: settlement.Won(r.Amount), TaxFree: settlement.Won(r.TaxFree), Memo: r.Memo, Reason: r.Reason, By: r.CreatedBy,
		Request: []byte(r.RequestJSON), Status: AdjustmentStatus(r.Status), LastError: r.LastError, PortOneTransferID: r.PortoneTransferID,
		PortOneAmount: wonPtr(r.PortoneAmount), PortOneStatus: settlement.TransferStatus(r.PortoneStatus), CreatedAt: r.CreatedAt.Time}
}

// AdjustmentID is the client transfer id of the adjustment (partner,
// reference): deterministic, so a rerun posts the same id.
func AdjustmentID(partnerID settlement.PartnerID, reference string) settlement.TransferID {
	return IntentID(partnerID, settlement.PaymentID(reference), settlement.KindManual, "", 0)
}

// SaveAdjustment stores an adjustment before it is posted, idempotently by
// (partner, reference): the same adjustment again returns the stored one
// (whatever its status); another amount, date, memo or tax-free amount
// under the same reference is a *ConflictError naming the fields.
func (s *Store) SaveAdjustment(ctx context.Context, sp AdjustmentSpec) (Adjustment, error) {
	what := fmt.Sprintf("adjustment %q of partner %q", sp.Reference, sp.PartnerID)
	switch {
	case sp.PartnerID == "":
		return Adjustment{}, &InvalidError{Record: what, Field: "partnerId", Err: errors.New("required")}
	case strings.TrimSpace(sp.Reference) == "":
		return Adjustment{}, &InvalidError{Record: what, Field: "reference", Err: errors.New("required: the ticket or note this adjustment answers")}
	case sp.Amount == 0:
		return Adjustment{}, &InvalidError{Record: what, Field: "amount", Err: errors.New("must not be zero")}
	case sp.SettlementDate.IsZero():
		return Adjustment{}, &InvalidError{Record: what, Field: "settlementDate", Err: errors.New("required")}
	case strings.TrimSpace(sp.Reason) == "" || strings.TrimSpace(sp.By) == "":
		return Adjustment{}, &InvalidError{Record: what, Field: "reason/by", Err: errors.New("required: who adjusts and why")}
	}
	now := at(s.nowUTC())
	row := adjustmentRow{ClientID: AdjustmentID(sp.PartnerID, sp.Reference), PartnerID: sp.PartnerID, Reference: sp.Reference,
		SettlementDate: day(sp.SettlementDate), Amount: int64(sp.Amount), TaxFree: int64(sp.TaxFree), Memo: sp.Memo, Reason: sp.Reason,
		CreatedBy: sp.By, RequestJSON: string(sp.Request), Status: string(IntentPending), CreatedAt: now, UpdatedAt: now}
	if err := s.w(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "client_id"}}, DoNothing: true}).Create(&row).Error; err != nil {
		return Adjustment{}, fmt.Errorf("save %s: %w", what, err)
	}
	var got adjustmentRow
	if err := s.w(ctx).Where("client_id = ?", row.ClientID).Take(&got).Error; err != nil {
		return Adjustment{}, notFound(err, what)
	}
	var diffs []FieldDiff
	cmp := func(field string, stored, want any) {
		if fmt.Sprint(stored) != fmt.Sprint(want) {
			diffs = append(diffs, FieldDiff{Path: field, Stored: fmt.Sprint(stored), Got: fmt.Sprint(want)})
		}
	}
	cmp("settlementAmount", got.Amount, row.Amount)
	cmp("settlementTaxFreeAmount", got.TaxFree, row.TaxFree)
	cmp("settlementDate", got.SettlementDate.date(), sp.SettlementDate)
	cmp("memo", got.Memo, row.Memo)
	if len(diffs) > 0 {
		return got.adjustment(), &ConflictError{Record: "adjustment", Key: fmt.Sprintf("%q of partner %q", sp.Reference, sp.PartnerID), Diffs: diffs}
	}
	return got.adjustment(), nil
}

// AdjustmentAnswer is PortOne's answer to an adjustment, or why there is none.
type AdjustmentAnswer struct {
	Status     AdjustmentStatus // posted, adopted, failed, conflict, or pending (retry later)
	Error      string
	TransferID settlement.TransferID
	Amount     *settlement.Won
	PortOne    settlement.TransferStatus
}

// RecordAdjustment records PortOne's answer to adjustment clientID. A
// posted or adopted adjustment stays so (a later answer only refreshes
// PortOne's status).
func (s *Store) RecordAdjustment(ctx context.Context, clientID settlement.TransferID, a AdjustmentAnswer) error {
	set := map[string]any{"status": string(a.Status), "last_error": a.Error, "portone_transfer_id": a.TransferID,
		"portone_amount": int64Ptr(a.Amount), "portone_status": string(a.PortOne), "updated_at": at(s.nowUTC())}
	q := s.w(ctx).Model(&adjustmentRow{}).Where("client_id = ?", clientID)
	if a.Status != IntentPosted && a.Status != IntentAdopted {
		q = q.Where("status NOT IN ?", []string{string(IntentPosted), string(IntentAdopted)})
	}
	if err := q.Updates(set).Error; err != nil {
		return fmt.Errorf("record adjustment %s: %w", clientID, err)
	}
	return nil
}

// Adjustments returns the adjustments of partnerID ("" for all) by
// settlement date, partner and reference.
func (s *Store) Adjustments(ctx context.Context, partnerID settlement.PartnerID) ([]Adjustment, error) {
	q := s.r(ctx).Order("settlement_date, partner_id, reference")
	if partnerID != "" {
		q = q.Where("partner_id = ?", partnerID)
	}
	var rows []adjustmentRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("adjustments: %w", err)
	}
	out := make([]Adjustment, len(rows))
	for i := range rows {
		out[i] = rows[i].adjustment()
	}
	return out, nil
}
