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
// all) back from PortOne and compares it with what was asked; PortOne's
// current status is recorded. It returns the ones that differ.
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
		got, err := api.GetTransfer(ctx, string(a.PortOneTransferID))
		var apiErr *transfer.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
			out = append(out, AdjustmentMismatch{Adjustment: a, Reason: "transfer " + string(a.PortOneTransferID) + " is gone at PortOne"})
			continue
		}
		if err != nil {
			return out, fmt.Errorf("adjustment %s of partner %q: %w", a.Reference, a.PartnerID, err)
		}
		var asked transfer.CreateManualTransferBody
		if err := json.Unmarshal(a.Request, &asked); err != nil {
			return out, fmt.Errorf("adjustment %s: stored request: %w", a.ClientID, err)
		}
		ans := store.AdjustmentAnswer{Status: a.Status, TransferID: a.PortOneTransferID, PortOne: settlement.TransferStatus(got.Status), Amount: a.PortOneAmount}
		if got.SettlementAmount != nil {
			w := settlement.Won(*got.SettlementAmount)
			ans.Amount = &w
		}
		if err := st.RecordAdjustment(ctx, a.ClientID, ans); err != nil {
			return out, err
		}
		if fields := transfer.Differs(&asked, got); len(fields) > 0 {
			out = append(out, AdjustmentMismatch{Adjustment: a, Reason: fmt.Sprintf("PortOne's transfer %s differs in %v", got.ID, fields)})
		}
	}
	return out, nil
}
