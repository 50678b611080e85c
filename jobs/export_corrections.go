package jobs

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// Corrections feeds the workbook's Corrections sheet: the records voided
// (with the deleted transfer, if any, and the corrected record that
// replaced it) of the export's business dates, and the adjustments made on
// them (paid on them, for an export by settlement date), each adjustment
// with the mismatches the nightly reconcile recorded for it. Corrections
// are few (an operator makes each), so they are held and sorted by
// business date, partner and time.
func (s *exportSource) Corrections(ctx context.Context, yield func(*reports.CorrectionRow) error) error {
	var rows []reports.CorrectionRow
	err := s.st.ReportVoidedRecords(ctx, s.q, func(v *store.ReportVoided) error {
		r := reports.CorrectionRow{Kind: reports.CorrectionVoided, TransferKind: v.Kind, PartnerID: v.PartnerID, PartnerName: s.name(v.PartnerID),
			PaymentID: v.PaymentID, CancellationID: v.CancellationID, BusinessDate: v.BusinessDate, Reason: v.Reason, By: v.By, At: v.VoidedAt,
			Status: string(v.IntentStatus), Error: v.IntentError}
		if d := v.Deleted; d != nil {
			r.Kind, r.PortOneTransferID, r.PortOneStatus = reports.CorrectionDeleted, d.TransferID, d.Status
			if d.Amount != nil {
				w := settlement.Won(*d.Amount)
				r.PortOneAmount = &w
			}
			if sd, err := settlement.ParseDate(d.SettlementDate); err == nil {
				r.SettlementDate = sd
			}
			r.Issue = reports.IssueNotReposted
		}
		if rep := v.Replacement; rep != nil {
			r.Replacement, r.ReplacementStatus, r.ReplacementPortOne, r.ReplacementAmount = rep.TransferID, string(rep.Status), rep.PortOneStatus, rep.PortOneAmount
			if r.Replacement == "" {
				r.Replacement = rep.IntentID
			}
			switch rep.Status {
			case store.IntentFailed, store.IntentConflict:
				r.Issue = reports.IssueReplacementFailed
			default:
				if r.Issue == reports.IssueNotReposted {
					r.Issue = ""
				}
			}
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return err
	}
	aq := store.AdjustmentQuery{PartnerID: s.q.PartnerID, BySettlementDate: s.q.BySettlementDate, From: s.q.From, To: s.q.To}
	if !s.q.From.IsZero() {
		aq.Since = s.q.From.Time(s.loc)
	}
	if !s.q.To.IsZero() {
		aq.Until = s.q.To.AddDays(1).Time(s.loc)
	}
	adjs, err := s.st.AdjustmentsOf(ctx, aq)
	if err != nil {
		return err
	}
	ids := make([]settlement.TransferID, len(adjs))
	for i := range adjs {
		ids[i] = adjs[i].ClientID
	}
	found, err := s.st.MismatchesOf(ctx, ids)
	if err != nil {
		return err
	}
	for i := range adjs {
		a := &adjs[i]
		amount, taxFree := a.Amount, a.TaxFree
		r := reports.CorrectionRow{Kind: reports.CorrectionAdjustment, TransferKind: settlement.KindManual, PartnerID: a.PartnerID,
			PartnerName: s.name(a.PartnerID), Reference: a.Reference, BusinessDate: settlement.DateOf(a.CreatedAt, s.loc),
			SettlementDate: a.SettlementDate, Amount: &amount, TaxFree: &taxFree, Memo: a.Memo, Reason: a.Reason, By: a.By, At: a.CreatedAt,
			Status: string(a.Status), Error: a.LastError, PortOneTransferID: a.PortOneTransferID, PortOneStatus: a.PortOneStatus,
			PortOneAmount: a.PortOneAmount}
		ok := a.Status == store.IntentPosted || a.Status == store.IntentAdopted
		if !ok {
			r.Issue, r.Detail = reports.IssueAdjustmentFailed, a.LastError
		} else if ms := found[a.ClientID]; len(ms) > 0 {
			ok = false
			var what []string
			for _, m := range ms {
				what = append(what, m.Field) // the reason is on the Mismatches sheet
			}
			r.Issue, r.Detail = reports.IssueAdjustmentDiffers, strings.Join(what, ", ")
		}
		r.Reconciled = &ok
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b reports.CorrectionRow) int {
		return cmp.Or(a.BusinessDate.Compare(b.BusinessDate), cmp.Compare(a.PartnerID, b.PartnerID), a.At.Compare(b.At))
	})
	for i := range rows {
		if err := yield(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}
