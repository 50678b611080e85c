package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// schemaV11 keeps the records an operator withdrew before they were posted
// (settle void): who, why, when, the record as it was stored, and where its
// transfer intent stood; and the manual transfers an operator posts to
// adjust a partner's settlement (settle adjust), with PortOne's answer.
const schemaV11 = `
CREATE TABLE voided_records (
	id {{pk}},
	kind TEXT NOT NULL,
	partner_id TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	cancellation_id TEXT NOT NULL DEFAULT '',
	business_date TEXT NOT NULL,
	request_json TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT '',
	received_at {{ts}},
	intent_id TEXT NOT NULL DEFAULT '',
	intent_status TEXT NOT NULL DEFAULT '',
	intent_error TEXT NOT NULL DEFAULT '',
	voided_by TEXT NOT NULL,
	reason TEXT NOT NULL,
	voided_at {{ts}} NOT NULL
);
CREATE INDEX voided_records_payment ON voided_records (partner_id, payment_id);
CREATE TABLE adjustments (
	id {{pk}},
	client_id TEXT NOT NULL UNIQUE,
	partner_id TEXT NOT NULL,
	reference TEXT NOT NULL,
	settlement_date TEXT NOT NULL,
	amount {{int}} NOT NULL,
	tax_free {{int}} NOT NULL DEFAULT 0,
	memo TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	created_by TEXT NOT NULL,
	request_json TEXT NOT NULL,
	status TEXT NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	portone_transfer_id TEXT NOT NULL DEFAULT '',
	portone_amount {{int}},
	portone_status TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX adjustments_partner ON adjustments (partner_id, settlement_date);
`

func migrateV11(tx *gorm.DB, d Dialect) error { return execScript(tx, d, schemaV11) }

type voidedRow struct {
	ID             int64 `gorm:"primaryKey"`
	Kind           string
	PartnerID      settlement.PartnerID
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	BusinessDate   day
	RequestJSON    string `gorm:"column:request_json"`
	Source         string
	ReceivedAt     instant
	IntentID       settlement.TransferID
	IntentStatus   string
	IntentError    string
	VoidedBy       string
	Reason         string
	VoidedAt       instant

	// Set when the record's transfer was deleted at PortOne to be posted
	// again corrected (schema 13).
	DeletedTransferID     string
	DeletedStatus         string
	DeletedAmount         *int64
	DeletedSettlementDate string
}

func (voidedRow) TableName() string { return "voided_records" }

// VoidRequest names a stored record to withdraw and says who and why.
type VoidRequest struct {
	Kind           settlement.Kind // ORDER or ORDER_CANCEL
	PartnerID      settlement.PartnerID
	PaymentID      settlement.PaymentID      // ORDER
	CancellationID settlement.CancellationID // ORDER_CANCEL
	By, Reason     string
}

// What names the record in messages: order "pay-1" of partner "p1".
func (r *VoidRequest) What() string {
	if r.Kind == settlement.KindOrderCancel {
		return fmt.Sprintf("cancellation %q of partner %q", r.CancellationID, r.PartnerID)
	}
	return fmt.Sprintf("order %q of partner %q", r.PaymentID, r.PartnerID)
}

// Voided is a withdrawn record as kept in history.
type Voided struct {
	ID             int64
	Kind           settlement.Kind
	PartnerID      settlement.PartnerID
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	BusinessDate   settlement.Date
	Request        []byte
	Source         Source
	ReceivedAt     time.Time
	IntentID       settlement.TransferID // "" when it was not settled
	IntentStatus   IntentStatus          // where its intent stood (pending, failed, conflict) or ""
	IntentError    string
	By, Reason     string
	VoidedAt       time.Time

	// Deleted is PortOne's transfer of the record, deleted at PortOne when
	// the record was withdrawn (settle void --delete-transfer); nil when
	// PortOne never held it.
	Deleted *DeletedTransfer
}

func (r *voidedRow) voided() Voided {
	return Voided{ID: r.ID, Kind: settlement.Kind(r.Kind), PartnerID: r.PartnerID, PaymentID: r.PaymentID, CancellationID: r.CancellationID,
		BusinessDate: r.BusinessDate.date(), Request: []byte(r.RequestJSON), Source: Source(r.Source), ReceivedAt: r.ReceivedAt.Time,
		IntentID: r.IntentID, IntentStatus: IntentStatus(r.IntentStatus), IntentError: r.IntentError, By: r.VoidedBy, Reason: r.Reason,
		VoidedAt: r.VoidedAt.Time, Deleted: r.deleted()}
}

// ErrPosted is matched (errors.Is) by a *PostedError.
var ErrPosted = errors.New("already transferred at PortOne")

// PostedError refuses to void a record whose transfer PortOne holds: it
// can only be corrected through PortOne (a cancellation).
type PostedError struct {
	What       string // "order "pay-1" of partner "p1""
	IntentID   settlement.TransferID
	Status     IntentStatus
	TransferID settlement.TransferID
}

func (e *PostedError) Error() string {
	return fmt.Sprintf("%s is already transferred at PortOne (transfer %s, %s): a posted record cannot be voided", e.What, e.TransferID, e.Status)
}

// Is makes errors.Is(err, ErrPosted) true.
func (e *PostedError) Is(target error) bool { return target == ErrPosted }

// ErrVoidBlocked is matched (errors.Is) by a *VoidBlockedError.
var ErrVoidBlocked = errors.New("cannot be voided now")

// VoidBlockedError refuses a void that would leave the store inconsistent
// (a cancellation whose order is gone, a later cancel computed on this
// one) or race a poster; Reason says what to do first.
type VoidBlockedError struct {
	What, Reason string
}

func (e *VoidBlockedError) Error() string { return e.What + " cannot be voided now: " + e.Reason }

// Is makes errors.Is(err, ErrVoidBlocked) true.
func (e *VoidBlockedError) Is(target error) bool { return target == ErrVoidBlocked }

// VoidRecord withdraws a stored order or cancellation that PortOne does not
// hold: the record, its settlement and its transfer intent (pending, failed
// or conflicting, not being posted) are removed in one transaction and the
// record is kept in voided_records with who, why and where its intent
// stood. The same key can then be imported again (a corrected record); its
// intent gets the same client transfer id, so should an earlier POST have
// reached PortOne after all, the new one is answered 409 and reported as a
// conflict, never transferred twice. Refused with a *PostedError when the
// intent is posted or adopted, with a *VoidBlockedError when an order has
// cancellations, a later cancel of the payment was computed on this one, or
// the intent is claimed by a poster right now; a *NotFoundError when no
// such record is stored.
func (s *Store) VoidRecord(ctx context.Context, req VoidRequest) (Voided, error) {
	return s.voidRecord(ctx, req, voidMode{})
}

// voidMode is how voidRecord treats a record whose transfer PortOne holds.
type voidMode struct {
	// check runs every check and reports what would be voided, but writes
	// nothing; a posted record's transfer is named, not refused.
	check bool
	// deleted is PortOne's transfer of the record, deleted at PortOne
	// just now: the record is voided with it (and its answer as we kept it).
	deleted *DeletedTransfer
}

func (s *Store) voidRecord(ctx context.Context, req VoidRequest, mode voidMode) (Voided, error) {
	req.By, req.Reason = strings.TrimSpace(req.By), strings.TrimSpace(req.Reason)
	switch {
	case req.Kind != settlement.KindOrder && req.Kind != settlement.KindOrderCancel:
		return Voided{}, &InvalidError{Record: "void", Field: "kind", Err: fmt.Errorf("%q: want ORDER or ORDER_CANCEL", req.Kind)}
	case req.PartnerID == "":
		return Voided{}, &InvalidError{Record: req.What(), Field: "partnerId", Err: errors.New("required")}
	case req.Kind == settlement.KindOrder && req.PaymentID == "":
		return Voided{}, &InvalidError{Record: req.What(), Field: "paymentId", Err: errors.New("required")}
	case req.Kind == settlement.KindOrderCancel && req.CancellationID == "":
		return Voided{}, &InvalidError{Record: req.What(), Field: "cancellationId", Err: errors.New("required")}
	case req.Reason == "":
		return Voided{}, &InvalidError{Record: req.What(), Field: "reason", Err: errors.New("required: say why it is withdrawn")}
	case req.By == "":
		return Voided{}, &InvalidError{Record: req.What(), Field: "by", Err: errors.New("required: who withdraws it")}
	}
	var out voidedRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		lock := func(q *gorm.DB) *gorm.DB {
			if s.dialect == Postgres {
				return q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			return q // SQLite: the transaction holds the write lock
		}
		var recID int64
		var settlementID *int64
		if req.Kind == settlement.KindOrder {
			var o orderRow
			if err := lock(tx.Where("partner_id = ? AND payment_id = ?", req.PartnerID, req.PaymentID)).Take(&o).Error; err != nil {
				return notFound(err, req.What())
			}
			var cancels []string
			if err := tx.Model(&cancellationRow{}).Where("order_ref = ? OR (partner_id = ? AND payment_id = ?)", o.ID, req.PartnerID, req.PaymentID).
				Order("cancellation_id").Pluck("cancellation_id", &cancels).Error; err != nil {
				return err
			}
			if len(cancels) > 0 {
				return &VoidBlockedError{What: req.What(), Reason: fmt.Sprintf("its cancellations %s are stored; void them first", strings.Join(cancels, ", "))}
			}
			recID = o.ID
			out = voidedRow{Kind: string(settlement.KindOrder), PartnerID: o.PartnerID, PaymentID: o.PaymentID, BusinessDate: o.BusinessDate,
				RequestJSON: o.RequestJSON, Source: o.Source, ReceivedAt: o.ReceivedAt}
			if err := settlementOf(tx, "order_ref", recID, &settlementID); err != nil {
				return err
			}
		} else {
			var c cancellationRow
			if err := lock(tx.Where("partner_id = ? AND cancellation_id = ?", req.PartnerID, req.CancellationID)).Take(&c).Error; err != nil {
				return notFound(err, req.What())
			}
			recID = c.ID
			out = voidedRow{Kind: string(settlement.KindOrderCancel), PartnerID: c.PartnerID, PaymentID: c.PaymentID, CancellationID: c.CancellationID,
				BusinessDate: c.BusinessDate, RequestJSON: c.RequestJSON, Source: c.Source, ReceivedAt: c.ReceivedAt}
			if err := settlementOf(tx, "cancellation_ref", recID, &settlementID); err != nil {
				return err
			}
			if settlementID != nil {
				// A later cancel of the payment was computed on what this one left.
				var later []string
				if err := tx.Table("settlements AS st").Joins("JOIN cancellations c ON c.id = st.cancellation_ref").
					Where("c.partner_id = ? AND c.payment_id = ? AND st.id > ?", c.PartnerID, c.PaymentID, *settlementID).
					Order("st.id").Pluck("c.cancellation_id", &later).Error; err != nil {
					return err
				}
				if len(later) > 0 {
					return &VoidBlockedError{What: req.What(), Reason: fmt.Sprintf("the later cancellations %s of payment %q were computed on it; void them first", strings.Join(later, ", "), c.PaymentID)}
				}
			}
		}
		var intents []intentRow
		if err := lock(tx.Where("partner_id = ? AND payment_id = ? AND kind = ? AND cancellation_id = ?",
			out.PartnerID, out.PaymentID, out.Kind, out.CancellationID)).Find(&intents).Error; err != nil {
			return err
		}
		for _, in := range intents {
			switch IntentStatus(in.Status) {
			case IntentPosted, IntentAdopted:
				held := in.heldID()
				switch {
				case mode.check:
					out.DeletedTransferID = string(held)
				case mode.deleted != nil && mode.deleted.TransferID == held:
					d := *mode.deleted
					if err := deletePortOneTransfer(tx, in.ID, held, &d); err != nil {
						return err
					}
					out.DeletedTransferID, out.DeletedStatus, out.DeletedAmount, out.DeletedSettlementDate = string(d.TransferID), string(d.Status), d.Amount, d.SettlementDate
				default:
					return &PostedError{What: req.What(), IntentID: in.IntentID, Status: IntentStatus(in.Status), TransferID: held}
				}
				out.IntentID, out.IntentStatus, out.IntentError = in.IntentID, in.Status, in.LastError
				if mode.check {
					continue
				}
				if err := tx.Where("id = ?", in.ID).Delete(&intentRow{}).Error; err != nil {
					return err
				}
				continue
			case IntentPending:
				if in.ClaimOwner != "" && in.LeaseExpiresMS > s.nowMS() {
					return &VoidBlockedError{What: req.What(), Reason: fmt.Sprintf("its transfer %s is being posted by %s right now; try again when that post run has ended", in.IntentID, in.ClaimOwner)}
				}
			}
			var held int64
			if err := tx.Model(&portoneTransferRow{}).Where("intent_ref = ?", in.ID).Count(&held).Error; err != nil {
				return err
			}
			if held > 0 {
				return &PostedError{What: req.What(), IntentID: in.IntentID, Status: IntentStatus(in.Status), TransferID: in.IntentID}
			}
			out.IntentID, out.IntentStatus, out.IntentError = in.IntentID, in.Status, in.LastError
			if mode.check {
				continue
			}
			if err := tx.Where("id = ?", in.ID).Delete(&intentRow{}).Error; err != nil {
				return err
			}
		}
		if mode.check {
			out.VoidedBy, out.Reason, out.VoidedAt = req.By, req.Reason, at(s.nowUTC())
			return errCheckOnly // every check ran; nothing is written
		}
		if settlementID != nil {
			if err := tx.Where("settlement_ref = ?", *settlementID).Delete(&settlementLineRow{}).Error; err != nil {
				return err
			}
			if err := tx.Where("id = ?", *settlementID).Delete(&settlementRow{}).Error; err != nil {
				return err
			}
		}
		if req.Kind == settlement.KindOrder {
			if err := tx.Where("id = ?", recID).Delete(&orderRow{}).Error; err != nil {
				return err
			}
		} else if err := tx.Where("id = ?", recID).Delete(&cancellationRow{}).Error; err != nil {
			return err
		}
		// A refusal at settle time keeps a record of an earlier date out of
		// later runs; the corrected record must not inherit it. The
		// rejection stays in history under another source.
		key := string(out.PaymentID)
		if req.Kind == settlement.KindOrderCancel {
			key = string(out.CancellationID)
		}
		if err := tx.Model(&rejectedRow{}).Where("partner_id = ? AND record_key = ? AND source = ?", out.PartnerID, key, string(SourcePipeline)).
			Update("source", string(SourceVoided)).Error; err != nil {
			return err
		}
		out.VoidedBy, out.Reason, out.VoidedAt = req.By, req.Reason, at(s.nowUTC())
		if mode.deleted != nil && out.DeletedTransferID == "" {
			return &VoidBlockedError{What: req.What(), Reason: fmt.Sprintf("PortOne's transfer %s is not this record's transfer", mode.deleted.TransferID)}
		}
		return tx.Create(&out).Error
	})
	if errors.Is(err, errCheckOnly) {
		return out.voided(), nil
	}
	if err != nil {
		var pe *PostedError
		var be *VoidBlockedError
		var nf *NotFoundError
		if errors.As(err, &pe) || errors.As(err, &be) || errors.As(err, &nf) {
			return Voided{}, err
		}
		return Voided{}, fmt.Errorf("void %s: %w", req.What(), err)
	}
	return out.voided(), nil
}

// SourceVoided marks the settle-time rejections of a record that was voided.
const SourceVoided Source = "voided"

// VoidedRecords returns the voided records of partnerID (all partners when
// ""), oldest first.
func (s *Store) VoidedRecords(ctx context.Context, partnerID settlement.PartnerID) ([]Voided, error) {
	q := s.r(ctx).Order("id")
	if partnerID != "" {
		q = q.Where("partner_id = ?", partnerID)
	}
	var rows []voidedRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("voided records: %w", err)
	}
	out := make([]Voided, len(rows))
	for i := range rows {
		out[i] = rows[i].voided()
	}
	return out, nil
}

// settlementOf sets *id to the settlement whose col is recID, if any.
func settlementOf(tx *gorm.DB, col string, recID int64, id **int64) error {
	var ids []int64
	if err := tx.Model(&settlementRow{}).Where(col+" = ?", recID).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) > 0 {
		*id = &ids[0]
	}
	return nil
}
