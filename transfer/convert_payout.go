package transfer

import (
	"encoding/json"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// Partner settlements and payouts, wire ↔ domain, made right once like a
// transfer (Observe): an ORDER_CANCEL settlement's amounts are positive
// magnitudes whatever sign PortOne used, and the JSON kept has no account.

// ObservedSettlement is PortOne's partner settlement made right once:
// Settlement in domain terms (a cancel positive), Negated when PortOne sent
// a cancel's amounts negated, and Raw, its JSON with the partner and
// contract reduced to id and name and no account member.
type ObservedSettlement struct {
	Settlement settlement.PartnerSettlement
	Negated    bool
	Raw        json.RawMessage
}

// ObservePartnerSettlement maps one PlatformPartnerSettlement. It never
// fails: an amount PortOne sent in a shape that does not fit its type stays
// zero and a malformed date stays zero, and reconciliation reports the
// settlement as differing.
func ObservePartnerSettlement(w PartnerSettlement) ObservedSettlement {
	p := settlement.PartnerSettlement{
		ID:     w.ID,
		Status: settlement.PartnerSettlementStatus(w.Status),
		Key: settlement.SettlementKey{
			PartnerID: settlement.PartnerID(w.Partner.ID), Kind: settlement.Kind(w.Type),
			Currency: settlement.Currency(w.SettlementCurrency),
		},
	}
	p.Key.SettlementDate, _ = settlement.ParseDate(w.SettlementDate)
	if w.Contract != nil {
		p.Key.ContractID = w.Contract.ID
	}
	if r := w.SettlementStartDateRange; r != nil {
		p.StartFrom, _ = settlement.ParseDate(r.From)
		p.StartUntil, _ = settlement.ParseDate(r.Until)
	}
	o := ObservedSettlement{Raw: trimmed(w, topSnapshots)}
	switch p.Key.Kind {
	case settlement.KindManual:
		if a, err := w.ManualAmount(); err == nil {
			p.Amounts.Settlement = settlement.Won(a)
		}
		if w.TaxFreeAmount != nil {
			p.Amounts.SettlementTaxFree = settlement.Won(*w.TaxFreeAmount)
		}
	default:
		if a, err := w.OrderAmount(); err == nil {
			p.Amounts = AmountsFromWire(a)
		}
		t := settlement.Transfer{Kind: p.Key.Kind, Amounts: p.Amounts}
		if o.Negated = settlement.NormalizeCancel(&t); o.Negated {
			p.Amounts = t.Amounts
		}
	}
	o.Settlement = p
	return o
}

// ObservedPayout is PortOne's payout in domain terms with its trimmed JSON
// (no account: the partner's bank account never leaves this package).
type ObservedPayout struct {
	Payout settlement.PayoutRecord
	Raw    json.RawMessage
}

// ObservePayout maps one PlatformPayout. It never fails: a malformed
// timestamp stays zero.
func ObservePayout(w Payout) ObservedPayout {
	p := settlement.PayoutRecord{
		ID: w.ID, BulkPayoutID: w.BulkPayoutID,
		Key:    settlement.PayoutKey{PartnerID: settlement.PartnerID(w.Partner.ID), Currency: settlement.Currency(w.Currency)},
		Status: settlement.PayoutStatus(w.Status),
		Amounts: settlement.PayoutAmounts{
			Settlement: settlement.Won(w.SettlementAmount), SettlementTaxFree: settlement.Won(w.SettlementTaxFreeAmount),
			Supply: settlement.Won(w.SupplyAmount), TaxFree: settlement.Won(w.TaxFreeAmount), VAT: settlement.Won(w.VatAmount),
			IncomeTax: settlement.Won(w.IncomeTaxAmount), LocalIncomeTax: settlement.Won(w.LocalIncomeTaxAmount),
			Amount: settlement.Won(w.Amount),
		},
		DeductWht: w.DeductWht, AmountType: settlement.AmountType(w.SettlementAmountType),
		FailReason: w.FailReason,
	}
	p.CreatedAt, _ = time.Parse(time.RFC3339Nano, w.CreatedAt)
	p.ScheduledAt, _ = time.Parse(time.RFC3339Nano, w.ScheduledAt)
	p.StatusUpdatedAt, _ = time.Parse(time.RFC3339Nano, w.StatusUpdatedAt)
	return ObservedPayout{Payout: p, Raw: trimmed(w, topSnapshots)}
}

// PayoutAmountsToWire sets a payout's amount fields from a.
func PayoutAmountsToWire(w *Payout, a settlement.PayoutAmounts) {
	w.Amount, w.SupplyAmount, w.TaxFreeAmount, w.VatAmount = int64(a.Amount), int64(a.Supply), int64(a.TaxFree), int64(a.VAT)
	w.SettlementAmount, w.SettlementTaxFreeAmount = int64(a.Settlement), int64(a.SettlementTaxFree)
	w.IncomeTaxAmount, w.LocalIncomeTaxAmount = int64(a.IncomeTax), int64(a.LocalIncomeTax)
}

// TaxProfileOf is what of a partner decides its payout: its type and, for
// a business, its taxation type, as PortOne sent them.
func TaxProfileOf(p Partner) settlement.TaxProfile {
	tp := settlement.TaxProfile{Type: settlement.PartnerType(p.Type.Type)}
	if tp.Type == settlement.PartnerBusiness {
		tp.Taxation = settlement.TaxationType(p.Type.TaxationType)
	}
	return tp
}

// PayoutSettingOf is what of the platform setting decides payouts.
func PayoutSettingOf(s Setting) settlement.PayoutSetting {
	return settlement.PayoutSetting{AmountType: settlement.AmountType(s.SettlementAmountType), DeductWht: s.DeductWht}
}
