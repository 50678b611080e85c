package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// TransferDeleter is what correcting a posted record needs of PortOne;
// *transfer.Client has it.
type TransferDeleter interface {
	GetTransfer(ctx context.Context, id string) (transfer.Transfer, error)
	DeleteTransfer(ctx context.Context, id string) error
}

// ErrNotDeletable is matched (errors.Is) by a *NotDeletableError.
var ErrNotDeletable = errors.New("PortOne will not delete the transfer")

// NotDeletableError refuses to correct a record by deleting its transfer:
// PortOne does not delete a transfer in Status (PAYOUT_CONFIRMED and
// later), nor an order transfer that has cancel transfers. Nothing was
// changed; the way forward is a manual transfer (settle adjust) or a
// cancellation.
type NotDeletableError struct {
	What       string // "order "pay-1" of partner "p1""
	TransferID settlement.TransferID
	Status     settlement.TransferStatus // "" when PortOne refused for another reason
	Type       settlement.ErrorType      // PortOne's refusal, when it answered one
}

func (e *NotDeletableError) Error() string {
	switch {
	case e.Type == settlement.ErrCancelOrderTransfersExists:
		return fmt.Sprintf("%s cannot be corrected by deleting its transfer %s: PortOne holds cancel transfers of it (%s)", e.What, e.TransferID, e.Type)
	case e.Type != "":
		return fmt.Sprintf("%s cannot be corrected by deleting its transfer %s: PortOne refused the delete (%s, status %s)", e.What, e.TransferID, e.Type, e.Status)
	}
	return fmt.Sprintf("%s cannot be corrected by deleting its transfer %s: it is %s at PortOne, and only SCHEDULED, IN_PROCESS and SETTLED transfers can be deleted", e.What, e.TransferID, e.Status)
}

// Is makes errors.Is(err, ErrNotDeletable) true.
func (e *NotDeletableError) Is(target error) bool { return target == ErrNotDeletable }

// DeletedButNotVoidedError is a correction cut in half: PortOne deleted
// the transfer, but the record could not be voided here. Running the same
// correction again finishes it (it finds the transfer gone).
type DeletedButNotVoidedError struct {
	What       string
	TransferID settlement.TransferID
	Err        error
}

func (e *DeletedButNotVoidedError) Error() string {
	return fmt.Sprintf("PortOne's transfer %s of %s is deleted, but the record was not voided here: %v; run the same command again to finish", e.TransferID, e.What, e.Err)
}

func (e *DeletedButNotVoidedError) Unwrap() error { return e.Err }

// VoidDeletingTransfer withdraws a stored record even when PortOne already
// holds its transfer, through PortOne's own means: the transfer is
// deleted at PortOne (only in a deletable status, and never an order
// transfer that has cancel transfers), then the record is voided here,
// kept in history naming the deleted transfer. A corrected record imported
// afterwards is one generation later, so it posts under a new client id
// (PortOne never reuses one) and is reconciled like any other.
//
// Every check the void makes runs before PortOne is touched, so a refusal
// changes nothing anywhere. A record PortOne never held is voided as
// VoidRecord voids it. Should the void fail after the delete, the error is
// a *DeletedButNotVoidedError and the same call finishes it: a transfer
// PortOne no longer has (404) counts as deleted.
func VoidDeletingTransfer(ctx context.Context, st *store.Store, api TransferDeleter, req store.VoidRequest) (store.Voided, error) {
	v, err := st.CheckVoid(ctx, req)
	if errors.Is(err, store.ErrNotFound) {
		if prev, ok := lastVoided(ctx, st, req); ok {
			return store.Voided{}, &AlreadyVoidedError{What: req.What(), Voided: prev}
		}
	}
	if err != nil {
		return v, err
	}
	if v.Deleted == nil {
		return st.VoidRecord(ctx, req) // PortOne does not hold it
	}
	id := v.Deleted.TransferID
	what := req.What()
	d := store.DeletedTransfer{TransferID: id}
	gone := false
	t, err := api.GetTransfer(ctx, string(id))
	switch {
	case err == nil:
		o := transfer.Observe(t)
		if !o.Status.Deletable() {
			return store.Voided{}, &NotDeletableError{What: what, TransferID: id, Status: o.Status}
		}
		amount := int64(o.Transfer.Amounts.Settlement)
		d.Status, d.Amount = o.Status, &amount
		if !o.Transfer.SettlementDate.IsZero() {
			d.SettlementDate = o.Transfer.SettlementDate.String()
		}
	case errors.Is(err, settlement.ErrTransferNotFound):
		gone = true // deleted before (an earlier run cut in half, or the console)
	default:
		return store.Voided{}, fmt.Errorf("%s: reading its transfer %s at PortOne: %w", what, id, err)
	}
	if !gone {
		err := api.DeleteTransfer(ctx, string(id))
		switch {
		case err == nil, errors.Is(err, settlement.ErrTransferNotFound):
		case errors.Is(err, settlement.ErrCancelOrderTransfersExists):
			return store.Voided{}, &NotDeletableError{What: what, TransferID: id, Status: d.Status, Type: settlement.ErrCancelOrderTransfersExists}
		case errors.Is(err, settlement.ErrTransferNonDeletableStatus):
			return store.Voided{}, &NotDeletableError{What: what, TransferID: id, Status: d.Status, Type: settlement.ErrTransferNonDeletableStatus}
		default:
			// Not known to be deleted: nothing changed here; running
			// again reads it again.
			return store.Voided{}, fmt.Errorf("%s: deleting its transfer %s at PortOne: %w", what, id, err)
		}
	}
	out, err := st.VoidDeleted(context.WithoutCancel(ctx), req, d)
	if errors.Is(err, store.ErrNotFound) {
		// Another instance corrected the same record at the same time
		// and voided it first.
		if prev, perr := st.VoidedByDeletedTransfer(ctx, id); perr == nil {
			return prev, nil
		}
	}
	if err != nil {
		return out, &DeletedButNotVoidedError{What: what, TransferID: id, Err: err}
	}
	return out, nil
}

// AlreadyVoidedError answers a correction of a record that is no longer
// stored because it was voided (by another instance at the same moment, or
// by an earlier run of the same command). It matches store.ErrNotFound.
type AlreadyVoidedError struct {
	What   string
	Voided store.Voided
}

func (e *AlreadyVoidedError) Error() string {
	v := e.Voided
	return fmt.Sprintf("%s is not stored: it was voided at %s by %s (%s); import the corrected record", e.What,
		v.VoidedAt.Format("2006-01-02 15:04:05 MST"), v.By, v.Reason)
}

// Is makes errors.Is(err, store.ErrNotFound) true.
func (e *AlreadyVoidedError) Is(target error) bool { return target == store.ErrNotFound }

// lastVoided is the latest void of the record req names, if any.
func lastVoided(ctx context.Context, st *store.Store, req store.VoidRequest) (store.Voided, bool) {
	hist, err := st.VoidedRecords(ctx, req.PartnerID)
	if err != nil {
		return store.Voided{}, false
	}
	for i := len(hist) - 1; i >= 0; i-- {
		v := hist[i]
		if v.Kind == req.Kind && ((req.Kind == settlement.KindOrder && v.PaymentID == req.PaymentID) ||
			(req.Kind == settlement.KindOrderCancel && v.CancellationID == req.CancellationID)) {
			return v, true
		}
	}
	return store.Voided{}, false
}
