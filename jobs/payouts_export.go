package jobs

import (
	"context"

	"github.com/settle-dev/settle/reports"
)

// Payouts gives the workbook its Payouts sheet (reports.PayoutSource): the
// payouts job's checks of the payout dates its runs for the export's dates
// looked at (PayoutLookback before the first, PayoutHorizon after the last).
func (s *exportSource) Payouts(ctx context.Context, yield func(reports.PayoutRow) error) error {
	from, until := s.q.From.AddDays(-PayoutLookback), s.q.To.AddDays(PayoutHorizon)
	checks, err := s.st.PayoutChecks(ctx, from, until)
	if err != nil {
		return err
	}
	for _, c := range checks {
		row := reports.PayoutRow{PayoutDate: c.PayoutDate, PartnerID: c.PartnerID, PartnerName: s.name(c.PartnerID),
			Currency: string(c.Currency), PayoutID: c.PayoutID, Status: c.Status, FailReason: c.FailReason,
			VAT: c.Treatment.VAT.String(), Withhold: c.Treatment.Withhold, Ours: c.Ours, PortOne: c.Theirs,
			Reasons: c.Reasons}
		if err := yield(row); err != nil {
			return err
		}
	}
	return nil
}

var _ reports.PayoutSource = (*exportSource)(nil)
