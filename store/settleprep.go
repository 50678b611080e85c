package store

import (
	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// settlementPrep is what writing settlement recs[i] takes besides the ids
// only the write knows (its own, its order's and cancellation's rows) and
// the time: its row's columns and its line blocks' values, encoded. A
// settle run makes them in PrepareSettlements, on the goroutine that
// computes the next page, so that the single writer only binds and steps
// (a tenth of the writer's time was this encoding: details, policy
// versions, digests, the boxing of every amount).
type settlementPrep struct {
	row   settlementRow // ID, OrderRef, CancellationRef and ComputedAt unset
	lines []any         // per line block, its values in lineColumns order
}

// prepSettlement encodes r, whose payload hash is hash.
func prepSettlement(r *SettlementRecord, hash string) settlementPrep {
	t := &r.Transfer
	p := settlementPrep{
		row: settlementRow{Transfer: colsOf(t), ContractVersion: int64(r.ContractVersion), PolicyVersions: encodePolicyVersions(r.PolicyVersions),
			RulesVersion: r.RulesVersion, BusinessDate: day(r.BusinessDate), Hash: hash},
		lines: make([]any, 0, len(t.Lines)*len(lineColumns)),
	}
	start, date := t.SettlementStartDate.String(), t.SettlementDate.String()
	for j := range t.Lines {
		l := &t.Lines[j]
		p.lines = append(p.lines, int64(j+1), l.Product.ID, l.Product.Name, l.Quantity, start, date,
			encodeDetail(l.Discounts, l.AdditionalFees, l.UserDefined))
		p.lines = amountValues(p.lines, &l.Amounts)
	}
	return p
}

// prepSettlements encodes recs (pays are their payloads).
func prepSettlements(recs []SettlementRecord, pays []payload) []settlementPrep {
	out := make([]settlementPrep, len(recs))
	for i := range recs {
		out[i] = prepSettlement(&recs[i], pays[i].hash)
	}
	return out
}

// insertPreparedLines writes the line blocks of settlements rows ids
// (prepared as preps) into settlement_lines with bulkInsert.
func (s *Store) insertPreparedLines(tx *gorm.DB, ids []int64, preps []*settlementPrep) error {
	per := len(lineColumns)
	type ref struct {
		id   int64
		vals []any
	}
	var lines []ref
	for n, p := range preps {
		for j := 0; j < len(p.lines); j += per {
			lines = append(lines, ref{ids[n], p.lines[j : j+per]})
		}
	}
	cols := append([]string{ourTransfers.ref}, lineColumns...)
	return s.bulkInsert(tx, ourTransfers.lines, cols, len(lines), func(i int, args []any) []any {
		return append(append(args, lines[i].id), lines[i].vals...)
	}, "", nil)
}

// kind is the kind of the prepared settlement.
func (p *settlementPrep) kind() settlement.Kind { return settlement.Kind(p.row.Transfer.Kind) }
