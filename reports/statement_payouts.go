package reports

import (
	"context"

	"github.com/settle-dev/settle/settlement"
)

// statementPayouts reads the partner's payouts when the source has them
// (PayoutSource, issue #15): the rows of the statement's partner only.
func statementPayouts(ctx context.Context, src StatementSource, partner settlement.PartnerID) ([]PayoutRow, error) {
	ps, ok := src.(PayoutSource)
	if !ok {
		return nil, nil
	}
	var out []PayoutRow
	err := ps.Payouts(ctx, func(r PayoutRow) error {
		if r.PartnerID == partner {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// writePayoutRows writes the statement's payouts under the payout section:
// per payout date, the settlement, VAT, the income tax and local income
// tax withheld and the payout, PortOne's figures where PortOne has paid
// (ours otherwise), with the status.
func (s *statement) writePayoutRows(w *sheetWriter) {
	st, l := s.st, s.o.Lang
	w.line(st.header, label(l, "지급일", "Payout date"), label(l, "상태", "Status"), label(l, "정산금액", "Settlement"),
		label(l, "부가세", "VAT"), label(l, "소득세", "Income tax"), label(l, "지방소득세", "Local income tax"),
		label(l, "지급금액", "Payout"), label(l, "기준", "Figures"))
	for _, p := range s.payouts {
		a, whose := p.PortOne, label(l, "PortOne 지급", "PortOne's payout")
		if a == nil {
			a, whose = p.Ours, label(l, "settle 계산 (지급 전)", "settle's (not yet paid)")
		}
		if p.Negative() { // never shown as a payout of zero
			whose = label(l, "순액 음수: 지급 없음 (회수 대상)", "Negative net: nothing paid (to recover)")
		}
		r := w.line(st.text, p.PayoutDate.String(), payoutRowStatus(l, &p))
		if a != nil {
			for i, v := range []settlement.Won{a.Settlement, a.VAT, a.IncomeTax, a.LocalIncomeTax, a.Amount} {
				w.cell(3+i, r, int64(v), st.money)
			}
		}
		w.cell(8, r, whose, st.text)
	}
}
