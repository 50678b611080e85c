package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// ManualPoster is what an adjustment needs of PortOne; *transfer.Client has it.
type ManualPoster interface {
	CreateManualTransfer(ctx context.Context, b transfer.CreateManualTransferBody) (transfer.CreateResult, error)
	GetTransfer(ctx context.Context, id string) (transfer.Transfer, error)
}

// Adjust posts a manual transfer (PortOne's own means of correcting a
// partner's settlement after an order transfer is posted) and records it
// with PortOne's answer. The adjustment is stored with its client transfer
// id before the POST; running the same adjustment again (same partner and
// reference) posts the same id and body, so PortOne adopts rather than
// doubles it, and an adjustment already posted is not posted again. The
// answer is compared with what was asked (amount, tax-free amount, date):
// a difference is a conflict. A refusal (unknown partner, say) is recorded
// as failed with PortOne's error; a network failure leaves it pending and is
// returned (run it again).
func Adjust(ctx context.Context, st *store.Store, api ManualPoster, sp store.AdjustmentSpec, testMode bool) (store.Adjustment, error) {
	id := store.AdjustmentID(sp.PartnerID, sp.Reference)
	body := transfer.CreateManualTransferBody{ID: string(id), PartnerID: string(sp.PartnerID), Memo: sp.Memo,
		SettlementAmount: int64(sp.Amount), SettlementDate: sp.SettlementDate.String()}
	if sp.TaxFree != 0 {
		tf := int64(sp.TaxFree)
		body.SettlementTaxFreeAmount = &tf
	}
	if testMode {
		body.IsForTest = &testMode
	}
	req, err := json.Marshal(body)
	if err != nil {
		return store.Adjustment{}, err
	}
	sp.Request = req
	adj, err := st.SaveAdjustment(ctx, sp)
	if err != nil {
		return adj, err
	}
	if adj.Status == store.IntentPosted || adj.Status == store.IntentAdopted {
		return adj, nil // done before: ReconcileAdjustments reads it back
	}
	var stored transfer.CreateManualTransferBody
	if err := json.Unmarshal(adj.Request, &stored); err != nil {
		return adj, fmt.Errorf("adjustment %s: stored request: %w", id, err)
	}
	res, perr := api.CreateManualTransfer(ctx, stored)
	ans := store.AdjustmentAnswer{}
	var conflict *transfer.ConflictError
	var apiErr *transfer.APIError
	switch {
	case perr == nil:
		ans.Status = store.IntentPosted
		if res.Adopted {
			ans.Status = store.IntentAdopted
		}
		ans.TransferID, ans.PortOne = settlement.TransferID(res.Transfer.ID), settlement.TransferStatus(res.Transfer.Status)
		if res.Transfer.SettlementAmount != nil {
			w := settlement.Won(*res.Transfer.SettlementAmount)
			ans.Amount = &w
		}
		if fields := transfer.Differs(&stored, res.Transfer); len(fields) > 0 {
			ans.Status, ans.Error = store.IntentConflict, fmt.Sprintf("PortOne's transfer %s differs in %v", res.Transfer.ID, fields)
		}
	case errors.As(perr, &conflict):
		ans.Status, ans.Error, ans.TransferID = store.IntentConflict, conflict.Error(), settlement.TransferID(conflict.ID)
	case errors.As(perr, &apiErr) && !apiErr.Retryable():
		ans.Status, ans.Error = store.IntentFailed, fmt.Sprintf("%s (%d): %s", apiErr.Type, apiErr.StatusCode, apiErr.Message)
	default:
		ans.Status, ans.Error = store.IntentPending, perr.Error()
	}
	if err := st.RecordAdjustment(context.WithoutCancel(ctx), id, ans); err != nil {
		return adj, err
	}
	adjs, err := st.Adjustments(ctx, sp.PartnerID)
	if err != nil {
		return adj, err
	}
	for _, a := range adjs {
		if a.ClientID == id {
			adj = a
		}
	}
	if ans.Status == store.IntentPending {
		return adj, fmt.Errorf("adjustment %s of partner %q was not confirmed by PortOne (%s); run the same command again: it posts the same id", sp.Reference, sp.PartnerID, perr)
	}
	return adj, nil
}

// AdjustmentMismatch is an adjustment whose transfer at PortOne differs
// from what was asked, or is gone.
type AdjustmentMismatch struct {
	Adjustment store.Adjustment
	Reason     string
}

// ReconcileAdjustments reads every posted adjustment of partnerID ("" for
// all) back from PortOne and compares it with what was asked, as the
// nightly reconcile does (adjustmentDiffs); PortOne's current status is
// recorded. It returns the ones that differ and the failed or conflicting
// ones.
func ReconcileAdjustments(ctx context.Context, st *store.Store, api ManualPoster, partnerID settlement.PartnerID) ([]AdjustmentMismatch, error) {
	adjs, err := st.Adjustments(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var out []AdjustmentMismatch
	for _, a := range adjs {
		if a.Status != store.IntentPosted && a.Status != store.IntentAdopted {
			if a.Status == store.IntentFailed || a.Status == store.IntentConflict {
				out = append(out, AdjustmentMismatch{Adjustment: a, Reason: fmt.Sprintf("%s: %s", a.Status, a.LastError)})
			}
			continue
		}
		got, err := api.GetTransfer(ctx, string(adjustmentHeldID(&a)))
		if errors.Is(err, settlement.ErrTransferNotFound) {
			out = append(out, AdjustmentMismatch{Adjustment: a, Reason: "transfer " + string(adjustmentHeldID(&a)) + " is gone at PortOne"})
			continue
		}
		if err != nil {
			return out, fmt.Errorf("adjustment %s of partner %q: %w", a.Reference, a.PartnerID, err)
		}
		seen := manualOf(&got)
		if err := recordReadBack(ctx, st, &a, &seen); err != nil {
			return out, err
		}
		if ms := adjustmentDiffs(&a, &seen); len(ms) > 0 {
			fields := make([]string, len(ms))
			for i := range ms {
				fields[i] = ms[i].Field
			}
			out = append(out, AdjustmentMismatch{Adjustment: a, Reason: fmt.Sprintf("PortOne's transfer %s differs in %v", got.ID, fields)})
		}
	}
	return out, nil
}

// manualSeen is PortOne's manual transfer as read back, from a GET or from
// a listing of summaries: what an adjustment is compared on.
type manualSeen struct {
	ID, Type, PartnerID, Status, SettlementDate string
	Amount, TaxFree                             *int64
}

// manualOf is the read-back of a transfer PortOne answered a GET with.
func manualOf(t *transfer.Transfer) manualSeen {
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(t.Partner, &p) // no partner: compared as ""
	return manualSeen{ID: t.ID, Type: t.Type, PartnerID: p.ID, Status: t.Status, SettlementDate: t.SettlementDate,
		Amount: t.SettlementAmount, TaxFree: t.SettlementTaxFreeAmount}
}

// manualOfSummary is the read-back of a transfer in a listing.
func manualOfSummary(t *transfer.TransferSummary) manualSeen {
	return manualSeen{ID: t.ID, Type: t.Type, PartnerID: t.Partner.ID, Status: t.Status, SettlementDate: t.SettlementDate,
		Amount: t.SettlementAmount, TaxFree: t.SettlementTaxFreeAmount}
}

// heldID is the id of PortOne's transfer of a posted adjustment: PortOne's
// answer names it, else our client id, which PortOne keeps as its id.
func adjustmentHeldID(a *store.Adjustment) settlement.TransferID {
	if a.PortOneTransferID != "" {
		return a.PortOneTransferID
	}
	return a.ClientID
}

// adjustmentDiffs compares adjustment a with PortOne's transfer as read
// back, with zero tolerance, and returns the differences as mismatches in
// settlement's vocabulary (Diff is PortOne's minus ours): the amount and
// the tax-free amount (AMOUNT_DIFFERS), the settlement date
// (SETTLEMENT_DATE_DIFFERS), and a transfer under our id that is not a
// manual transfer of the partner (UNKNOWN_AT_PORTONE: not the one we made).
// The reference stands in the payment id, so finance finds it by the
// ticket it answers.
func adjustmentDiffs(a *store.Adjustment, got *manualSeen) []store.Mismatch {
	base := store.Mismatch{PartnerID: a.PartnerID, PaymentID: settlement.PaymentID(a.Reference), IntentID: a.ClientID,
		TransferID: settlement.TransferID(got.ID)}
	var ms []store.Mismatch
	text := func(reason settlement.MismatchReason, field, ours, theirs string) {
		if ours != theirs {
			m := base
			m.Reason, m.Field, m.LocalText, m.PortOneText = reason, field, ours, theirs
			ms = append(ms, m)
		}
	}
	text(settlement.UnknownAtPortOne, "type", string(settlement.KindManual), got.Type)
	text(settlement.UnknownAtPortOne, "partner.id", string(a.PartnerID), got.PartnerID)
	money := func(field string, ours settlement.Won, theirs *int64) {
		var t settlement.Won
		if theirs != nil {
			t = settlement.Won(*theirs)
		}
		if theirs != nil && t == ours || theirs == nil && ours == 0 && field == "settlementTaxFreeAmount" {
			return
		}
		m := base
		m.Reason, m.Field, m.Local, m.PortOne = settlement.AmountDiffers, field, ours, t
		if theirs == nil {
			m.PortOneText = "absent"
		}
		if d, err := (settlement.Amounts{Settlement: t}).Sub(settlement.Amounts{Settlement: ours}); err == nil {
			m.Diff = d.Settlement
		}
		ms = append(ms, m)
	}
	money("settlementAmount", a.Amount, got.Amount)
	money("settlementTaxFreeAmount", a.TaxFree, got.TaxFree)
	text(settlement.DateDiffers, "settlementDate", a.SettlementDate.String(), got.SettlementDate)
	return ms
}

// goneMismatch is the mismatch of a posted adjustment whose transfer PortOne
// no longer has (deleted in PortOne's console, say).
func goneMismatch(a *store.Adjustment) store.Mismatch {
	return store.Mismatch{PartnerID: a.PartnerID, PaymentID: settlement.PaymentID(a.Reference), IntentID: a.ClientID, TransferID: adjustmentHeldID(a),
		Reason: settlement.MissingAtPortOne, Field: "transfer", Local: a.Amount, LocalText: string(a.Status), PortOneText: "gone at PortOne"}
}

// recordReadBack records PortOne's status and amount of a posted adjustment
// as read back.
func recordReadBack(ctx context.Context, st *store.Store, a *store.Adjustment, got *manualSeen) error {
	ans := store.AdjustmentAnswer{Status: a.Status, TransferID: a.PortOneTransferID, PortOne: settlement.TransferStatus(got.Status), Amount: a.PortOneAmount}
	if ans.TransferID == "" {
		ans.TransferID = settlement.TransferID(got.ID)
	}
	if got.Amount != nil {
		w := settlement.Won(*got.Amount)
		ans.Amount = &w
	}
	return st.RecordAdjustment(ctx, a.ClientID, ans)
}
