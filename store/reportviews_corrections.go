package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// ReportVoided is a voided record with the record that replaced it: the
// current transfer intent of the same key (partner, payment, kind,
// cancellation), which a corrected record imported again gets.
type ReportVoided struct {
	Voided
	// Replacement is the intent of the corrected record, nil when none
	// was imported (yet).
	Replacement *ReportReplacement
}

// ReportReplacement is the intent of a corrected record and PortOne's
// answer for it.
type ReportReplacement struct {
	IntentID   settlement.TransferID
	Status     IntentStatus
	TransferID settlement.TransferID // PortOne's transfer id, "" until it answered
	// PortOneStatus and PortOneAmount are PortOne's status and
	// amount.settlement as we keep them; "" and nil until it answered.
	PortOneStatus settlement.TransferStatus
	PortOneAmount *settlement.Won
}

// ReportVoidedRecords streams the voided records q selects, in one query:
// by the record's business date (or, with q.BySettlementDate, by the
// settlement date of the transfer deleted at PortOne: a record PortOne
// never held has none), by partner, then in the order they were voided.
func (s *Store) ReportVoidedRecords(ctx context.Context, q Query, fn func(*ReportVoided) error) error {
	// voided_records has no settlement date: the deleted transfer's stands
	// for it (a record PortOne never held has none).
	where, args := q.where("v")
	query := `SELECT v.id, v.kind, v.partner_id, v.payment_id, v.cancellation_id, v.business_date, v.source, v.received_at,
		v.intent_id, v.intent_status, v.intent_error, v.voided_by, v.reason, v.voided_at,
		v.deleted_transfer_id, v.deleted_status, v.deleted_amount, v.deleted_settlement_date,
		COALESCE(i.intent_id, ''), COALESCE(i.status, ''), COALESCE(i.portone_transfer_id, ''),
		COALESCE(p.status, ''), p.a_settlement
	FROM (SELECT voided_records.*, deleted_settlement_date AS settlement_date FROM voided_records) v
	LEFT JOIN transfer_intents i ON i.partner_id = v.partner_id AND i.payment_id = v.payment_id AND i.kind = v.kind
		AND i.cancellation_id = v.cancellation_id
	LEFT JOIN portone_transfers p ON p.intent_ref = i.id
	WHERE ` + where + `
	ORDER BY v.business_date, v.partner_id, v.id`
	var r ReportVoided
	return s.stream(ctx, "report voided records", query, args, func(rows *sql.Rows) error {
		var (
			row                            voidedRow
			repID, repStatus, repTransfer  string
			repPortOneStatus               string
			repAmount                      sql.NullInt64
			kind                           string
			deletedAmount                  sql.NullInt64
			receivedAt, voidedAt           instant
			deletedDate, deletedTransferID string
			deletedStatus, intentStatus    string
		)
		if err := rows.Scan(&row.ID, &kind, &row.PartnerID, &row.PaymentID, &row.CancellationID, &row.BusinessDate, &row.Source, &receivedAt,
			&row.IntentID, &intentStatus, &row.IntentError, &row.VoidedBy, &row.Reason, &voidedAt,
			&deletedTransferID, &deletedStatus, &deletedAmount, &deletedDate,
			&repID, &repStatus, &repTransfer, &repPortOneStatus, &repAmount); err != nil {
			return fmt.Errorf("report voided records: %w", err)
		}
		row.Kind, row.IntentStatus, row.ReceivedAt, row.VoidedAt = kind, intentStatus, receivedAt, voidedAt
		row.DeletedTransferID, row.DeletedStatus, row.DeletedSettlementDate = deletedTransferID, deletedStatus, deletedDate
		if deletedAmount.Valid {
			n := deletedAmount.Int64
			row.DeletedAmount = &n
		}
		r = ReportVoided{Voided: row.voided()}
		if repID != "" {
			rep := &ReportReplacement{IntentID: settlement.TransferID(repID), Status: IntentStatus(repStatus),
				TransferID: settlement.TransferID(repTransfer), PortOneStatus: settlement.TransferStatus(repPortOneStatus)}
			if repAmount.Valid {
				w := settlement.Won(repAmount.Int64)
				rep.PortOneAmount = &w
			}
			r.Replacement = rep
		}
		return fn(&r)
	})
}

// AdjustmentQuery selects adjustments: those made in [Since, Until) (the
// business dates of an export or a reconcile, as instants), or with
// BySettlementDate those paid on settlement dates From..To.
type AdjustmentQuery struct {
	Since, Until     time.Time // made in [Since, Until); zero for no bound
	BySettlementDate bool
	From, To         settlement.Date // settlement dates, inclusive, with BySettlementDate
	PartnerID        settlement.PartnerID
}

// AdjustmentsOf returns the adjustments q selects, by settlement date,
// partner and reference.
func (s *Store) AdjustmentsOf(ctx context.Context, q AdjustmentQuery) ([]Adjustment, error) {
	db := s.r(ctx).Order("settlement_date, partner_id, reference")
	if q.BySettlementDate {
		if !q.From.IsZero() {
			db = db.Where("settlement_date >= ?", day(q.From))
		}
		if !q.To.IsZero() {
			db = db.Where("settlement_date <= ?", day(q.To))
		}
	} else {
		if !q.Since.IsZero() {
			db = db.Where("created_at >= ?", at(q.Since.UTC()))
		}
		if !q.Until.IsZero() {
			db = db.Where("created_at < ?", at(q.Until.UTC()))
		}
	}
	if q.PartnerID != "" {
		db = db.Where("partner_id = ?", q.PartnerID)
	}
	var rows []adjustmentRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("adjustments: %w", err)
	}
	out := make([]Adjustment, len(rows))
	for i := range rows {
		out[i] = rows[i].adjustment()
	}
	return out, nil
}

// MismatchesOf returns the mismatches recorded for the given intent or
// adjustment client ids, by id, in the order they were recorded.
func (s *Store) MismatchesOf(ctx context.Context, ids []settlement.TransferID) (map[settlement.TransferID][]Mismatch, error) {
	out := map[settlement.TransferID][]Mismatch{}
	for i := 0; i < len(ids); i += lookupChunk {
		var rows []mismatchRow
		if err := s.r(ctx).Where("intent_id IN ?", ids[i:min(i+lookupChunk, len(ids))]).Order("id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("mismatches of transfers: %w", err)
		}
		for _, r := range rows {
			out[r.IntentID] = append(out[r.IntentID], Mismatch{BusinessDate: r.BusinessDate.date(), PartnerID: r.PartnerID, PaymentID: r.PaymentID,
				IntentID: r.IntentID, TransferID: r.TransferID, ProductID: r.ProductID, Reason: settlement.MismatchReason(r.Reason), Field: r.Field,
				Local: settlement.Won(r.LocalValue), PortOne: settlement.Won(r.PortoneValue), Diff: settlement.Won(r.Diff),
				LocalText: r.LocalText, PortOneText: r.PortoneText, ID: r.ID, RecordedAt: r.RecordedAt.Time})
		}
	}
	return out, nil
}
