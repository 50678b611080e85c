package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// schemaV13 lets a posted record be corrected through PortOne's own means:
// its transfer is deleted at PortOne and the record voided with the
// deleted transfer named (voided_records.deleted_*), and the corrected
// record, imported again, is posted under a new client id. PortOne never
// reuses a client id, even a deleted one, so a record's generation (how
// many of its transfers were deleted) is part of its id (IntentID).
const schemaV13 = `
ALTER TABLE orders ADD COLUMN generation {{int}} NOT NULL DEFAULT 0;
ALTER TABLE cancellations ADD COLUMN generation {{int}} NOT NULL DEFAULT 0;
ALTER TABLE voided_records ADD COLUMN deleted_transfer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE voided_records ADD COLUMN deleted_status TEXT NOT NULL DEFAULT '';
ALTER TABLE voided_records ADD COLUMN deleted_amount {{int}};
ALTER TABLE voided_records ADD COLUMN deleted_settlement_date TEXT NOT NULL DEFAULT '';
CREATE INDEX voided_records_cancellation ON voided_records (partner_id, cancellation_id);
`

// DeletedTransfer is PortOne's transfer of a record as it was when it was
// deleted at PortOne.
type DeletedTransfer struct {
	TransferID     settlement.TransferID
	Status         settlement.TransferStatus // its status when deleted ("" when PortOne no longer had it)
	Amount         *int64                    // its settlement amount at PortOne, when known
	SettlementDate string                    // its settlement date at PortOne, when known
}

func (r *voidedRow) deleted() *DeletedTransfer {
	if r.DeletedTransferID == "" {
		return nil
	}
	return &DeletedTransfer{TransferID: settlement.TransferID(r.DeletedTransferID), Status: settlement.TransferStatus(r.DeletedStatus),
		Amount: r.DeletedAmount, SettlementDate: r.DeletedSettlementDate}
}

// heldID is the id of PortOne's transfer for a posted or adopted intent:
// PortOne's answer names it; an intent posted before answers were kept
// has its client id, which PortOne keeps as the transfer's id.
func (r *intentRow) heldID() settlement.TransferID {
	if r.PortOneTransferID != "" {
		return r.PortOneTransferID
	}
	return r.IntentID
}

// deletePortOneTransfer removes what we kept of PortOne's transfer id (the
// intent's, row intentRef): PortOne no longer has it. Its status history
// stays (it is history). What d does not know of the transfer (PortOne no
// longer had it when asked: an earlier run was cut after the delete) is
// filled from our copy: its last status, settlement amount and date.
func deletePortOneTransfer(tx *gorm.DB, intentRef int64, id settlement.TransferID, d *DeletedTransfer) error {
	var rows []struct {
		ID             int64
		Status         string
		ASettlement    int64
		SettlementDate string
	}
	if err := tx.Model(&portoneTransferRow{}).Where("intent_ref = ? OR transfer_id = ?", intentRef, id).
		Select("id, status, a_settlement, settlement_date").Order("id").Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	refs := make([]int64, len(rows))
	for i, r := range rows {
		refs[i] = r.ID
	}
	if last := rows[len(rows)-1]; d.Status == "" {
		amount := last.ASettlement
		d.Status, d.Amount, d.SettlementDate = settlement.TransferStatus(last.Status), &amount, last.SettlementDate
	}
	if err := tx.Where("portone_transfer_ref IN ?", refs).Delete(&portoneLineRow{}).Error; err != nil {
		return err
	}
	return tx.Where("id IN ?", refs).Delete(&portoneTransferRow{}).Error
}

// VoidedByDeletedTransfer returns the voided record whose transfer id was
// deleted at PortOne, or a *NotFoundError.
func (s *Store) VoidedByDeletedTransfer(ctx context.Context, id settlement.TransferID) (Voided, error) {
	var r voidedRow
	if err := s.r(ctx).Where("deleted_transfer_id = ?", string(id)).Order("id DESC").Take(&r).Error; err != nil {
		return Voided{}, notFound(err, fmt.Sprintf("voided record of deleted transfer %s", id))
	}
	return r.voided(), nil
}

// errCheckOnly rolls back voidRecord's transaction in check mode.
var errCheckOnly = errors.New("check only")

// CheckVoid runs every check VoidRecord runs and returns what would be
// voided, writing nothing. Unlike VoidRecord it does not refuse a record
// whose transfer PortOne holds: Deleted.TransferID names that transfer,
// which must be deleted at PortOne before VoidDeleted.
func (s *Store) CheckVoid(ctx context.Context, req VoidRequest) (Voided, error) {
	return s.voidRecord(ctx, req, voidMode{check: true})
}

// VoidDeleted withdraws a record whose transfer d was deleted at PortOne
// (settle void --delete-transfer), as VoidRecord withdraws one PortOne
// never held: in one transaction the record, its settlement, its intent
// and our copy of PortOne's transfer go, and the record is kept in
// voided_records naming the deleted transfer. When the corrected record is
// imported again it is a generation later, so it gets a new client id.
// The same checks as VoidRecord apply; a *VoidBlockedError when d is not
// the record's transfer.
func (s *Store) VoidDeleted(ctx context.Context, req VoidRequest, d DeletedTransfer) (Voided, error) {
	if d.TransferID == "" {
		return Voided{}, &InvalidError{Record: req.What(), Field: "transferId", Err: errors.New("the deleted transfer is required")}
	}
	return s.voidRecord(ctx, req, voidMode{deleted: &d})
}

// assignGenerations sets the generation of the records just inserted into
// table (orders or cancellations, rows ids): the number of their earlier
// versions whose transfer was deleted at PortOne. It costs one small query
// when nothing was ever deleted, which is almost always.
func assignGenerations(tx *gorm.DB, kind settlement.Kind, ids []int64) error {
	var one []int64
	if err := tx.Raw("SELECT id FROM voided_records WHERE deleted_transfer_id <> '' LIMIT 1").Scan(&one).Error; err != nil || len(one) == 0 {
		return err
	}
	table, match := "orders", "v.payment_id = orders.payment_id"
	if kind == settlement.KindOrderCancel {
		table, match = "cancellations", "v.cancellation_id = cancellations.cancellation_id"
	}
	count := fmt.Sprintf("(SELECT count(*) FROM voided_records v WHERE v.kind = '%s' AND v.partner_id = %s.partner_id AND %s AND v.deleted_transfer_id <> '')",
		kind, table, match)
	for i := 0; i < len(ids); i += lookupChunk {
		if err := tx.Exec(fmt.Sprintf("UPDATE %s SET generation = %s WHERE id IN ? AND %s > 0", table, count, count),
			ids[i:min(i+lookupChunk, len(ids))]).Error; err != nil {
			return fmt.Errorf("generations of %s: %w", table, err)
		}
	}
	return nil
}
